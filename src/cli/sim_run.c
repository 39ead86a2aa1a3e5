/*
 * sim_run.c - the simulation's driver (see sim.h): wait for every
 * gateway's PULL_ACK, start joins at --rate until the count or the
 * duration is reached, let the last ones (and their data uplinks,
 * sim_data.c) finish, then collect the
 * PUSH_ACKs still due.  Statistics, progress line and summary.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <event2/event.h>

#include "lorawan/crypto.h"
#include "lorawan/ids.h"
#include "sim.h"

#define TICK_US 5000 /* scheduler resolution */

int64_t
sim_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t
sim_rand(struct sim *s)
{
	/* xorshift64*: fast, and a --seed replays a run's choices. */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dull;
}

void
sim_latency_add(struct sim *s, uint32_t us)
{
	uint32_t *n;

	if (s->st.nlat == s->st.caplat) {
		s->st.caplat = s->st.caplat == 0 ? 1024 : s->st.caplat * 2;
		n = realloc(s->st.lat_us, s->st.caplat * sizeof(*n));
		if (n == NULL) {
			/* Counts stay exact; only the percentiles lose it. */
			s->st.caplat = s->st.nlat;
			return;
		}
		s->st.lat_us = n;
	}
	s->st.lat_us[s->st.nlat++] = us;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

uint32_t
sim_latency_pct(const struct sim *s, double pct)
{
	size_t n = s->st.nlat, i;
	uint32_t *c, v;

	if (n == 0 || (c = malloc(n * sizeof(*c))) == NULL)
		return 0;
	memcpy(c, s->st.lat_us, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_u32);
	/* nearest rank: the smallest value with pct % at or below it */
	i = (size_t)(pct / 100.0 * (double)n);
	if ((double)i < pct / 100.0 * (double)n)
		i++;
	v = c[i == 0 ? 0 : i - 1];
	free(c);
	return v;
}

void
sim_progress_line(const struct sim *s)
{
	fprintf(stderr,
	    "joins %llu ok %llu failed %llu rx1 %llu rx2 %llu p50 %.1f ms "
	    "p99 %.1f ms\n",
	    (unsigned long long)s->st.joins,
	    (unsigned long long)s->st.joins_accepted,
	    (unsigned long long)s->st.joins_failed,
	    (unsigned long long)s->st.rx1, (unsigned long long)s->st.rx2,
	    sim_latency_pct(s, 50) / 1000.0, sim_latency_pct(s, 99) / 1000.0);
}

/* put - one summary item, as a "key value" line or a JSON member */
static void
put(bool json, int *n, const char *k, const char *v)
{
	if (json)
		printf("%s\"%s\": %s", (*n)++ > 0 ? ", " : "{", k, v);
	else
		printf("%s %s\n", k, v);
}

void
sim_summary(const struct sim *s)
{
	const struct sim_stats *t = &s->st;
	const struct {
		const char *k;
		uint64_t v;
	} c[] =
	    {
		{"joins_started", t->joins},
		{"joins_sent", t->joins_sent},
		{"joins_accepted", t->joins_accepted},
		{"joins_failed", t->joins_failed},
		{"join_timeouts", t->join_timeouts},
		{"rx1", t->rx1},
		{"rx2", t->rx2},
		{"too_late", t->too_late},
		{"bad_accepts", t->bad_accepts},
	    },
	  d[] = {
	      {"uplinks_sent", t->uplinks_sent},
	      {"uplinks_replayed", t->uplinks_replayed},
	      {"downlinks", t->downlinks},
	      {"acks", t->acks},
	      {"ack_missing", t->ack_missing},
	      {"link_check_ans", t->link_check_ans},
	      {"device_time_ans", t->device_time_ans},
	      {"bad_downlinks", t->bad_downlinks},
	  };
	const char *lk[] = {
	    "latency_p50_ms", "latency_p99_ms", "latency_max_ms"};
	const double lp[] = {50, 99, 100};
	char v[32];
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)c[i].v);
		put(s->o.json, &n, c[i].k, v);
	}
	for (i = 0; i < 3; i++) {
		snprintf(
		    v, sizeof(v), "%.3f", sim_latency_pct(s, lp[i]) / 1000.0);
		put(s->o.json, &n, lk[i], v);
	}
	snprintf(v, sizeof(v), "%llu", (unsigned long long)t->push_ack_missing);
	put(s->o.json, &n, "push_ack_missing", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)t->dup_accepts);
	put(s->o.json, &n, "dup_accepts", v);
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)d[i].v);
		put(s->o.json, &n, d[i].k, v);
	}
	if (s->o.json)
		printf("}\n");
	fflush(stdout);
}

/* target - logical joins to run; 0 when bound by --duration */
static uint64_t
target(const struct sim *s)
{
	if (s->o.duration > 0)
		return 0;
	return s->o.joins > 0 ? s->o.joins : (uint64_t)s->ndev;
}

/* pick_idle - each device once in order, else the next idle one */
static struct sim_dev *
pick_idle(struct sim *s)
{
	int i, k;

	if (s->o.joins == 0 && s->o.duration <= 0)
		return s->st.joins < (uint64_t)s->ndev ? &s->devs[s->st.joins]
						       : NULL;
	for (i = 0; i < s->ndev; i++) {
		k = (s->next_dev + i) % s->ndev;
		if (s->devs[k].state == SIM_DEV_IDLE) {
			s->next_dev = (k + 1) % s->ndev;
			return &s->devs[k];
		}
	}
	return NULL;
}

