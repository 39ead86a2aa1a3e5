/*
 * js_metrics.c - counters and histograms in memory, rendered in the
 * Prometheus text format (version 0.0.4) by libevent's evhttp.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "js_metrics.h"

#define MAX_SERIES 512

struct series {
	char family[48];
	char labels[160]; /* rendered: k="v",k2="v2" */
	unsigned long long value;
};

static const double bounds[] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

struct histogram {
	const char *name;
	const char *help;
	unsigned long long buckets[NBOUNDS];
	unsigned long long count;
	double sum;
};

static struct series series[MAX_SERIES];
static int nseries;
static long connections;
static struct histogram histograms[JS_H_COUNT] = {
    {"loradane_js_handshake_seconds", "TLS handshakes, DANE lookups included",
	{0}, 0, 0},
    {"loradane_js_joinreq_seconds",
	"JoinReq from request to answer, store commit included", {0}, 0, 0},
};
static struct evhttp *http;

/* label_copy - label values are ours or checked names; keep them quotable */
static void
label_copy(char *dst, size_t len, const char *v)
{
	size_t i;

	for (i = 0; v[i] != '\0' && i + 1 < len; i++)
		dst[i] =
		    v[i] == '"' || v[i] == '\\' || v[i] == '\n' ? '_' : v[i];
	dst[i] = '\0';
}

void
js_metrics_count(const char *family, const char *l1, const char *v1,
    const char *l2, const char *v2)
{
	char a[64], b[64], labels[160];
	int i;

	label_copy(a, sizeof(a), v1);
	if (l2 != NULL && v2 != NULL) {
		label_copy(b, sizeof(b), v2);
		snprintf(labels, sizeof(labels), "%s=\"%s\",%s=\"%s\"", l1, a,
		    l2, b);
	} else
		snprintf(labels, sizeof(labels), "%s=\"%s\"", l1, a);
	for (i = 0; i < nseries; i++)
		if (strcmp(series[i].family, family) == 0 &&
		    strcmp(series[i].labels, labels) == 0) {
			series[i].value++;
			return;
		}
	if (nseries == MAX_SERIES)
		return; /* bounded: a flood of new labels cannot grow memory */
	snprintf(
	    series[nseries].family, sizeof(series[0].family), "%s", family);
	memcpy(series[nseries].labels, labels, sizeof(labels));
	series[nseries++].value = 1;
}

void
js_metrics_observe(enum js_histogram h, double seconds)
{
	struct histogram *hg = &histograms[h];

	for (size_t i = 0; i < NBOUNDS; i++)
		if (seconds <= bounds[i])
			hg->buckets[i]++;
	hg->count++;
	hg->sum += seconds;
}

void
js_metrics_connections(int delta)
{
	connections += delta;
}

static void
render(struct evbuffer *out)
{
	const char *last = "";
	int i;

	for (i = 0; i < nseries; i++) {
		if (strcmp(series[i].family, last) != 0)
			evbuffer_add_printf(
			    out, "# TYPE %s counter\n", series[i].family);
		last = series[i].family;
		evbuffer_add_printf(out, "%s{%s} %llu\n", series[i].family,
		    series[i].labels, series[i].value);
	}
	for (i = 0; i < JS_H_COUNT; i++) {
		struct histogram *hg = &histograms[i];

		evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s histogram\n",
		    hg->name, hg->help, hg->name);
		for (size_t b = 0; b < NBOUNDS; b++)
			evbuffer_add_printf(out, "%s_bucket{le=\"%g\"} %llu\n",
			    hg->name, bounds[b], hg->buckets[b]);
		evbuffer_add_printf(out,
		    "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count "
		    "%llu\n",
		    hg->name, hg->count, hg->name, hg->sum, hg->name,
		    hg->count);
	}
	evbuffer_add_printf(out,
	    "# TYPE loradane_js_connections gauge\n"
	    "loradane_js_connections %ld\n",
	    connections);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out;

	(void)arg;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
	    strcmp(evhttp_request_get_uri(req), "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if ((out = evbuffer_new()) == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	render(out);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
}

int
js_metrics_listen(
    struct event_base *base, const char *addr, unsigned short port)
{
	if ((http = evhttp_new(base)) == NULL)
		return -1;
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET);
	evhttp_set_max_headers_size(http, 8192);
	evhttp_set_max_body_size(http, 0);
	evhttp_set_gencb(http, on_request, NULL);
	if (evhttp_bind_socket(http, addr, port) != 0) {
		evhttp_free(http);
		http = NULL;
		return -1;
	}
	return 0;
}

void
js_metrics_close(void)
{
	if (http != NULL)
		evhttp_free(http);
	http = NULL;
}
