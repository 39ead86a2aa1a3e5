/*
 * bi_dns.c - NAPTR -> SRV discovery of Backend Interfaces servers, with
 * a TTL cache and shared lookups; see bi_dns.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>

#include "backend/bi_dns.h"
#include "dance.h"

#define RR_NAPTR 35
#define RR_SRV 33
#define CACHE_MAX 4096
#define TTL_MAX 86400 /* a long TTL still gets checked daily */

struct waiter {
	STAILQ_ENTRY(waiter) entry;
	bi_dns_cb *cb;
	void *arg;
};

struct entry {
	LIST_ENTRY(entry) link;
	struct bi_dns *d;
	char name[256];
	bool pending; /* a resolution runs; waiters wait for it */
	struct bi_dns_server srv;
	time_t expires;
	uint32_t ttl; /* the smallest TTL seen on the way */
	STAILQ_HEAD(, waiter) waiters;
	struct dance_rrset_lookup *lookup;
	struct event *deliver; /* cached answers go out from the loop */
};

struct bi_dns {
	struct dance_ctx *ctx;
	struct event_base *base;
	uint16_t default_port;
	LIST_HEAD(, entry) entries;
	unsigned nentries;
};

static time_t
now_mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

static void
entry_free(struct entry *e)
{
	struct waiter *w;

	LIST_REMOVE(e, link);
	e->d->nentries--;
	dance_rrset_lookup_cancel(e->lookup);
	while ((w = STAILQ_FIRST(&e->waiters)) != NULL) {
		STAILQ_REMOVE_HEAD(&e->waiters, entry);
		free(w);
	}
	if (e->deliver != NULL)
		event_free(e->deliver);
	free(e);
}

/* finish - tell every waiter; a failure forgets the entry */
static void
finish(struct entry *e, int err, const char *why)
{
	STAILQ_HEAD(, waiter) ws = STAILQ_HEAD_INITIALIZER(ws);
	struct bi_dns_server srv = e->srv;
	struct waiter *w;

	e->lookup = NULL;
	STAILQ_CONCAT(&ws, &e->waiters);
	if (err != DANCE_OK)
		entry_free(e);
	else if (e->pending) /* a fresh answer, not a cached one */
		e->expires =
		    now_mono() + (time_t)(e->ttl < TTL_MAX ? e->ttl : TTL_MAX);
	if (err == DANCE_OK)
		e->pending = false;
	/* The callbacks may resolve again, even this name: they run on a
	 * private list and a copy of the answer. */
	while ((w = STAILQ_FIRST(&ws)) != NULL) {
		STAILQ_REMOVE_HEAD(&ws, entry);
		w->cb(w->arg, err, err == DANCE_OK ? &srv : NULL,
		    err == DANCE_OK ? "" : why);
		free(w);
	}
}

static void
take_ttl(struct entry *e, const struct dance_rrset *rs)
{
	if (rs->ttl < e->ttl)
		e->ttl = rs->ttl;
}

/* status_fail - a lookup that was not secure data: which name, why */
static void
status_fail(struct entry *e, const struct dance_rrset *rs, const char *type)
{
	char why[600];

	snprintf(why, sizeof(why), "%s %s: %s%s%s", rs->owner, type,
	    dance_dns_status_str(rs->status), rs->why != NULL ? ": " : "",
	    rs->why != NULL ? rs->why : "");
	finish(e, dance_dns_status_err(rs->status), why);
}

static void
on_srv(void *arg, struct dance_rrset *rs)
{
	struct entry *e = arg;
	struct bi_srv best, s;
	bool have = false;
	char why[600];

	e->lookup = NULL;
	if (rs->status != DANCE_DNS_SECURE) {
		status_fail(e, rs, "SRV");
		dance_rrset_free(rs);
		return;
	}
	take_ttl(e, rs);
	for (size_t i = 0; i < rs->nrr; i++)
		if (bi_dns_parse_srv(rs->rr[i].data, rs->rr[i].len, &s) == 0 &&
		    s.target[0] != '\0' && s.port != 0 &&
		    (!have || s.priority < best.priority)) {
			best = s;
			have = true;
		}
	if (!have) {
		snprintf(
		    why, sizeof(why), "%s SRV: no usable record", rs->owner);
		dance_rrset_free(rs);
		finish(e, DANCE_ERR_NO_USABLE, why);
		return;
	}
	snprintf(e->srv.host, sizeof(e->srv.host), "%s", best.target);
	e->srv.port = best.port;
	snprintf(e->srv.via, sizeof(e->srv.via), "NAPTR -> SRV %s (secure)",
	    rs->owner);
	dance_rrset_free(rs);
	finish(e, DANCE_OK, "");
}

