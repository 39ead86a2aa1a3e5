/*
 * cache.c - TLSA cache keyed by owner name.
 *
 * Rules:
 * - a secure answer is kept for its TTL and never longer;
 * - a secure denial (NXDOMAIN/NODATA) is kept for min(TTL, negative cap),
 *   so a name enrolled just after a failed lookup is not refused for long;
 * - bogus, insecure and temporary failures are never kept here, so they
 *   can never be mistaken for a denial;
 * - concurrent lookups of one name share one query (a burst of
 *   handshakes from one client costs one DNS lookup);
 * - prefetched names are refreshed at 80% of their TTL.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <unbound.h>

#include "cache.h"
#include "dance_int.h"
#include "resolver.h"

#define CACHE_BUCKETS 256
#define CACHE_MAX_ENTRIES 4096
#define PREFETCH_RETRY_MS 2000
#define PREFETCH_MIN_MS 100

enum lookup_state { LOOKUP_WAITING, LOOKUP_DELIVERING };

struct cache_entry;

struct dance_lookup {
	struct dance_ctx *ctx;
	struct dance_lookup *next; /* in entry->waiters or ctx list */
	struct cache_entry *entry; /* while waiting on a query */
	struct event *deliver;     /* for answers already cached */
	struct dance_tlsa *t;      /* the answer to deliver */
	dance_tlsa_cb *cb;
	void *arg;
	enum lookup_state state;
	int cancelled;
};

struct cache_entry {
	struct cache_entry *next; /* hash chain */
	struct dance_ctx *ctx;
	char *owner;
	struct dance_tlsa *t;         /* cached answer, or NULL */
	uint64_t expires_ms;          /* on the context's clock */
	struct dance_query *q;        /* query in flight, or NULL */
	struct dance_lookup *waiters; /* lookups waiting for q */
	struct event *refresh;        /* prefetch timer, or NULL */
};

struct dance_cache {
	struct cache_entry *bucket[CACHE_BUCKETS];
	size_t count;
	struct dance_lookup *delivering; /* cache hits awaiting the loop */
};

static int entry_query(struct cache_entry *e);
static void refresh_schedule(struct cache_entry *e, const struct dance_tlsa *t);

static unsigned
hash_name(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % CACHE_BUCKETS;
}

struct dance_cache *
dance_cache_new(void)
{
	return calloc(1, sizeof(struct dance_cache));
}

static void
lookup_free(struct dance_lookup *l)
{
	if (l->deliver != NULL)
		event_free(l->deliver);
	dance_tlsa_unref(l->t);
	free(l);
}

static void
entry_free(struct cache_entry *e)
{
	struct dance_lookup *l;

	while ((l = e->waiters) != NULL) {
		e->waiters = l->next;
		lookup_free(l);
	}
	if (e->q != NULL)
		dance_query_cancel(e->q);
	if (e->refresh != NULL)
		event_free(e->refresh);
	dance_tlsa_unref(e->t);
	free(e->owner);
	free(e);
}

void
dance_cache_free(struct dance_cache *c)
{
	struct cache_entry *e;
	struct dance_lookup *l;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < CACHE_BUCKETS; i++) {
		while ((e = c->bucket[i]) != NULL) {
			c->bucket[i] = e->next;
			entry_free(e);
		}
	}
	while ((l = c->delivering) != NULL) {
		c->delivering = l->next;
		lookup_free(l);
	}
	free(c);
}

static struct cache_entry *
entry_find(struct dance_ctx *ctx, const char *owner)
{
	struct cache_entry *e;

	for (e = ctx->cache->bucket[hash_name(owner)]; e != NULL; e = e->next)
		if (strcmp(e->owner, owner) == 0)
			return e;
	return NULL;
}

static void
entry_unlink(struct cache_entry *e)
{
	struct cache_entry **pp;
	struct dance_cache *c = e->ctx->cache;

	for (pp = &c->bucket[hash_name(e->owner)]; *pp != NULL;
	     pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			c->count--;
			return;
		}
	}
}

