/*
 * js_conn.h - the Join Server's connections: the listener, the DANE
 * mutual-TLS handshake (libdance), then HTTP/1.1 requests on an OpenSSL
 * bufferevent, one at a time per connection, kept alive between them.
 */
#ifndef SRC_JS_JS_CONN_H
#define SRC_JS_JS_CONN_H

struct js_server;

/**
 * Listen on the configured address and port.
 * @return 0, or -1 after logging why.
 */
int js_conn_listen(struct js_server *srv);

/** Stop listening and close every connection. */
void js_conn_close(struct js_server *srv);

#endif /* SRC_JS_JS_CONN_H */
