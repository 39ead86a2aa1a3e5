/*
 * mqtt.c - the MQTT client's API, its message queue (publish order,
 * in-flight window, packet identifiers, resend with DUP) and the handling
 * of the broker's packets.  Sockets, TLS and timers are in mqtt_conn.c.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "mqtt/mqtt.h"
#include "mqtt/mqtt_codec_int.h"
#include "mqtt/mqtt_int.h"

void
mqtt_config_init(struct mqtt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->keep_alive = 30;
	cfg->inflight_max = 16;
	cfg->queue_max = 4096;
	cfg->max_packet = MQTT_DEFAULT_MAX_PACKET;
	cfg->backoff_min_ms = 250;
	cfg->backoff_max_ms = 30000;
	cfg->connect_timeout_ms = 10000;
}

static bool
id_used(const struct mqtt_client *c, uint16_t id)
{
	return (c->ids[id >> 3] >> (id & 7)) & 1;
}

static void
id_set(struct mqtt_client *c, uint16_t id, bool used)
{
	if (used)
		c->ids[id >> 3] |= (uint8_t)(1u << (id & 7));
	else
		c->ids[id >> 3] &= (uint8_t) ~(1u << (id & 7));
}

/* id_new - the next free packet identifier; queue_max and the 64
 * subscriptions keep fewer than 65535 in use, so one is always free */
static uint16_t
id_new(struct mqtt_client *c)
{
	do {
		c->next_id = (uint16_t)(c->next_id + 1);
	} while (c->next_id == 0 || id_used(c, c->next_id));
	id_set(c, c->next_id, true);
	return c->next_id;
}

/* complete - move m to the done list; its callback runs from ev_done,
 * never from inside a caller's own call */
static void
complete(struct mqtt_client *c, struct mqtt_msg *m)
{
	TAILQ_REMOVE(&c->queue, m, entry);
	c->nqueued--;
	if (m->id != 0)
		id_set(c, m->id, false);
	TAILQ_INSERT_TAIL(&c->done, m, entry);
	event_active(c->ev_done, 0, 0);
}

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt_client *c = arg;
	struct mqtt_msg *m;

	(void)fd;
	(void)what;
	while ((m = TAILQ_FIRST(&c->done)) != NULL) {
		TAILQ_REMOVE(&c->done, m, entry);
		if (m->done != NULL)
			m->done(m->done_arg, MQTT_OK);
		free(m);
	}
}

/* send_queue - write what the window allows, in order */
static void
send_queue(struct mqtt_client *c)
{
	struct mqtt_msg *m, *next;

	if (c->st != CS_UP)
		return;
	for (m = TAILQ_FIRST(&c->queue); m != NULL; m = next) {
		next = TAILQ_NEXT(m, entry);
		if (m->sent)
			continue;
		if (m->qos > 0 && c->inflight >= c->cfg.inflight_max)
			break;
		if (mqtt_conn_write(c, m->pkt, m->len) != MQTT_OK) {
			mqtt_conn_fail(c, MQTT_ERR_NOMEM);
			return;
		}
		if (m->qos == 0) {
			complete(c, m);
			continue;
		}
		m->sent = true;
		c->inflight++;
	}
}

static int
send_subscribe(struct mqtt_client *c, struct mqtt_sub *s)
{
	struct mqtt_packet p;

	memset(&p, 0, sizeof(p));
	p.type = MQTT_SUBSCRIBE;
	if (s->id != 0)
		id_set(c, s->id, false);
	p.packet_id = s->id = id_new(c);
	p.count = 1;
	p.filters[0] = mqtt_str(s->filter);
	p.codes[0] = s->qos;
	return mqtt_conn_send(c, &p);
}

void
mqtt_on_up(struct mqtt_client *c)
{
	unsigned i;

	for (i = 0; i < c->nsubs && c->st == CS_UP; i++)
		if (send_subscribe(c, &c->subs[i]) != MQTT_OK)
			mqtt_conn_fail(c, MQTT_ERR_NOMEM);
	send_queue(c);
}

