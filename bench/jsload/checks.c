/*
 * checks.c - jsload's results: the outcome of each request, the log,
 * the progress line, the summary and the end-of-run checks.
 *
 * Output: one line per request in --log ("t devEUI devNonce result
 * joinNonce", t in Unix seconds; result Success, a Result code, HTTPnnn,
 * bad-accept, bad-answer, unanswered, replay-refused, replay-accepted,
 * replay-CODE), a progress line per second on stderr, and a summary of
 * "name value" lines on stdout.  Exit 0 when every check passed, 1 when
 * one failed, 2 for a usage or set-up error.  The checks:
 *   joinnonce_unique      no JoinNonce issued twice to a device
 *   devnonce_unique       no DevNonce accepted twice for a device
 *   devnonce_increasing   1.0.4 / 1.1: accepted DevNonces strictly increase
 *   replays_refused       no deliberate replay was accepted
 *   accepts_verified      every join-accept decrypted, its MIC verified,
 *                         its NetID, DevAddr, DLSettings, RxDelay ours
 *   joinnonce_increasing  1.1: JoinNonce strictly increases (a 1.1
 *                         device refuses any other, LW11 6.2.3)
 *   some_success          at least one join succeeded
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/bi.h"
#include "backend/http.h"

#include "jsload.h"

/*
 * Requests and their outcome.
 */

static void
record_latency(double s)
{
	double *nl;

	if (L.nlat == L.caplat) {
		L.caplat = L.caplat == 0 ? 4096 : L.caplat * 2;
		if ((nl = realloc(L.lat, L.caplat * sizeof(*nl))) == NULL) {
			L.caplat = L.nlat;
			return;
		}
		L.lat = nl;
	}
	L.lat[L.nlat++] = s;
}

static int
record_accepted(struct device *d, uint32_t join_nonce, uint16_t dev_nonce)
{
	struct accepted *na;

	if (d->nacc == d->capacc) {
		d->capacc = d->capacc == 0 ? 64 : d->capacc * 2;
		if ((na = realloc(d->acc, d->capacc * sizeof(*na))) == NULL) {
			d->capacc = d->nacc;
			return -1;
		}
		d->acc = na;
	}
	d->acc[d->nacc].join_nonce = join_nonce;
	d->acc[d->nacc].dev_nonce = dev_nonce;
	d->nacc++;
	return 0;
}

/* finish - log one request's outcome and free its device */
void
finish(struct conn *c, const char *result, long join_nonce)
{
	struct request *q = &c->req;
	char jn[24] = "-";

	if (join_nonce >= 0)
		snprintf(jn, sizeof(jn), "%ld", join_nonce);
	if (L.log != NULL)
		fprintf(L.log, "%.3f %016llx %u %s %s\n", now_real(),
		    (unsigned long long)L.devs[q->dev].dev_eui, q->dev_nonce,
		    result, jn);
	give_back_device(q->dev);
	q->dev = -1;
}

