/*
 * js_metrics.h - what the Join Server counts, and the Prometheus text
 * endpoint that shows it (plain HTTP, meant for a local port).  Called
 * on the event thread only.
 */
#ifndef SRC_JS_JS_METRICS_H
#define SRC_JS_JS_METRICS_H

struct event_base;

enum js_histogram { JS_H_HANDSHAKE, JS_H_JOINREQ, JS_H_COUNT };

/**
 * Count one event of family with one label ("message", "JoinReq"), or a
 * second label pair when l2 is not NULL.  Families and label values are
 * kept by copy; the set is bounded (a label value beyond the table is
 * counted as "other").
 */
void js_metrics_count(const char *family, const char *l1, const char *v1,
    const char *l2, const char *v2);

/** Record a duration in seconds. */
void js_metrics_observe(enum js_histogram h, double seconds);

/** Gauge of open connections. */
void js_metrics_connections(int delta);

/**
 * Serve GET /metrics on addr:port.
 * @return 0, or -1 if the port cannot be bound.
 */
int js_metrics_listen(
    struct event_base *base, const char *addr, unsigned short port);

/** Stop serving. */
void js_metrics_close(void);

#endif /* SRC_JS_JS_METRICS_H */
