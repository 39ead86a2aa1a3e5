/*
 * resolver.c - libunbound on the event base.
 *
 * libunbound runs its own worker thread (ub_ctx_async(1)); answers come
 * back through ub_fd(), which we watch on the caller's event base and
 * drain with ub_process().  Every query carries a deadline: libunbound's
 * own timeouts are long and not per query, so a timer cancels the query
 * and reports a temporary failure instead.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/event.h>
#include <unbound.h>

#include "dance_int.h"
#include "resolver.h"

#define RR_TYPE_TLSA 52
#define RR_CLASS_IN 1
#define ROOT_KEY_FILE "/usr/share/dns/root.key"
#define RESOLV_CONF "/etc/resolv.conf"

struct dance_query {
	struct dance_ctx *ctx;
	struct dance_query *next, *prev; /* ctx->queries */
	struct event *deadline;
	dance_query_cb *cb;
	void *arg;
	int async_id;
	int linked;    /* counted in ctx->stats and ctx->queries */
	int sync_done; /* for dance_query_sync() */
	int sync_err;
	struct ub_result *sync_res;
};

static void
query_unlink(struct dance_query *q)
{
	struct dance_ctx *ctx = q->ctx;

	if (q->prev != NULL)
		q->prev->next = q->next;
	else if (ctx->queries == q)
		ctx->queries = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	q->next = q->prev = NULL;
}

/* query_link - track a query sent to libunbound (for cancel and stats) */
static void
query_link(struct dance_query *q)
{
	struct dance_ctx *ctx = q->ctx;

	q->next = ctx->queries;
	if (q->next != NULL)
		q->next->prev = q;
	ctx->queries = q;
	ctx->stats.queries_sent++;
	ctx->stats.queries_inflight++;
	q->linked = 1;
}

static void
query_free(struct dance_query *q)
{
	if (q->linked)
		q->ctx->stats.queries_inflight--;
	query_unlink(q);
	if (q->deadline != NULL)
		event_free(q->deadline);
	free(q);
}

/* ub_readable - answers are waiting in libunbound's pipe */
static void
ub_readable(evutil_socket_t fd, short what, void *arg)
{
	struct dance_ctx *ctx = arg;
	int r;

	(void)fd;
	(void)what;
	r = ub_process(ctx->ub);
	if (r != 0)
		dance_log(ctx, DANCE_LOG_ERR, "resolver: ub_process: %s",
		    ub_strerror(r));
}

/* dance_resolver_final - apply defaults, freeze configuration */
int
dance_resolver_final(struct dance_ctx *ctx)
{
	int r;

	if (ctx->ub_final)
		return DANCE_OK;
	if (!ctx->have_ta && !ctx->no_default_ta) {
		r = ub_ctx_add_ta_file(ctx->ub, ROOT_KEY_FILE);
		if (r != 0) {
			dance_log(ctx, DANCE_LOG_ERR, "resolver: %s: %s",
			    ROOT_KEY_FILE, ub_strerror(r));
			return DANCE_ERR_RESOLVER;
		}
	}
	if (!ctx->have_upstream) {
		r = ub_ctx_resolvconf(ctx->ub, RESOLV_CONF);
		if (r != 0) {
			dance_log(ctx, DANCE_LOG_ERR, "resolver: %s: %s",
			    RESOLV_CONF, ub_strerror(r));
			return DANCE_ERR_RESOLVER;
		}
	}
	if (dance_ctx_lift_local_zones(ctx) != DANCE_OK)
		return DANCE_ERR_RESOLVER;
	if (ctx->base != NULL) {
		ctx->ub_ev = event_new(ctx->base, ub_fd(ctx->ub),
		    EV_READ | EV_PERSIST, ub_readable, ctx);
		if (ctx->ub_ev == NULL || event_add(ctx->ub_ev, NULL) != 0) {
			dance_log(ctx, DANCE_LOG_ERR,
			    "resolver: cannot watch libunbound's descriptor");
			return DANCE_ERR_RESOLVER;
		}
	}
	ctx->ub_final = 1;
	return DANCE_OK;
}

/* query_answered - libunbound's callback, run inside ub_process() */
static void
query_answered(void *arg, int err, struct ub_result *res)
{
	struct dance_query *q = arg;
	dance_query_cb *cb = q->cb;
	void *cbarg = q->arg;

	query_free(q);
	cb(cbarg, err, res);
}

/* query_expired - the deadline passed: cancel, report a timeout */
static void
query_expired(evutil_socket_t fd, short what, void *arg)
{
	struct dance_query *q = arg;
	dance_query_cb *cb = q->cb;
	void *cbarg = q->arg;

	(void)fd;
	(void)what;
	ub_cancel(q->ctx->ub, q->async_id);
	query_free(q);
	cb(cbarg, -1, NULL);
}