/* answered - the JoinAns (or an HTTP error) of the request on c */
void
answered(struct conn *c, const struct http_msg *m)
{
	struct request *q = &c->req;
	struct device *d = &L.devs[q->dev];
	struct bi_error err;
	struct bi_msg ans;
	uint32_t jn = 0;
	const char *why, *name;
	char res[48];

	L.n.answered++;
	record_latency(now_mono() - q->t_sent);
	if (m->status != 200) {
		snprintf(res, sizeof(res), "%sHTTP%d",
		    q->replay ? "replay-" : "", m->status);
		L.n.errors++;
		note(L.first_error, sizeof(L.first_error), "HTTP status %d",
		    m->status);
		finish(c, res, -1);
		return;
	}
	if (m->body == NULL ||
	    bi_decode((const char *)m->body, m->body_len, &ans, &err) !=
		BI_OK ||
	    ans.hdr.type != BI_JOIN_ANS || ans.hdr.transaction_id != q->txid) {
		L.n.errors++;
		note(L.first_error, sizeof(L.first_error), "bad JoinAns: %s",
		    m->body == NULL         ? "no body"
			: err.code != BI_OK ? err.text
			: ans.hdr.type != BI_JOIN_ANS
			? "not a JoinAns"
			: "TransactionID differs");
		finish(c, "bad-answer", -1);
		return;
	}
	if (ans.hdr.result.code == BI_RC_SUCCESS) {
		why = check_accept(d, q, ans.join_ans.phy_payload,
		    ans.join_ans.phy_payload_len, &jn);
		if (why != NULL) {
			L.n.bad_accepts++;
			note(L.first_error, sizeof(L.first_error),
			    "DevEUI %016llx DevNonce %u: %s",
			    (unsigned long long)d->dev_eui, q->dev_nonce, why);
			finish(c, "bad-accept", -1);
			return;
		}
		record_accepted(d, jn, q->dev_nonce);
		if (q->replay) {
			L.n.replay_accepted++;
			finish(c, "replay-accepted", jn);
		} else {
			L.n.success++;
			finish(c, "Success", jn);
		}
		return;
	}
	name = bi_rc_name(ans.hdr.result.code);
	if (name == NULL)
		name = "Unknown";
	if (q->replay && ans.hdr.result.code == BI_RC_JOIN_REQ_FAILED) {
		L.n.replay_refused++;
		finish(c, "replay-refused", -1);
		return;
	}
	L.n.errors++;
	note(L.first_error, sizeof(L.first_error),
	    "DevEUI %016llx DevNonce %u%s: %s: %s",
	    (unsigned long long)d->dev_eui, q->dev_nonce,
	    q->replay ? " (replay)" : "", name, ans.hdr.result.description);
	snprintf(res, sizeof(res), "%s%s", q->replay ? "replay-" : "", name);
	finish(c, res, -1);
}

void
on_progress(evutil_socket_t fd, short what, void *arg)
{
	double t = now_mono() - L.t0;
	int up = 0;

	(void)fd;
	(void)what;
	(void)arg;
	for (int i = 0; i < L.nconns; i++)
		up += L.conns[i].st == C_READY || L.conns[i].st == C_BUSY;
	fprintf(stderr,
	    "jsload: %.0fs sent %llu (+%llu/s) success %llu replay-refused "
	    "%llu errors %llu unanswered %llu conns %d/%d\n",
	    t, (unsigned long long)L.n.sent,
	    (unsigned long long)(L.n.sent - L.last.sent),
	    (unsigned long long)L.n.success,
	    (unsigned long long)L.n.replay_refused,
	    (unsigned long long)(L.n.errors + L.n.bad_accepts +
		L.n.replay_accepted),
	    (unsigned long long)L.n.unanswered, up, L.nconns);
	L.last = L.n;
	if (L.log != NULL)
		fflush(L.log);
}

/*
 * The checks and the summary.
 */

static int
cmp_join_nonce(const void *a, const void *b)
{
	const struct accepted *x = a, *y = b;

	return x->join_nonce < y->join_nonce ? -1
	    : x->join_nonce > y->join_nonce  ? 1
					     : 0;
}

