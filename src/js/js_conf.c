/*
 * js_conf.c - loradane-js.conf: one table of directives (util/config.h).
 * Loading never applies anything: main.c swaps a complete, checked
 * structure in, so a reload with an error keeps the running one.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "dance.h"
#include "js.h"
#include "lorawan/ids.h"
#include "util/bytes.h"
#include "util/config.h"
#include "util/keyfile.h"
#include "util/strnum.h"

static int
set_listen(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct js_conf *c = t;

	return cfg_addr_port(
	    l, c->listen_addr, sizeof(c->listen_addr), &c->listen_port, why, n);
}

static int
set_metrics(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct js_conf *c = t;

	return cfg_addr_port(l, c->metrics_addr, sizeof(c->metrics_addr),
	    &c->metrics_port, why, n);
}

static int
set_file(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct js_conf *c = t;
	char *dst = strcmp(l->name, "tls-cert") == 0 ? c->tls_cert
	    : strcmp(l->name, "tls-key") == 0        ? c->tls_key
	    : strcmp(l->name, "pidfile") == 0        ? c->pidfile
						     : c->kek_file;

	if (strcmp(l->name, "pidfile") != 0 && cfg_readable(l->argv[0], why, n))
		return -1;
	return cfg_copy(dst, PATH_MAX, l->argv[0], why, n);
}

/*
 * The numeric directives: one row each, the field found by its offset and
 * size, so that adding one is adding a row.
 */
_Static_assert(sizeof(unsigned) == sizeof(uint32_t),
    "numeric fields are size_t or 32 bits");
#define FIELD(f) offsetof(struct js_conf, f), sizeof(((struct js_conf *)0)->f)
static const struct {
	const char *name;
	unsigned long long min, max;
	size_t offset, size;
} numbers[] = {
    {"handshake-timeout", 100, 600000, FIELD(handshake_timeout_ms)},
    {"idle-timeout", 1, 86400, FIELD(idle_timeout_s)},
    {"request-timeout", 1, 3600, FIELD(request_timeout_s)},
    {"max-body", 256, 1048576, FIELD(max_body)},
    {"max-connections", 1, 1000000, FIELD(max_connections)},
    {"devnonce-history", 0, 65536, FIELD(devnonce_history)},
    {"workers", 1, 64, FIELD(workers)},
    {"dns-timeout", 100, 60000, FIELD(dns_timeout_ms)},
    {"lifetime", 0, UINT32_MAX, FIELD(lifetime)},
};

static int
set_number(void *t, const struct cfg_line *l, char *why, size_t n)
{
	unsigned long long v;
	unsigned char *field;
	size_t i;

	for (i = 0; strcmp(numbers[i].name, l->name) != 0; i++)
		;
	if (cfg_number(
		l->argv[0], numbers[i].min, numbers[i].max, &v, why, n) != 0)
		return -1;
	field = (unsigned char *)t + numbers[i].offset;
	if (numbers[i].size == sizeof(size_t)) {
		size_t z = (size_t)v;

		memcpy(field, &z, sizeof(z));
	} else {
		uint32_t u = (uint32_t)v; /* unsigned and uint32_t fields */

		memcpy(field, &u, sizeof(u));
	}
	return 0;
}

static int
set_store(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct js_conf *c = t;

	return cfg_copy(c->store_uri, sizeof(c->store_uri), l->argv[0], why, n);
}

static int
add_joineui(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct js_conf *c = t;
	uint64_t prefix;
	int bits;

	if (lw_eui64_range_parse(l->argv[0], &prefix, &bits) != LW_OK)
		return cfg_fail(why, n,
		    "'%s' is not EUI64[/BITS] with no bit set after the prefix",
		    l->argv[0]);
	if (c->njoineui == JS_MAX_JOINEUI)
		return cfg_fail(why, n, "%s", "too many joineui ranges");
	c->joineui[c->njoineui].prefix = prefix;
	c->joineui[c->njoineui++].bits = bits;
	return 0;
}

