/* attach_format.c - tus header parsing, type sniffing and metadata removal
 * over untrusted bytes; every read is bounds-checked against its length. */
#include "attach_format.h"

#include <string.h>
#include <strings.h>

#include "hex.h"

const char *const attach_meta_keys[ATTACH_META_KEYS] = {"note_id", "id", "sha256", "media_type",
                                                        "caption", "filename"};

static const char *const media[] = {NULL, "image/jpeg", "image/png", "application/pdf"};

const char *attach_type_media(enum attach_type t)
{
	return (unsigned)t < sizeof media / sizeof media[0] ? media[t] : NULL;
}

enum attach_type attach_type_of_media(const char *p, size_t n)
{
	for (int t = ATTACH_JPEG; t <= ATTACH_PDF; t++)
		if (strlen(media[t]) == n && strncasecmp(media[t], p, n) == 0)
			return (enum attach_type)t;
	return ATTACH_UNKNOWN;
}

int attach_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!s || !*s || strlen(s) > 19)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 with padding; -1 on any other character or length. */
static long b64_decode(const char *p, size_t n, unsigned char *out, size_t cap)
{
	size_t o = 0;
	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int k = 0; k < 4; k++) {
			if (p[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad || (v[k] = b64val((unsigned char)p[i + k])) < 0) {
				return -1;
			}
		}
		unsigned long w = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 | (unsigned long)v[2] << 6 |
		                  (unsigned long)v[3];
		if (o + 3 - (size_t)pad > cap)
			return -1;
		out[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)w;
	}
	return (long)o;
}

/* One "key [base64]" item of Upload-Metadata. */
static int meta_item(const char *p, size_t n, char *buf, size_t cap, size_t *used, struct attach_meta *out)
{
	const char *sp = memchr(p, ' ', n);
	size_t kn = sp ? (size_t)(sp - p) : n;
	if (kn == 0)
		return -1;
	for (size_t i = 0; i < kn; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 127 || p[i] == ',')
			return -1;
	int k = -1;
	for (int i = 0; i < ATTACH_META_KEYS; i++)
		if (strlen(attach_meta_keys[i]) == kn && memcmp(attach_meta_keys[i], p, kn) == 0)
			k = i;
	const char *v = sp ? sp + 1 : p + n;
	size_t vn = sp ? n - kn - 1 : 0;
	if (*used >= cap)
		return -1;
	long dn = b64_decode(v, vn, (unsigned char *)buf + *used, cap - *used - 1);
	if (dn < 0)
		return -1;
	if (k < 0)
		return 0;
	if (out->v[k] || memchr(buf + *used, 0, (size_t)dn))
		return -1; /* a key given twice, or a NUL inside a value */
	out->v[k] = buf + *used;
	out->n[k] = (size_t)dn;
	buf[*used + (size_t)dn] = 0;
	*used += (size_t)dn + 1;
	return 0;
}

int attach_parse_metadata(const char *h, char *buf, size_t cap, struct attach_meta *out, int *bad)
{
	size_t used = 0;
	int item = 0;
	memset(out, 0, sizeof *out);
	if (bad)
		*bad = 0;
	if (!h)
		return 0;
	while (*h) {
		const char *comma = strchr(h, ',');
		size_t n = comma ? (size_t)(comma - h) : strlen(h);
		item++;
		while (n && *h == ' ')
			h++, n--;
		if (meta_item(h, n, buf, cap, &used, out) != 0) {
			if (bad)
				*bad = item;
			return -1;
		}
		if (!comma)
			break;
		h = comma + 1;
	}
	return 0;
}

int attach_parse_checksum(const char *h, unsigned char digest[32])
{
	unsigned char tmp[33];
	if (!h || strncasecmp(h, "sha256 ", 7) != 0)
		return -1;
	h += 7;
	size_t n = strlen(h);
	if (n != 44 || b64_decode(h, n, tmp, sizeof tmp) != 32)
		return -1;
	memcpy(digest, tmp, 32);
	return 0;
}

int attach_hex_decode(const char *p, size_t n, unsigned char out[32])
{
	return n == 64 ? sc_hex_decode(p, 32, out) : -1;
}

void attach_hex_encode(const unsigned char in[32], char out[65])
{
	sc_hex_encode(in, 32, out);
}

/* ---- JPEG: walk the marker segments up to the first scan ---- */

/* Metadata segments: APP1 (Exif, XMP: GPS, camera serial), APP12 (camera
 * info), APP13 (IPTC, may carry a location), COM (free text). */
static int jpeg_drop(unsigned m)
{
	return m == 0xE1 || m == 0xEC || m == 0xED || m == 0xFE;
}

