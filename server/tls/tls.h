/* tls: the mbedTLS adapter for civetweb, configured before mg_start().
 *
 * The implementation lives in mod_mbedtls.inl, which the build copies over
 * civetweb's own src/mod_mbedtls.inl; it is compiled once, inside civetweb.c.
 * The server calls tls_configure() before mg_start() and request handlers
 * call tls_peer_identity(); nothing else of mbedTLS is visible to them.
 */
#ifndef FIELDNOTE_TLS_H
#define FIELDNOTE_TLS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Longest path accepted for each file, and longest client identity. */
#define TLS_PATH_MAX 4096
#define TLS_IDENTITY_MAX 255
/* TLS 1.3 forbids ticket lifetimes above seven days (RFC 8446, 4.6.1). */
#define TLS_TICKET_LIFETIME_MAX (7u * 24u * 3600u)
#define TLS_TICKET_LIFETIME_DEFAULT 86400u

struct tls_options {
	const char *cert_file;      /* PEM server certificate (chain) */
	const char *key_file;       /* PEM private key */
	const char *device_ca_file; /* NULL: no client certs; else require and
	                               verify client certs against this CA */
	unsigned ticket_lifetime_s; /* session ticket lifetime, 0 = default 86400 */
	unsigned handshake_timeout_ms; /* longest handshake, 0 = default 10000 */
};

/* Registers the files and settings the next mg_start() uses for its TLS
 * listening ports. Must be called before mg_start(), from one thread; copies
 * the strings (the caller keeps ownership of opt). Files are read, and
 * errors in them reported, by mg_start(): see tls_last_error().
 * Returns 0, or -1 when opt is NULL, cert_file or key_file is NULL, a path
 * is longer than TLS_PATH_MAX - 1 bytes, or ticket_lifetime_s exceeds
 * TLS_TICKET_LIFETIME_MAX; tls_last_error() says which. */
int tls_configure(const struct tls_options *opt);

/* The subject CN of the client certificate verified on the connection this
 * worker thread is serving (also after session resumption), or NULL when no
 * client certificate was required. Points to thread-local storage owned by
 * the adapter: valid on the calling thread until that connection closes. At
 * most TLS_IDENTITY_MAX bytes of printable ASCII; NUL-terminated. */
const char *tls_peer_identity(void);

struct sc_error; /* schema/record.h */

/* Why the last tls_configure() or TLS set-up inside mg_start() failed,
 * copied into *out: status (FN_BAD_ARGUMENT for a wrong file or setting,
 * FN_IO_ERROR when a file cannot be read, FN_TLS_ERROR when mbedTLS itself
 * fails), field naming the setting at fault ("cert", "key", "device_ca";
 * "" when none is) and message, e.g. "cannot read key file /etc/x.key:
 * PK - Read/write of file failed (-0x3E00): No such file or directory".
 * FN_OK with "" everywhere if nothing failed. The adapter keeps one record,
 * overwritten by the next call of either: not thread-safe, read it on the
 * thread that called mg_start(). */
void tls_last_error(struct sc_error *out);

/* Makes every handshake in progress, and every later one, fail within
 * about 100 ms: for a graceful stop, where connections that have not
 * finished their handshake are not requests in flight. Any thread. */
void tls_drain(void);

#ifdef __cplusplus
}
#endif

#endif /* FIELDNOTE_TLS_H */
