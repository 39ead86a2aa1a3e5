/*
 * mqtt.h - an asynchronous MQTT 3.1.1 client on the caller's libevent
 * event_base: QoS 0 and 1 publish and subscribe, keep-alive, automatic
 * reconnect, optional TLS.  It never blocks, prints or exits; everything
 * that goes wrong is reported through the status callback with a stable
 * enum mqtt_err code (mqtt_strerror(), mqtt_codec.h).
 *
 * Decisions:
 * - At least once.  A QoS 1 publish completes (its done callback with 0)
 *   only when the broker's PUBACK arrives, so a caller may then delete
 *   its persisted copy.  Messages without a PUBACK when a connection
 *   drops are sent again, in their original order, with DUP set and the
 *   same packet identifier, after the next CONNACK.  A broker may thus see
 *   a message twice; consumers must tolerate duplicates.
 * - Clean session: false by default.  The broker then keeps our
 *   subscriptions and queues the QoS 1 messages (downlinks) published to
 *   them while we are away, which is what makes downlink delivery
 *   at-least-once across our restarts and reconnects.  Our own unacked
 *   messages are resent either way (3.1.1 section 4.4 requires it with a
 *   kept session; with a clean one a resend is just a new message), and
 *   every subscription is sent again after each CONNACK, in case the
 *   broker lost the session (session present 0).
 * - Ordering: publishes go out in the order given; at most inflight_max
 *   QoS 1 messages await a PUBACK, the rest wait in the queue (at most
 *   queue_max messages in all, then MQTT_ERR_FULL).  A QoS 0 message
 *   completes once handed to the socket; one queued while disconnected
 *   waits for the next connection like any other.
 * - Incoming PUBLISH: the message callback runs, then a QoS 1 message is
 *   acknowledged (PUBACK), so a message the callback has not seen is
 *   never acknowledged.  DUP messages are delivered again (no
 *   de-duplication).  QoS 2 (which we never request) is a protocol error.
 * - Keep-alive: a PINGREQ every keep_alive seconds whatever the traffic;
 *   a PINGRESP not back by the next tick means a dead connection
 *   (MQTT_ERR_TIMEOUT), so it is noticed within 2 x keep_alive.  TCP
 *   connect + CONNACK must take less than connect_timeout_ms.
 * - Reconnect: after any loss, a delay doubling from backoff_min_ms up to
 *   backoff_max_ms (each picked at random in [d/2, d] so that many
 *   clients do not come back in step); reset by a successful CONNACK.
 *   A refused CONNECT (bad credentials...) is retried the same way.
 * - Host names other than numeric addresses are resolved with libevent's
 *   evdns (the caller's evdns_base, or one the client makes).
 * - TLS (tls_ca_file set): TLS 1.2 or later, the broker's certificate
 *   verified against that CA file and its name (tls_server_name, else
 *   host; an IP address is checked as one), SNI sent for a name.
 */
#ifndef LIB_MQTT_MQTT_H
#define LIB_MQTT_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtt/mqtt_codec.h"

struct event_base;
struct evdns_base;
struct mqtt_client;

/* Settings; start from mqtt_config_init().  Strings are copied. */
struct mqtt_config {
	const char *host;      /* name or numeric address; required */
	uint16_t port;         /* 0: 1883, or 8883 with TLS */
	const char *client_id; /* required (1..23 bytes is portable) */
	const char *username;  /* NULL: none */
	const char *password;  /* NULL: none; needs username */
	bool clean_session;    /* default false, see above */
	uint16_t keep_alive;   /* seconds; 0 turns keep-alive off */
	unsigned inflight_max; /* QoS 1 awaiting PUBACK; 1..65535 */
	unsigned queue_max;    /* messages held in all; >= inflight_max */
	size_t max_packet;     /* largest packet sent or accepted */
	unsigned backoff_min_ms, backoff_max_ms;
	unsigned connect_timeout_ms; /* TCP (+TLS) connect and CONNACK */
	const char *tls_ca_file;     /* NULL: plain TCP */
	const char *tls_server_name; /* NULL: host */
	struct evdns_base *dns;      /* borrowed, may be NULL; must outlive
					the client */
};

/* What the status callback reports. */
enum mqtt_event {
	MQTT_EV_CONNECTED = 1,  /* CONNACK accepted; err 0 */
	MQTT_EV_DOWN = 2,       /* connect failed or connection lost: err
				   says why; a reconnect is scheduled */
	MQTT_EV_SUBSCRIBED = 3, /* SUBACK for the filter in what: err 0,
				   or MQTT_ERR_SUBSCRIBE if refused */
	MQTT_EV_CLOSED = 4,     /* mqtt_client_disconnect() is done */
};