static int
cmp_dev_nonce(const void *a, const void *b)
{
	const struct accepted *x = a, *y = b;

	return x->dev_nonce < y->dev_nonce ? -1
	    : x->dev_nonce > y->dev_nonce  ? 1
					   : 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

static void
check_line(const char *name, bool ok, const char *detail, int *failed)
{
	printf("check %s %s%s%s\n", name, ok ? "ok" : "FAILED",
	    detail[0] != '\0' ? " " : "", detail);
	if (!ok)
		(*failed)++;
}

/* run_checks - (a) to (f) over every device; returns the failures */
int
run_checks(void)
{
	char a[160] = "", b[160] = "", c[160] = "", f[160] = "";
	struct accepted *s;
	int failed = 0;
	size_t i;

	for (int k = 0; k < L.ndevs; k++) {
		struct device *d = &L.devs[k];
		unsigned long long eui = (unsigned long long)d->dev_eui;

		for (i = 1; i < d->nacc; i++) {
			if (d->counter &&
			    d->acc[i].dev_nonce <= d->acc[i - 1].dev_nonce)
				note(c, sizeof(c),
				    "(DevEUI %016llx: DevNonce %u accepted "
				    "after %u)",
				    eui, d->acc[i].dev_nonce,
				    d->acc[i - 1].dev_nonce);
			if (d->v11 &&
			    d->acc[i].join_nonce <= d->acc[i - 1].join_nonce)
				note(f, sizeof(f),
				    "(DevEUI %016llx: JoinNonce %u after %u)",
				    eui, d->acc[i].join_nonce,
				    d->acc[i - 1].join_nonce);
		}
		if (d->nacc < 2)
			continue;
		if ((s = malloc(d->nacc * sizeof(*s))) == NULL) {
			fprintf(stderr, "jsload: out of memory\n");
			exit(2);
		}
		memcpy(s, d->acc, d->nacc * sizeof(*s));
		qsort(s, d->nacc, sizeof(*s), cmp_join_nonce);
		for (i = 1; i < d->nacc; i++)
			if (s[i].join_nonce == s[i - 1].join_nonce)
				note(a, sizeof(a),
				    "(DevEUI %016llx: JoinNonce %u issued for "
				    "DevNonces %u and %u)",
				    eui, s[i].join_nonce, s[i - 1].dev_nonce,
				    s[i].dev_nonce);
		qsort(s, d->nacc, sizeof(*s), cmp_dev_nonce);
		for (i = 1; i < d->nacc; i++)
			if (s[i].dev_nonce == s[i - 1].dev_nonce)
				note(b, sizeof(b),
				    "(DevEUI %016llx: DevNonce %u accepted "
				    "twice)",
				    eui, s[i].dev_nonce);
		free(s);
	}
	check_line("joinnonce_unique", a[0] == '\0', a, &failed);
	check_line("devnonce_unique", b[0] == '\0', b, &failed);
	check_line("devnonce_increasing", c[0] == '\0', c, &failed);
	check_line("replays_refused", L.n.replay_accepted == 0, "", &failed);
	check_line("accepts_verified", L.n.bad_accepts == 0, "", &failed);
	check_line("joinnonce_increasing", f[0] == '\0', f, &failed);
	check_line("some_success", L.n.success > 0, "", &failed);
	return failed;
}

void
summary(void)
{
	double secs = L.t_end - L.t0, p50 = 0, p99 = 0;

	if (secs <= 0)
		secs = 1e-9;
	if (L.nlat > 0) {
		qsort(L.lat, L.nlat, sizeof(*L.lat), cmp_double);
		p50 = L.lat[(L.nlat - 1) / 2];
		p99 = L.lat[(size_t)((double)(L.nlat - 1) * 0.99)];
	}
	printf("devices %d\n", L.ndevs);
	printf("duration_s %.2f\n", secs);
	printf("requests %llu\n", (unsigned long long)L.n.sent);
	printf("answered %llu\n", (unsigned long long)L.n.answered);
	printf("successes %llu\n", (unsigned long long)L.n.success);
	printf("replays %llu\n", (unsigned long long)L.n.replays);
	printf(
	    "replays_refused %llu\n", (unsigned long long)L.n.replay_refused);
	printf(
	    "replays_accepted %llu\n", (unsigned long long)L.n.replay_accepted);
	printf("errors %llu\n", (unsigned long long)L.n.errors);
	printf("bad_accepts %llu\n", (unsigned long long)L.n.bad_accepts);
	printf("unanswered %llu\n", (unsigned long long)L.n.unanswered);
	printf("timeouts %llu\n", (unsigned long long)L.n.timeouts);
	printf("connections %llu\n", (unsigned long long)L.n.connections);
	printf("connect_failures %llu\n",
	    (unsigned long long)L.n.connect_failures);
	printf("rate_sent %.1f\n", (double)L.n.sent / secs);
	printf("rate_answered %.1f\n", (double)L.n.answered / secs);
	printf("latency_p50_ms %.2f\n", p50 * 1000);
	printf("latency_p99_ms %.2f\n", p99 * 1000);
	if (L.first_error[0] != '\0')
		printf("first_error %s\n", L.first_error);
	if (L.first_conn_error[0] != '\0')
		printf("first_connection_error %s\n", L.first_conn_error);
}
