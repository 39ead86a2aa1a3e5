/*
 * mqtt_conn.c - the MQTT client's connection: TCP or TLS through a
 * bufferevent, CONNECT, reading packets through the bounded decoder, the
 * keep-alive and timeout timers, loss and the reconnect backoff.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "mqtt/mqtt.h"
#include "mqtt/mqtt_int.h"

/* is_ip - fill sa from a numeric address; false for a host name */
static bool
is_ip(const char *host, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return true;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return true;
	}
	return false;
}

static void
arm_ms(struct event *ev, unsigned ms)
{
	struct timeval tv = {
	    (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

	event_add(ev, &tv);
}

static void
drop_bev(struct mqtt_client *c)
{
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	c->bev = NULL;
	event_del(c->ev_ping);
	event_del(c->ev_timer);
}

/* finish_close - the end of mqtt_client_disconnect() */
static void
finish_close(struct mqtt_client *c)
{
	drop_bev(c);
	mqtt_on_down(c);
	c->st = CS_IDLE;
	if (c->status != NULL)
		c->status(c->arg, MQTT_EV_CLOSED, MQTT_OK, NULL);
}

void
mqtt_conn_fail(struct mqtt_client *c, int err)
{
	uint64_t d;

	if (c->st == CS_IDLE || c->st == CS_WAIT)
		return;
	if (c->st == CS_CLOSING) {
		finish_close(c);
		return;
	}
	drop_bev(c);
	mqtt_on_down(c);
	c->st = CS_WAIT;
	d = (uint64_t)c->cfg.backoff_min_ms
	    << (c->attempts < 20 ? c->attempts : 20);
	if (d > c->cfg.backoff_max_ms)
		d = c->cfg.backoff_max_ms;
	c->attempts++;
	/* in [d/2, d]: clients dropped together do not return together */
	d = d / 2 + arc4random_uniform((uint32_t)(d / 2 + 1));
	arm_ms(c->ev_timer, (unsigned)d);
	if (c->status != NULL)
		c->status(c->arg, MQTT_EV_DOWN, err, NULL);
}

int
mqtt_conn_write(struct mqtt_client *c, const void *buf, size_t len)
{
	if (c->bev == NULL)
		return MQTT_ERR_IO;
	return bufferevent_write(c->bev, buf, len) == 0 ? MQTT_OK
							: MQTT_ERR_NOMEM;
}

int
mqtt_conn_send(struct mqtt_client *c, const struct mqtt_packet *p)
{
	uint8_t small[256], *buf = small;
	size_t n;
	int rc;

	if ((rc = mqtt_encode(p, NULL, 0, &n)) != MQTT_OK)
		return rc;
	if (n > sizeof(small) && (buf = malloc(n)) == NULL)
		return MQTT_ERR_NOMEM;
	rc = mqtt_encode(p, buf, n, &n);
	if (rc == MQTT_OK)
		rc = mqtt_conn_write(c, buf, n);
	if (buf != small)
		free(buf);
	return rc;
}

static void
send_connect(struct mqtt_client *c)
{
	struct mqtt_packet p;

	memset(&p, 0, sizeof(p));
	p.type = MQTT_CONNECT;
	p.client_id = mqtt_str(c->client_id);
	p.clean_session = c->cfg.clean_session;
	p.keep_alive = c->cfg.keep_alive;
	p.has_username = c->username != NULL;
	p.username = mqtt_str(c->username);
	p.has_password = c->password != NULL;
	p.password = mqtt_str(c->password);
	c->st = CS_CONNACK;
	if (mqtt_conn_send(c, &p) != MQTT_OK)
		mqtt_conn_fail(c, MQTT_ERR_INVAL);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct mqtt_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct mqtt_packet p;
	size_t len, used;
	uint8_t *data;
	int rc;

	/* every packet may drop or close the connection: check each time */
	while (c->bev == bev &&
	    (c->st == CS_CONNACK || c->st == CS_UP || c->st == CS_CLOSING)) {
		len = evbuffer_get_contiguous_space(in);
		if (len == 0)
			return;
		data = evbuffer_pullup(in, (ev_ssize_t)len);
		rc = mqtt_decoder_feed(c->dec, data, len, &used, &p);
		evbuffer_drain(in, used);
		if (rc < 0) {
			mqtt_conn_fail(c, rc);
			return;
		}
		if (rc == MQTT_DEC_PACKET)
			mqtt_handle(c, &p);
	}
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct mqtt_client *c = arg;

	/* DISCONNECT has left: the clean end of the connection */
	if (c->bev == bev && c->st == CS_CLOSING)
		finish_close(c);
}

static int
tls_error(struct bufferevent *bev)
{
	bool any = false;

	while (bufferevent_get_openssl_error(bev) != 0)
		any = true;
	ERR_clear_error();
	return any;
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct mqtt_client *c = arg;
	int err;

	if (c->bev != bev)
		return;
	if (what & BEV_EVENT_CONNECTED) {
		if (c->st == CS_CONNECTING)
			send_connect(c);
		return;
	}
	if (c->ssl_ctx != NULL && tls_error(bev))
		err = MQTT_ERR_TLS;
	else if (c->st == CS_CONNECTING &&
	    bufferevent_socket_get_dns_error(bev) != 0)
		err = MQTT_ERR_RESOLVE;
	else if (what & BEV_EVENT_EOF)
		err = MQTT_ERR_CLOSED;
	else if (c->st == CS_CONNECTING)
		err = MQTT_ERR_CONNECT;
	else
		err = MQTT_ERR_IO;
	mqtt_conn_fail(c, err);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt_client *c = arg;

	(void)fd;
	(void)what;
	switch (c->st) {
	case CS_WAIT:
		mqtt_conn_connect(c);
		break;
	case CS_CONNECTING:
	case CS_CONNACK:
		mqtt_conn_fail(c, MQTT_ERR_TIMEOUT);
		break;
	case CS_CLOSING:
		finish_close(c);
		break;
	default:
		break;
	}
}

static void
ping_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt_client *c = arg;
	struct mqtt_packet p;

	(void)fd;
	(void)what;
	if (c->st != CS_UP)
		return;
	if (c->ping_out) {
		mqtt_conn_fail(c, MQTT_ERR_TIMEOUT);
		return;
	}
	memset(&p, 0, sizeof(p));
	p.type = MQTT_PINGREQ;
	c->ping_out = true;
	if (mqtt_conn_send(c, &p) != MQTT_OK)
		mqtt_conn_fail(c, MQTT_ERR_NOMEM);
}

/* new_tls_bev - a TLS bufferevent that checks the broker's name */
static struct bufferevent *
new_tls_bev(struct mqtt_client *c)
{
	char *name = c->sni != NULL ? c->sni : c->host;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct bufferevent *bev;
	SSL *ssl;

	if ((ssl = SSL_new(c->ssl_ctx)) == NULL)
		return NULL;
	if (is_ip(name, 0, &ss, &sslen)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) !=
		    1)
			goto bad;
	} else if (SSL_set_tlsext_host_name(ssl, name) != 1 ||
	    SSL_set1_host(ssl, name) != 1) {
		goto bad;
	}
	bev = bufferevent_openssl_socket_new(c->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		goto bad;
	/* a broker that just closes TCP is a loss like any other */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
bad:
	SSL_free(ssl);
	ERR_clear_error();
	return NULL;
}