/* An incoming message; every pointer is valid during the callback only. */
struct mqtt_message {
	const char *topic; /* NUL-terminated */
	const uint8_t *payload;
	size_t len;
	uint8_t qos;
	bool retain, dup;
};

/**
 * Status callback.
 * @param what: the topic filter for MQTT_EV_SUBSCRIBED, else NULL;
 *	borrowed for the call.
 */
typedef void (*mqtt_status_fn)(
    void *arg, enum mqtt_event ev, int err, const char *what);
/** Message callback for every PUBLISH the broker sends us. */
typedef void (*mqtt_message_fn)(void *arg, const struct mqtt_message *m);
/**
 * Publish completion: err 0 (QoS 1: PUBACK received; QoS 0: written),
 * or MQTT_ERR_SHUTDOWN when the client is freed first.
 */
typedef void (*mqtt_done_fn)(void *arg, int err);

/**
 * Fill a config with the defaults: port 0, clean_session false,
 * keep_alive 30, inflight_max 16, queue_max 4096, max_packet
 * MQTT_DEFAULT_MAX_PACKET, backoff 250..30000 ms, connect timeout
 * 10000 ms, everything else NULL.
 */
void mqtt_config_init(struct mqtt_config *cfg);

/**
 * Create a client; it does nothing until mqtt_client_start().
 * @param base: borrowed; must outlive the client.
 * @param cfg: borrowed, copied.
 * @param status, message: may be NULL; called on base's thread.
 * @param arg: passed to both callbacks.
 * @param err: if not NULL, set on failure: MQTT_ERR_INVAL (a setting out
 *	of range), MQTT_ERR_NOMEM, MQTT_ERR_RESOLVE (no evdns_base could be
 *	made) or MQTT_ERR_TLS (CA file unreadable).
 * @return a client to free with mqtt_client_free(), or NULL.
 */
struct mqtt_client *
mqtt_client_new(struct event_base *base, const struct mqtt_config *cfg,
    mqtt_status_fn status, mqtt_message_fn message, void *arg, int *err);

/**
 * Start connecting (and reconnecting, until mqtt_client_disconnect()).
 * Outcomes come through the status callback.
 * @return MQTT_OK, or MQTT_ERR_INVAL if already started.
 */
int mqtt_client_start(struct mqtt_client *c);

/**
 * Subscribe to a topic filter, now if connected and again after every
 * CONNACK.  The outcome is a MQTT_EV_SUBSCRIBED status.
 * @param filter: borrowed, copied.
 * @param qos: 0 or 1.
 * @return MQTT_OK, MQTT_ERR_INVAL, MQTT_ERR_TOPIC, MQTT_ERR_UTF8,
 *	MQTT_ERR_FULL (64 filters already) or MQTT_ERR_NOMEM.
 */
int mqtt_subscribe(struct mqtt_client *c, const char *filter, int qos);

/**
 * Queue a message; it is sent now if the connection and the in-flight
 * window allow, else later.
 * @param topic: borrowed, copied; no wildcards.
 * @param payload: borrowed, copied; len bytes, NULL only with len 0.
 * @param qos: 0 or 1.
 * @param done: may be NULL; called once, later (never from this call),
 *	with done_arg.
 * @return MQTT_OK (done will be called), or without calling done:
 *	MQTT_ERR_FULL (queue_max messages held), MQTT_ERR_TOO_BIG (over
 *	max_packet), MQTT_ERR_TOPIC, MQTT_ERR_UTF8, MQTT_ERR_INVAL or
 *	MQTT_ERR_NOMEM.
 */
int mqtt_publish(struct mqtt_client *c, const char *topic, const void *payload,
    size_t len, int qos, bool retain, mqtt_done_fn done, void *done_arg);

/**
 * Close cleanly: send DISCONNECT if connected, flush, close, stop
 * reconnecting; MQTT_EV_CLOSED follows (always asynchronously).  Queued
 * messages stay queued (and are resent by mqtt_client_start()) until
 * mqtt_client_free().
 * @return MQTT_OK, or MQTT_ERR_INVAL if not started.
 */
int mqtt_client_disconnect(struct mqtt_client *c);

/**
 * Free a client at once: the connection is dropped without DISCONNECT
 * and every queued message completes with MQTT_ERR_SHUTDOWN.  NULL is
 * fine.  Never call it from one of the client's own callbacks.
 */
void mqtt_client_free(struct mqtt_client *c);

/** @return true between MQTT_EV_CONNECTED and the next loss. */
bool mqtt_client_connected(const struct mqtt_client *c);

/** @return the messages queued, in flight included. */
size_t mqtt_client_queued(const struct mqtt_client *c);

/** @return the session-present flag of the last accepted CONNACK. */
bool mqtt_client_session_present(const struct mqtt_client *c);

#endif /* LIB_MQTT_MQTT_H */
