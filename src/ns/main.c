/*
 * main.c - loradane-ns: the Network Server.  Start-up and signals; the
 * work is in ns_join.c (joins) on lib/gw/gw_server (gateways),
 * lib/backend/bi_dns and bi_client (Join Servers) and
 * lib/store/store_workers (the store).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>

#include "backend/bi_client.h"
#include "backend/bi_dns.h"
#include "common/daemon.h"
#include "dance.h"
#include "gw/gw_server.h"
#include "ns.h"
#include "store/store_workers.h"
#include "util/log.h"

static void
gw_log(void *arg, int prio, const char *msg)
{
	(void)arg;
	if (prio <= LOG_WARNING)
		log_warnx("gateways: %s", msg);
	else
		log_info("gateways: %s", msg);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct ns_server *srv = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_warnx("reload is not supported yet: restart to apply a "
			  "new configuration");
		return;
	}
	log_info("exiting on signal %d", (int)sig);
	event_base_loopexit(srv->base, NULL);
}

/* peers - our client identity, the pool to Join Servers, discovery */
static void
peers(struct ns_server *srv, const struct ns_conf *c)
{
	struct dance_client_opts o;
	struct bi_client_opts bo;
	int err;

	memset(&o, 0, sizeof(o));
	memset(&bo, 0, sizeof(bo));
	o.cert_file = c->client_cert;
	o.key_file = c->client_key;
	o.client_name = c->client_name;
	if ((srv->client_tls = dance_tls_client_new(srv->dance, &o, &err)) ==
	    NULL)
		fatalx("client identity %s: %s", c->client_cert,
		    dance_strerror(err));
	/* A join must be answered well within the 5 s before RX1. */
	bo.request_timeout_ms = 4000;
	if ((srv->bi = bi_client_new(srv->base, srv->client_tls, &bo)) ==
		NULL ||
	    (srv->dns = bi_dns_new(srv->base, srv->dance, 443)) == NULL)
		fatalx("out of memory");
}

static void
gateways(struct ns_server *srv, const struct ns_conf *c)
{
	static const struct gw_server_callbacks cb = {
	    .uplink = ns_uplink, .log = gw_log};
	struct gw_server_opts o;
	int err;

	memset(&o, 0, sizeof(o));
	o.address = c->udp_addr;
	o.port = c->udp_port;
	o.gateways = c->gateways;
	o.n_gateways = (size_t)c->ngateways;
	o.allow_any = c->gateway_any;
	o.dedup_window_ms = c->dedup_window_ms;
	if ((srv->gw = gw_server_new(srv->base, &o, &cb, srv, &err)) == NULL)
		fatalx("listen-udp %s port %u: %s", c->udp_addr,
		    (unsigned)c->udp_port, gw_server_strerror(err));
}

int
main(int argc, char *argv[])
{
	struct event *ev[3];
	static struct ns_conf conf;
	struct store_opts so;
	struct ns_server srv;
	struct daemon_args args;
	int errors;
	char why[512];

	daemon_args(argc, argv, "loradane-ns", &args);
	if ((errors = ns_conf_load(
		 args.conffile, &conf, daemon_print_error, NULL)) != 0) {
		log_warnx("%s: %d error%s", args.conffile,
		    errors < 0 ? 1 : errors, errors == 1 ? "" : "s");
		exit(1);
	}
	if (args.noaction) {
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	log_init("loradane-ns", args.debug, args.verbose);
	if (!args.debug && daemon(0, 0) != 0)
		fatal("daemon");
	if (evthread_use_pthreads() != 0)
		fatalx("libevent has no pthreads support");
	json_object_seed(0);
	signal(SIGPIPE, SIG_IGN);
	memset(&srv, 0, sizeof(srv));
	srv.conf = &conf;
	if ((srv.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	srv.dance = daemon_resolver(srv.base, (const char(*)[PATH_MAX])conf.ta,
	    conf.nta, (const char(*)[64])conf.forward, conf.nforward,
	    conf.dns_timeout_ms);
	peers(&srv, &conf);
	memset(&so, 0, sizeof(so));
	so.uri = conf.store_uri;
	so.kek_file = conf.kek_file;
	srv.workers =
	    store_workers_new(srv.base, conf.workers, &so, why, sizeof(why));
	if (srv.workers == NULL)
		fatalx("store: %s", why);
	gateways(&srv, &conf);
	if (conf.pidfile[0] != '\0')
		daemon_write_pidfile(conf.pidfile);
	daemon_signals(srv.base, on_signal, &srv, ev);
	log_info("listening for gateways on %s port %u, NetID %06x, %s",
	    conf.udp_addr, (unsigned)gw_server_port(srv.gw),
	    (unsigned)conf.net_id, conf.region_name);
	event_base_dispatch(srv.base);
	gw_server_free(srv.gw);
	store_workers_free(srv.workers);
	bi_client_free(srv.bi);
	bi_dns_free(srv.dns);
	for (int i = 0; i < 3; i++)
		event_free(ev[i]);
	dance_tls_free(srv.client_tls);
	dance_ctx_free(srv.dance);
	if (conf.pidfile[0] != '\0')
		(void)unlink(conf.pidfile);
	ns_conf_wipe(&conf);
	event_base_free(srv.base);
	return 0;
}