void
mqtt_conn_connect(struct mqtt_client *c)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int rc;

	c->st = CS_CONNECTING;
	c->ping_out = false;
	mqtt_decoder_free(c->dec);
	if ((c->dec = mqtt_decoder_new(c->cfg.max_packet)) == NULL) {
		mqtt_conn_fail(c, MQTT_ERR_NOMEM);
		return;
	}
	if (c->ssl_ctx != NULL)
		c->bev = new_tls_bev(c);
	else
		c->bev =
		    bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		mqtt_conn_fail(
		    c, c->ssl_ctx != NULL ? MQTT_ERR_TLS : MQTT_ERR_NOMEM);
		return;
	}
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	arm_ms(c->ev_timer, c->cfg.connect_timeout_ms);
	if (is_ip(c->host, c->cfg.port, &ss, &sslen))
		rc = bufferevent_socket_connect(
		    c->bev, (struct sockaddr *)&ss, (int)sslen);
	else
		rc = bufferevent_socket_connect_hostname(
		    c->bev, c->dns, AF_UNSPEC, c->host, c->cfg.port);
	if (rc != 0)
		mqtt_conn_fail(c, MQTT_ERR_CONNECT);
}

void
mqtt_conn_close(struct mqtt_client *c)
{
	struct mqtt_packet p;
	bool sent = false;

	event_del(c->ev_ping);
	event_del(c->ev_timer);
	if (c->st == CS_UP) {
		memset(&p, 0, sizeof(p));
		p.type = MQTT_DISCONNECT;
		sent = mqtt_conn_send(c, &p) == MQTT_OK;
	}
	c->st = CS_CLOSING;
	if (sent) {
		/* write_cb ends it; the timer if the socket is stuck */
		arm_ms(c->ev_timer, c->cfg.connect_timeout_ms);
		return;
	}
	drop_bev(c);
	arm_ms(c->ev_timer, 0); /* MQTT_EV_CLOSED, asynchronously */
}

int
mqtt_conn_init(struct mqtt_client *c)
{
	struct sockaddr_storage ss;
	socklen_t sslen;

	c->ev_timer = evtimer_new(c->base, timer_cb, c);
	c->ev_ping = event_new(c->base, -1, EV_PERSIST, ping_cb, c);
	if (c->ev_timer == NULL || c->ev_ping == NULL)
		return MQTT_ERR_NOMEM;
	c->dns = c->cfg.dns;
	if (!is_ip(c->host, 0, &ss, &sslen) && c->dns == NULL) {
		/* reads resolv.conf and hosts once, now, not on the hot
		 * path; inactive, it keeps no event alive on the base */
		c->own_dns = evdns_base_new(c->base,
		    EVDNS_BASE_INITIALIZE_NAMESERVERS |
			EVDNS_BASE_DISABLE_WHEN_INACTIVE);
		if (c->own_dns == NULL)
			return MQTT_ERR_RESOLVE;
		c->dns = c->own_dns;
	}
	if (c->ca_file == NULL)
		return MQTT_OK;
	if ((c->ssl_ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(c->ssl_ctx, c->ca_file, NULL) != 1) {
		ERR_clear_error();
		return MQTT_ERR_TLS;
	}
	SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
	return MQTT_OK;
}

void
mqtt_conn_cleanup(struct mqtt_client *c)
{
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	c->bev = NULL;
	if (c->ev_timer != NULL)
		event_free(c->ev_timer);
	if (c->ev_ping != NULL)
		event_free(c->ev_ping);
	c->ev_timer = c->ev_ping = NULL;
	mqtt_decoder_free(c->dec);
	c->dec = NULL;
	if (c->own_dns != NULL)
		evdns_base_free(c->own_dns, 0);
	c->own_dns = NULL;
	SSL_CTX_free(c->ssl_ctx);
	c->ssl_ctx = NULL;
}
