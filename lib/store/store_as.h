/*
 * store_as.h - the Application Server's durable state, in the same store
 * as the Join Server's (store.h: store_open, store_close, enum store_err,
 * the KEK): an at-least-once outbox of events for its applications, and
 * the AppSKeys it unwrapped or fetched, per session.
 *
 * The outbox: an event is added (and durable) before the AS acknowledges
 * what caused it; a sender lists pending events in id order, delivers
 * them, then marks each done.  A crash between delivery and done sends it
 * again: at least once, never lost.
 * AppSKeys are encrypted at rest with the store's KEK.  Every call blocks
 * and fills why on failure; the library never prints or exits.
 */
#ifndef LIB_STORE_STORE_AS_H
#define LIB_STORE_STORE_AS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_AS_JSON_MAX 65536 /* an event's JSON text, in bytes */
#define STORE_AS_KIND_MAX 64    /* an event's kind (with the NUL) */
#define STORE_AS_SKID_MAX 32    /* SessionKeyID bytes */

struct store_as_event {
	int64_t id; /* increasing, never reused */
	uint64_t dev_eui;
	char kind[STORE_AS_KIND_MAX]; /* "uplink", "join", ... */
	const char *json;             /* NUL-terminated, json_len bytes;
					 valid during the callback only */
	size_t json_len;
	int64_t created; /* unix time */
};

/**
 * Add an event to the outbox, durably before this returns.
 * @param kind: printable ASCII without spaces, 1 to STORE_AS_KIND_MAX - 1.
 * @param json: borrowed; up to STORE_AS_JSON_MAX bytes, no NUL inside
 *	(the store does not parse it).
 * @param id: if not NULL, set to the event's id on STORE_OK.
 * @return STORE_OK, STORE_ERR_ARG (why names kind or json), STORE_ERR_DB.
 */
int store_as_event_add(struct store *st, uint64_t dev_eui, const char *kind,
    const char *json, int64_t *id, char *why, size_t whylen);

/* Called once per event with no statement open (it may use the store,
 * e.g. store_as_event_done); non-zero stops the listing. */
typedef int store_as_event_cb(void *arg, const struct store_as_event *ev);

/**
 * The pending events with an id above after_id, in id order, at most max.
 * after_id pages through one pass; start each delivery pass from 0: with
 * several writers on PostgreSQL an event may commit after one with a
 * higher id, and a cursor kept across passes would skip it.
 * @return STORE_OK, the callback's non-zero value, STORE_ERR_ARG,
 *	STORE_ERR_NOMEM, STORE_ERR_DB.
 */
int store_as_event_list_pending(struct store *st, int64_t after_id, size_t max,
    store_as_event_cb *cb, void *arg, char *why, size_t whylen);

/**
 * Mark an event delivered: it leaves the outbox.
 * @return STORE_OK, STORE_ERR_NOTFOUND (no such pending event),
 *	STORE_ERR_DB.
 */
int store_as_event_done(struct store *st, int64_t id, char *why, size_t whylen);

/**
 * Keep a session's AppSKey (insert, or replace the same session's).  The
 * STORE_SESSIONS_KEPT newest sessions of a device are kept; older ones
 * are deleted, so that the table does not grow with every join.
 * @param skid: the SessionKeyID, 1 to STORE_AS_SKID_MAX bytes, borrowed.
 * @return STORE_OK, STORE_ERR_ARG (session_key_id), STORE_ERR_KEK,
 *	STORE_ERR_DB.
 */
int
store_as_appskey_put(struct store *st, uint64_t dev_eui, const uint8_t *skid,
    size_t skid_len, const uint8_t app_s_key[16], char *why, size_t whylen);

/**
 * A session's AppSKey.
 * @param app_s_key: filled on STORE_OK; the caller wipes it.
 * @return STORE_OK, STORE_ERR_ARG, STORE_ERR_NOTFOUND, STORE_ERR_KEK
 *	(wrong KEK or an altered row), STORE_ERR_DB.
 */
int
store_as_appskey_get(struct store *st, uint64_t dev_eui, const uint8_t *skid,
    size_t skid_len, uint8_t app_s_key[16], char *why, size_t whylen);

#endif /* LIB_STORE_STORE_AS_H */