static int
add_list(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct js_conf *c = t;

	if (strcmp(l->name, "trust-anchor") == 0) {
		if (c->nta == JS_MAX_LIST)
			return cfg_fail(why, n, "%s", "too many trust anchors");
		if (cfg_readable(l->argv[0], why, n) != 0)
			return -1;
		return cfg_copy(c->ta[c->nta++], PATH_MAX, l->argv[0], why, n);
	}
	if (strcmp(l->name, "forward") == 0) {
		if (c->nforward == JS_MAX_LIST)
			return cfg_fail(why, n, "%s", "too many forwarders");
		return cfg_copy(c->forward[c->nforward++],
		    sizeof(c->forward[0]), l->argv[0], why, n);
	}
	if (c->nsuffix == JS_MAX_LIST)
		return cfg_fail(why, n, "%s", "too many client suffixes");
	if (dance_clientname_check(l->argv[0], strlen(l->argv[0])) != DANCE_OK)
		return cfg_fail(why, n, "'%s' is not a DNS name", l->argv[0]);
	return cfg_copy(
	    c->suffix[c->nsuffix++], JS_NAME_MAX, l->argv[0], why, n);
}

static int
add_netid(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct js_conf *c = t;
	struct js_netid_auth *a;
	const char *err;
	uint8_t b[3];

	if (bytes_from_hex_exact(l->argv[0], b, 3, &err) != 0)
		return cfg_fail(
		    why, n, "NetID '%s' is not 6 hex digits", l->argv[0]);
	if (c->nnetid == JS_MAX_NETID)
		return cfg_fail(why, n, "%s", "too many netid lines");
	a = &c->netid[c->nnetid];
	a->net_id = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
	if (js_conf_netid(c, a->net_id) != NULL)
		return cfg_fail(why, n, "NetID %s is given twice", l->argv[0]);
	for (int i = 1; i < l->argc; i++) {
		if (dance_clientname_check(l->argv[i], strlen(l->argv[i])) !=
		    DANCE_OK)
			return cfg_fail(why, n, "client name '%s' is not valid",
			    l->argv[i]);
		if (cfg_copy(a->clients[a->nclients++], JS_NAME_MAX, l->argv[i],
			why, n) != 0)
			return -1;
	}
	c->nnetid++;
	return 0;
}

static int
add_kek(void *t, const struct cfg_line *l, char *why, size_t n)
{
	static const size_t sizes[] = {16, 24, 32};
	struct js_conf *c = t;
	struct js_kek *k;

	if (c->nkek == JS_MAX_KEK)
		return cfg_fail(why, n, "%s", "too many KEKs");
	if (l->argv[0][0] == '\0' || js_conf_kek(c, l->argv[0]) != NULL)
		return cfg_fail(
		    why, n, "label '%s' is empty or given twice", l->argv[0]);
	k = &c->kek[c->nkek];
	if (cfg_copy(k->label, sizeof(k->label), l->argv[0], why, n) != 0)
		return -1;
	if (keyfile_read(l->argv[1], sizes, 3, k->key, sizeof(k->key), &k->len,
		why, n) != 0)
		return -1;
	c->nkek++;
	return 0;
}

/* add_pkix_peer - a client named by the operator, authenticated by its
 * CA instead of DANE; the name must be a valid ClientName, as it stands
 * for one in the netid lines */
static int
add_pkix_peer(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct js_conf *c = t;
	struct js_pkix_peer *p;

	if (c->npkix == JS_MAX_LIST)
		return cfg_fail(why, n, "%s", "too many pkix-peer lines");
	if (dance_clientname_check(l->argv[0], strlen(l->argv[0])) != DANCE_OK)
		return cfg_fail(
		    why, n, "'%s' is not a valid client name", l->argv[0]);
	for (int i = 0; i < c->npkix; i++)
		if (strcasecmp(c->pkix[i].name, l->argv[0]) == 0)
			return cfg_fail(
			    why, n, "'%s' is given twice", l->argv[0]);
	if (cfg_readable(l->argv[1], why, n) != 0)
		return -1;
	p = &c->pkix[c->npkix];
	if (cfg_copy(p->name, sizeof(p->name), l->argv[0], why, n) != 0 ||
	    cfg_copy(p->ca_file, sizeof(p->ca_file), l->argv[1], why, n) != 0)
		return -1;
	c->npkix++;
	return 0;
}