/* entry_fresh - the cached answer, if it has not outlived its TTL */
static struct dance_tlsa *
entry_fresh(struct cache_entry *e)
{
	if (e->t == NULL)
		return NULL;
	if (dance_now_ms(e->ctx) >= e->expires_ms) {
		dance_tlsa_unref(e->t);
		e->t = NULL;
		return NULL;
	}
	return e->t;
}

/* entry_idle - nothing waits on it and nothing worth keeping: drop it */
static int
entry_idle(struct cache_entry *e)
{
	return e->q == NULL && e->waiters == NULL && e->refresh == NULL &&
	    entry_fresh(e) == NULL;
}

/* cache_sweep - drop idle entries when the table is full */
static void
cache_sweep(struct dance_ctx *ctx)
{
	struct cache_entry **pp, *e;
	size_t i;

	for (i = 0; i < CACHE_BUCKETS; i++) {
		pp = &ctx->cache->bucket[i];
		while ((e = *pp) != NULL) {
			if (entry_idle(e)) {
				*pp = e->next;
				ctx->cache->count--;
				entry_free(e);
			} else
				pp = &e->next;
		}
	}
}

static struct cache_entry *
entry_get(struct dance_ctx *ctx, const char *owner)
{
	struct cache_entry *e;
	unsigned h;

	e = entry_find(ctx, owner);
	if (e != NULL)
		return e;
	if (ctx->cache->count >= CACHE_MAX_ENTRIES)
		cache_sweep(ctx);
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->ctx = ctx;
	e->owner = strdup(owner);
	if (e->owner == NULL) {
		free(e);
		return NULL;
	}
	h = hash_name(owner);
	e->next = ctx->cache->bucket[h];
	ctx->cache->bucket[h] = e;
	ctx->cache->count++;
	return e;
}

/* entry_store - keep an answer for as long as its verdict allows */
static void
entry_store(struct cache_entry *e, struct dance_tlsa *t)
{
	uint64_t ttl_ms;

	switch (t->status) {
	case DANCE_DNS_SECURE:
		ttl_ms = (uint64_t)t->ttl * 1000;
		break;
	case DANCE_DNS_SECURE_NXDOMAIN:
	case DANCE_DNS_SECURE_NODATA:
		ttl_ms =
		    (uint64_t)(t->ttl < e->ctx->neg_ttl ? t->ttl
							: e->ctx->neg_ttl) *
		    1000;
		break;
	default:
		/*
		 * A failure does not evict a still-valid secure answer (a
		 * prefetch refresh failed): it simply expires on time.
		 */
		return;
	}
	if (ttl_ms == 0)
		return;
	dance_tlsa_unref(e->t);
	e->t = dance_tlsa_ref(t);
	e->expires_ms = dance_now_ms(e->ctx) + ttl_ms;
}

static int
is_prefetched(struct dance_ctx *ctx, const char *owner)
{
	size_t i;

	for (i = 0; i < ctx->prefetch.n; i++)
		if (strcmp(ctx->prefetch.v[i], owner) == 0)
			return 1;
	return 0;
}

/* refresh_fire - time to renew a prefetched name */
static void
refresh_fire(evutil_socket_t fd, short what, void *arg)
{
	struct cache_entry *e = arg;

	(void)fd;
	(void)what;
	if (e->q == NULL && entry_query(e) != 0)
		refresh_schedule(e, NULL);
}

/*
 * refresh_schedule - renew a prefetched name before it expires.
 *
 * Answers come through libunbound's cache, whose TTLs count down: a
 * refresh returns what is left, not a new TTL.  So the next refresh is
 * set at half of what is left; near the end libunbound (configured with
 * "prefetch: yes") fetches the RRset anew, and the following refresh
 * returns a full TTL.  After a failure, retry soon.
 */