struct dance_query *
dance_query_start(struct dance_ctx *ctx, const char *name, int rrtype,
    dance_query_cb *cb, void *arg)
{
	struct dance_query *q;
	struct timeval tv;
	int r;

	if (dance_resolver_final(ctx) != DANCE_OK)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->ctx = ctx;
	q->cb = cb;
	q->arg = arg;
	if (ctx->base != NULL) {
		q->deadline = evtimer_new(ctx->base, query_expired, q);
		tv.tv_sec = ctx->timeout_ms / 1000;
		tv.tv_usec = (ctx->timeout_ms % 1000) * 1000;
		if (q->deadline == NULL || evtimer_add(q->deadline, &tv) != 0) {
			query_free(q);
			return NULL;
		}
	}
	r = ub_resolve_async(ctx->ub, name, rrtype, RR_CLASS_IN, q,
	    query_answered, &q->async_id);
	if (r != 0) {
		dance_log(ctx, DANCE_LOG_ERR, "resolver: query %s: %s", name,
		    ub_strerror(r));
		query_free(q);
		return NULL;
	}
	query_link(q);
	return q;
}

void
dance_query_cancel(struct dance_query *q)
{
	if (q == NULL)
		return;
	ub_cancel(q->ctx->ub, q->async_id);
	query_free(q);
}

void
dance_resolver_shutdown(struct dance_ctx *ctx)
{
	while (ctx->queries != NULL)
		dance_query_cancel(ctx->queries);
}

/* sync_answered - completion of a query made by dance_query_sync() */
static void
sync_answered(void *arg, int err, struct ub_result *res)
{
	struct dance_query *q = arg;

	q->sync_done = 1;
	q->sync_err = err;
	q->sync_res = res;
}

/*
 * dance_query_sync - bounded wait: poll ub_fd() until our answer or the
 * deadline.  Other queries' answers processed meanwhile run their
 * callbacks as the event loop would have.
 */