static const struct cfg_directive js_table[] = {
    {"listen", 2, 2, false, true, set_listen, "ADDRESS PORT"},
    {"tls-cert", 1, 1, false, true, set_file, "FILE"},
    {"tls-key", 1, 1, false, true, set_file, "FILE"},
    {"handshake-timeout", 1, 1, false, false, set_number, "MILLISECONDS"},
    {"idle-timeout", 1, 1, false, false, set_number, "SECONDS"},
    {"request-timeout", 1, 1, false, false, set_number, "SECONDS"},
    {"max-body", 1, 1, false, false, set_number, "BYTES"},
    {"max-connections", 1, 1, false, false, set_number, "N"},
    {"joineui", 1, 1, true, true, add_joineui, "EUI64[/BITS]"},
    {"store", 1, 1, false, true, set_store, "URI"},
    {"kek-file", 1, 1, false, true, set_file, "FILE"},
    {"devnonce-history", 1, 1, false, false, set_number, "N"},
    {"workers", 1, 1, false, false, set_number, "N"},
    {"trust-anchor", 1, 1, true, false, add_list, "FILE"},
    {"forward", 1, 1, true, false, add_list, "ADDRESS[@PORT]"},
    {"dns-timeout", 1, 1, false, false, set_number, "MILLISECONDS"},
    {"client-suffix", 1, 1, true, false, add_list, "NAME"},
    {"netid", 2, 1 + JS_MAX_CLIENTS, true, false, add_netid,
	"NETID CLIENTNAME..."},
    {"kek", 2, 2, true, false, add_kek, "LABEL FILE"},
    {"pkix-peer", 2, 2, true, false, add_pkix_peer, "CLIENTNAME CAFILE"},
    {"lifetime", 1, 1, false, false, set_number, "SECONDS"},
    {"metrics", 2, 2, false, false, set_metrics, "ADDRESS PORT"},
    {"pidfile", 1, 1, false, false, set_file, "FILE"},
    {NULL, 0, 0, false, false, NULL, NULL},
};

int
js_conf_load(
    const char *path, struct js_conf *c, js_conf_report_fn *report, void *arg)
{
	int errors;

	memset(c, 0, sizeof(*c));
	if (strlen(path) >= sizeof(c->path))
		return -1;
	memcpy(c->path, path, strlen(path) + 1);
	c->handshake_timeout_ms = 10000;
	c->idle_timeout_s = 60;
	c->request_timeout_s = 10;
	c->max_body = 65536;
	c->max_connections = 1024;
	c->dns_timeout_ms = 3000;
	errors = cfg_read_file(path, js_table, c, report, arg);
	if (errors != 0)
		return errors;
	/* SQLite has one writer at a time: a second connection only waits
	 * for the lock and spoils the first one's page cache.  PostgreSQL
	 * locks rows, and its round trips overlap on several connections. */
	if (c->workers == 0)
		c->workers = strncmp(c->store_uri, "postgres", 8) == 0 ? 4 : 1;
	return 0;
}

const struct js_netid_auth *
js_conf_netid(const struct js_conf *c, uint32_t net_id)
{
	for (int i = 0; i < c->nnetid; i++)
		if (c->netid[i].net_id == net_id)
			return &c->netid[i];
	return NULL;
}

bool
js_conf_client_may_speak_for(
    const struct js_conf *c, const char *client, uint32_t net_id)
{
	const struct js_netid_auth *a = js_conf_netid(c, net_id);

	for (int i = 0; a != NULL && i < a->nclients; i++)
		if (strcasecmp(a->clients[i], client) == 0)
			return true;
	return false;
}

bool
js_conf_serves_joineui(const struct js_conf *c, uint64_t join_eui)
{
	for (int i = 0; i < c->njoineui; i++) {
		uint64_t mask = c->joineui[i].bits == 64
		    ? UINT64_MAX
		    : ~(UINT64_MAX >> c->joineui[i].bits);

		if ((join_eui & mask) == c->joineui[i].prefix)
			return true;
	}
	return false;
}

const struct js_kek *
js_conf_kek(const struct js_conf *c, const char *label)
{
	for (int i = 0; i < c->nkek; i++)
		if (strcmp(c->kek[i].label, label) == 0)
			return &c->kek[i];
	return NULL;
}

void
js_conf_wipe(struct js_conf *c)
{
	OPENSSL_cleanse(c->kek, sizeof(c->kek));
}

struct js_conf_ref *
js_conf_hold(struct js_server *srv)
{
	srv->cur->refs++;
	return srv->cur;
}

void
js_conf_release(struct js_conf_ref *ref)
{
	if (ref == NULL || --ref->refs > 0)
		return;
	js_conf_wipe(&ref->conf);
	free(ref);
}
