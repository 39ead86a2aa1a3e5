/*
 * mqtt_probe - drive lib/mqtt against a real broker, for t_mqtt.sh
 *
 * Usage: mqtt_probe [-i] [-r] [-n N] [-c ID] [-k SECS] [-b MS] [-t SECS]
 *                   [-a CAFILE [-s NAME]] HOST PORT TOPIC
 *
 * Connects (clean session false, client id ID, keep-alive SECS, reconnect
 * backoff at most MS; over TLS verified with CAFILE and the name NAME or
 * HOST with -a), subscribes to TOPIC with QoS 1 and then:
 *   -n N  publishes N QoS 1 messages "m1".."mN" to TOPIC (retained with
 *         -r) once subscribed, waits for every PUBACK and for all N
 *         messages to come back, disconnects and exits 0;
 *   -i    reads commands from stdin: "pub N" queues N more messages
 *         (payloads numbered on), "quit" disconnects and exits 0.
 * Every event is a line on stdout: "connected session=0|1", "down ERR
 * queued=Q", "subscribed", "published N", "acked N", "received N" (distinct
 * payloads back), "dup N" (payloads seen twice), "closed", and at the end
 * "result acked=A received=R dups=D".  Exits 1 when the deadline (-t,
 * default 30 s) passes first, 2 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "mqtt/mqtt.h"

#define MAX_MSGS 10000

struct probe {
	struct event_base *base;
	struct mqtt_client *c;
	const char *topic;
	bool retain, interactive;
	unsigned want; /* -n */
	unsigned published, acked, received, dups;
	uint8_t seen[MAX_MSGS + 1];
	char line[256];
	size_t linelen;
	int rc;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: mqtt_probe [-i] [-r] [-n N] [-c ID] [-k SECS] "
	    "[-b MS] [-t SECS] [-a CAFILE [-s NAME]] HOST PORT "
	    "TOPIC\n");
	exit(2);
}

static unsigned long
num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max)
		usage();
	return v;
}

static void
finish(struct probe *pr, int rc)
{
	pr->rc = rc;
	printf("result acked=%u received=%u dups=%u\n", pr->acked, pr->received,
	    pr->dups);
	if (mqtt_client_disconnect(pr->c) != MQTT_OK)
		event_base_loopbreak(pr->base);
}

static void
check_done(struct probe *pr)
{
	if (!pr->interactive && pr->want > 0 && pr->acked == pr->want &&
	    pr->received == pr->want)
		finish(pr, 0);
}

static void
on_done(void *arg, int err)
{
	struct probe *pr = arg;

	if (err != MQTT_OK) {
		printf("publish failed: %s\n", mqtt_strerror(err));
		return;
	}
	printf("acked %u\n", ++pr->acked);
	check_done(pr);
}

static void
publish(struct probe *pr, unsigned n)
{
	char payload[32];
	unsigned i;
	int rc, len;

	for (i = 0; i < n && pr->published < MAX_MSGS; i++) {
		len = snprintf(
		    payload, sizeof(payload), "m%u", pr->published + 1);
		rc = mqtt_publish(pr->c, pr->topic, payload, (size_t)len, 1,
		    pr->retain, on_done, pr);
		if (rc != MQTT_OK) {
			printf("publish refused: %s\n", mqtt_strerror(rc));
			return;
		}
		pr->published++;
	}
	printf("published %u\n", pr->published);
}

static void
on_status(void *arg, enum mqtt_event ev, int err, const char *what)
{
	struct probe *pr = arg;

	switch (ev) {
	case MQTT_EV_CONNECTED:
		printf("connected session=%d\n",
		    mqtt_client_session_present(pr->c) ? 1 : 0);
		break;
	case MQTT_EV_DOWN:
		printf("down %s queued=%zu\n", mqtt_strerror(err),
		    mqtt_client_queued(pr->c));
		break;
	case MQTT_EV_SUBSCRIBED:
		if (err != MQTT_OK) {
			printf("subscribe %s: %s\n", what, mqtt_strerror(err));
			finish(pr, 1);
			break;
		}
		printf("subscribed\n");
		/* once only: a resubscription after a reconnect adds none */
		if (pr->want > 0 && pr->published == 0)
			publish(pr, pr->want);
		break;
	case MQTT_EV_CLOSED:
		printf("closed\n");
		event_base_loopbreak(pr->base);
		break;
	}
}

