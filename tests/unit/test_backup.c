/* test_backup.c - the sealed backup format: round trips, every flipped
 * byte, every truncation, appended and reordered chunks, wrong keys, key
 * files, and refused downgrades. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "record.h"
#include "status.h"
#include "unit.h"

#define CHUNK 64u

static int memfile(const void *p, size_t n)
{
	int fd = memfd_create("t", MFD_CLOEXEC);
	if (fd >= 0 && (n == 0 || write(fd, p, n) == (ssize_t)n) && lseek(fd, 0, SEEK_SET) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The whole content of fd (rewound), in *out (malloc'd). */
static size_t slurp(int fd, unsigned char **out)
{
	off_t end = lseek(fd, 0, SEEK_END);
	*out = malloc(end > 0 ? (size_t)end : 1);
	if (!*out || pread(fd, *out, (size_t)end, 0) != end)
		return 0;
	return (size_t)end;
}

static void test_key(struct backup_key *k, unsigned char fill)
{
	memset(k, 0, sizeof *k);
	memset(k->k, fill, sizeof k->k);
}

/* Seals `n` bytes of a pattern into a malloc'd file image. */
static size_t seal(const struct backup_key *k, size_t n, unsigned char **image)
{
	unsigned char *plain = malloc(n + 1);
	struct sc_error err = {0};
	for (size_t i = 0; i < n; i++)
		plain[i] = (unsigned char)(i * 7 + 3);
	int in = memfile(plain, n), out = memfile(NULL, 0);
	free(plain);
	size_t len = 0;
	if (in >= 0 && out >= 0 && backup_seal(in, out, k, 1, CHUNK, NULL, NULL, &err) == FN_OK)
		len = slurp(out, image);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return len;
}

/* Opens an image; FN_OK only when it authenticates whole. *plain_n gets
 * the plaintext length and the plaintext is checked against the pattern. */
static int open_image(const struct backup_key *k, const unsigned char *img, size_t len,
                      size_t *plain_n, struct sc_error *err)
{
	struct backup_info info;
	int in = memfile(img, len), out = memfile(NULL, 0);
	int rc = in < 0 || out < 0 ? FN_IO_ERROR : backup_header_read(in, k, &info, err);
	if (rc == FN_OK)
		rc = backup_body_read(in, k, &info, out, NULL, NULL, err);
	if (rc == FN_OK) {
		unsigned char *p;
		*plain_n = slurp(out, &p);
		for (size_t i = 0; i < *plain_n; i++)
			if (p[i] != (unsigned char)(i * 7 + 3))
				rc = FN_INTERNAL;
		free(p);
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

static int test_backup_round_trips_at_chunk_edges(void)
{
	static const size_t sizes[] = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 1000};
	struct backup_key k;
	struct sc_error err = {0};
	test_key(&k, 0x42);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *img = NULL;
		size_t len = seal(&k, sizes[i], &img), got = 99999;
		CHECK(len >= BACKUP_HEADER_SIZE);
		int rc = open_image(&k, img, len, &got, &err);
		if (rc != FN_OK)
			fprintf(stderr, "size %zu: %s\n", sizes[i], err.message);
		CHECK_EQ_INT(rc, FN_OK);
		CHECK_EQ_INT(got, sizes[i]);
		free(img);
	}
	return 0;
}

/* One flipped bit in any byte of the file (header, prefix, ciphertext,
 * tag) is refused. */
static int test_backup_every_flipped_byte_is_refused(void)
{
	struct backup_key k;
	unsigned char *img = NULL;
	struct sc_error err = {0};
	size_t got;
	test_key(&k, 7);
	size_t len = seal(&k, 3 * CHUNK + 10, &img);
	CHECK(len > 0);
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 1; bit < 256; bit <<= 3) {
			img[i] ^= (unsigned char)bit;
			int rc = open_image(&k, img, len, &got, &err);
			img[i] ^= (unsigned char)bit;
			if (rc == FN_OK) {
				fprintf(stderr, "flipping bit %u of byte %zu went unnoticed\n", bit, i);
				return 1;
			}
		}
	}
	CHECK_EQ_INT(open_image(&k, img, len, &got, &err), FN_OK);
	free(img);
	return 0;
}

/* Every prefix of the file is refused, including one that ends exactly
 * between chunks; so is a file with a byte appended. */
static int test_backup_truncated_or_extended_is_refused(void)
{
	struct backup_key k;
	unsigned char *img = NULL;
	struct sc_error err = {0};
	size_t got;
	test_key(&k, 9);
	size_t len = seal(&k, 2 * CHUNK, &img);
	CHECK(len > 0);
	for (size_t cut = 0; cut < len; cut++) {
		if (open_image(&k, img, cut, &got, &err) == FN_OK) {
			fprintf(stderr, "a file cut to %zu of %zu bytes was accepted\n", cut, len);
			return 1;
		}
	}
	unsigned char *longer = malloc(len + 1);
	memcpy(longer, img, len);
	longer[len] = 0;
	CHECK(open_image(&k, longer, len + 1, &got, &err) == FN_WRONG_KEY);
	CHECK(strstr(err.message, "after its end"));
	free(longer);
	free(img);
	return 0;
}

