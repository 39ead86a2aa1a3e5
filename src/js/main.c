/*
 * main.c - loradane-js: the Join Server.  Start-up, signals and reload;
 * the work is in js_conn.c (connections), js_handler.c (messages) and
 * lib/store/store_workers.c (the store).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>

#include "common/daemon.h"
#include "dance.h"
#include "js.h"
#include "js_conn.h"
#include "js_metrics.h"
#include "store/store_workers.h"
#include "util/log.h"

/* load - a complete configuration, or NULL after logging every error */
static struct js_conf_ref *
load(const char *path)
{
	struct js_conf_ref *ref = calloc(1, sizeof(*ref));
	int errors;

	if (ref == NULL)
		fatal("calloc");
	errors = js_conf_load(path, &ref->conf, daemon_print_error, NULL);
	if (errors != 0) {
		log_warnx("%s: %d error%s", path, errors < 0 ? 1 : errors,
		    errors == 1 ? "" : "s");
		js_conf_wipe(&ref->conf);
		free(ref);
		return NULL;
	}
	ref->refs = 1;
	return ref;
}

static struct dance_tls *
server_tls(struct js_server *srv, const struct js_conf *c)
{
	struct dance_pkix_peer peers[JS_MAX_LIST];
	struct dance_server_opts o;
	struct dance_tls *tls;
	int err;

	memset(&o, 0, sizeof(o));
	o.cert_file = c->tls_cert;
	o.key_file = c->tls_key;
	o.client_auth = DANCE_CLIENT_AUTH_DANE;
	o.handshake_timeout_ms = c->handshake_timeout_ms;
	for (int i = 0; i < c->npkix; i++) {
		peers[i].name = c->pkix[i].name;
		peers[i].ca_file = c->pkix[i].ca_file;
	}
	o.pkix_peers = peers;
	o.npkix_peers = (size_t)c->npkix;
	if ((tls = dance_tls_server_new(srv->dance, &o, &err)) == NULL)
		log_warnx("TLS identity %s / %s: %s", c->tls_cert, c->tls_key,
		    dance_strerror(err));
	return tls;
}

/* differs - settings that only a restart can change differ */
static int
differs(const struct js_conf *a, const struct js_conf *b)
{
	if (strcmp(a->listen_addr, b->listen_addr) != 0 ||
	    a->listen_port != b->listen_port)
		return 1;
	if (strcmp(a->store_uri, b->store_uri) != 0 ||
	    strcmp(a->kek_file, b->kek_file) != 0 ||
	    a->devnonce_history != b->devnonce_history ||
	    a->workers != b->workers)
		return 1;
	if (a->nta != b->nta || a->nforward != b->nforward ||
	    a->nsuffix != b->nsuffix ||
	    memcmp(a->ta, b->ta, sizeof(a->ta)) != 0 ||
	    memcmp(a->forward, b->forward, sizeof(a->forward)) != 0 ||
	    memcmp(a->suffix, b->suffix, sizeof(a->suffix)) != 0 ||
	    a->dns_timeout_ms != b->dns_timeout_ms)
		return 1;
	return strcmp(a->metrics_addr, b->metrics_addr) != 0 ||
	    a->metrics_port != b->metrics_port;
}

/*
 * reload - SIGHUP: all of the new configuration, or none of it.  Keys and
 * certificates are read again; authorizations, KEKs, JoinEUI ranges and
 * timeouts change for new requests; open connections keep working.  What
 * needs a restart (listener, store, resolver) makes the reload fail.
 */
