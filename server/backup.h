/* backup.h - the backup file format: a stream sealed in AES-256-GCM chunks
 * under a key file, with a header that binds every chunk and the end.
 *
 * Layout (all integers big-endian):
 *   header  "FNBACKUP", format 1, sealed (1: key file, 0: none), 2 zero
 *           bytes, chunk size u32, schema version u32, created u64,
 *           file id (16 random bytes), key id (8), tag (16)    = 68 bytes
 *   chunk i (i = 1, 2, ...): final flag (1), length u32, ciphertext,
 *           tag (16); AAD = SHA-256(header) || flag || length
 * The key for one file is HMAC-SHA256(key file, "fieldnote backup v1" ||
 * file id), and chunk i's nonce is 4 zero bytes and i (the header is
 * chunk 0), so nonces never repeat under one key. The last chunk carries
 * the final flag and nothing may follow it: a truncated, reordered,
 * spliced or extended file fails authentication.
 * A backup sealed without a key (--unencrypted) uses an all-zero key: it
 * still detects damage and truncation, but anyone can read or forge it. */
#ifndef FN_BACKUP_H
#define FN_BACKUP_H

#include <stddef.h>
#include <stdint.h>

struct sc_error;

#define BACKUP_KEY_SIZE 32
#define BACKUP_HEADER_SIZE 68
#define BACKUP_CHUNK_DEFAULT (1u << 20)
#define BACKUP_CHUNK_MIN 16u
#define BACKUP_CHUNK_MAX (16u << 20)

/* The caller owns it; backup_key_wipe clears it. */
struct backup_key {
	unsigned char k[BACKUP_KEY_SIZE];
	int none; /* 1: no key file, seal with the all-zero key */
};

/* Creates a key file at `path`: 64 hex digits and a newline, mode 0600,
 * fsynced. Refuses to replace an existing file (its backups would become
 * unreadable). FN_OK, or an error with *err (may be NULL) saying why. */
int backup_key_generate(const char *path, struct sc_error *err);

/* Reads a key file made by backup_key_generate. Refuses one that group or
 * others may read. Every function below that takes `err` fills it (when not
 * NULL) with the reason for a failure. */
int backup_key_load(struct backup_key *key, const char *path, struct sc_error *err);
void backup_key_none(struct backup_key *key);
void backup_key_wipe(struct backup_key *key);

/* What a header says, and what reading the body found. */
struct backup_info {
	int sealed;           /* 1: encrypted with a key file */
	uint32_t chunk_size;
	int schema_version;   /* of the store copied, as the writer saw it */
	int64_t created;      /* unix time */
	char key_id[17];      /* hex, "" when not sealed */
	unsigned char hash[32]; /* SHA-256 of the header: binds the chunks */
	unsigned char file_id[16];
	uint64_t bytes;       /* plaintext bytes, after backup_body_read */
	uint64_t chunks;
};

/* Called after each chunk with the bytes done so far. */
typedef void (*backup_progress_fn)(uint64_t bytes, void *arg);

/* Reads in_fd to its end and writes the sealed file to out_fd (header
 * first). chunk_size 0 means BACKUP_CHUNK_DEFAULT. Does not fsync. */
int backup_seal(int in_fd, int out_fd, const struct backup_key *key,
                int schema_version, uint32_t chunk_size,
                backup_progress_fn progress, void *arg, struct sc_error *err);

/* Reads and authenticates the header at fd's position. FN_WRONG_KEY when
 * the key does not match (*err says whether the key ids differ),
 * FN_BAD_ARGUMENT when fd is not a backup or a key was given for a backup
 * made without one (a downgrade is refused), FN_IO_ERROR on a read error. */
int backup_header_read(int fd, const struct backup_key *key,
                       struct backup_info *info, struct sc_error *err);

/* Reads every chunk after the header, writing plaintext to out_fd only
 * after its chunk authenticated; requires the final chunk and nothing
 * after it. FN_WRONG_KEY when a chunk fails (damage or truncation). On a
 * failure out_fd may hold a prefix of the plaintext: discard it. */
int backup_body_read(int fd, const struct backup_key *key, struct backup_info *info,
                     int out_fd, backup_progress_fn progress, void *arg, struct sc_error *err);

#endif
