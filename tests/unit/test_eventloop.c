/*
 * test_eventloop.c - a server keeps working while the DNS is slow.
 *
 * The server's resolver goes through slowdns, which delays every answer
 * by 2 s (the first lookup, which walks the chain of trust, takes several
 * of those).  200 clients with names that are not cached start handshakes:
 * each pauses on its TLSA lookup.  Meanwhile clients whose name was
 * prefetched must complete their handshakes promptly, and a heartbeat
 * timer on the same event loop must never see a stall.  Finally every one
 * of the 200 must end (here: refused, since their certificate's SAN is
 * not their name), none by the handshake deadline.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "dance.h"
#include "lib/testutil.h"
#include "util/strnum.h"

#define SLOW 200
#define FAST 20
#define DELAY_MS "2000"
#define CACHED "_ns-client.ee.good.dance.test"

struct server {
	int ok, refused, timeouts;
};

struct client {
	SSL *ssl;
	int fd;
	int done, err;
};

struct heartbeat {
	struct event *ev;
	uint64_t last, max_gap;
};

static void
server_done(void *arg, int err, SSL *ssl, int fd, const struct dance_peer *p)
{
	struct server *s = arg;

	(void)p;
	if (err == DANCE_OK) {
		s->ok++;
		SSL_free(ssl);
		close(fd);
	} else if (err == DANCE_ERR_TIMEOUT)
		s->timeouts++;
	else
		s->refused++;
}

struct listener {
	struct dance_tls *tls;
	struct server *srv;
};

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct listener *li = arg;

	(void)l;
	(void)sa;
	(void)salen;
	assert_int_equal(
	    dance_accept(li->tls, fd, server_done, li->srv), DANCE_OK);
}

static void
client_done(void *arg, int err, SSL *ssl, int fd, const struct dance_peer *p)
{
	struct client *c = arg;

	(void)p;
	c->done = 1;
	c->err = err;
	c->ssl = ssl;
	c->fd = fd;
}

static void
beat(evutil_socket_t fd, short what, void *arg)
{
	struct heartbeat *h = arg;
	uint64_t now = tu_now_ms();

	(void)fd;
	(void)what;
	if (h->last != 0 && now - h->last > h->max_gap)
		h->max_gap = now - h->last;
	h->last = now;
}

static struct dance_tls *
client_tls(
    struct dance_ctx *ctx, const char *name, const char *cert, const char *key)
{
	struct dance_client_opts o;
	char certpath[1024];
	struct dance_tls *tls;
	int err;

	memset(&o, 0, sizeof(o));
	snprintf(certpath, sizeof(certpath), "%s", tu_cert(cert));
	o.cert_file = certpath;
	o.key_file = tu_cert(key);
	o.client_name = name;
	tls = dance_tls_client_new(ctx, &o, &err);
	assert_non_null(tls);
	return tls;
}

static void
test_cached_clients_unaffected_by_slow_dns(void **state)
{
	struct event_base *base;
	struct dance_ctx *sctx, *cctx;
	struct dance_tls *stls, *fast_tls, *slow_tls[SLOW];
	struct dance_server_opts so;
	struct dance_stats st;
	struct server srv = {0, 0, 0};
	static struct client slow[SLOW], fast[FAST];
	struct heartbeat hb = {NULL, 0, 0};
	struct evconnlistener *lst;
	struct listener li;
	const char *errstr;
	struct sockaddr_in sin;
	struct timeval tick = {0, 10000};
	char sport[16], nsd[16], fwd[64], name[128], certpath[1024];
	char *argv[5];
	uint64_t t0, worst = 0;
	int err, i, port, flag = 0;
	pid_t pid;

	(void)state;
	/* The slow authority. */
	snprintf(sport, sizeof(sport), "%d", tu_free_port());
	snprintf(nsd, sizeof(nsd), "%s", tu_env("DANCE_TEST_DNS_PORT"));
	argv[0] = (char *)"slowdns";
	argv[1] = sport;
	argv[2] = nsd;
	argv[3] = (char *)DELAY_MS;
	argv[4] = NULL;
	pid = tu_spawn_helper("slowdns", argv, "slowdns: ready");
	assert_true(pid > 0);

	base = event_base_new();
	assert_non_null(base);
	hb.ev = event_new(base, -1, EV_PERSIST, beat, &hb);
	event_add(hb.ev, &tick);

	/* Server: resolver behind slowdns, one name prefetched. */
	sctx = dance_ctx_new(base, &err);
	assert_non_null(sctx);
	snprintf(fwd, sizeof(fwd), "127.0.0.1@%s", sport);
	assert_int_equal(dance_ctx_add_forwarder(sctx, fwd), DANCE_OK);
	assert_int_equal(
	    dance_ctx_add_ta_file(sctx, tu_env("DANCE_TA_DS")), DANCE_OK);
	assert_int_equal(dance_ctx_set_timeout(sctx, 10000), DANCE_OK);
	assert_int_equal(dance_ctx_add_prefetch(sctx, CACHED), DANCE_OK);
	memset(&so, 0, sizeof(so));
	snprintf(certpath, sizeof(certpath), "%s", tu_cert("srv.crt"));
	so.cert_file = certpath;
	so.key_file = tu_cert("srv.key");
	so.handshake_timeout_ms = 20000;
	stls = dance_tls_server_new(sctx, &so, &err);
	assert_non_null(stls);
	li.tls = stls;
	li.srv = &srv;
	port =
	    (int)strnum_parse(tu_env("DANCE_TEST_TLS_PORT"), 1, 65535, &errstr);
	assert_null(errstr);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lst = evconnlistener_new_bind(base, on_accept, &li,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 1024,
	    (struct sockaddr *)&sin, sizeof(sin));
	assert_non_null(lst);

	/* Wait (deadline) until the prefetch has filled the cache. */
	t0 = tu_now_ms();
	for (;;) {
		struct dance_tlsa *t = dance_cache_get(sctx, CACHED);

		if (t != NULL) {
			dance_tlsa_unref(t);
			break;
		}
		assert_true(tu_now_ms() - t0 < 30000);
		tu_run_until(base, &flag, 20);
	}

	/* Clients: resolver straight to NSD. */
	cctx = dance_ctx_new(base, &err);
	assert_non_null(cctx);
	tu_resolver_fixture(cctx);
	for (i = 0; i < SLOW; i++) {
		snprintf(name, sizeof(name), "n%d._device.good.dance.test", i);
		slow_tls[i] =
		    client_tls(cctx, name, "sensor7-chain.pem", "sensor7.key");
		slow[i].fd = -1;
		assert_int_equal(
		    dance_connect(slow_tls[i], "srv.good.dance.test",
			(uint16_t)port, "127.0.0.1", client_done, &slow[i]),
		    DANCE_OK);
	}
	/* Until all 200 handshakes wait on the slow authority. */
	t0 = tu_now_ms();
	for (;;) {
		dance_ctx_stats(sctx, &st);
		if (st.queries_inflight >= SLOW)
			break;
		assert_true(tu_now_ms() - t0 < 2500);
		tu_run_until(base, &flag, 10);
	}
	print_message("%d handshakes paused on DNS after %llu ms\n", SLOW,
	    (unsigned long long)(tu_now_ms() - t0));

	/* Cached clients, one after another, while those wait. */
	hb.max_gap = 0;
	fast_tls = client_tls(cctx, CACHED, "cli.crt", "cli.key");
	for (i = 0; i < FAST; i++) {
		uint64_t start = tu_now_ms();
		int want = srv.ok + 1;

		fast[i].fd = -1;
		assert_int_equal(
		    dance_connect(fast_tls, "srv.good.dance.test",
			(uint16_t)port, "127.0.0.1", client_done, &fast[i]),
		    DANCE_OK);
		while (srv.ok < want) {
			assert_true(tu_now_ms() - start < 1000);
			tu_run_until(base, &flag, 5);
		}
		if (tu_now_ms() - start > worst)
			worst = tu_now_ms() - start;
		assert_int_equal(fast[i].err, DANCE_OK);
	}
	dance_ctx_stats(sctx, &st);
	print_message("%d cached handshakes, slowest %llu ms, loop stall max "
		      "%llu ms, %llu lookups still pending\n",
	    FAST, (unsigned long long)worst, (unsigned long long)hb.max_gap,
	    (unsigned long long)st.queries_inflight);
	assert_int_equal(srv.ok, FAST);
	assert_int_equal(srv.refused, 0); /* the slow ones still wait */
	assert_true(st.queries_inflight >= SLOW);
	assert_true(hb.max_gap < 300);

	/* Every slow handshake ends, refused on its name, none timed out. */
	t0 = tu_now_ms();
	while (srv.refused < SLOW) {
		assert_true(tu_now_ms() - t0 < 15000);
		tu_run_until(base, &flag, 20);
	}
	assert_int_equal(srv.timeouts, 0);
	assert_int_equal(srv.ok, FAST);

	for (i = 0; i < SLOW; i++) {
		if (slow[i].ssl != NULL)
			SSL_free(slow[i].ssl);
		if (slow[i].fd >= 0)
			close(slow[i].fd);
		dance_tls_free(slow_tls[i]);
	}
	for (i = 0; i < FAST; i++) {
		if (fast[i].ssl != NULL)
			SSL_free(fast[i].ssl);
		if (fast[i].fd >= 0)
			close(fast[i].fd);
	}
	dance_tls_free(fast_tls);
	evconnlistener_free(lst);
	dance_tls_free(stls);
	event_free(hb.ev);
	dance_ctx_free(cctx);
	dance_ctx_free(sctx);
	event_base_free(base);
	tu_stop_helper(pid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cached_clients_unaffected_by_slow_dns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
