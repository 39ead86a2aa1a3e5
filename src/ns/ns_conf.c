/*
 * ns_conf.c - loradane-ns.conf: one table of directives (util/config.h).
 * Loading never applies anything: main.c starts from a complete, checked
 * structure.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dance.h"
#include "lorawan/ids.h"
#include "ns.h"
#include "store/store.h"
#include "util/bytes.h"
#include "util/config.h"
#include "util/keyfile.h"

static int
set_udp(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct ns_conf *c = t;

	return cfg_addr_port(
	    l, c->udp_addr, sizeof(c->udp_addr), &c->udp_port, why, n);
}

static int
set_netid(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct ns_conf *c = t;
	const char *err;
	uint8_t b[3];

	if (bytes_from_hex_exact(l->argv[0], b, 3, &err) != 0)
		return cfg_fail(
		    why, n, "NetID '%s' is not 6 hex digits", l->argv[0]);
	c->net_id = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
	return 0;
}

static int
set_region(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct ns_conf *c = t;

	if (lw_region_parse(l->argv[0], &c->region, NULL) != LW_OK)
		return cfg_fail(
		    why, n, "'%s' is not EU868 or US915", l->argv[0]);
	return cfg_copy(
	    c->region_name, sizeof(c->region_name), l->argv[0], why, n);
}

static int
add_gateway(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct ns_conf *c = t;

	if (strcmp(l->argv[0], "any") == 0) {
		c->gateway_any = true;
		return 0;
	}
	if (c->ngateways == NS_MAX_GATEWAYS)
		return cfg_fail(why, n, "%s", "too many gateway lines");
	if (lw_eui64_parse(l->argv[0], &c->gateways[c->ngateways]) != LW_OK)
		return cfg_fail(why, n, "'%s' is not an EUI-64", l->argv[0]);
	c->ngateways++;
	return 0;
}

static int
set_file(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct ns_conf *c = t;
	char *dst = strcmp(l->name, "client-cert") == 0 ? c->client_cert
	    : strcmp(l->name, "client-key") == 0        ? c->client_key
	    : strcmp(l->name, "pidfile") == 0           ? c->pidfile
							: c->kek_file;

	if (strcmp(l->name, "pidfile") != 0 &&
	    cfg_readable(l->argv[0], why, n) != 0)
		return -1;
	return cfg_copy(dst, PATH_MAX, l->argv[0], why, n);
}

static int
set_name(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct ns_conf *c = t;
	char *dst = strcmp(l->name, "client-name") == 0 ? c->client_name
							: c->joineui_suffix;

	if (dance_clientname_check(l->argv[0], strlen(l->argv[0])) != DANCE_OK)
		return cfg_fail(why, n, "'%s' is not a DNS name", l->argv[0]);
	return cfg_copy(dst, NS_NAME_MAX, l->argv[0], why, n);
}

static int
set_text(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct ns_conf *c = t;

	if (strcmp(l->name, "store") == 0)
		return cfg_copy(
		    c->store_uri, sizeof(c->store_uri), l->argv[0], why, n);
	if (!store_mac_version_valid(l->argv[0]))
		return cfg_fail(why, n,
		    "'%s' is not 1.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4 or 1.1",
		    l->argv[0]);
	return cfg_copy(
	    c->mac_version, sizeof(c->mac_version), l->argv[0], why, n);
}

static int
add_list(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct ns_conf *c = t;

	if (strcmp(l->name, "trust-anchor") == 0) {
		if (c->nta == NS_MAX_LIST)
			return cfg_fail(why, n, "%s", "too many trust anchors");
		if (cfg_readable(l->argv[0], why, n) != 0)
			return -1;
		return cfg_copy(c->ta[c->nta++], PATH_MAX, l->argv[0], why, n);
	}
	if (c->nforward == NS_MAX_LIST)
		return cfg_fail(why, n, "%s", "too many forwarders");
	return cfg_copy(c->forward[c->nforward++], sizeof(c->forward[0]),
	    l->argv[0], why, n);
}

/* add_route - "join-server EUI64[/BITS] HOST PORT [ADDRESS]" */
static int
add_route(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct ns_conf *c = t;
	struct ns_js_route *r;
	unsigned long long port;

	if (c->nroutes == NS_MAX_ROUTES)
		return cfg_fail(why, n, "%s", "too many join-server lines");
	r = &c->routes[c->nroutes];
	if (lw_eui64_range_parse(l->argv[0], &r->prefix, &r->bits) != LW_OK)
		return cfg_fail(why, n,
		    "'%s' is not EUI64[/BITS] with no bit set after the prefix",
		    l->argv[0]);
	if (dance_clientname_check(l->argv[1], strlen(l->argv[1])) != DANCE_OK)
		return cfg_fail(why, n, "'%s' is not a DNS name", l->argv[1]);
	if (cfg_number(l->argv[2], 1, 65535, &port, why, n) != 0 ||
	    cfg_copy(r->host, sizeof(r->host), l->argv[1], why, n) != 0 ||
	    (l->argc == 4 &&
		cfg_copy(r->addr, sizeof(r->addr), l->argv[3], why, n) != 0))
		return -1;
	r->port = (uint16_t)port;
	c->nroutes++;
	return 0;
}