static void
refresh_schedule(struct cache_entry *e, const struct dance_tlsa *t)
{
	struct timeval tv;
	uint64_t ms = PREFETCH_RETRY_MS;

	if (e->refresh == NULL)
		return;
	if (t != NULL &&
	    (t->status == DANCE_DNS_SECURE ||
		t->status == DANCE_DNS_SECURE_NXDOMAIN ||
		t->status == DANCE_DNS_SECURE_NODATA)) {
		/* TTL 0: libunbound's copy runs out within the second. */
		ms = (uint64_t)t->ttl * 500;
		if (ms < PREFETCH_MIN_MS)
			ms = PREFETCH_MIN_MS;
	}
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(e->refresh, &tv);
}

/* entry_answered - a query finished: store, then wake every waiter */
static void
entry_answered(void *arg, int err, struct ub_result *res)
{
	struct cache_entry *e = arg;
	struct dance_ctx *ctx = e->ctx;
	struct dance_lookup *l, *waiters;
	struct dance_tlsa *t;

	e->q = NULL;
	t = dance_tlsa_from_result(e->owner, err, res);
	ub_resolve_free(res);
	if (t == NULL)
		t = dance_tlsa_new_status(
		    e->owner, DANCE_DNS_TEMPFAIL, "out of memory");
	if (t != NULL) {
		dance_log(ctx, DANCE_LOG_DEBUG,
		    "TLSA %s: %s%s%s, %zu records, "
		    "ttl %u",
		    e->owner, dance_dns_status_str(t->status),
		    t->why != NULL ? ": " : "", t->why != NULL ? t->why : "",
		    t->nrr, t->ttl);
		entry_store(e, t);
	}
	refresh_schedule(e, t);

	waiters = e->waiters;
	e->waiters = NULL;
	for (l = waiters; l != NULL; l = l->next)
		l->state = LOOKUP_DELIVERING;
	/*
	 * Callbacks may start or cancel lookups, even of this name; the
	 * detached list and the state flag keep that safe.
	 */
	while ((l = waiters) != NULL) {
		waiters = l->next;
		if (!l->cancelled && t != NULL)
			l->cb(l->arg, dance_tlsa_ref(t));
		lookup_free(l);
	}
	dance_tlsa_unref(t);
	if (entry_idle(e)) {
		entry_unlink(e);
		entry_free(e);
	}
}

/* entry_query - send the one query this entry may have in flight */
static int
entry_query(struct cache_entry *e)
{
	e->q = dance_query_start(e->ctx, e->owner, 52, entry_answered, e);
	return e->q == NULL ? -1 : 0;
}

