/*
 * ns.h - loradane-ns, the Network Server: what its files share.
 *
 *	main.c		options, start-up, signals
 *	ns_conf.c	the configuration file (one directive table)
 *	ns_join.c	a join-request: its Join Server found through the DNS,
 *			JoinReq over DANE mutual TLS, the session stored, the
 *			join-accept scheduled on the best gateway
 *
 * Gateways are lib/gw/gw_server, Join Servers are reached with
 * lib/backend/bi_dns and bi_client, the store runs on
 * lib/store/store_workers threads.
 */
#ifndef SRC_NS_NS_H
#define SRC_NS_NS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "lorawan/region.h"

#define NS_MAX_LIST 16
#define NS_MAX_GATEWAYS 4096
#define NS_MAX_ROUTES 64
#define NS_MAX_KEK 16
#define NS_NAME_MAX 256
/* Joins handled at once: a flood of join-requests is bounded here. */
#define NS_MAX_JOINS_IN_FLIGHT 4096

/* A Join Server given in the configuration for a JoinEUI range. */
struct ns_js_route {
	uint64_t prefix;
	int bits;
	char host[NS_NAME_MAX];
	uint16_t port;
	char addr[64]; /* "" : the host's own addresses */
};

struct ns_kek {
	char label[64];
	uint8_t key[32];
	size_t len;
};

struct ns_conf {
	char path[PATH_MAX];
	char udp_addr[64];
	uint16_t udp_port;
	uint32_t net_id;
	char region_name[16];
	enum lw_region region;
	int ngateways;
	uint64_t gateways[NS_MAX_GATEWAYS];
	bool gateway_any;
	unsigned dedup_window_ms;
	char client_cert[PATH_MAX];
	char client_key[PATH_MAX];
	char client_name[NS_NAME_MAX];
	int nta;
	char ta[NS_MAX_LIST][PATH_MAX];
	int nforward;
	char forward[NS_MAX_LIST][64];
	unsigned dns_timeout_ms;
	char joineui_suffix[NS_NAME_MAX];
	int nroutes;
	struct ns_js_route routes[NS_MAX_ROUTES];
	char mac_version[8]; /* sent in JoinReq */
	unsigned rx1_dr_offset;
	unsigned rx_delay;
	char store_uri[1024];
	char kek_file[PATH_MAX];
	unsigned workers;
	int nkek;
	struct ns_kek kek[NS_MAX_KEK];
	char pidfile[PATH_MAX];
};

typedef void ns_conf_report_fn(void *arg, const char *file, int lineno,
    const char *directive, const char *message);

/** @return the number of errors (0: c is complete), or -1. */
int ns_conf_load(
    const char *path, struct ns_conf *c, ns_conf_report_fn *report, void *arg);

/** The KEK of a label, or NULL. */
const struct ns_kek *ns_conf_kek(const struct ns_conf *c, const char *label);

/** The configured Join Server of a JoinEUI (longest prefix), or NULL. */
const struct ns_js_route *
ns_conf_route(const struct ns_conf *c, uint64_t join_eui);

/** Wipe the keys. */
void ns_conf_wipe(struct ns_conf *c);

struct event_base;
struct dance_ctx;
struct dance_tls;
struct gw_server;
struct bi_client;
struct bi_dns;
struct store_workers;

/* The running server. */
struct ns_server {
	struct event_base *base;
	struct dance_ctx *dance;
	struct dance_tls *client_tls;
	struct gw_server *gw;
	struct bi_client *bi;
	struct bi_dns *dns;
	struct store_workers *workers;
	struct ns_conf *conf;
	unsigned joins_in_flight;
};

/** The gateway server's uplink callback (ns_join.c takes join-requests). */
struct gw_server_uplink;
void ns_uplink(void *arg, const struct gw_server_uplink *u);

#endif /* SRC_NS_NS_H */
