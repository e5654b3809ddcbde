/* hex.c - hexadecimal digits to and from bytes. */
#include "hex.h"

int sc_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void sc_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = 0;
}

int sc_hex_decode(const char *p, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = sc_hex_digit((unsigned char)p[2 * i]), lo = sc_hex_digit((unsigned char)p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
