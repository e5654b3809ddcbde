/* backup.c - key files and the sealed backup stream (format in backup.h). */
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "hex.h"
#include "mbedtls/gcm.h"
#include "mbedtls/md.h"
#include "mbedtls/sha256.h"
#include "record.h"
#include "status.h"

#define MAGIC "FNBACKUP"
#define FORMAT 1
#define TAG 16
#define PREFIX 5   /* chunk: final flag, length */
#define AUTHED (BACKUP_HEADER_SIZE - TAG)
#define KDF_LABEL "fieldnote backup v1"
#define KEYID_LABEL "fieldnote backup key id"

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* Reads up to n bytes; fewer only at end of file. -1 on error. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int write_full(int fd, const void *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf = (const char *)buf + w;
		n -= (size_t)w;
	}
	return 0;
}

static int hmac(const unsigned char key[BACKUP_KEY_SIZE], const char *label,
                const unsigned char *extra, size_t elen, unsigned char out[32])
{
	unsigned char msg[64];
	size_t n = strlen(label);
	memcpy(msg, label, n);
	if (elen)
		memcpy(msg + n, extra, elen);
	return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key,
	                       BACKUP_KEY_SIZE, msg, n + elen, out);
}

static void key_id(const struct backup_key *key, unsigned char out[8])
{
	unsigned char h[32];
	memset(out, 0, 8);
	if (!key->none && hmac(key->k, KEYID_LABEL, NULL, 0, h) == 0)
		memcpy(out, h, 8);
}

/* The GCM context for one file: its own key, derived from the file id. */
static int file_cipher(mbedtls_gcm_context *gcm, const struct backup_key *key,
                       const unsigned char file_id[16])
{
	static const unsigned char zero[BACKUP_KEY_SIZE];
	unsigned char fk[32];
	int rc = hmac(key->none ? zero : key->k, KDF_LABEL, file_id, 16, fk);
	mbedtls_gcm_init(gcm);
	if (rc == 0)
		rc = mbedtls_gcm_setkey(gcm, MBEDTLS_CIPHER_ID_AES, fk, 256);
	explicit_bzero(fk, sizeof fk);
	return rc;
}

static void nonce(uint64_t index, unsigned char out[12])
{
	memset(out, 0, 4);
	put64(out + 4, index);
}

int backup_key_generate(const char *path, struct sc_error *err)
{
	unsigned char k[BACKUP_KEY_SIZE];
	char text[2 * BACKUP_KEY_SIZE + 2];

	if (getrandom(k, sizeof k, 0) != (ssize_t)sizeof k)
		return sc_error_set(err, FN_IO_ERROR, NULL, "no randomness: %s", strerror(errno));
	sc_hex_encode(k, sizeof k, text);
	explicit_bzero(k, sizeof k);
	strcat(text, "\n");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		sc_error_set(err, FN_IO_ERROR, NULL, "%s: %s%s", path, strerror(errno),
		             errno == EEXIST ? " (a key file is never replaced: its backups would be lost)" : "");
		explicit_bzero(text, sizeof text);
		return FN_IO_ERROR;
	}
	int bad = fchmod(fd, 0600) != 0 || write_full(fd, text, strlen(text)) != 0 || fsync(fd) != 0;
	explicit_bzero(text, sizeof text);
	if (close(fd) != 0 || bad) {
		sc_error_set(err, FN_IO_ERROR, NULL, "%s: %s", path, strerror(errno));
		unlink(path);
		return FN_IO_ERROR;
	}
	return FN_OK;
}

