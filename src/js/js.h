/*
 * js.h - loradane-js, the Join Server: what its files share.
 *
 *	main.c		options, start-up, signals, reload
 *	js_conf.c	the configuration file (one directive table)
 *	js_conn.c	lib/backend/bi_server with the JS's logs and metrics
 *	js_handler.c	Backend Interfaces messages, authorization, answers
 *	js_metrics.c	counters, histograms, the Prometheus endpoint
 *
 * The store runs on lib/store/store_workers.c threads: no database call
 * on the event thread.
 */
#ifndef SRC_JS_JS_H
#define SRC_JS_JS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JS_MAX_JOINEUI 64
#define JS_MAX_NETID 256
#define JS_MAX_CLIENTS 16 /* client names per NetID */
#define JS_MAX_KEK 64
#define JS_MAX_LIST 16 /* trust anchors, forwarders, suffixes */
#define JS_NAME_MAX 256
#define JS_LABEL_MAX 64

struct js_joineui_range {
	uint64_t prefix;
	int bits;
};

/* NetID -> the DANE client names that may speak for it (NS identities). */
struct js_netid_auth {
	uint32_t net_id;
	int nclients;
	char clients[JS_MAX_CLIENTS][JS_NAME_MAX];
};

struct js_kek {
	char label[JS_LABEL_MAX];
	uint8_t key[32];
	size_t len; /* 16, 24 or 32 */
};

/* A client accepted without a DANE identity, by its CA and its name. */
struct js_pkix_peer {
	char name[JS_NAME_MAX];
	char ca_file[PATH_MAX];
};

struct js_conf {
	char path[PATH_MAX];
	char listen_addr[64];
	uint16_t listen_port;
	char tls_cert[PATH_MAX];
	char tls_key[PATH_MAX];
	unsigned handshake_timeout_ms;
	unsigned idle_timeout_s;
	unsigned request_timeout_s;
	size_t max_body;
	unsigned max_connections;
	int njoineui;
	struct js_joineui_range joineui[JS_MAX_JOINEUI];
	char store_uri[1024];
	char kek_file[PATH_MAX];
	unsigned devnonce_history;
	unsigned workers;
	int nta;
	char ta[JS_MAX_LIST][PATH_MAX];
	int nforward;
	char forward[JS_MAX_LIST][64];
	unsigned dns_timeout_ms;
	int nsuffix;
	char suffix[JS_MAX_LIST][JS_NAME_MAX];
	int nnetid;
	struct js_netid_auth netid[JS_MAX_NETID];
	int nkek;
	struct js_kek kek[JS_MAX_KEK];
	int npkix;
	struct js_pkix_peer pkix[JS_MAX_LIST]; /* named PKIX peers */
	uint32_t lifetime;
	char metrics_addr[64];
	uint16_t metrics_port; /* 0: no metrics endpoint */
	char pidfile[PATH_MAX];
};

/*
 * A configuration in service.  Work on a worker thread holds a reference,
 * so that a reload never frees a configuration a job still reads; refs
 * change on the event thread only.
 */
struct js_conf_ref {
	struct js_conf conf;
	unsigned refs;
};

struct event_base;
struct dance_ctx;
struct dance_tls;
struct store_workers;

/* The running server. */
struct js_server {
	struct event_base *base;
	struct dance_ctx *dance;
	struct dance_tls *tls;
	struct js_conf_ref *cur;
	struct store_workers *workers;
};

/** Take a reference to the current configuration. */
struct js_conf_ref *js_conf_hold(struct js_server *srv);

/** Drop a reference; the last one frees (and wipes) it. */
void js_conf_release(struct js_conf_ref *ref);

/* Reports one configuration error: "file:line: directive: message". */
typedef void js_conf_report_fn(void *arg, const char *file, int lineno,
    const char *directive, const char *message);

/**
 * Read and check the whole configuration, KEK files included.  Nothing is
 * applied: the caller swaps a fully loaded structure in, or keeps the old.
 * @param report: gets every error with its line; may be NULL.
 * @return the number of errors (0: c is complete), -1 if unreadable.
 */
int js_conf_load(
    const char *path, struct js_conf *c, js_conf_report_fn *report, void *arg);

/** @return the netid entry, or NULL. */
const struct js_netid_auth *
js_conf_netid(const struct js_conf *c, uint32_t net_id);

/** @return true if client is one of the names allowed for net_id. */
bool js_conf_client_may_speak_for(
    const struct js_conf *c, const char *client, uint32_t net_id);

/** @return true if join_eui lies in one of the configured ranges. */
bool js_conf_serves_joineui(const struct js_conf *c, uint64_t join_eui);

/** @return the KEK with that label, or NULL. */
const struct js_kek *js_conf_kek(const struct js_conf *c, const char *label);

/** Wipe key material from c. */
void js_conf_wipe(struct js_conf *c);

#endif /* SRC_JS_JS_H */