static void
reload(struct js_server *srv)
{
	struct js_conf_ref *next;
	struct dance_tls *tls;

	log_info("reloading %s", srv->cur->conf.path);
	if ((next = load(srv->cur->conf.path)) == NULL) {
		log_warnx("reload refused: keeping the running configuration");
		return;
	}
	if (differs(&srv->cur->conf, &next->conf)) {
		log_warnx("reload refused: listen, store, kek-file, workers, "
			  "resolver or metrics settings changed; restart to "
			  "apply them");
		js_conf_release(next);
		return;
	}
	if ((tls = server_tls(srv, &next->conf)) == NULL) {
		log_warnx("reload refused: keeping the running configuration");
		js_conf_release(next);
		return;
	}
	dance_tls_free(srv->tls);
	srv->tls = tls;
	js_conf_release(srv->cur);
	srv->cur = next;
	js_conn_reload(srv);
	log_info("reloaded: %d NetIDs, %d KEKs, %d JoinEUI ranges",
	    next->conf.nnetid, next->conf.nkek, next->conf.njoineui);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct js_server *srv = arg;

	(void)what;
	if (sig == SIGHUP) {
		reload(srv);
		return;
	}
	log_info("exiting on signal %d", (int)sig);
	event_base_loopexit(srv->base, NULL);
}

static void
resolver_setup(struct js_server *srv, const struct js_conf *c)
{
	int err, i;

	srv->dance =
	    daemon_resolver(srv->base, (const char(*)[PATH_MAX])c->ta, c->nta,
		(const char(*)[64])c->forward, c->nforward, c->dns_timeout_ms);
	for (i = 0; i < c->nsuffix; i++)
		if ((err = dance_ctx_add_allowed_suffix(
			 srv->dance, c->suffix[i])) != 0)
			fatalx("client-suffix %s: %s", c->suffix[i],
			    dance_strerror(err));
}

int
main(int argc, char *argv[])
{
	struct event *ev[3];
	struct store_opts so;
	struct js_server srv;
	struct daemon_args args;
	char why[512];

	daemon_args(argc, argv, "loradane-js", &args);
	memset(&srv, 0, sizeof(srv));
	if ((srv.cur = load(args.conffile)) == NULL)
		exit(1);
	if (args.noaction) {
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	log_init("loradane-js", args.debug, args.verbose);
	/* Threads do not survive fork(): detach before any is made. */
	if (!args.debug && daemon(0, 0) != 0)
		fatal("daemon");
	if (evthread_use_pthreads() != 0)
		fatalx("libevent has no pthreads support");
	json_object_seed(0);
	signal(SIGPIPE, SIG_IGN);
	if ((srv.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	resolver_setup(&srv, &srv.cur->conf);
	if ((srv.tls = server_tls(&srv, &srv.cur->conf)) == NULL)
		exit(1);
	memset(&so, 0, sizeof(so));
	so.uri = srv.cur->conf.store_uri;
	so.kek_file = srv.cur->conf.kek_file;
	so.dev_nonce_history = srv.cur->conf.devnonce_history;
	srv.workers = store_workers_new(
	    srv.base, srv.cur->conf.workers, &so, why, sizeof(why));
	if (srv.workers == NULL)
		fatalx("store %s: %s", so.uri, why);
	if (js_conn_listen(&srv) != 0)
		exit(1);
	if (srv.cur->conf.metrics_port != 0 &&
	    js_metrics_listen(srv.base, srv.cur->conf.metrics_addr,
		srv.cur->conf.metrics_port) != 0)
		fatalx("metrics %s port %u: cannot listen",
		    srv.cur->conf.metrics_addr, srv.cur->conf.metrics_port);
	if (srv.cur->conf.pidfile[0] != '\0')
		daemon_write_pidfile(srv.cur->conf.pidfile);
	daemon_signals(srv.base, on_signal, &srv, ev);
	/* Not the URI: a PostgreSQL one may carry a password. */
	log_info("listening on %s port %u, store %s", srv.cur->conf.listen_addr,
	    srv.cur->conf.listen_port,
	    strncmp(so.uri, "postgres", 8) == 0 ? "postgresql" : "sqlite");
	event_base_dispatch(srv.base);
	js_conn_close(&srv);
	js_metrics_close();
	store_workers_free(srv.workers);
	for (int i = 0; i < 3; i++)
		event_free(ev[i]);
	dance_tls_free(srv.tls);
	dance_ctx_free(srv.dance);
	if (srv.cur->conf.pidfile[0] != '\0')
		(void)unlink(srv.cur->conf.pidfile);
	js_conf_release(srv.cur);
	event_base_free(srv.base);
	return 0;
}
