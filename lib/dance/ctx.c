/*
 * ctx.c - the libdance context: configuration, logging, clock, errors.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
/* Not ldns/ldns.h: its key headers need deprecated OpenSSL types. */
#include <ldns/error.h>
#include <ldns/rdata.h>
#include <ldns/rr.h>
#include <openssl/err.h>
#include <unbound.h>

#include "cache.h"
#include "dance_int.h"
#include "resolver.h"

/* dance_strerror - stable names for the public error codes */
const char *
dance_strerror(int err)
{
	switch (err) {
	case DANCE_OK:
		return "success";
	case DANCE_ERR_NOMEM:
		return "out of memory";
	case DANCE_ERR_INVAL:
		return "invalid argument or configuration";
	case DANCE_ERR_RESOLVER:
		return "resolver failure";
	case DANCE_ERR_TLS:
		return "TLS library failure";
	case DANCE_ERR_FILE:
		return "cannot read or parse file";
	case DANCE_ERR_DNS_BOGUS:
		return "DNSSEC validation failed (bogus)";
	case DANCE_ERR_DNS_INSECURE:
		return "DNS answer is not DNSSEC-signed (insecure)";
	case DANCE_ERR_DNS_DENIED:
		return "no TLSA record (authenticated denial)";
	case DANCE_ERR_DNS_TEMPFAIL:
		return "DNS lookup failed temporarily";
	case DANCE_ERR_NO_USABLE:
		return "no usable TLSA record";
	case DANCE_ERR_NO_MATCH:
		return "certificate does not match TLSA";
	case DANCE_ERR_BAD_NAME:
		return "malformed client name";
	case DANCE_ERR_NOT_ALLOWED:
		return "client name not allowed";
	case DANCE_ERR_NO_EXTENSION:
		return "peer sent no dane_clientid extension";
	case DANCE_ERR_HANDSHAKE:
		return "TLS handshake failed";
	case DANCE_ERR_TIMEOUT:
		return "timed out";
	case DANCE_ERR_CONNECT:
		return "connection failed";
	case DANCE_ERR_CLOSED:
		return "connection closed by peer";
	case DANCE_ERR_STATE:
		return "operation not valid in this state";
	}
	return "unknown error";
}

/* dance_dns_status_str - verdict names used in logs and tool output */
const char *
dance_dns_status_str(enum dance_dns_status st)
{
	switch (st) {
	case DANCE_DNS_SECURE:
		return "secure";
	case DANCE_DNS_SECURE_NXDOMAIN:
		return "secure NXDOMAIN";
	case DANCE_DNS_SECURE_NODATA:
		return "secure NODATA";
	case DANCE_DNS_INSECURE:
		return "insecure";
	case DANCE_DNS_BOGUS:
		return "bogus";
	case DANCE_DNS_TEMPFAIL:
		return "temporary failure";
	}
	return "unknown";
}

/* dance_dns_status_err - the error a non-secure verdict stands for */
int
dance_dns_status_err(enum dance_dns_status st)
{
	switch (st) {
	case DANCE_DNS_SECURE:
		return DANCE_OK;
	case DANCE_DNS_SECURE_NXDOMAIN:
	case DANCE_DNS_SECURE_NODATA:
		return DANCE_ERR_DNS_DENIED;
	case DANCE_DNS_INSECURE:
		return DANCE_ERR_DNS_INSECURE;
	case DANCE_DNS_BOGUS:
		return DANCE_ERR_DNS_BOGUS;
	case DANCE_DNS_TEMPFAIL:
		return DANCE_ERR_DNS_TEMPFAIL;
	}
	return DANCE_ERR_DNS_TEMPFAIL;
}