/* Copies (or, with out NULL, only checks) a JPEG. */
static int jpeg_walk(const unsigned char *p, size_t n, unsigned char *out, size_t cap, size_t *out_n)
{
	size_t i = 2, o = 0;
	if (n < 4 || p[0] != 0xFF || p[1] != 0xD8 || p[n - 2] != 0xFF || p[n - 1] != 0xD9)
		return -1;
	if (out) {
		if (cap < n)
			return -1;
		out[o++] = 0xFF, out[o++] = 0xD8;
	}
	for (;;) {
		if (i + 4 > n || p[i] != 0xFF)
			return -1;
		unsigned m = p[i + 1];
		if (m == 0xFF) { /* fill byte before a marker */
			i++;
			continue;
		}
		if (m == 0xD8 || m == 0xD9 || m == 0x01 || (m >= 0xD0 && m <= 0xD7) || m == 0x00)
			return -1; /* not expected before the first scan */
		size_t len = (size_t)p[i + 2] << 8 | p[i + 3];
		if (len < 2 || len > n - i - 2)
			return -1;
		if (m == 0xDA) { /* start of scan: the rest is image data, kept whole */
			if (out) {
				memcpy(out + o, p + i, n - i);
				o += n - i;
			}
			break;
		}
		if (out && !jpeg_drop(m)) {
			memcpy(out + o, p + i, len + 2);
			o += len + 2;
		}
		i += len + 2;
	}
	if (out_n)
		*out_n = o;
	return 0;
}

/* ---- PNG: a chain of length-type-data-crc chunks from IHDR to IEND ---- */

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

static int png_drop(const unsigned char *type)
{
	static const char *const drop[] = {"eXIf", "tEXt", "zTXt", "iTXt", "tIME"};
	for (size_t k = 0; k < sizeof drop / sizeof drop[0]; k++)
		if (memcmp(type, drop[k], 4) == 0)
			return 1;
	return 0;
}

static int png_walk(const unsigned char *p, size_t n, unsigned char *out, size_t cap, size_t *out_n)
{
	size_t i = 8, o = 0;
	int first = 1;
	if (n < 8 || memcmp(p, png_sig, 8) != 0)
		return -1;
	if (out) {
		if (cap < n)
			return -1;
		memcpy(out, png_sig, 8);
		o = 8;
	}
	for (;;) {
		if (n - i < 12)
			return -1;
		size_t len = (size_t)p[i] << 24 | (size_t)p[i + 1] << 16 | (size_t)p[i + 2] << 8 | p[i + 3];
		const unsigned char *type = p + i + 4;
		if (len > 0x7fffffffu || len > n - i - 12)
			return -1;
		for (int k = 0; k < 4; k++)
			if (!((type[k] >= 'A' && type[k] <= 'Z') || (type[k] >= 'a' && type[k] <= 'z')))
				return -1;
		if (first && memcmp(type, "IHDR", 4) != 0)
			return -1;
		first = 0;
		if (out && !png_drop(type)) {
			memcpy(out + o, p + i, len + 12);
			o += len + 12;
		}
		i += len + 12;
		if (memcmp(type, "IEND", 4) == 0)
			break;
	}
	if (i != n)
		return -1; /* bytes after IEND */
	if (out_n)
		*out_n = o;
	return 0;
}

static int pdf_check(const unsigned char *p, size_t n)
{
	if (n < 10 || memcmp(p, "%PDF-", 5) != 0)
		return -1;
	size_t from = n > 1024 ? n - 1024 : 0;
	for (size_t i = n - 5 + 1; i-- > from;)
		if (memcmp(p + i, "%%EOF", 5) == 0)
			return 0;
	return -1;
}

enum attach_type attach_sniff(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0xFF && p[1] == 0xD8)
		return jpeg_walk(p, n, NULL, 0, NULL) == 0 ? ATTACH_JPEG : ATTACH_UNKNOWN;
	if (n >= 8 && memcmp(p, png_sig, 8) == 0)
		return png_walk(p, n, NULL, 0, NULL) == 0 ? ATTACH_PNG : ATTACH_UNKNOWN;
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return pdf_check(p, n) == 0 ? ATTACH_PDF : ATTACH_UNKNOWN;
	return ATTACH_UNKNOWN;
}

int attach_strip(enum attach_type t, const unsigned char *p, size_t n, unsigned char *out,
                 size_t cap, size_t *out_n)
{
	if (t == ATTACH_JPEG)
		return jpeg_walk(p, n, out, cap, out_n);
	if (t == ATTACH_PNG)
		return png_walk(p, n, out, cap, out_n);
	if (t != ATTACH_PDF || cap < n || pdf_check(p, n) != 0)
		return -1;
	memcpy(out, p, n);
	*out_n = n;
	return 0;
}
