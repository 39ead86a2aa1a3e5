/*
 * main.c - jsload, a Join Server load client, for tests and benchmarks of
 * loradane-js: real join-requests from a list of devices, sent as
 * Backend Interfaces JoinReq over DANE mutual TLS, with the answers
 * checked the way the devices themselves would check them.
 *
 * usage: jsload HOST PORT --client-name NAME --cert FILE --key FILE
 *	[resolver options] --devices FILE --duration SECONDS [--rate N]
 *	[--conns N] [--new-conn-per-request] [--replay-percent P]
 *	[--log FILE] [--connect ADDR] [--timeout MS] [--seed N]
 *	[--devnonce-start N] [-v]
 *
 * FILE has one device per line, "DevEUI JoinEUI MACVersion AppKey
 * [NwkKey] HomeNetID" ('#' starts a comment).  Each request is a real
 * join-request (MHDR, JoinEUI, DevEUI, DevNonce, MIC) signed with the
 * device's root key, as lib/lorawan/join.h has the Join Server check it:
 * NwkKey when the device has one, else AppKey.  1.1 devices ask for a
 * 1.1 join (DLSettings OptNeg), the others for a 1.0 one.  How DevNonces
 * are chosen, and replayed: devices.c.
 *
 * --rate N keeps N requests per second (a second's worth of backlog at
 * most, so a restarted server is not met by the whole outage at once);
 * 0 sends as fast as the connections allow.  --timeout MS bounds a
 * handshake and an answer (default 10000).  --seed N repeats a run's
 * choices of devices, DevNonces and replays.
 *
 * The design (one thread, one libevent loop): conn.c.  The output (the
 * log, the progress line, the summary), the checks and the exit status:
 * checks.c.  What the files share, and who owns what: jsload.h.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "dance.h"
#include "lorawan/crypto.h"
#include "util/strnum.h"

#include "jsload.h"

struct jsload L;

static int
usage(void)
{
	fprintf(stderr,
	    "usage: jsload HOST PORT --client-name NAME --cert FILE --key "
	    "FILE\n"
	    "  --devices FILE --duration SECONDS [--rate N] [--conns N]\n"
	    "  [--new-conn-per-request] [--replay-percent P] [--log FILE]\n"
	    "  [--connect ADDR] [--timeout MS] [--seed N] "
	    "[--devnonce-start N] [-v]\n"
	    "  [--ta FILE] [--ta-rr RR] [--no-ta] [--forward ADDR[@PORT]]\n"
	    "  [--stub ZONE=ADDR[@PORT]] [--dns-timeout MS]\n"
	    "  [--unbound-opt NAME=VALUE]\n"
	    "FILE: one device per line, "
	    "DevEUI JoinEUI MACVersion AppKey [NwkKey] HomeNetID\n");
	return 2;
}

double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* rnd - xorshift64*: the load pattern needs spread, not secrecy */
uint64_t
rnd(void)
{
	L.rng ^= L.rng >> 12;
	L.rng ^= L.rng << 25;
	L.rng ^= L.rng >> 27;
	return L.rng * 2685821657736338717ULL;
}

/* rnd_below - uniform enough in [0, n) for n far below 2^32 */
uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)((rnd() >> 32) % n);
}