static void
on_message(void *arg, const struct mqtt_message *m)
{
	struct probe *pr = arg;
	char buf[16];
	unsigned long i;

	if (strcmp(m->topic, pr->topic) != 0 || m->len < 2 ||
	    m->len >= sizeof(buf) || m->payload[0] != 'm')
		return;
	memcpy(buf, m->payload + 1, m->len - 1);
	buf[m->len - 1] = '\0';
	i = strtoul(buf, NULL, 10);
	if (i == 0 || i > MAX_MSGS)
		return;
	if (pr->seen[i]) {
		printf("dup %u\n", ++pr->dups);
		return;
	}
	pr->seen[i] = 1;
	printf("received %u\n", ++pr->received);
	check_done(pr);
}

static void
command(struct probe *pr, const char *cmd)
{
	if (strncmp(cmd, "pub ", 4) == 0)
		publish(pr, (unsigned)num(cmd + 4, MAX_MSGS));
	else if (strcmp(cmd, "quit") == 0)
		finish(pr, 0);
	else
		printf("unknown command: %s\n", cmd);
}

static void
stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *pr = arg;
	ssize_t n;
	char c;

	(void)what;
	while ((n = read(fd, &c, 1)) == 1) {
		if (c == '\n') {
			pr->line[pr->linelen] = '\0';
			pr->linelen = 0;
			command(pr, pr->line);
			return;
		}
		if (pr->linelen + 1 < sizeof(pr->line))
			pr->line[pr->linelen++] = c;
	}
	if (n == 0)
		finish(pr, 0); /* end of input: as "quit" */
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *pr = arg;

	(void)fd;
	(void)what;
	printf("timeout\n");
	pr->rc = 1;
	event_base_loopbreak(pr->base);
}

int
main(int argc, char **argv)
{
	struct probe pr;
	struct mqtt_config cfg;
	struct event *ev_in = NULL, *ev_dl;
	struct timeval dl = {30, 0};
	int ch, err;

	memset(&pr, 0, sizeof(pr));
	mqtt_config_init(&cfg);
	cfg.client_id = "loradane-probe";
	cfg.backoff_min_ms = 100;
	cfg.backoff_max_ms = 1000;
	cfg.connect_timeout_ms = 2000;
	while ((ch = getopt(argc, argv, "irn:c:k:b:t:a:s:")) != -1) {
		switch (ch) {
		case 'i':
			pr.interactive = true;
			break;
		case 'r':
			pr.retain = true;
			break;
		case 'n':
			pr.want = (unsigned)num(optarg, MAX_MSGS);
			break;
		case 'c':
			cfg.client_id = optarg;
			break;
		case 'k':
			cfg.keep_alive = (uint16_t)num(optarg, 65535);
			break;
		case 'b':
			cfg.backoff_max_ms = (unsigned)num(optarg, 600000);
			break;
		case 'a':
			cfg.tls_ca_file = optarg;
			break;
		case 's':
			cfg.tls_server_name = optarg;
			break;
		case 't':
			dl.tv_sec = (time_t)num(optarg, 86400);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	cfg.host = argv[optind];
	cfg.port = (uint16_t)num(argv[optind + 1], 65535);
	pr.topic = argv[optind + 2];
	if (cfg.backoff_max_ms < cfg.backoff_min_ms)
		cfg.backoff_min_ms = cfg.backoff_max_ms;
	if ((pr.base = event_base_new()) == NULL)
		return 1;
	pr.c = mqtt_client_new(pr.base, &cfg, on_status, on_message, &pr, &err);
	if (pr.c == NULL) {
		fprintf(stderr, "mqtt_probe: %s\n", mqtt_strerror(err));
		return 1;
	}
	if (mqtt_subscribe(pr.c, pr.topic, 1) != MQTT_OK)
		usage();
	if (pr.interactive) {
		evutil_make_socket_nonblocking(0);
		ev_in =
		    event_new(pr.base, 0, EV_READ | EV_PERSIST, stdin_cb, &pr);
		event_add(ev_in, NULL);
	}
	ev_dl = evtimer_new(pr.base, deadline_cb, &pr);
	event_add(ev_dl, &dl);
	mqtt_client_start(pr.c);
	event_base_dispatch(pr.base);
	mqtt_client_free(pr.c);
	if (ev_in != NULL)
		event_free(ev_in);
	event_free(ev_dl);
	event_base_free(pr.base);
	return pr.rc;
}