/* dance_ctx_new - a context with defaults; the resolver starts lazily */
struct dance_ctx *
dance_ctx_new(struct event_base *base, int *err)
{
	struct dance_ctx *ctx;

	if (err != NULL)
		*err = DANCE_ERR_NOMEM;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return NULL;
	ctx->base = base;
	ctx->timeout_ms = 5000;
	ctx->neg_ttl = 30;
	ctx->log_max = DANCE_LOG_INFO;
	ctx->cache = dance_cache_new();
	ctx->ub = ub_ctx_create();
	if (ctx->cache == NULL || ctx->ub == NULL)
		goto fail;
	/*
	 * A thread, not the default fork: forking after use can hang
	 * ub_ctx_delete() (NLnetLabs/unbound#775), and a thread keeps every
	 * slow authority off our event thread.
	 */
	/*
	 * "prefetch": libunbound renews an RRset queried in the last tenth
	 * of its TTL, which is what keeps our prefetched names fresh.
	 */
	if (ub_ctx_async(ctx->ub, 1) != 0 ||
	    ub_ctx_set_option(ctx->ub, "prefetch:", "yes") != 0) {
		if (err != NULL)
			*err = DANCE_ERR_RESOLVER;
		goto fail;
	}
	if (err != NULL)
		*err = DANCE_OK;
	return ctx;
fail:
	dance_ctx_free(ctx);
	return NULL;
}

/* dance_ctx_free - release everything; lookups die without callbacks */
void
dance_ctx_free(struct dance_ctx *ctx)
{
	if (ctx == NULL)
		return;
	/* The cache first: it cancels the queries its entries own. */
	dance_cache_free(ctx->cache);
	dance_resolver_shutdown(ctx);
	if (ctx->ub_ev != NULL)
		event_free(ctx->ub_ev);
	if (ctx->ub != NULL)
		ub_ctx_delete(ctx->ub);
	dance_strlist_clear(&ctx->suffixes);
	dance_strlist_clear(&ctx->prefetch);
	free(ctx);
}

void
dance_ctx_set_log(
    struct dance_ctx *ctx, dance_log_fn *fn, void *arg, int maxprio)
{
	ctx->log_fn = fn;
	ctx->log_arg = arg;
	ctx->log_max = maxprio;
}

void
dance_ctx_set_clock(struct dance_ctx *ctx, dance_clock_fn *fn, void *arg)
{
	ctx->clock_fn = fn;
	ctx->clock_arg = arg;
}

/* dance_log - format one line for the caller's sink, if it wants it */
void
dance_log(struct dance_ctx *ctx, int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (ctx == NULL || ctx->log_fn == NULL || prio > ctx->log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ctx->log_fn(ctx->log_arg, prio, line);
}

/* dance_log_crypto - log and empty OpenSSL's whole error queue */
void
dance_log_crypto(struct dance_ctx *ctx, const char *what)
{
	unsigned long e;
	char buf[256];
	int first = 1;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		dance_log(ctx, DANCE_LOG_ERR, "%s: %s%s", what,
		    first ? "" : "and additionally ", buf);
		first = 0;
	}
	if (first)
		dance_log(ctx, DANCE_LOG_ERR, "%s: failed", what);
}

/* dance_now_ms - the monotonic clock, or the injected one */
uint64_t
dance_now_ms(struct dance_ctx *ctx)
{
	struct timespec ts;

	if (ctx->clock_fn != NULL)
		return ctx->clock_fn(ctx->clock_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* dance_name_canon - lower case, no trailing dot; -1 if it does not fit */
int
dance_name_canon(const char *in, char *out, size_t outlen)
{
	size_t n = strlen(in), i;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n + 1 > outlen)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
	return 0;
}

int
dance_strlist_add(struct dance_strlist *l, const char *s)
{
	char **v, *copy;

	copy = strdup(s);
	if (copy == NULL)
		return -1;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL) {
		free(copy);
		return -1;
	}
	v[l->n++] = copy;
	l->v = v;
	return 0;
}