void
mqtt_on_down(struct mqtt_client *c)
{
	struct mqtt_msg *m;
	unsigned i;

	TAILQ_FOREACH(m, &c->queue, entry)
	{
		if (m->sent)
			m->pkt[0] |= 0x08; /* DUP [MQTT-3.3.1-1] */
		m->sent = false;
	}
	c->inflight = 0;
	for (i = 0; i < c->nsubs; i++) {
		if (c->subs[i].id != 0)
			id_set(c, c->subs[i].id, false);
		c->subs[i].id = 0;
	}
}

static void
on_publish(struct mqtt_client *c, const struct mqtt_packet *p)
{
	struct mqtt_message m;
	struct mqtt_packet ack;
	struct bufferevent *bev = c->bev;

	if (p->qos > 1) {
		mqtt_conn_fail(c, MQTT_ERR_QOS);
		return;
	}
	memcpy(c->topic, p->topic.data, p->topic.len);
	c->topic[p->topic.len] = '\0';
	m.topic = c->topic;
	m.payload = p->payload.data;
	m.len = p->payload.len;
	m.qos = p->qos;
	m.retain = p->retain;
	m.dup = p->dup;
	if (c->message != NULL)
		c->message(c->arg, &m);
	/* acknowledge after the callback, on the same connection only: a
	 * message delivered on a lost one comes again */
	if (p->qos == 1 && c->bev == bev &&
	    (c->st == CS_UP || c->st == CS_CLOSING)) {
		memset(&ack, 0, sizeof(ack));
		ack.type = MQTT_PUBACK;
		ack.packet_id = p->packet_id;
		if (mqtt_conn_send(c, &ack) != MQTT_OK)
			mqtt_conn_fail(c, MQTT_ERR_NOMEM);
	}
}

static void
on_puback(struct mqtt_client *c, uint16_t id)
{
	struct mqtt_msg *m;

	TAILQ_FOREACH(m, &c->queue, entry)
	{
		if (m->id == id && m->sent) {
			c->inflight--;
			complete(c, m);
			send_queue(c);
			return;
		}
	}
	/* a PUBACK for a message already acknowledged: harmless */
}

static void
on_suback(struct mqtt_client *c, const struct mqtt_packet *p)
{
	unsigned i;

	for (i = 0; i < c->nsubs; i++) {
		if (c->subs[i].id != p->packet_id)
			continue;
		id_set(c, p->packet_id, false);
		c->subs[i].id = 0;
		if (c->status != NULL)
			c->status(c->arg, MQTT_EV_SUBSCRIBED,
			    p->codes[0] == 0x80 ? MQTT_ERR_SUBSCRIBE : MQTT_OK,
			    c->subs[i].filter);
		return;
	}
}

static int
connack_err(uint8_t rc)
{
	static const int map[] = {MQTT_OK, MQTT_ERR_REFUSED_VERSION,
	    MQTT_ERR_REFUSED_ID, MQTT_ERR_REFUSED_UNAVAILABLE,
	    MQTT_ERR_REFUSED_AUTH, MQTT_ERR_REFUSED_NOT_AUTHORIZED};

	return rc < 6 ? map[rc] : MQTT_ERR_RC;
}

