/* hex.h - hexadecimal digits to and from bytes, the one implementation the server and the codecs share. */
#ifndef FN_SCHEMA_HEX_H
#define FN_SCHEMA_HEX_H

#include <stddef.h>

/* The value of one hex digit (either case), or -1 when c is not one. */
int sc_hex_digit(int c);

/* n bytes to 2n lower-case hex digits and a NUL: out holds 2n + 1 chars. */
void sc_hex_encode(const unsigned char *in, size_t n, char *out);

/* 2n hex digits (either case) at p to n bytes at out; 0, or -1 (out
 * partly written) when any of them is not a hex digit. */
int sc_hex_decode(const char *p, size_t n, unsigned char *out);

#endif
