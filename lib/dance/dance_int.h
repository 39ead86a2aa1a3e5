/*
 * dance_int.h - private state shared by the modules of libdance.
 *
 * Only lib/dance/ includes this.  The public contract is include/dance.h.
 */
#ifndef LIB_DANCE_DANCE_INT_H
#define LIB_DANCE_DANCE_INT_H

#include <stdarg.h>
#include <stdint.h>

#include "dance.h"

struct ub_ctx;
struct event;
struct dance_cache;

/* A configured string list (suffixes, prefetch names). */
struct dance_strlist {
	char **v;
	size_t n;
};

struct dance_ctx {
	struct event_base *base;       /* borrowed, may be NULL */
	struct ub_ctx *ub;             /* owned */
	struct event *ub_ev;           /* read event on ub_fd() */
	int ub_final;                  /* first query sent: config frozen */
	int have_ta;                   /* a trust anchor was configured */
	int no_default_ta;             /* run without any trust anchor */
	int have_upstream;             /* a forwarder or stub was set */
	unsigned timeout_ms;           /* deadline of each lookup */
	unsigned neg_ttl;              /* cap on cached secure denials, s */
	struct dance_strlist suffixes; /* ClientName allow-list */
	struct dance_strlist prefetch; /* names kept warm */
	struct dance_cache *cache;     /* owned */
	struct dance_query *queries;   /* in flight, for cancel at free */
	dance_log_fn *log_fn;
	void *log_arg;
	int log_max;
	struct dance_stats stats; /* counters; cache_entries derived */
	dance_clock_fn *clock_fn;
	void *clock_arg;
};

/* ctx.c */
void dance_log(struct dance_ctx *ctx, int prio, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));
void dance_log_crypto(struct dance_ctx *ctx, const char *what);
uint64_t dance_now_ms(struct dance_ctx *ctx);
int dance_strlist_add(struct dance_strlist *l, const char *s);
void dance_strlist_clear(struct dance_strlist *l);
int dance_name_canon(const char *in, char *out, size_t outlen);
int dance_ctx_lift_local_zones(struct dance_ctx *ctx);

#endif /* LIB_DANCE_DANCE_INT_H */