int backup_key_load(struct backup_key *key, const char *path, struct sc_error *err)
{
	char text[2 * BACKUP_KEY_SIZE + 3];
	struct stat st;
	int rc = FN_OK;

	memset(key, 0, sizeof *key);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		sc_error_set(err, FN_IO_ERROR, NULL, "key file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return FN_IO_ERROR;
	}
	if (st.st_mode & 077) {
		sc_error_set(err, FN_BAD_ARGUMENT, NULL, "key file %s may be read by others (mode %03o): chmod 600 it",
		             path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return FN_BAD_ARGUMENT;
	}
	ssize_t n = read_full(fd, text, sizeof text);
	close(fd);
	if (n == 2 * BACKUP_KEY_SIZE + 1 && text[n - 1] == '\n')
		n--;
	if (n != 2 * BACKUP_KEY_SIZE || sc_hex_decode(text, BACKUP_KEY_SIZE, key->k) != 0)
		rc = FN_BAD_ARGUMENT;
	explicit_bzero(text, sizeof text);
	if (rc != FN_OK) {
		sc_error_set(err, rc, NULL, "key file %s is not a fieldnote backup key (64 hex digits; "
		             "make one with: fieldnote backup keygen --out FILE)", path);
		backup_key_wipe(key);
	}
	return rc;
}

void backup_key_none(struct backup_key *key)
{
	memset(key, 0, sizeof *key);
	key->none = 1;
}

void backup_key_wipe(struct backup_key *key)
{
	explicit_bzero(key, sizeof *key);
}

/* Tags the filled header (as chunk 0, with no plaintext) and writes it. */
static int write_header(int out_fd, mbedtls_gcm_context *gcm, unsigned char h[BACKUP_HEADER_SIZE],
                        unsigned char hash[32])
{
	unsigned char iv[12];
	nonce(0, iv);
	if (mbedtls_gcm_crypt_and_tag(gcm, MBEDTLS_GCM_ENCRYPT, 0, iv, 12, h, AUTHED,
	                              NULL, NULL, TAG, h + AUTHED) != 0)
		return FN_INTERNAL;
	mbedtls_sha256(h, BACKUP_HEADER_SIZE, hash, 0);
	return write_full(out_fd, h, BACKUP_HEADER_SIZE) == 0 ? FN_OK : FN_IO_ERROR;
}

static void fill_header(unsigned char h[BACKUP_HEADER_SIZE], const struct backup_key *key,
                        int schema_version, uint32_t chunk_size, const unsigned char id[16])
{
	memset(h, 0, BACKUP_HEADER_SIZE);
	memcpy(h, MAGIC, 8);
	h[8] = FORMAT;
	h[9] = key->none ? 0 : 1;
	put32(h + 12, chunk_size);
	put32(h + 16, (uint32_t)schema_version);
	put64(h + 20, (uint64_t)clock_now());
	memcpy(h + 28, id, 16);
	key_id(key, h + 44);
}

/* Seals one chunk: prefix, ciphertext and tag written in one go. */
static int seal_chunk(int out_fd, mbedtls_gcm_context *gcm, const unsigned char hash[32],
                      uint64_t index, int final, const unsigned char *in, uint32_t n,
                      unsigned char *out)
{
	unsigned char aad[32 + PREFIX], iv[12];
	memcpy(aad, hash, 32);
	aad[32] = (unsigned char)final;
	put32(aad + 33, n);
	memcpy(out, aad + 32, PREFIX);
	nonce(index, iv);
	if (mbedtls_gcm_crypt_and_tag(gcm, MBEDTLS_GCM_ENCRYPT, n, iv, 12, aad, sizeof aad,
	                              in, out + PREFIX, TAG, out + PREFIX + n) != 0)
		return FN_INTERNAL;
	return write_full(out_fd, out, PREFIX + n + TAG) == 0 ? FN_OK : FN_IO_ERROR;
}

int backup_seal(int in_fd, int out_fd, const struct backup_key *key,
                int schema_version, uint32_t chunk_size,
                backup_progress_fn progress, void *arg, struct sc_error *err)
{
	unsigned char h[BACKUP_HEADER_SIZE], id[16], hash[32];
	mbedtls_gcm_context gcm;
	int rc;

	if (!chunk_size)
		chunk_size = BACKUP_CHUNK_DEFAULT;
	if (chunk_size < BACKUP_CHUNK_MIN || chunk_size > BACKUP_CHUNK_MAX)
		return FN_BAD_ARGUMENT;
	if (getrandom(id, sizeof id, 0) != (ssize_t)sizeof id)
		return sc_error_set(err, FN_IO_ERROR, NULL, "no randomness: %s", strerror(errno));
	unsigned char *in = malloc(chunk_size), *out = malloc(PREFIX + chunk_size + TAG);
	if (!in || !out || file_cipher(&gcm, key, id) != 0) {
		free(in);
		free(out);
		mbedtls_gcm_free(&gcm);
		return FN_NO_MEMORY;
	}
	fill_header(h, key, schema_version, chunk_size, id);
	rc = write_header(out_fd, &gcm, h, hash);
	uint64_t done = 0;
	for (uint64_t index = 1; rc == FN_OK; index++) {
		ssize_t n = read_full(in_fd, in, chunk_size);
		if (n < 0) {
			rc = sc_error_set(err, FN_IO_ERROR, NULL, "reading the store copy: %s", strerror(errno));
			break;
		}
		int final = (size_t)n < chunk_size; /* short read: end of input */
		rc = seal_chunk(out_fd, &gcm, hash, index, final, in, (uint32_t)n, out);
		if (rc == FN_IO_ERROR)
			sc_error_set(err, rc, NULL, "writing the backup: %s", strerror(errno));
		done += (uint64_t)n;
		if (progress && rc == FN_OK)
			progress(done, arg);
		if (final)
			break;
	}
	mbedtls_gcm_free(&gcm);
	explicit_bzero(in, chunk_size);
	free(in);
	free(out);
	return rc;
}

int backup_header_read(int fd, const struct backup_key *key,
                       struct backup_info *info, struct sc_error *err)
{
	unsigned char h[BACKUP_HEADER_SIZE], iv[12], mine[8];
	mbedtls_gcm_context gcm;

	memset(info, 0, sizeof *info);
	ssize_t n = read_full(fd, h, sizeof h);
	if (n < 0)
		return sc_error_set(err, FN_IO_ERROR, NULL, "reading the backup: %s", strerror(errno));
	if (n < 10 || memcmp(h, MAGIC, 8) != 0)
		return sc_error_set(err, FN_BAD_ARGUMENT, NULL, "not a fieldnote backup (no FNBACKUP header)");
	if (h[8] != FORMAT)
		return sc_error_set(err, FN_BAD_ARGUMENT, NULL, "backup format %u is not known to this version (it reads %d)",
		                    h[8], FORMAT);
	if (n < (ssize_t)sizeof h)
		return sc_error_set(err, FN_WRONG_KEY, NULL, "the backup is truncated inside its header");
	info->sealed = h[9] == 1;
	if (info->sealed && key->none)
		return sc_error_set(err, FN_BAD_ARGUMENT, NULL, "this backup is encrypted: give its --key-file");
	if (!info->sealed && !key->none) {
		/* Anyone can make an unencrypted backup: never accept one in
		 * place of the encrypted one the operator expects. */
		return sc_error_set(err, FN_BAD_ARGUMENT, NULL, "this backup is not encrypted, but a --key-file was "
		                    "given (restore it without one only if you trust where it came from)");
	}
	if (info->sealed)
		sc_hex_encode(h + 44, 8, info->key_id);
	key_id(key, mine);
	if (file_cipher(&gcm, key, h + 28) != 0) {
		mbedtls_gcm_free(&gcm);
		return FN_NO_MEMORY;
	}
	nonce(0, iv);
	int bad = mbedtls_gcm_auth_decrypt(&gcm, 0, iv, 12, h, AUTHED, h + AUTHED, TAG, NULL, NULL) != 0;
	mbedtls_gcm_free(&gcm);
	if (bad) {
		if (info->sealed && memcmp(mine, h + 44, 8) != 0)
			sc_error_set(err, FN_WRONG_KEY, NULL, "wrong key: the backup was made with key id %s",
			             info->key_id);
		else
			sc_error_set(err, FN_WRONG_KEY, NULL, "the backup's header is damaged");
		return FN_WRONG_KEY;
	}
	info->chunk_size = get32(h + 12);
	info->schema_version = (int)get32(h + 16);
	info->created = (int64_t)get64(h + 20);
	mbedtls_sha256(h, sizeof h, info->hash, 0);
	if (info->chunk_size < BACKUP_CHUNK_MIN || info->chunk_size > BACKUP_CHUNK_MAX)
		return sc_error_set(err, FN_BAD_ARGUMENT, NULL, "the backup's chunk size %u is out of range",
		                    info->chunk_size);
	/* The chunks' key comes from the file id, kept for backup_body_read. */
	memcpy(info->file_id, h + 28, 16);
	return FN_OK;
}

/* Reads and opens chunk `index`; *n gets its plaintext length. */
static int open_chunk(int fd, mbedtls_gcm_context *gcm, const struct backup_info *info,
                      uint64_t index, unsigned char *buf, unsigned char *plain,
                      uint32_t *n, int *final, struct sc_error *err)
{
	unsigned char aad[32 + PREFIX], iv[12];
	ssize_t got = read_full(fd, aad + 32, PREFIX);
	if (got < 0)
		goto io;
	if (got < PREFIX)
		return sc_error_set(err, FN_WRONG_KEY, NULL,
		                    "the backup is truncated: it ends before chunk %llu (no end marker)",
		                    (unsigned long long)index);
	*final = aad[32];
	*n = get32(aad + 33);
	if (*final > 1 || *n > info->chunk_size)
		return sc_error_set(err, FN_WRONG_KEY, NULL, "the backup is damaged at chunk %llu",
		                    (unsigned long long)index);
	got = read_full(fd, buf, *n + TAG);
	if (got < 0)
		goto io;
	if ((size_t)got < *n + TAG)
		return sc_error_set(err, FN_WRONG_KEY, NULL, "the backup is truncated inside chunk %llu",
		                    (unsigned long long)index);
	memcpy(aad, info->hash, 32);
	nonce(index, iv);
	if (mbedtls_gcm_auth_decrypt(gcm, *n, iv, 12, aad, sizeof aad, buf + *n, TAG, buf, plain) != 0)
		return sc_error_set(err, FN_WRONG_KEY, NULL, "the backup is damaged: chunk %llu fails authentication",
		                    (unsigned long long)index);
	return FN_OK;
io:
	return sc_error_set(err, FN_IO_ERROR, NULL, "reading the backup: %s", strerror(errno));
}

int backup_body_read(int fd, const struct backup_key *key, struct backup_info *info,
                     int out_fd, backup_progress_fn progress, void *arg, struct sc_error *err)
{
	mbedtls_gcm_context gcm;
	unsigned char *buf = malloc(info->chunk_size + TAG), *plain = malloc(info->chunk_size);
	int rc = FN_OK, final = 0;

	info->bytes = info->chunks = 0;
	if (!buf || !plain || file_cipher(&gcm, key, info->file_id) != 0) {
		free(buf);
		free(plain);
		mbedtls_gcm_free(&gcm);
		return FN_NO_MEMORY;
	}
	for (uint64_t index = 1; rc == FN_OK && !final; index++) {
		uint32_t n = 0;
		rc = open_chunk(fd, &gcm, info, index, buf, plain, &n, &final, err);
		if (rc != FN_OK)
			break;
		if (write_full(out_fd, plain, n) != 0) {
			rc = sc_error_set(err, FN_IO_ERROR, NULL, "writing the restored store: %s", strerror(errno));
			break;
		}
		info->bytes += n;
		info->chunks++;
		if (progress)
			progress(info->bytes, arg);
	}
	if (rc == FN_OK) {
		unsigned char extra;
		ssize_t more = read_full(fd, &extra, 1);
		if (more != 0) {
			rc = sc_error_set(err, more < 0 ? FN_IO_ERROR : FN_WRONG_KEY, NULL,
			                  more < 0 ? "reading the backup: %s" : "the backup has data after its end marker%.0s",
			                  strerror(errno));
		}
	}
	mbedtls_gcm_free(&gcm);
	explicit_bzero(plain, info->chunk_size);
	free(buf);
	free(plain);
	return rc;
}
