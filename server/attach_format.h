/* attach_format.h - pure functions on untrusted attachment input: the tus
 * upload headers, file type by content, and removal of image metadata.
 * No I/O, no allocation beyond what the caller passes: the fuzz target
 * (tests/fuzz/fuzz_attach.c) drives every function here. */
#ifndef FN_ATTACH_FORMAT_H
#define FN_ATTACH_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* The file types known by content (setting attachment_types names them). */
enum attach_type { ATTACH_UNKNOWN = 0, ATTACH_JPEG, ATTACH_PNG, ATTACH_PDF };

/* "image/jpeg", "image/png", "application/pdf"; NULL for ATTACH_UNKNOWN. */
const char *attach_type_media(enum attach_type t);
/* The type a media type names (case-insensitive), or ATTACH_UNKNOWN. */
enum attach_type attach_type_of_media(const char *p, size_t n);

/* A decimal header value (Upload-Length, Upload-Offset): digits only, no
 * sign or spaces, at most `max`. 0, or -1 when malformed or above max. */
int attach_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Upload-Metadata (tus 1.0): "key base64,key base64,...". Values are
 * decoded into `buf` (cap bytes); each found key's value is NUL-terminated
 * there. Unknown keys are skipped; a key given twice, a bad key or bad
 * base64 is an error. */
#define ATTACH_META_KEYS 6
struct attach_meta {
	/* the keys fieldnote reads, in this order */
	const char *v[ATTACH_META_KEYS]; /* NULL when absent; points into buf */
	size_t n[ATTACH_META_KEYS];
};
enum { ATTACH_META_NOTE_ID, ATTACH_META_ID, ATTACH_META_SHA256, ATTACH_META_TYPE,
       ATTACH_META_CAPTION, ATTACH_META_FILENAME };
extern const char *const attach_meta_keys[ATTACH_META_KEYS];
/* 0, or -1 with *bad (may be NULL) the 1-based item that failed. */
int attach_parse_metadata(const char *h, char *buf, size_t cap, struct attach_meta *out, int *bad);

/* Upload-Checksum: "sha256 BASE64" (tus checksum extension). 0 with the
 * 32-byte digest, -1 when malformed or another algorithm. */
int attach_parse_checksum(const char *h, unsigned char digest[32]);

/* 64 hex digits (either case) to 32 bytes, and 32 bytes to 64 lower-case
 * hex digits plus a NUL. */
int attach_hex_decode(const char *p, size_t n, unsigned char out[32]);
void attach_hex_encode(const unsigned char in[32], char out[65]);

/* The type of a complete file by its bytes: a JPEG must run from SOI
 * through its segments to an EOI at the end, a PNG from its signature
 * through well-formed chunks to IEND, a PDF from "%PDF-" to a "%%EOF" in
 * its last 1 KiB. A truncated file is ATTACH_UNKNOWN. */
enum attach_type attach_sniff(const unsigned char *p, size_t n);

/* Copies a JPEG or PNG without its metadata into out (cap >= n): JPEG APP1
 * (Exif, XMP), APP12, APP13 (IPTC) and COM segments; PNG eXIf, tEXt, zTXt,
 * iTXt and tIME chunks. Other types are copied unchanged. *out_n: bytes
 * written. 0, or -1 when the file is not well formed (see attach_sniff). */
int attach_strip(enum attach_type t, const unsigned char *p, size_t n, unsigned char *out,
                 size_t cap, size_t *out_n);

#endif