int
dance_query_sync(struct dance_ctx *ctx, const char *name, int rrtype,
    unsigned timeout_ms, struct ub_result **res)
{
	struct dance_query wait;
	struct dance_query *q;
	struct pollfd pfd;
	uint64_t deadline, now;
	struct timespec ts;
	int r;

	*res = NULL;
	memset(&wait, 0, sizeof(wait));
	if (timeout_ms == 0)
		timeout_ms = ctx->timeout_ms;
	if (dance_resolver_final(ctx) != DANCE_OK)
		return UB_INITFAIL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return UB_NOMEM;
	q->ctx = ctx;
	q->cb = sync_answered;
	q->arg = &wait;
	r = ub_resolve_async(ctx->ub, name, rrtype, RR_CLASS_IN, q,
	    query_answered, &q->async_id);
	if (r != 0) {
		free(q);
		return r;
	}
	query_link(q);

	/* Real time, not the injectable clock: this bounds a real wait. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	deadline = now + timeout_ms;
	while (!wait.sync_done) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (now >= deadline) {
			dance_query_cancel(q);
			return -1;
		}
		pfd.fd = ub_fd(ctx->ub);
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r < 0 && errno != EINTR) {
			dance_query_cancel(q);
			return UB_SOCKET;
		}
		if (r > 0 && (r = ub_process(ctx->ub)) != 0) {
			if (!wait.sync_done)
				dance_query_cancel(q);
			return r;
		}
	}
	*res = wait.sync_res;
	return wait.sync_err;
}

/* tlsa_alloc - an empty result for owner, one reference */
static struct dance_tlsa *
tlsa_alloc(const char *owner, enum dance_dns_status st, const char *why)
{
	struct dance_tlsa *t;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->refs = 1;
	t->status = st;
	t->owner = strdup(owner);
	if (why != NULL)
		t->why = strdup(why);
	if (t->owner == NULL || (why != NULL && t->why == NULL)) {
		dance_tlsa_unref(t);
		return NULL;
	}
	return t;
}

struct dance_tlsa *
dance_tlsa_new_status(
    const char *owner, enum dance_dns_status st, const char *why)
{
	return tlsa_alloc(owner, st, why);
}

/*
 * classify - the decision rule: only secure && havedata is data.  Bogus
 * answers still carry data, so havedata alone means nothing.
 */
enum dance_dns_status
dance_classify(const struct ub_result *r)
{
	if (r->bogus)
		return DANCE_DNS_BOGUS;
	if (r->rcode != 0 && r->rcode != 3)
		return DANCE_DNS_TEMPFAIL;
	if (!r->secure)
		return DANCE_DNS_INSECURE;
	if (r->nxdomain)
		return DANCE_DNS_SECURE_NXDOMAIN;
	if (!r->havedata)
		return DANCE_DNS_SECURE_NODATA;
	return DANCE_DNS_SECURE;
}

/* copy_records - the RDATA of a secure answer, in one allocation */
static int
copy_records(struct dance_tlsa *t, const struct ub_result *r)
{
	size_t n = 0, bytes = 0, i;
	unsigned char *p;

	for (i = 0; r->data[i] != NULL; i++) {
		if (r->len[i] < 3)
			return -1; /* malformed TLSA RDATA */
		n++;
		bytes += (size_t)r->len[i] - 3;
	}
	t->rr = calloc(1, n * sizeof(*t->rr) + bytes + 1);
	if (t->rr == NULL)
		return -1;
	p = (unsigned char *)(t->rr + n);
	for (i = 0; i < n; i++) {
		const unsigned char *d = (const unsigned char *)r->data[i];

		t->rr[i].usage = d[0];
		t->rr[i].selector = d[1];
		t->rr[i].mtype = d[2];
		t->rr[i].len = (size_t)r->len[i] - 3;
		memcpy(p, d + 3, t->rr[i].len);
		t->rr[i].data = p;
		p += t->rr[i].len;
	}
	t->nrr = n;
	return 0;
}

struct dance_tlsa *
dance_tlsa_from_result(const char *owner, int err, const struct ub_result *r)
{
	struct dance_tlsa *t;
	enum dance_dns_status st;
	const char *why = NULL;
	char rcode[32];

	if (err == -1)
		return tlsa_alloc(owner, DANCE_DNS_TEMPFAIL, "timeout");
	if (err != 0 || r == NULL)
		return tlsa_alloc(owner, DANCE_DNS_TEMPFAIL,
		    err != 0 ? ub_strerror(err) : "no result");
	st = dance_classify(r);
	if (st == DANCE_DNS_BOGUS)
		why =
		    r->why_bogus != NULL ? r->why_bogus : "validation failure";
	else if (st == DANCE_DNS_TEMPFAIL) {
		snprintf(rcode, sizeof(rcode), "rcode %d%s", r->rcode,
		    r->rcode == 2 ? " (SERVFAIL)" : "");
		why = rcode;
	}
	t = tlsa_alloc(owner, st, why);
	if (t == NULL)
		return NULL;
	t->ttl = r->ttl > 0 ? (uint32_t)r->ttl : 0;
	if (r->canonname != NULL && strcmp(r->canonname, r->qname) != 0) {
		t->canon = strdup(r->canonname);
		if (t->canon == NULL)
			goto fail;
	}
	if (st == DANCE_DNS_SECURE && copy_records(t, r) != 0) {
		/* Secure but unparsable: treat as a failure, never as data. */
		t->status = DANCE_DNS_BOGUS;
		free(t->why);
		t->why = strdup("malformed TLSA RDATA");
		if (t->why == NULL)
			goto fail;
	}
	return t;
fail:
	dance_tlsa_unref(t);
	return NULL;
}

struct dance_tlsa *
dance_tlsa_ref(struct dance_tlsa *t)
{
	t->refs++;
	return t;
}

void
dance_tlsa_unref(struct dance_tlsa *t)
{
	if (t == NULL || --t->refs > 0)
		return;
	free(t->owner);
	free(t->canon);
	free(t->why);
	free(t->rr);
	free(t);
}

char *
dance_tlsa_rr_str(const struct dance_tlsa_rr *rr, char *buf, size_t buflen)
{
	size_t off, i;
	int n;

	if (buflen == 0)
		return buf;
	n = snprintf(
	    buf, buflen, "%u %u %u ", rr->usage, rr->selector, rr->mtype);
	if (n < 0 || (size_t)n >= buflen)
		return buf;
	off = (size_t)n;
	for (i = 0; i < rr->len && off + 2 < buflen; i++) {
		snprintf(buf + off, buflen - off, "%02x", rr->data[i]);
		off += 2;
	}
	buf[off] = '\0';
	return buf;
}

/* addrs_add - append the A or AAAA records of a result */
static void
addrs_add(const struct ub_result *r, int family, uint16_t port,
    struct sockaddr_storage *out, size_t max, size_t *n)
{
	size_t i;

	for (i = 0; r->havedata && r->data[i] != NULL && *n < max; i++) {
		struct sockaddr_storage *ss = &out[*n];

		memset(ss, 0, sizeof(*ss));
		if (family == AF_INET && r->len[i] == 4) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(port);
			memcpy(&s4->sin_addr, r->data[i], 4);
			(*n)++;
		} else if (family == AF_INET6 && r->len[i] == 16) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(port);
			memcpy(&s6->sin6_addr, r->data[i], 16);
			(*n)++;
		}
	}
}

int
dance_resolve_addrs_sync(struct dance_ctx *ctx, const char *host, uint16_t port,
    unsigned timeout_ms, void *out, size_t max, size_t *n)
{
	static const struct {
		int type, family;
	} q[] = {{1, AF_INET}, {28, AF_INET6}};
	struct ub_result *res;
	size_t i;
	int err;

	*n = 0;
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		err = dance_query_sync(ctx, host, q[i].type, timeout_ms, &res);
		if (err != 0) {
			ub_resolve_free(res);
			return err == -1 ? DANCE_ERR_TIMEOUT
					 : DANCE_ERR_DNS_TEMPFAIL;
		}
		if (res->bogus) {
			dance_log(ctx, DANCE_LOG_WARNING,
			    "%s: bogus address "
			    "records: %s",
			    host,
			    res->why_bogus ? res->why_bogus
					   : "validation failure");
			ub_resolve_free(res);
			return DANCE_ERR_DNS_BOGUS;
		}
		addrs_add(res, q[i].family, port, out, max, n);
		ub_resolve_free(res);
	}
	return *n > 0 ? DANCE_OK : DANCE_ERR_DNS_DENIED;
}
