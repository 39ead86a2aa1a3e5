/*
 * mqtt_int.h - the client's state, shared by mqtt.c (API, queue, packet
 * handling) and mqtt_conn.c (sockets, TLS, timers); not for callers.
 */
#ifndef LIB_MQTT_MQTT_INT_H
#define LIB_MQTT_MQTT_INT_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtt/mqtt.h"

struct bufferevent;
struct event;
struct ssl_ctx_st;

#define MQTT_SUBS_MAX 64

/* A queued PUBLISH, kept encoded: a resend only sets the DUP bit. */
struct mqtt_msg {
	TAILQ_ENTRY(mqtt_msg) entry;
	uint16_t id; /* 0 for QoS 0 */
	uint8_t qos;
	bool sent; /* written on the current connection */
	mqtt_done_fn done;
	void *done_arg;
	size_t len;
	uint8_t pkt[]; /* the PUBLISH packet */
};
TAILQ_HEAD(mqtt_msgq, mqtt_msg);

struct mqtt_sub {
	char *filter;
	uint8_t qos;
	uint16_t id; /* of the SUBSCRIBE awaiting its SUBACK, else 0 */
};

enum mqtt_cstate {
	CS_IDLE,       /* not started, or closed */
	CS_WAIT,       /* backoff before the next attempt */
	CS_CONNECTING, /* TCP (and TLS) connect */
	CS_CONNACK,    /* CONNECT sent */
	CS_UP,         /* CONNACK accepted */
	CS_CLOSING,    /* DISCONNECT written, flushing */
};

struct mqtt_client {
	struct event_base *base;
	struct mqtt_config cfg; /* strings point to copies below */
	char *host, *client_id, *username, *password, *ca_file, *sni;
	mqtt_status_fn status;
	mqtt_message_fn message;
	void *arg;

	struct evdns_base *dns, *own_dns;
	struct ssl_ctx_st *ssl_ctx;
	struct bufferevent *bev;
	struct mqtt_decoder *dec;
	struct event *ev_timer; /* connect timeout, backoff, close */
	struct event *ev_ping;  /* keep-alive tick */
	struct event *ev_done;  /* deferred completions */
	enum mqtt_cstate st;
	bool ping_out; /* PINGREQ sent, no PINGRESP yet */
	bool session_present;
	unsigned attempts; /* failed attempts since the last CONNACK */

	struct mqtt_msgq queue; /* in publish order */
	struct mqtt_msgq done;  /* completed, callbacks pending */
	size_t nqueued;
	unsigned inflight;
	uint16_t next_id;
	uint8_t ids[65536 / 8]; /* packet identifiers in use */
	struct mqtt_sub subs[MQTT_SUBS_MAX];
	unsigned nsubs;
	char *topic; /* 65536 bytes: an incoming topic, NUL-terminated */
};

/* mqtt.c */
/** A connection is up (CONNACK accepted): subscribe, send the queue. */
void mqtt_on_up(struct mqtt_client *c);
/** A connection is gone: queue back to unsent, DUP set. */
void mqtt_on_down(struct mqtt_client *c);
/** Handle one packet from the broker; may drop the connection. */
void mqtt_handle(struct mqtt_client *c, const struct mqtt_packet *p);

/* mqtt_conn.c */
/** Make the TLS context, if configured.  @return MQTT_OK or an error. */
int mqtt_conn_init(struct mqtt_client *c);
/** Free what mqtt_conn_init() and the connection hold. */
void mqtt_conn_cleanup(struct mqtt_client *c);
/** Start an attempt now. */
void mqtt_conn_connect(struct mqtt_client *c);
/** Drop the connection for err and schedule a reconnect. */
void mqtt_conn_fail(struct mqtt_client *c, int err);
/** Encode p and write it.  @return MQTT_OK or an error (not sent). */
int mqtt_conn_send(struct mqtt_client *c, const struct mqtt_packet *p);
/** Write raw bytes.  @return MQTT_OK or MQTT_ERR_NOMEM. */
int mqtt_conn_write(struct mqtt_client *c, const void *buf, size_t len);
/** Send DISCONNECT and close once flushed. */
void mqtt_conn_close(struct mqtt_client *c);

#endif /* LIB_MQTT_MQTT_INT_H */