/* all_started - no further join will start */
static bool
all_started(const struct sim *s, int64_t now)
{
	uint64_t t = target(s);

	if (s->stopping)
		return true;
	if (t > 0)
		return s->st.joins >= t;
	return (double)(now - s->t0_us) >= s->o.duration * 1e6;
}

/* start_joins - as many as the rate allows by now */
static void
start_joins(struct sim *s, int64_t now)
{
	uint64_t due =
	    (uint64_t)((double)(now - s->t0_us) / 1e6 * s->o.rate) + 1;
	struct sim_dev *d;

	while (!all_started(s, now) && s->st.joins < due &&
	    (d = pick_idle(s)) != NULL) {
		s->st.joins++;
		s->busy++;
		d->attempts = 0;
		if (sim_dev_join(s, d) != 0)
			sim_join_done(s, d, false);
	}
}

void
sim_join_done(struct sim *s, struct sim_dev *d, bool ok)
{
	(void)d;
	s->busy--;
	if (ok)
		s->st.joins_accepted++;
	else
		s->st.joins_failed++;
}

/* ready_or_fail - before the joins: every gateway heard back, or the
 * deadline has passed */
static void
ready_or_fail(struct sim *s, int64_t now)
{
	char eui[17];
	int i;

	if (sim_gw_all_ready(s)) {
		s->running = true;
		s->t0_us = now;
		return;
	}
	if (now - s->t0_us < (int64_t)s->o.ready_ms * 1000)
		return;
	for (i = 0; i < s->o.ngw; i++)
		if (!s->gws[i].ready) {
			lw_eui64_format(s->gws[i].eui, eui, sizeof(eui));
			fprintf(stderr,
			    "loradane sim: gateway %s: no PULL_ACK from %s "
			    "port %s within %u ms\n",
			    eui, s->o.ns_addr, s->o.ns_port, s->o.ready_ms);
		}
	s->setup_failed = true;
	event_base_loopexit(s->base, NULL);
}

/* on_tick - the scheduler */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sim *s = arg;
	int64_t now = sim_now_us();

	(void)fd;
	(void)what;
	if (!s->running) {
		ready_or_fail(s, now);
		if (!s->running)
			return;
	}
	if (s->draining) {
		if (sim_gw_pending(s) == 0 || now >= s->drain_until_us)
			event_base_loopexit(s->base, NULL);
		return;
	}
	start_joins(s, now);
	if (all_started(s, now) && s->busy == 0) {
		/* Give the last PUSH_ACKs their time before counting. */
		s->draining = true;
		s->drain_until_us = now + SIM_PUSH_ACK_WAIT_US;
	}
}

static void
on_progress(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sim_progress_line(arg);
}

/* on_signal - stop starting joins; those in flight fail */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct sim *s = arg;

	(void)sig;
	(void)what;
	s->stopping = true;
	sim_dev_abandon_all(s);
	if (!s->running) {
		s->setup_failed = true;
		event_base_loopexit(s->base, NULL);
	}
}

/* add_timer - a persistent timer of period us */
static struct event *
add_timer(struct sim *s, event_callback_fn cb, int64_t us)
{
	struct event *ev = event_new(s->base, -1, EV_PERSIST, cb, s);
	struct timeval tv = {
	    (time_t)(us / 1000000), (suseconds_t)(us % 1000000)};

	if (ev != NULL && event_add(ev, &tv) != 0) {
		event_free(ev);
		ev = NULL;
	}
	return ev;
}

int
sim_run(struct sim *s)
{
	TAILQ_INIT(&s->waiting);
	if (s->o.has_seed)
		s->rng = s->o.seed;
	else if (getrandom(&s->rng, sizeof(s->rng), 0) != sizeof(s->rng))
		s->rng = (uint64_t)sim_now_us();
	if (s->rng == 0)
		s->rng = 0x9e3779b97f4a7c15ull; /* xorshift's one dead state */
	if (sim_dev_load(s, s->o.devices) != 0)
		return -1;
	if ((s->base = event_base_new()) == NULL ||
	    (s->crypto = lw_crypto_new()) == NULL) {
		fprintf(stderr, "loradane sim: out of memory\n");
		return -1;
	}
	s->t0_us = sim_now_us();
	if (sim_gw_open_all(s) != 0)
		return -1;
	s->ev_tick = add_timer(s, on_tick, TICK_US);
	s->ev_sig[0] = evsignal_new(s->base, SIGINT, on_signal, s);
	s->ev_sig[1] = evsignal_new(s->base, SIGTERM, on_signal, s);
	if (s->ev_tick == NULL || s->ev_sig[0] == NULL ||
	    s->ev_sig[1] == NULL || event_add(s->ev_sig[0], NULL) != 0 ||
	    event_add(s->ev_sig[1], NULL) != 0)
		return -1;
	if (s->o.progress &&
	    (s->ev_progress = add_timer(s, on_progress, 1000000)) == NULL)
		return -1;
	event_base_dispatch(s->base);
	if (s->setup_failed)
		return -1;
	/* Counted now so that the summary has them. */
	sim_gw_close_all(s);
	if (s->o.progress)
		sim_progress_line(s);
	return 0;
}

void
sim_free(struct sim *s)
{
	int i;

	sim_gw_close_all(s);
	sim_dev_free_all(s);
	if (s->ev_tick != NULL)
		event_free(s->ev_tick);
	if (s->ev_progress != NULL)
		event_free(s->ev_progress);
	for (i = 0; i < 2; i++)
		if (s->ev_sig[i] != NULL)
			event_free(s->ev_sig[i]);
	if (s->base != NULL)
		event_base_free(s->base);
	lw_crypto_free(s->crypto);
	free(s->st.lat_us);
}