void
dance_strlist_clear(struct dance_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ub_err - map a libunbound configuration error, logging it once */
static int
ub_err(struct dance_ctx *ctx, const char *what, int r)
{
	if (r == 0)
		return DANCE_OK;
	dance_log(ctx, DANCE_LOG_ERR, "resolver: %s: %s", what, ub_strerror(r));
	if (r == UB_AFTERFINAL)
		return DANCE_ERR_STATE;
	if (r == UB_NOMEM)
		return DANCE_ERR_NOMEM;
	if (r == UB_READFILE)
		return DANCE_ERR_FILE;
	return DANCE_ERR_INVAL;
}

/*
 * ta_rr_check - libunbound parses trust anchors only when the first query
 * is sent; check now with ldns so a typo is reported at configuration
 * time, with its reason, and not as a resolver that never validates.
 */
static int
ta_rr_check(
    struct dance_ctx *ctx, const char *where, ldns_rr *rr, ldns_status st)
{
	ldns_rr_type type;

	if (st != LDNS_STATUS_OK) {
		dance_log(ctx, DANCE_LOG_ERR, "trust anchor %s: %s", where,
		    ldns_get_errorstr_by_id(st));
		return DANCE_ERR_INVAL;
	}
	type = ldns_rr_get_type(rr);
	if (type != LDNS_RR_TYPE_DS && type != LDNS_RR_TYPE_DNSKEY) {
		dance_log(ctx, DANCE_LOG_ERR,
		    "trust anchor %s: not a DS or "
		    "DNSKEY record",
		    where);
		return DANCE_ERR_INVAL;
	}
	return DANCE_OK;
}

int
dance_ctx_add_ta(struct dance_ctx *ctx, const char *rr)
{
	ldns_rr *parsed = NULL;
	int r;

	if (ctx->ub_final)
		return DANCE_ERR_STATE;
	r = ta_rr_check(ctx, "string", parsed,
	    ldns_rr_new_frm_str(&parsed, rr, 0, NULL, NULL));
	ldns_rr_free(parsed);
	if (r != DANCE_OK)
		return r;
	r = ub_err(ctx, "trust anchor", ub_ctx_add_ta(ctx->ub, rr));
	if (r == DANCE_OK)
		ctx->have_ta = 1;
	return r;
}

/* ta_file_check - every record of a trust-anchor file is a DS or DNSKEY */
static int
ta_file_check(struct dance_ctx *ctx, const char *path, FILE *f)
{
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = 3600;
	ldns_status st;
	ldns_rr *rr;
	char where[300];
	int line = 1, n = 0, r = DANCE_OK;

	while (r == DANCE_OK && !feof(f)) {
		rr = NULL;
		st = ldns_rr_new_frm_fp_l(&rr, f, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN) {
			ldns_rr_free(rr);
			continue;
		}
		snprintf(where, sizeof(where), "%s:%d", path, line);
		r = ta_rr_check(ctx, where, rr, st);
		ldns_rr_free(rr);
		n++;
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (r == DANCE_OK && n == 0) {
		dance_log(ctx, DANCE_LOG_ERR,
		    "trust anchor file %s: no "
		    "record",
		    path);
		r = DANCE_ERR_FILE;
	}
	return r == DANCE_OK ? r : DANCE_ERR_FILE;
}

int
dance_ctx_add_ta_file(struct dance_ctx *ctx, const char *path)
{
	FILE *f;
	int r;

	if (ctx->ub_final)
		return DANCE_ERR_STATE;
	/* libunbound reads the file lazily; fail now, with the path. */
	f = fopen(path, "r");
	if (f == NULL) {
		dance_log(ctx, DANCE_LOG_ERR, "trust anchor file %s: %s", path,
		    strerror(errno));
		return DANCE_ERR_FILE;
	}
	r = ta_file_check(ctx, path, f);
	fclose(f);
	if (r != DANCE_OK)
		return r;
	r = ub_err(ctx, path, ub_ctx_add_ta_file(ctx->ub, path));
	if (r == DANCE_OK)
		ctx->have_ta = 1;
	return r;
}

int
dance_ctx_no_default_ta(struct dance_ctx *ctx)
{
	if (ctx->ub_final)
		return DANCE_ERR_STATE;
	ctx->no_default_ta = 1;
	return DANCE_OK;
}

/* Top-level names unbound answers locally unless told "nodefault". */
static const char *const default_local_tlds[] = {
    "test", "invalid", "onion", "localhost", NULL};

/*
 * upstream_explicit - an explicitly configured upstream is trusted with
 * every name: unbound must query loopback servers and must not answer the
 * RFC 6761 special-use names (test., ...) locally, or a test bed or lab
 * deployment under them would only ever see insecure NXDOMAINs.
 */
static int
upstream_explicit(struct dance_ctx *ctx)
{
	if (ctx->have_upstream)
		return DANCE_OK;
	/* The local zones are lifted in dance_resolver_final(). */
	return ub_err(ctx, "do-not-query-localhost",
	    ub_ctx_set_option(ctx->ub, "do-not-query-localhost:", "no"));
}

/* dance_ctx_lift_local_zones - after all other configuration: this call
 * finalizes libunbound's context (the "local-zone:" option does not lift
 * a default zone; ub_ctx_zone_add() with "nodefault" does) */
int
dance_ctx_lift_local_zones(struct dance_ctx *ctx)
{
	char zone[32];
	int r, i;

	if (!ctx->have_upstream)
		return DANCE_OK;
	for (i = 0; default_local_tlds[i] != NULL; i++) {
		snprintf(zone, sizeof(zone), "%s.", default_local_tlds[i]);
		r = ub_ctx_zone_add(ctx->ub, zone, "nodefault");
		if (r != 0)
			return ub_err(ctx, zone, r);
	}
	return DANCE_OK;
}

int
dance_ctx_add_forwarder(struct dance_ctx *ctx, const char *addr)
{
	int r;

	if (ctx->ub_final)
		return DANCE_ERR_STATE;
	if ((r = upstream_explicit(ctx)) != DANCE_OK)
		return r;
	r = ub_err(ctx, addr, ub_ctx_set_fwd(ctx->ub, addr));
	if (r == DANCE_OK)
		ctx->have_upstream = 1;
	return r;
}

int
dance_ctx_add_stub(struct dance_ctx *ctx, const char *zone, const char *addr)
{
	char canon[256];
	int r;

	if (ctx->ub_final)
		return DANCE_ERR_STATE;
	if (dance_name_canon(zone, canon, sizeof(canon)) != 0)
		return DANCE_ERR_INVAL;
	if ((r = upstream_explicit(ctx)) != DANCE_OK)
		return r;
	r = ub_err(ctx, addr, ub_ctx_set_stub(ctx->ub, canon, addr, 0));
	if (r == DANCE_OK)
		ctx->have_upstream = 1;
	return r;
}

int
dance_ctx_set_option(struct dance_ctx *ctx, const char *name, const char *value)
{
	char opt[128];

	if (ctx->ub_final)
		return DANCE_ERR_STATE;
	if ((size_t)snprintf(opt, sizeof(opt), "%s:", name) >= sizeof(opt))
		return DANCE_ERR_INVAL;
	return ub_err(ctx, opt, ub_ctx_set_option(ctx->ub, opt, value));
}

int
dance_ctx_set_timeout(struct dance_ctx *ctx, unsigned ms)
{
	if (ms == 0 || ms > 600000)
		return DANCE_ERR_INVAL;
	ctx->timeout_ms = ms;
	return DANCE_OK;
}

int
dance_ctx_set_negative_ttl(struct dance_ctx *ctx, unsigned seconds)
{
	if (seconds > 86400)
		return DANCE_ERR_INVAL;
	ctx->neg_ttl = seconds;
	return DANCE_OK;
}

int
dance_ctx_add_allowed_suffix(struct dance_ctx *ctx, const char *suffix)
{
	char canon[256];

	if (dance_name_canon(suffix, canon, sizeof(canon)) != 0)
		return DANCE_ERR_INVAL;
	if (dance_strlist_add(&ctx->suffixes, canon) != 0)
		return DANCE_ERR_NOMEM;
	return DANCE_OK;
}

int
dance_ctx_add_prefetch(struct dance_ctx *ctx, const char *owner)
{
	char canon[256];

	if (ctx->base == NULL)
		return DANCE_ERR_STATE;
	if (dance_name_canon(owner, canon, sizeof(canon)) != 0)
		return DANCE_ERR_INVAL;
	if (dance_strlist_add(&ctx->prefetch, canon) != 0)
		return DANCE_ERR_NOMEM;
	return dance_cache_prefetch(ctx, canon);
}
