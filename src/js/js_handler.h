/*
 * js_handler.h - one Backend Interfaces request in, one answer out.
 *
 * On the event thread the request is decoded and its sender authorized
 * (the authenticated DANE ClientName against the NetID it claims); the
 * work that needs the store or heavy crypto then runs on a worker
 * (store/store_workers.h), and the answer comes back through the callback.
 */
#ifndef SRC_JS_JS_HANDLER_H
#define SRC_JS_JS_HANDLER_H

#include <stddef.h>

struct js_server;

/*
 * The answer: an HTTP status and a body (JSON, or a short text for
 * 4xx).  body is owned by the callee (free()).
 */
typedef void js_reply_fn(void *arg, int status, char *body, size_t len);

/**
 * Handle one request body from an authenticated peer.
 * @param peer: borrowed for the call: the ClientName proved by DANE.
 * @param body, len: borrowed for the call.
 * @param reply: called exactly once, maybe before this returns, maybe
 *	later from the event loop.
 */
void js_handle(struct js_server *srv, const char *peer, const char *body,
    size_t len, js_reply_fn *reply, void *arg);

#endif /* SRC_JS_JS_HANDLER_H */
