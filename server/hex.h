/* hex.h - hexadecimal digits to and from bytes: the one implementation the
 * server's modules share. Header-only, so that a file compiled on its own
 * (tests/fuzz builds attach_format.c alone, with -Iserver) has it too. */
#ifndef FN_HEX_H
#define FN_HEX_H

#include <stddef.h>

/* The value of one hex digit (either case), or -1 when c is not one. */
static inline int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n bytes to 2n lower-case hex digits and a NUL: out holds 2n + 1 chars. */
static inline void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = 0;
}

/* 2n hex digits (either case) at p to n bytes at out; 0, or -1 (out
 * partly written) when any of them is not a hex digit. */
static inline int hex_decode(const char *p, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit((unsigned char)p[2 * i]), lo = hex_digit((unsigned char)p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

#endif