void
mqtt_handle(struct mqtt_client *c, const struct mqtt_packet *p)
{
	int rc;

	if (c->st == CS_CONNACK) {
		if (p->type != MQTT_CONNACK) {
			mqtt_conn_fail(c, MQTT_ERR_PROTOCOL);
			return;
		}
		if ((rc = connack_err(p->return_code)) != MQTT_OK) {
			mqtt_conn_fail(c, rc);
			return;
		}
		c->st = CS_UP;
		c->attempts = 0;
		event_del(c->ev_timer); /* the connect timeout */
		if (c->cfg.keep_alive > 0) {
			struct timeval tv = {c->cfg.keep_alive, 0};

			event_add(c->ev_ping, &tv);
		}
		c->session_present = p->session_present;
		if (c->status != NULL)
			c->status(c->arg, MQTT_EV_CONNECTED, MQTT_OK, NULL);
		if (c->st == CS_UP)
			mqtt_on_up(c);
		return;
	}
	switch (p->type) {
	case MQTT_PUBLISH:
		on_publish(c, p);
		break;
	case MQTT_PUBACK:
		on_puback(c, p->packet_id);
		break;
	case MQTT_SUBACK:
		on_suback(c, p);
		break;
	case MQTT_UNSUBACK:
		break; /* we never unsubscribe: ignore */
	case MQTT_PINGRESP:
		c->ping_out = false;
		break;
	default: /* CONNACK again, QoS 2 flow, client-only packets */
		mqtt_conn_fail(c, MQTT_ERR_PROTOCOL);
		break;
	}
}

static char *
dup_opt(const char *s, bool *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = true;
	return d;
}

static int
check_config(const struct mqtt_config *cfg)
{
	struct mqtt_bytes id = mqtt_str(cfg->client_id);

	if (cfg->host == NULL || cfg->host[0] == '\0' || id.len == 0 ||
	    mqtt_check_utf8(id.data, id.len) != MQTT_OK ||
	    (cfg->password != NULL && cfg->username == NULL) ||
	    cfg->inflight_max == 0 || cfg->inflight_max > 65535 ||
	    cfg->queue_max < cfg->inflight_max || cfg->queue_max > 65000 ||
	    cfg->max_packet < 128 || cfg->backoff_min_ms == 0 ||
	    cfg->backoff_max_ms < cfg->backoff_min_ms ||
	    cfg->connect_timeout_ms == 0)
		return MQTT_ERR_INVAL;
	return MQTT_OK;
}