static void
on_naptr(void *arg, struct dance_rrset *rs)
{
	struct entry *e = arg;
	struct bi_naptr best, n;
	bool have = false;
	char why[600];
	int rc;

	e->lookup = NULL;
	if (rs->status == DANCE_DNS_SECURE_NXDOMAIN ||
	    rs->status == DANCE_DNS_SECURE_NODATA) {
		/* Proven absent: the plain form, still authenticated by the
		 * host's own secure addresses and TLSA. */
		snprintf(e->srv.host, sizeof(e->srv.host), "%s", e->name);
		e->srv.port = e->d->default_port;
		snprintf(e->srv.via, sizeof(e->srv.via),
		    "plain name (no NAPTR: %s)",
		    dance_dns_status_str(rs->status));
		take_ttl(e, rs);
		dance_rrset_free(rs);
		finish(e, DANCE_OK, "");
		return;
	}
	if (rs->status != DANCE_DNS_SECURE) {
		status_fail(e, rs, "NAPTR");
		dance_rrset_free(rs);
		return;
	}
	take_ttl(e, rs);
	for (size_t i = 0; i < rs->nrr; i++) {
		if (bi_dns_parse_naptr(rs->rr[i].data, rs->rr[i].len, &n) !=
			0 ||
		    strcasecmp(n.service, "LWNS") != 0 ||
		    strcasecmp(n.flags, "S") != 0 || n.replacement[0] == '\0')
			continue;
		if (!have || n.order < best.order ||
		    (n.order == best.order && n.pref < best.pref)) {
			best = n;
			have = true;
		}
	}
	if (!have) {
		snprintf(why, sizeof(why),
		    "%s NAPTR: no record for LWNS (HTTPS) with flag S",
		    rs->owner);
		dance_rrset_free(rs);
		finish(e, DANCE_ERR_NO_USABLE, why);
		return;
	}
	dance_rrset_free(rs);
	rc = dance_rrset_lookup(
	    e->d->ctx, best.replacement, RR_SRV, on_srv, e, &e->lookup);
	if (rc != DANCE_OK) {
		snprintf(why, sizeof(why), "%s SRV: %s", best.replacement,
		    dance_strerror(rc));
		finish(e, rc, why);
	}
}

/* deliver_cached - from the loop: a cached entry's waiters */
static void
deliver_cached(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	finish(arg, DANCE_OK, "");
}

static struct entry *
entry_find(struct bi_dns *d, const char *name)
{
	struct entry *e, *next;
	time_t now = now_mono();

	for (e = LIST_FIRST(&d->entries); e != NULL; e = next) {
		next = LIST_NEXT(e, link);
		if (strcasecmp(e->name, name) == 0) {
			if (e->pending || e->expires > now ||
			    !STAILQ_EMPTY(&e->waiters))
				return e;
			entry_free(e);
			return NULL;
		}
	}
	return NULL;
}

int
bi_dns_resolve(struct bi_dns *d, const char *name, bi_dns_cb *cb, void *arg)
{
	struct entry *e;
	struct waiter *w;
	int rc;

	if (d == NULL || name == NULL || cb == NULL || name[0] == '\0' ||
	    strlen(name) > 253)
		return DANCE_ERR_INVAL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return DANCE_ERR_NOMEM;
	w->cb = cb;
	w->arg = arg;
	if ((e = entry_find(d, name)) != NULL) {
		STAILQ_INSERT_TAIL(&e->waiters, w, entry);
		if (!e->pending)
			event_active(e->deliver, EV_TIMEOUT, 0);
		return DANCE_OK;
	}
	if (d->nentries >= CACHE_MAX) {
		/* Bounded: drop the oldest settled entries. */
		struct entry *x, *next;

		for (x = LIST_FIRST(&d->entries); x != NULL; x = next) {
			next = LIST_NEXT(x, link);
			if (!x->pending && STAILQ_EMPTY(&x->waiters))
				entry_free(x);
		}
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		free(w);
		return DANCE_ERR_NOMEM;
	}
	e->d = d;
	snprintf(e->name, sizeof(e->name), "%s", name);
	if (e->name[strlen(e->name) - 1] == '.')
		e->name[strlen(e->name) - 1] = '\0';
	e->pending = true;
	e->ttl = UINT32_MAX;
	STAILQ_INIT(&e->waiters);
	STAILQ_INSERT_TAIL(&e->waiters, w, entry);
	LIST_INSERT_HEAD(&d->entries, e, link);
	d->nentries++;
	if ((e->deliver = event_new(d->base, -1, 0, deliver_cached, e)) ==
	    NULL) {
		entry_free(e);
		return DANCE_ERR_NOMEM;
	}
	rc = dance_rrset_lookup(
	    d->ctx, e->name, RR_NAPTR, on_naptr, e, &e->lookup);
	if (rc != DANCE_OK) {
		entry_free(e);
		return rc;
	}
	return DANCE_OK;
}

struct bi_dns *
bi_dns_new(
    struct event_base *base, struct dance_ctx *ctx, uint16_t default_port)
{
	struct bi_dns *d;

	if (base == NULL || ctx == NULL || (d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->base = base;
	d->ctx = ctx;
	d->default_port = default_port != 0 ? default_port : 443;
	LIST_INIT(&d->entries);
	return d;
}

void
bi_dns_free(struct bi_dns *d)
{
	if (d == NULL)
		return;
	while (!LIST_EMPTY(&d->entries))
		entry_free(LIST_FIRST(&d->entries));
	free(d);
}