/* note - keep the first message of a kind for the summary */
void
note(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void
dance_log_cb(void *arg, int prio, const char *msg)
{
	(void)arg;
	(void)prio;
	fprintf(stderr, "jsload: %s\n", msg);
}

/*
 * Resolver options, as the loradane verbs take them (src/cli is not in
 * the library, so they are applied here).
 */
enum {
	OPT_TA = 1000,
	OPT_TA_RR,
	OPT_NO_TA,
	OPT_FORWARD,
	OPT_STUB,
	OPT_DNS_TIMEOUT,
	OPT_UNBOUND_OPT,
	OPT_CLIENT_NAME,
	OPT_CERT,
	OPT_KEY,
	OPT_DEVICES,
	OPT_DURATION,
	OPT_RATE,
	OPT_CONNS,
	OPT_NEW_CONN,
	OPT_REPLAY,
	OPT_LOG,
	OPT_CONNECT,
	OPT_TIMEOUT,
	OPT_SEED,
	OPT_DEVNONCE_START,
};

/* split_eq - "left=right" into buf and *right; -1 without a '=' */
static int
split_eq(const char *arg, char *buf, size_t len, const char **right)
{
	size_t n = strlen(arg);
	char *eq;

	if (n >= len)
		return -1;
	memcpy(buf, arg, n + 1);
	eq = strchr(buf, '=');
	if (eq == NULL || eq == buf || eq[1] == '\0')
		return -1;
	*eq = '\0';
	*right = eq + 1;
	return 0;
}

static int
number(const char *opt, const char *arg, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	const char *errstr;

	*out = strnum_parse(arg, min, max, &errstr);
	if (errstr == NULL)
		return 0;
	fprintf(stderr, "jsload: --%s %s: %s (%llu to %llu)\n", opt, arg,
	    errstr, min, max);
	return -1;
}

static int
resolver_opt(int opt, const char *arg)
{
	char buf[512];
	const char *right;
	unsigned long long ms;
	int r;

	switch (opt) {
	case OPT_TA:
		r = dance_ctx_add_ta_file(L.dance, arg);
		break;
	case OPT_TA_RR:
		r = dance_ctx_add_ta(L.dance, arg);
		break;
	case OPT_NO_TA:
		r = dance_ctx_no_default_ta(L.dance);
		break;
	case OPT_FORWARD:
		r = dance_ctx_add_forwarder(L.dance, arg);
		break;
	case OPT_STUB:
		if (split_eq(arg, buf, sizeof(buf), &right) != 0) {
			fprintf(
			    stderr, "jsload: --stub %s: not ZONE=ADDR\n", arg);
			return -1;
		}
		r = dance_ctx_add_stub(L.dance, buf, right);
		break;
	case OPT_DNS_TIMEOUT:
		if (number("dns-timeout", arg, 1, 600000, &ms) != 0)
			return -1;
		r = dance_ctx_set_timeout(L.dance, (unsigned)ms);
		break;
	case OPT_UNBOUND_OPT:
		if (split_eq(arg, buf, sizeof(buf), &right) != 0) {
			fprintf(stderr,
			    "jsload: --unbound-opt %s: not NAME=VALUE\n", arg);
			return -1;
		}
		r = dance_ctx_set_option(L.dance, buf, right);
		break;
	default:
		return -1;
	}
	if (r != DANCE_OK) {
		fprintf(stderr, "jsload: resolver option %s: %s\n",
		    arg != NULL ? arg : "", dance_strerror(r));
		return -1;
	}
	return 0;
}

/* parse_rate - a decimal number of requests per second, 0 allowed */
static int
parse_rate(const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end != '\0' || errno != 0 || !(v >= 0) || v > 1e7) {
		fprintf(stderr, "jsload: --rate %s: not 0 to 1e7\n", arg);
		return -1;
	}
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"client-name", required_argument, NULL, OPT_CLIENT_NAME},
	    {"cert", required_argument, NULL, OPT_CERT},
	    {"key", required_argument, NULL, OPT_KEY},
	    {"devices", required_argument, NULL, OPT_DEVICES},
	    {"duration", required_argument, NULL, OPT_DURATION},
	    {"rate", required_argument, NULL, OPT_RATE},
	    {"conns", required_argument, NULL, OPT_CONNS},
	    {"new-conn-per-request", no_argument, NULL, OPT_NEW_CONN},
	    {"replay-percent", required_argument, NULL, OPT_REPLAY},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"connect", required_argument, NULL, OPT_CONNECT},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"devnonce-start", required_argument, NULL, OPT_DEVNONCE_START},
	    {"ta", required_argument, NULL, OPT_TA},
	    {"ta-rr", required_argument, NULL, OPT_TA_RR},
	    {"no-ta", no_argument, NULL, OPT_NO_TA},
	    {"forward", required_argument, NULL, OPT_FORWARD},
	    {"stub", required_argument, NULL, OPT_STUB},
	    {"dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT},
	    {"unbound-opt", required_argument, NULL, OPT_UNBOUND_OPT},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dance_client_opts o;
	const char *devices = NULL;
	unsigned long long v, duration = 0;
	struct timeval tv;
	int ch, err, failed, pending = 0;
	bool seeded = false;

	memset(&o, 0, sizeof(o));
	L.nconns = 4;
	L.timeout_ms = 10000;
	signal(SIGPIPE, SIG_IGN);
	if ((L.base = event_base_new()) == NULL ||
	    (L.dance = dance_ctx_new(L.base, &err)) == NULL ||
	    (L.crypto = lw_crypto_new()) == NULL) {
		fprintf(stderr, "jsload: set-up failed\n");
		return 2;
	}
	while ((ch = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_CLIENT_NAME:
			o.client_name = optarg;
			break;
		case OPT_CERT:
			o.cert_file = optarg;
			break;
		case OPT_KEY:
			o.key_file = optarg;
			break;
		case OPT_DEVICES:
			devices = optarg;
			break;
		case OPT_DURATION:
			if (number("duration", optarg, 1, 86400, &duration) !=
			    0)
				return 2;
			break;
		case OPT_RATE:
			if (parse_rate(optarg, &L.rate) != 0)
				return 2;
			break;
		case OPT_CONNS:
			if (number("conns", optarg, 1, MAX_CONNS, &v) != 0)
				return 2;
			L.nconns = (int)v;
			break;
		case OPT_NEW_CONN:
			L.new_conn = true;
			break;
		case OPT_REPLAY:
			if (number("replay-percent", optarg, 0, 100, &v) != 0)
				return 2;
			L.replay_pct = (unsigned)v;
			break;
		case OPT_LOG:
			L.log_path = optarg;
			break;
		case OPT_CONNECT:
			L.addr = optarg;
			break;
		case OPT_TIMEOUT:
			if (number("timeout", optarg, 100, 600000, &v) != 0)
				return 2;
			L.timeout_ms = (unsigned)v;
			break;
		case OPT_SEED:
			if (number("seed", optarg, 0, UINT64_MAX, &v) != 0)
				return 2;
			L.rng = v;
			seeded = true;
			break;
		case OPT_DEVNONCE_START:
			if (number("devnonce-start", optarg, 0, 65535, &v) != 0)
				return 2;
			L.devnonce_start = (uint32_t)v;
			break;
		case 'v':
			L.verbose++;
			break;
		default:
			if (ch >= OPT_TA && ch <= OPT_UNBOUND_OPT) {
				if (resolver_opt(ch, optarg) != 0)
					return 2;
				break;
			}
			return usage();
		}
	}
	if (argc - optind != 2 || devices == NULL || duration == 0)
		return usage();
	L.host = argv[optind];
	if (number("port", argv[optind + 1], 1, 65535, &v) != 0)
		return 2;
	L.port = (uint16_t)v;
	L.duration = (double)duration;
	/* xorshift needs a non-zero state; a seed of 0 means "any". */
	if (!seeded || L.rng == 0)
		if (RAND_bytes((unsigned char *)&L.rng, sizeof(L.rng)) != 1)
			L.rng = (uint64_t)now_real();
	L.rng |= 1;
	if (read_devices(devices) != 0)
		return 2;
	if (idle_pool_init() != 0)
		return 2;
	if (L.log_path != NULL && (L.log = fopen(L.log_path, "w")) == NULL) {
		fprintf(
		    stderr, "jsload: %s: %s\n", L.log_path, strerror(errno));
		return 2;
	}
	if (L.verbose > 0)
		dance_ctx_set_log(L.dance, dance_log_cb, NULL,
		    L.verbose > 1 ? DANCE_LOG_DEBUG : DANCE_LOG_WARNING);
	o.handshake_timeout_ms = L.timeout_ms;
	if ((L.tls = dance_tls_client_new(L.dance, &o, &err)) == NULL) {
		fprintf(stderr, "jsload: client identity: %s\n",
		    dance_strerror(err));
		return 2;
	}
	L.tick = event_new(L.base, -1, EV_PERSIST, on_tick, NULL);
	L.progress = event_new(L.base, -1, EV_PERSIST, on_progress, NULL);
	L.stop = evtimer_new(L.base, on_stop, NULL);
	L.grace = evtimer_new(L.base, on_grace, NULL);
	if (L.tick == NULL || L.progress == NULL || L.stop == NULL ||
	    L.grace == NULL)
		return 2;
	/* The rate is kept by a tick of at most 10 ms: fine enough for
	 * rates of hundreds per second, cheap at any rate. */
	tv.tv_sec = 0;
	tv.tv_usec = L.rate > 100 ? 1000 : 10000;
	if (L.rate > 0)
		evtimer_add(L.tick, &tv);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	evtimer_add(L.progress, &tv);
	tv.tv_sec = (time_t)duration;
	evtimer_add(L.stop, &tv);
	L.t0 = L.rate_base = now_mono();
	for (int i = 0; i < L.nconns; i++)
		if (conn_start(&L.conns[i], i) != 0)
			return 2;
	event_base_dispatch(L.base);
	if (L.t_end == 0)
		L.t_end = now_mono();
	on_progress(-1, 0, NULL);
	summary();
	failed = run_checks();
	printf("result %s\n", failed == 0 ? "PASS" : "FAIL");
	if (L.log != NULL && fclose(L.log) != 0) {
		fprintf(stderr, "jsload: %s: write error\n", L.log_path);
		failed++;
	}
	for (int i = 0; i < L.nconns; i++) {
		conn_drop(&L.conns[i]);
		event_free(L.conns[i].timer);
	}
	devices_free();
	free(L.lat);
	event_free(L.tick);
	event_free(L.progress);
	event_free(L.stop);
	event_free(L.grace);
	/* A handshake still under way holds the TLS context and the
	 * resolver: leave them to the exit then. */
	for (int i = 0; i < L.nconns; i++)
		pending += L.conns[i].st == C_CONNECTING;
	if (pending == 0) {
		dance_tls_free(L.tls);
		dance_ctx_free(L.dance);
		event_base_free(L.base);
	}
	lw_crypto_free(L.crypto);
	ERR_clear_error();
	return failed == 0 ? 0 : 1;
}
