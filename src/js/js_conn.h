/*
 * js_conn.h - the Join Server's connections: lib/backend/bi_server (the
 * listener, the DANE mutual-TLS handshake, HTTP/1.1 kept alive) with the
 * JS's configuration, logs and metrics.
 */
#ifndef SRC_JS_JS_CONN_H
#define SRC_JS_JS_CONN_H

struct js_server;

/**
 * Listen on the configured address and port.
 * @return 0, or -1 after logging why.
 */
int js_conn_listen(struct js_server *srv);

/** After a reload: the new limits and TLS identity, for new requests and
 * connections (open ones keep theirs). */
void js_conn_reload(struct js_server *srv);

/** Stop listening and close every connection. */
void js_conn_close(struct js_server *srv);

#endif /* SRC_JS_JS_CONN_H */