struct mqtt_client *
mqtt_client_new(struct event_base *base, const struct mqtt_config *cfg,
    mqtt_status_fn status, mqtt_message_fn message, void *arg, int *err)
{
	struct mqtt_client *c;
	bool fail = false;
	int rc = MQTT_ERR_NOMEM;

	if (base == NULL || cfg == NULL || check_config(cfg) != MQTT_OK) {
		rc = MQTT_ERR_INVAL;
		goto bad;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto bad;
	c->base = base;
	c->cfg = *cfg;
	c->status = status;
	c->message = message;
	c->arg = arg;
	TAILQ_INIT(&c->queue);
	TAILQ_INIT(&c->done);
	c->cfg.host = c->host = dup_opt(cfg->host, &fail);
	c->cfg.client_id = c->client_id = dup_opt(cfg->client_id, &fail);
	c->cfg.username = c->username = dup_opt(cfg->username, &fail);
	c->cfg.password = c->password = dup_opt(cfg->password, &fail);
	c->cfg.tls_ca_file = c->ca_file = dup_opt(cfg->tls_ca_file, &fail);
	c->cfg.tls_server_name = c->sni = dup_opt(cfg->tls_server_name, &fail);
	if (c->cfg.port == 0)
		c->cfg.port = cfg->tls_ca_file != NULL ? 8883 : 1883;
	c->topic = malloc(65536);
	c->ev_done = event_new(base, -1, 0, done_cb, c);
	if (fail || c->topic == NULL || c->ev_done == NULL) {
		mqtt_client_free(c);
		goto bad;
	}
	if ((rc = mqtt_conn_init(c)) != MQTT_OK) {
		mqtt_client_free(c);
		goto bad;
	}
	return c;
bad:
	if (err != NULL)
		*err = rc;
	return NULL;
}

int
mqtt_client_start(struct mqtt_client *c)
{
	if (c == NULL || c->st != CS_IDLE)
		return MQTT_ERR_INVAL;
	c->attempts = 0;
	mqtt_conn_connect(c);
	return MQTT_OK;
}

int
mqtt_subscribe(struct mqtt_client *c, const char *filter, int qos)
{
	struct mqtt_bytes f = mqtt_str(filter);
	struct mqtt_sub *s;
	int rc;

	if (c == NULL || filter == NULL || qos < 0 || qos > 1)
		return MQTT_ERR_INVAL;
	if ((rc = mqtt_check_topic(&f, true)) != MQTT_OK)
		return rc;
	if (c->nsubs == MQTT_SUBS_MAX)
		return MQTT_ERR_FULL;
	s = &c->subs[c->nsubs];
	if ((s->filter = strdup(filter)) == NULL)
		return MQTT_ERR_NOMEM;
	s->qos = (uint8_t)qos;
	s->id = 0;
	c->nsubs++;
	if (c->st == CS_UP && send_subscribe(c, s) != MQTT_OK)
		mqtt_conn_fail(c, MQTT_ERR_NOMEM);
	return MQTT_OK;
}

int
mqtt_publish(struct mqtt_client *c, const char *topic, const void *payload,
    size_t len, int qos, bool retain, mqtt_done_fn done, void *done_arg)
{
	struct mqtt_packet p;
	struct mqtt_msg *m;
	size_t n;
	int rc;

	if (c == NULL || topic == NULL || (payload == NULL && len > 0) ||
	    qos < 0 || qos > 1)
		return MQTT_ERR_INVAL;
	if (c->nqueued >= c->cfg.queue_max)
		return MQTT_ERR_FULL;
	memset(&p, 0, sizeof(p));
	p.type = MQTT_PUBLISH;
	p.qos = (uint8_t)qos;
	p.retain = retain;
	p.topic = mqtt_str(topic);
	p.payload.data = payload;
	p.payload.len = len;
	p.packet_id = 1; /* sizing only: the real one is set below */
	if ((rc = mqtt_encode(&p, NULL, 0, &n)) != MQTT_OK)
		return rc;
	if (n > c->cfg.max_packet)
		return MQTT_ERR_TOO_BIG;
	if ((m = calloc(1, sizeof(*m) + n)) == NULL)
		return MQTT_ERR_NOMEM;
	p.packet_id = qos > 0 ? id_new(c) : 0;
	(void)mqtt_encode(&p, m->pkt, n, &m->len);
	m->id = p.packet_id;
	m->qos = p.qos;
	m->done = done;
	m->done_arg = done_arg;
	TAILQ_INSERT_TAIL(&c->queue, m, entry);
	c->nqueued++;
	send_queue(c);
	return MQTT_OK;
}

int
mqtt_client_disconnect(struct mqtt_client *c)
{
	if (c == NULL || c->st == CS_IDLE)
		return MQTT_ERR_INVAL;
	if (c->st != CS_CLOSING)
		mqtt_conn_close(c);
	return MQTT_OK;
}

static void
drain(struct mqtt_msgq *q, int err)
{
	struct mqtt_msg *m;

	while ((m = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, m, entry);
		if (m->done != NULL)
			m->done(m->done_arg, err);
		free(m);
	}
}

void
mqtt_client_free(struct mqtt_client *c)
{
	unsigned i;

	if (c == NULL)
		return;
	mqtt_conn_cleanup(c);
	if (c->ev_done != NULL)
		event_free(c->ev_done);
	/* completed ones first: their PUBACK did arrive */
	drain(&c->done, MQTT_OK);
	drain(&c->queue, MQTT_ERR_SHUTDOWN);
	for (i = 0; i < c->nsubs; i++)
		free(c->subs[i].filter);
	free(c->host);
	free(c->client_id);
	free(c->username);
	free(c->password);
	free(c->ca_file);
	free(c->sni);
	free(c->topic);
	free(c);
}

bool
mqtt_client_connected(const struct mqtt_client *c)
{
	return c != NULL && c->st == CS_UP;
}

size_t
mqtt_client_queued(const struct mqtt_client *c)
{
	return c == NULL ? 0 : c->nqueued;
}

bool
mqtt_client_session_present(const struct mqtt_client *c)
{
	return c != NULL && c->session_present;
}
