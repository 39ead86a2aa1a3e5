/*
 * js_conn.c - the Join Server's side of lib/backend/bi_server: its
 * configuration in, its logs and metrics out, and each request to
 * js_handler.c.
 */
#include <string.h>
#include <syslog.h>

#include "backend/bi_server.h"
#include "dance.h"
#include "js.h"
#include "js_conn.h"
#include "js_handler.h"
#include "js_metrics.h"
#include "util/log.h"

static struct bi_server *server;

static void
on_request(void *arg, struct bi_server_req *req, const char *peer, bool pkix,
    const char *body, size_t len)
{
	(void)pkix; /* authorized by name like any other: js_handler.c */
	js_handle(arg, peer, body, len, bi_server_reply, req);
}

static void
on_handshake(void *arg, int err, double seconds, const char *addr,
    const char *peer, bool pkix)
{
	(void)arg;
	js_metrics_observe(JS_H_HANDSHAKE, seconds);
	if (err != DANCE_OK) {
		/* libdance logged the reason; count it. */
		js_metrics_count("loradane_js_dane_failures_total", "reason",
		    dance_strerror(err), NULL, NULL);
		return;
	}
	if (pkix)
		log_info("peer=%s addr=%s auth=pkix (a pkix-peer: no DANE "
			 "identity)",
		    peer, addr);
	else
		log_debug("peer=%s addr=%s connected", peer, addr);
}

static void
on_http_error(void *arg, const char *peer, const char *addr, int status,
    const char *reason)
{
	(void)arg;
	log_info("peer=%s addr=%s msg=%s result=%d why=\"%s\"", peer, addr,
	    status == 408 ? "timeout" : "http", status, reason);
	js_metrics_count("loradane_js_requests_total", "message", "http",
	    "result", status == 408 ? "HTTP408" : "HTTP4xx");
}

static void
on_connections(void *arg, int delta)
{
	(void)arg;
	js_metrics_connections(delta);
}

static void
on_log(void *arg, int prio, const char *msg)
{
	(void)arg;
	if (prio <= LOG_WARNING)
		log_warnx("%s", msg);
	else if (prio == LOG_DEBUG)
		log_debug("%s", msg);
	else
		log_info("%s", msg);
}

/* opts - the server's limits from the configuration */
static void
opts(const struct js_conf *c, struct bi_server_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->addr = c->listen_addr;
	o->port = c->listen_port;
	o->max_connections = c->max_connections;
	o->idle_timeout_s = c->idle_timeout_s;
	o->request_timeout_s = c->request_timeout_s;
	o->max_body = c->max_body;
}

int
js_conn_listen(struct js_server *srv)
{
	static const struct bi_server_hooks hooks = {
	    .request = on_request,
	    .handshake = on_handshake,
	    .http_error = on_http_error,
	    .connections = on_connections,
	    .log = on_log,
	};
	struct bi_server_opts o;
	char why[256];

	opts(&srv->cur->conf, &o);
	server = bi_server_new(
	    srv->base, srv->tls, &o, &hooks, srv, why, sizeof(why));
	if (server == NULL) {
		log_warnx("%s", why);
		return -1;
	}
	return 0;
}

void
js_conn_reload(struct js_server *srv)
{
	struct bi_server_opts o;

	opts(&srv->cur->conf, &o);
	bi_server_set_opts(server, &o);
	bi_server_set_tls(server, srv->tls);
}

void
js_conn_close(struct js_server *srv)
{
	(void)srv;
	bi_server_free(server);
	server = NULL;
}
