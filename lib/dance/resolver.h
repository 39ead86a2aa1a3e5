/*
 * resolver.h - libunbound on the context's event base: asynchronous
 * queries with a deadline, a bounded synchronous helper, and the
 * classification of every answer into a DNSSEC verdict.
 */
#ifndef LIB_DANCE_RESOLVER_H
#define LIB_DANCE_RESOLVER_H

#include <stdint.h>

#include "dance_int.h"

struct ub_result;

/**
 * Completion of a query.
 * @param res: the libunbound result, owned by the callee
 *	(ub_resolve_free()); NULL when err is not 0.
 * @param err: 0, or a libunbound error code, or -1 for the deadline.
 */
typedef void dance_query_cb(void *arg, int err, struct ub_result *res);

struct dance_query;

/**
 * Send a query; cb runs once from the event loop (or from a synchronous
 * helper that happens to be processing answers), never from inside this
 * call.  The deadline is the context's lookup timeout.
 * @return a handle valid until cb runs, or NULL (error logged).
 */
struct dance_query *dance_query_start(struct dance_ctx *ctx, const char *name,
    int rrtype, dance_query_cb *cb, void *arg);

/** Cancel a query: its callback will not run. */
void dance_query_cancel(struct dance_query *q);

/**
 * Send a query and wait for it at most timeout_ms, processing answers.
 * @param res: set to a result owned by the caller, or NULL on error.
 * @return 0, a libunbound error, or -1 for the deadline.
 */
int dance_query_sync(struct dance_ctx *ctx, const char *name, int rrtype,
    unsigned timeout_ms, struct ub_result **res);

/** Freeze the configuration and apply defaults; idempotent. */
int dance_resolver_final(struct dance_ctx *ctx);

/** Cancel everything in flight (context teardown). */
void dance_resolver_shutdown(struct dance_ctx *ctx);

/**
 * Turn a query outcome into a TLSA result.
 * @param owner: borrowed, canonical owner name.
 * @param res: borrowed; may be NULL when err is not 0.
 * @return a new result (one reference, owned by the caller), or NULL.
 */
/**
 * The verdict of a libunbound answer: only secure && havedata is data.
 * Bogus answers still carry data, so havedata alone means nothing.
 * @param r: borrowed.
 */
enum dance_dns_status dance_classify(const struct ub_result *r);

struct dance_tlsa *
dance_tlsa_from_result(const char *owner, int err, const struct ub_result *res);

/** Make a non-secure TLSA result carrying a reason (errors, cancel). */
struct dance_tlsa *dance_tlsa_new_status(
    const char *owner, enum dance_dns_status st, const char *why);

#endif /* LIB_DANCE_RESOLVER_H */