/* Two full chunks swapped: each is authentic alone, but not in that place. */
static int test_backup_reordered_chunks_are_refused(void)
{
	struct backup_key k;
	unsigned char *img = NULL;
	struct sc_error err = {0};
	size_t got, c = 5 + CHUNK + 16;
	test_key(&k, 11);
	size_t len = seal(&k, 3 * CHUNK, &img);
	CHECK(len == BACKUP_HEADER_SIZE + 3 * c + 5 + 16);
	unsigned char *tmp = malloc(c);
	memcpy(tmp, img + BACKUP_HEADER_SIZE, c);
	memmove(img + BACKUP_HEADER_SIZE, img + BACKUP_HEADER_SIZE + c, c);
	memcpy(img + BACKUP_HEADER_SIZE + c, tmp, c);
	CHECK_EQ_INT(open_image(&k, img, len, &got, &err), FN_WRONG_KEY);
	free(tmp);
	free(img);
	return 0;
}

static int test_backup_wrong_key_and_downgrade_are_refused(void)
{
	struct backup_key k, other, none;
	unsigned char *img = NULL, *plain_img = NULL;
	struct sc_error err = {0};
	size_t got;
	test_key(&k, 1);
	test_key(&other, 2);
	backup_key_none(&none);
	size_t len = seal(&k, 100, &img);
	CHECK_EQ_INT(open_image(&other, img, len, &got, &err), FN_WRONG_KEY);
	CHECK(strstr(err.message, "wrong key"));
	CHECK_EQ_INT(open_image(&none, img, len, &got, &err), FN_BAD_ARGUMENT);
	CHECK(strstr(err.message, "encrypted"));
	/* Sealed without a key: opens without one, never with one. */
	size_t plen = seal(&none, 100, &plain_img);
	CHECK_EQ_INT(open_image(&none, plain_img, plen, &got, &err), FN_OK);
	CHECK_EQ_INT(open_image(&k, plain_img, plen, &got, &err), FN_BAD_ARGUMENT);
	/* ... and its content is not left in the clear either way. */
	CHECK(memmem(plain_img, plen, "\x03\x0a\x11\x18", 4) == NULL);
	CHECK_EQ_INT(open_image(&k, (const unsigned char *)"not a backup at all", 19, &got, &err),
	             FN_BAD_ARGUMENT);
	free(img);
	free(plain_img);
	return 0;
}

static int test_backup_key_files(void)
{
	char dir[] = "/tmp/fn-backup-key.XXXXXX", path[64];
	struct sc_error err = {0};
	struct backup_key a, b;
	struct stat st;
	CHECK(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/k", dir);
	CHECK_EQ_INT(backup_key_generate(path, &err), FN_OK);
	CHECK(stat(path, &st) == 0);
	CHECK_EQ_INT(st.st_mode & 0777, 0600);
	CHECK_EQ_INT(st.st_size, 65);
	/* Never replaced: its backups would become unreadable. */
	CHECK(backup_key_generate(path, &err) != FN_OK);
	CHECK_EQ_INT(backup_key_load(&a, path, &err), FN_OK);
	CHECK_EQ_INT(backup_key_load(&b, path, &err), FN_OK);
	CHECK(memcmp(a.k, b.k, sizeof a.k) == 0 && !a.none);
	CHECK(chmod(path, 0644) == 0);
	CHECK_EQ_INT(backup_key_load(&b, path, &err), FN_BAD_ARGUMENT);
	CHECK(strstr(err.message, "chmod 600"));
	/* A second key differs from the first. */
	snprintf(path, sizeof path, "%s/k2", dir);
	CHECK_EQ_INT(backup_key_generate(path, &err), FN_OK);
	CHECK_EQ_INT(backup_key_load(&b, path, &err), FN_OK);
	CHECK(memcmp(a.k, b.k, sizeof a.k) != 0);
	/* Not a key: wrong length, not hex. */
	int fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, "zz\n", 3) == 3);
	close(fd);
	CHECK_EQ_INT(backup_key_load(&b, path, &err), FN_BAD_ARGUMENT);
	unlink(path);
	snprintf(path, sizeof path, "%s/k", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

const struct unit_case backup_cases[] = {
	{"backup_round_trips_at_chunk_edges", test_backup_round_trips_at_chunk_edges},
	{"backup_every_flipped_byte_is_refused", test_backup_every_flipped_byte_is_refused},
	{"backup_truncated_or_extended_is_refused", test_backup_truncated_or_extended_is_refused},
	{"backup_reordered_chunks_are_refused", test_backup_reordered_chunks_are_refused},
	{"backup_wrong_key_and_downgrade_are_refused", test_backup_wrong_key_and_downgrade_are_refused},
	{"backup_key_files", test_backup_key_files},
	{NULL, NULL},
};