static int
add_kek(void *t, const struct cfg_line *l, char *why, size_t n)
{
	static const size_t sizes[] = {16, 24, 32};
	struct ns_conf *c = t;
	struct ns_kek *k;

	if (c->nkek == NS_MAX_KEK)
		return cfg_fail(why, n, "%s", "too many KEKs");
	if (l->argv[0][0] == '\0' || ns_conf_kek(c, l->argv[0]) != NULL)
		return cfg_fail(
		    why, n, "label '%s' is empty or given twice", l->argv[0]);
	k = &c->kek[c->nkek];
	if (cfg_copy(k->label, sizeof(k->label), l->argv[0], why, n) != 0 ||
	    keyfile_read(l->argv[1], sizes, 3, k->key, sizeof(k->key), &k->len,
		why, n) != 0)
		return -1;
	c->nkek++;
	return 0;
}

/* The numeric directives: a row each, the field found by its offset. */
#define FIELD(f) offsetof(struct ns_conf, f)
static const struct {
	const char *name;
	unsigned long long min, max;
	size_t offset;
} numbers[] = {
    {"dedup-window", 10, 5000, FIELD(dedup_window_ms)},
    {"dns-timeout", 100, 60000, FIELD(dns_timeout_ms)},
    {"rx1-dr-offset", 0, 7, FIELD(rx1_dr_offset)},
    {"rx-delay", 1, 15, FIELD(rx_delay)},
    {"workers", 1, 64, FIELD(workers)},
};

static int
set_number(void *t, const struct cfg_line *l, char *why, size_t n)
{
	unsigned long long v;
	unsigned u;
	size_t i;

	for (i = 0; strcmp(numbers[i].name, l->name) != 0; i++)
		;
	if (cfg_number(
		l->argv[0], numbers[i].min, numbers[i].max, &v, why, n) != 0)
		return -1;
	u = (unsigned)v;
	memcpy((unsigned char *)t + numbers[i].offset, &u, sizeof(u));
	return 0;
}

static const struct cfg_directive ns_table[] = {
    {"listen-udp", 2, 2, false, true, set_udp, "ADDRESS PORT"},
    {"netid", 1, 1, false, true, set_netid, "NETID"},
    {"region", 1, 1, false, false, set_region, "EU868|US915"},
    {"gateway", 1, 1, true, false, add_gateway, "EUI64|any"},
    {"dedup-window", 1, 1, false, false, set_number, "MILLISECONDS"},
    {"client-cert", 1, 1, false, true, set_file, "FILE"},
    {"client-key", 1, 1, false, true, set_file, "FILE"},
    {"client-name", 1, 1, false, true, set_name, "NAME"},
    {"trust-anchor", 1, 1, true, false, add_list, "FILE"},
    {"forward", 1, 1, true, false, add_list, "ADDRESS[@PORT]"},
    {"dns-timeout", 1, 1, false, false, set_number, "MILLISECONDS"},
    {"joineui-suffix", 1, 1, false, false, set_name, "NAME"},
    {"join-server", 3, 4, true, false, add_route,
	"EUI64[/BITS] HOST PORT [ADDRESS]"},
    {"mac-version", 1, 1, false, false, set_text, "VERSION"},
    {"rx1-dr-offset", 1, 1, false, false, set_number, "N"},
    {"rx-delay", 1, 1, false, false, set_number, "SECONDS"},
    {"store", 1, 1, false, true, set_text, "URI"},
    {"kek-file", 1, 1, false, true, set_file, "FILE"},
    {"workers", 1, 1, false, false, set_number, "N"},
    {"kek", 2, 2, true, false, add_kek, "LABEL FILE"},
    {"pidfile", 1, 1, false, false, set_file, "FILE"},
    {NULL, 0, 0, false, false, NULL, NULL},
};

int
ns_conf_load(
    const char *path, struct ns_conf *c, ns_conf_report_fn *report, void *arg)
{
	memset(c, 0, sizeof(*c));
	if (strlen(path) >= sizeof(c->path))
		return -1;
	memcpy(c->path, path, strlen(path) + 1);
	c->region = LW_REGION_EU868;
	snprintf(c->region_name, sizeof(c->region_name), "EU868");
	c->dedup_window_ms = 200;
	c->dns_timeout_ms = 3000;
	snprintf(c->joineui_suffix, sizeof(c->joineui_suffix),
	    "joineuis.lora-alliance.org");
	snprintf(c->mac_version, sizeof(c->mac_version), "1.0.3");
	c->rx_delay = 1;
	c->workers = 1;
	return cfg_read_file(path, ns_table, c, report, arg);
}

const struct ns_kek *
ns_conf_kek(const struct ns_conf *c, const char *label)
{
	for (int i = 0; i < c->nkek; i++)
		if (strcmp(c->kek[i].label, label) == 0)
			return &c->kek[i];
	return NULL;
}

const struct ns_js_route *
ns_conf_route(const struct ns_conf *c, uint64_t join_eui)
{
	const struct ns_js_route *best = NULL;

	for (int i = 0; i < c->nroutes; i++) {
		const struct ns_js_route *r = &c->routes[i];
		uint64_t mask =
		    r->bits == 64 ? UINT64_MAX : ~(UINT64_MAX >> r->bits);

		if ((join_eui & mask) == r->prefix &&
		    (best == NULL || r->bits > best->bits))
			best = r;
	}
	return best;
}

void
ns_conf_wipe(struct ns_conf *c)
{
	OPENSSL_cleanse(c->kek, sizeof(c->kek));
}