/* deliver_cached - run a cache hit's callback from the event loop */
static void
deliver_cached(evutil_socket_t fd, short what, void *arg)
{
	struct dance_lookup *l = arg, **pp;
	struct dance_cache *c = l->ctx->cache;
	struct dance_tlsa *t;

	(void)fd;
	(void)what;
	for (pp = &c->delivering; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	t = l->t;
	l->t = NULL;
	l->cb(l->arg, t);
	lookup_free(l);
}

int
dance_tlsa_lookup(struct dance_ctx *ctx, const char *owner, dance_tlsa_cb *cb,
    void *arg, struct dance_lookup **handle)
{
	char canon[256];
	struct cache_entry *e;
	struct dance_lookup *l;
	struct dance_tlsa *t;

	if (handle != NULL)
		*handle = NULL;
	if (ctx->base == NULL)
		return DANCE_ERR_STATE;
	if (dance_name_canon(owner, canon, sizeof(canon)) != 0)
		return DANCE_ERR_INVAL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return DANCE_ERR_NOMEM;
	l->ctx = ctx;
	l->cb = cb;
	l->arg = arg;
	e = entry_get(ctx, canon);
	if (e == NULL) {
		free(l);
		return DANCE_ERR_NOMEM;
	}
	t = entry_fresh(e);
	if (t != NULL) {
		ctx->stats.cache_hits++;
		l->deliver = evtimer_new(ctx->base, deliver_cached, l);
		if (l->deliver == NULL) {
			free(l);
			return DANCE_ERR_NOMEM;
		}
		l->t = dance_tlsa_ref(t);
		l->state = LOOKUP_DELIVERING;
		l->next = ctx->cache->delivering;
		ctx->cache->delivering = l;
		event_active(l->deliver, EV_TIMEOUT, 0);
	} else {
		ctx->stats.cache_misses++;
		if (e->q == NULL && entry_query(e) != 0) {
			free(l);
			if (entry_idle(e)) {
				entry_unlink(e);
				entry_free(e);
			}
			return DANCE_ERR_RESOLVER;
		}
		l->entry = e;
		l->next = e->waiters;
		e->waiters = l;
	}
	if (handle != NULL)
		*handle = l;
	return DANCE_OK;
}

void
dance_lookup_cancel(struct dance_lookup *l)
{
	struct dance_lookup **pp;

	if (l == NULL)
		return;
	if (l->state == LOOKUP_DELIVERING && l->deliver == NULL) {
		/* Being delivered by entry_answered(): let it skip us. */
		l->cancelled = 1;
		return;
	}
	pp = l->deliver != NULL ? &l->ctx->cache->delivering
				: &l->entry->waiters;
	for (; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	lookup_free(l);
}

struct dance_tlsa *
dance_cache_get(struct dance_ctx *ctx, const char *owner)
{
	char canon[256];
	struct cache_entry *e;
	struct dance_tlsa *t;

	if (dance_name_canon(owner, canon, sizeof(canon)) != 0)
		return NULL;
	e = entry_find(ctx, canon);
	if (e == NULL)
		return NULL;
	t = entry_fresh(e);
	return t != NULL ? dance_tlsa_ref(t) : NULL;
}

int
dance_tlsa_lookup_sync(struct dance_ctx *ctx, const char *owner,
    unsigned timeout_ms, struct dance_tlsa **out)
{
	char canon[256];
	struct ub_result *res = NULL;
	struct cache_entry *e;
	struct dance_tlsa *t;
	int err;

	*out = NULL;
	if (dance_name_canon(owner, canon, sizeof(canon)) != 0)
		return DANCE_ERR_INVAL;
	t = dance_cache_get(ctx, canon);
	if (t != NULL) {
		ctx->stats.cache_hits++;
		*out = t;
		return DANCE_OK;
	}
	ctx->stats.cache_misses++;
	err = dance_query_sync(ctx, canon, 52, timeout_ms, &res);
	t = dance_tlsa_from_result(canon, err, res);
	ub_resolve_free(res);
	if (t == NULL)
		return DANCE_ERR_NOMEM;
	dance_log(ctx, DANCE_LOG_DEBUG, "TLSA %s: %s%s%s, %zu records", canon,
	    dance_dns_status_str(t->status), t->why ? ": " : "",
	    t->why ? t->why : "", t->nrr);
	e = entry_get(ctx, canon);
	if (e != NULL) {
		entry_store(e, t);
		if (entry_idle(e)) {
			entry_unlink(e);
			entry_free(e);
		}
	}
	*out = t;
	return DANCE_OK;
}

int
dance_cache_prefetch(struct dance_ctx *ctx, const char *owner)
{
	struct cache_entry *e;
	struct timeval now = {0, 0};

	if (!is_prefetched(ctx, owner))
		return DANCE_ERR_INVAL;
	e = entry_get(ctx, owner);
	if (e == NULL)
		return DANCE_ERR_NOMEM;
	if (e->refresh != NULL)
		return DANCE_OK;
	e->refresh = evtimer_new(ctx->base, refresh_fire, e);
	if (e->refresh == NULL)
		return DANCE_ERR_NOMEM;
	/* From the loop, so resolver configuration may still follow. */
	evtimer_add(e->refresh, &now);
	return DANCE_OK;
}

void
dance_ctx_stats(struct dance_ctx *ctx, struct dance_stats *st)
{
	*st = ctx->stats;
	st->cache_entries = ctx->cache->count;
}
