/* tlsconn.c - TLS handshakes per second against a server, full or resumed.
 *
 *   tlsconn -p PORT [-h HOST] [-v 1.2|1.3] [-r] [-j PARALLEL] [-t SECONDS] [-g GROUPS]
 *
 * -g sets the client's groups (OpenSSL list, e.g. P-256:X25519); default
 * OpenSSL's own, which offers an X25519 key share first.
 * Each connection: TCP connect, TLS handshake, close without a request
 * (like openssl s_time without -www). With -r every connection offers the
 * session ticket of an earlier one: the first connection sends
 * "GET /healthz" and reads the reply, because a TLS 1.3 server sends its
 * NewSessionTicket after the handshake and OpenSSL only takes it in while
 * reading. That is what `openssl s_time -reuse` (OpenSSL 3.0) misses: it
 * keeps the session before any ticket has arrived, so under TLS 1.3 every
 * "reused" connection is a full handshake. A connection that was not
 * resumed is counted and its session taken for the next ones.
 *
 * -j N forks N clients; the figure is the sum of their rates, each timed
 * with CLOCK_MONOTONIC. Output (one line):
 *   tlsconn: C connections, R resumed, F failed, S s, X handshakes/s
 * Certificates are not verified (as s_time): the client's work stays the
 * handshake itself, the same for every server measured.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct tally {
	long conns, resumed, failed;
	double secs;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One connection; returns 0 on a completed handshake. */
static int one(SSL_CTX *ctx, const struct sockaddr_in *addr, SSL_SESSION **sess, int resume, int *reused)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1, rc = -1;
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) != 0) {
		close(fd);
		return -1;
	}
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, "localhost");
	if (resume && *sess)
		SSL_set_session(ssl, *sess);
	if (SSL_connect(ssl) == 1) {
		rc = 0;
		*reused = SSL_session_reused(ssl);
		if (resume && !*reused) {
			/* Take this connection's ticket (TLS 1.3: read to receive it). */
			static const char req[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
			char buf[4096];
			if (SSL_write(ssl, req, sizeof req - 1) > 0)
				while (SSL_read(ssl, buf, sizeof buf) > 0)
					;
			SSL_SESSION *s = SSL_get1_session(ssl);
			if (s && SSL_SESSION_is_resumable(s)) {
				if (*sess)
					SSL_SESSION_free(*sess);
				*sess = s;
			} else if (s) {
				SSL_SESSION_free(s);
			}
		}
	}
	SSL_set_quiet_shutdown(ssl, 1);
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	return rc;
}

static const char *groups;

static struct tally client(const struct sockaddr_in *addr, int version, int resume, double secs)
{
	struct tally t = {0};
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_SESSION *sess = NULL;
	SSL_CTX_set_min_proto_version(ctx, version);
	SSL_CTX_set_max_proto_version(ctx, version);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (groups && SSL_CTX_set1_groups_list(ctx, groups) != 1) {
		fprintf(stderr, "tlsconn: bad group list %s\n", groups);
		exit(2);
	}
	double t0 = now_s(), end = t0 + secs;
	while (now_s() < end) {
		int reused = 0;
		if (one(ctx, addr, &sess, resume, &reused) == 0) {
			t.conns++;
			t.resumed += reused;
		} else {
			t.failed++;
			if (t.failed > 1000 && t.conns == 0)
				break;
		}
	}
	t.secs = now_s() - t0;
	if (sess)
		SSL_SESSION_free(sess);
	SSL_CTX_free(ctx);
	return t;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	int port = 0, resume = 0, par = 1, opt, version = TLS1_3_VERSION;
	double secs = 10;

	while ((opt = getopt(argc, argv, "h:p:v:rj:t:g:")) != -1) {
		switch (opt) {
		case 'h': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'v': version = strcmp(optarg, "1.2") == 0 ? TLS1_2_VERSION : TLS1_3_VERSION; break;
		case 'r': resume = 1; break;
		case 'j': par = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'g': groups = optarg; break;
		default:
			fprintf(stderr, "usage: tlsconn -p PORT [-h HOST] [-v 1.2|1.3] [-r] [-j N] [-t SECONDS] [-g GROUPS]\n");
			return 2;
		}
	}
	if (port <= 0 || par < 1 || secs <= 0) {
		fprintf(stderr, "usage: tlsconn -p PORT [-h HOST] [-v 1.2|1.3] [-r] [-j N] [-t SECONDS] [-g GROUPS]\n");
		return 2;
	}
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		fprintf(stderr, "tlsconn: %s: not an IPv4 address\n", host);
		return 2;
	}
	int fds[2];
	if (pipe(fds) != 0)
		return 1;
	for (int i = 0; i < par; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			close(fds[0]);
			struct tally t = client(&addr, version, resume, secs);
			ssize_t w = write(fds[1], &t, sizeof t); /* atomic: < PIPE_BUF */
			_exit(w == (ssize_t)sizeof t ? 0 : 1);
		}
	}
	close(fds[1]);
	struct tally sum = {0};
	double rate = 0;
	struct tally t;
	int got = 0;
	while (read(fds[0], &t, sizeof t) == (ssize_t)sizeof t) {
		sum.conns += t.conns;
		sum.resumed += t.resumed;
		sum.failed += t.failed;
		if (t.secs > sum.secs)
			sum.secs = t.secs;
		rate += t.secs > 0 ? (double)t.conns / t.secs : 0;
		got++;
	}
	while (wait(NULL) > 0)
		;
	printf("tlsconn: %ld connections, %ld resumed, %ld failed, %.2f s, %.0f handshakes/s\n", sum.conns,
	       sum.resumed, sum.failed, sum.secs, rate);
	return got == par && sum.conns > 0 ? 0 : 1;
}
