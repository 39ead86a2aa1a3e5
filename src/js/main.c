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

#include "dance.h"
#include "js.h"
#include "js_conn.h"
#include "js_metrics.h"
#include "store/store_workers.h"
#include "util/log.h"
#include "util/safefile.h"

static void
usage(void)
{
	fprintf(stderr, "usage: loradane-js -f file [-dnv]\n");
	exit(2);
}

static void
print_error(void *arg, const char *file, int lineno, const char *directive,
    const char *message)
{
	(void)arg;
	if (lineno > 0)
		log_warnx("%s:%d: %s%s%s", file, lineno, directive,
		    directive[0] != '\0' ? ": " : "", message);
	else
		log_warnx("%s: %s%s%s", file, directive,
		    directive[0] != '\0' ? ": " : "", message);
}

/* load - a complete configuration, or NULL after logging every error */
static struct js_conf_ref *
load(const char *path)
{
	struct js_conf_ref *ref = calloc(1, sizeof(*ref));
	int errors;

	if (ref == NULL)
		fatal("calloc");
	errors = js_conf_load(path, &ref->conf, print_error, NULL);
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

	srv->dance = dance_ctx_new(srv->base, &err);
	if (srv->dance == NULL)
		fatalx("resolver: %s", dance_strerror(err));
	dance_ctx_set_log(srv->dance, log_dance, NULL, DANCE_LOG_INFO);
	for (i = 0; i < c->nta; i++)
		if ((err = dance_ctx_add_ta_file(srv->dance, c->ta[i])) != 0)
			fatalx("trust-anchor %s: %s", c->ta[i],
			    dance_strerror(err));
	for (i = 0; i < c->nforward; i++)
		if ((err = dance_ctx_add_forwarder(
			 srv->dance, c->forward[i])) != 0)
			fatalx("forward %s: %s", c->forward[i],
			    dance_strerror(err));
	for (i = 0; i < c->nsuffix; i++)
		if ((err = dance_ctx_add_allowed_suffix(
			 srv->dance, c->suffix[i])) != 0)
			fatalx("client-suffix %s: %s", c->suffix[i],
			    dance_strerror(err));
	if ((err = dance_ctx_set_timeout(srv->dance, c->dns_timeout_ms)) != 0)
		fatalx("dns-timeout: %s", dance_strerror(err));
}

static void
write_pidfile(const char *path)
{
	char tmp[PATH_MAX + 8];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	(void)unlink(tmp);
	if ((f = safefile_create(tmp, 0644)) == NULL)
		fatal("pidfile %s", tmp);
	fprintf(f, "%ld\n", (long)getpid());
	if (safefile_commit(f, tmp) != 0 || rename(tmp, path) != 0)
		fatal("pidfile %s", path);
}

int
main(int argc, char *argv[])
{
	struct event *ev_hup, *ev_term, *ev_int;
	struct store_opts so;
	struct js_server srv;
	const char *conffile = NULL;
	int ch, debug = 0, noaction = 0, verbose = 0;
	char why[512];

	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (conffile == NULL || optind != argc)
		usage();
	/* Messages go to stderr until the daemon is detached. */
	log_init("loradane-js", 1, verbose);
	memset(&srv, 0, sizeof(srv));
	if ((srv.cur = load(conffile)) == NULL)
		exit(1);
	if (noaction) {
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	log_init("loradane-js", debug, verbose);
	/* Threads do not survive fork(): detach before any is made. */
	if (!debug && daemon(0, 0) != 0)
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
		write_pidfile(srv.cur->conf.pidfile);
	ev_hup = evsignal_new(srv.base, SIGHUP, on_signal, &srv);
	ev_term = evsignal_new(srv.base, SIGTERM, on_signal, &srv);
	ev_int = evsignal_new(srv.base, SIGINT, on_signal, &srv);
	if (ev_hup == NULL || ev_term == NULL || ev_int == NULL ||
	    evsignal_add(ev_hup, NULL) != 0 ||
	    evsignal_add(ev_term, NULL) != 0 || evsignal_add(ev_int, NULL) != 0)
		fatalx("signals");
	/* Not the URI: a PostgreSQL one may carry a password. */
	log_info("listening on %s port %u, store %s", srv.cur->conf.listen_addr,
	    srv.cur->conf.listen_port,
	    strncmp(so.uri, "postgres", 8) == 0 ? "postgresql" : "sqlite");
	event_base_dispatch(srv.base);
	js_conn_close(&srv);
	js_metrics_close();
	store_workers_free(srv.workers);
	event_free(ev_hup);
	event_free(ev_term);
	event_free(ev_int);
	dance_tls_free(srv.tls);
	dance_ctx_free(srv.dance);
	if (srv.cur->conf.pidfile[0] != '\0')
		(void)unlink(srv.cur->conf.pidfile);
	js_conf_release(srv.cur);
	event_base_free(srv.base);
	return 0;
}
