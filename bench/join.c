/*
 * join.c - LoRaWAN join-server and network-server crypto work per CPU
 * second with lib/lorawan, the C half of bench/run-join.sh (bench/join.js
 * does the same work with lora-packet).
 *
 * usage: join MODE SECONDS [WARMUP_SECONDS]
 *   join10  complete 1.0 join: decode the join-request, verify its MIC
 *           (AppKey), derive NwkSKey/AppSKey, build the join-accept
 *           plaintext (with a CFList), MIC it, encrypt it, encode the frame
 *   join11  the same for 1.1 with OptNeg: MIC with NwkKey, derive
 *           JSIntKey/JSEncKey and the four session keys, 1.1 join-accept
 *           MIC (JSIntKey), encrypt with NwkKey
 *   up10    data uplink check: decode a frame, verify its 1.0 MIC
 *   up11    the same with the 1.1 MIC (cmacS | cmacF)
 *
 * Inputs come from 1024 devices with their own random keys, taken in
 * turn, so every operation sets a new key (as a server does).  Before
 * timing, the measured function is run on the published end-to-end
 * vectors (specs/lorawan-backend.md §3 items 10, 11 and 16) and must give
 * their bytes.  It then runs WARMUP_SECONDS (default 0.5) unmeasured and
 * SECONDS of process CPU time measured, and prints one line:
 *   impl c mode MODE ops N cpu_s S wall_s S ops_per_cpu_s R ops_per_wall_s R
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lorawan/crypto.h"
#include "lorawan/join.h"
#include "lorawan/lw_err.h"
#include "lorawan/phy.h"
#include "util/bytes.h"

#define NDEV 1024
#define NET_ID 0x010203u

struct dev {
	uint8_t appkey[16], nwkkey[16];
	uint8_t req[LW_JOIN_REQUEST_LEN]; /* its join-request */
	uint8_t up[LW_PHY_MAX];           /* one of its uplinks */
	size_t up_len;
	uint8_t nwkskey[16], snwksint[16]; /* up10 / up11 (F = S here) */
};

/* The join-accept a join server sends besides the keys: fixed settings */
static const uint8_t cflist[16] = {0x18, 0x8e, 0x84, 0xe8, 0x95, 0x84};

static struct dev devs[NDEV];
static uint64_t sink; /* folds every output so nothing is optimised away */

static double
now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "join: %s: %s\n", what, lw_strerror(rc));
	exit(1);
}

/* hex2bin - decode hex; the byte count, or -1 */
static int
hex2bin(const char *s, uint8_t *out, size_t max)
{
	const char *why;
	size_t n;

	return bytes_from_hex(s, out, max, &n, &why) == 0 ? (int)n : -1;
}

/*
 * One complete join through the Join Server's code (lib/lorawan/join.h):
 * decode the join-request and check its MIC, derive the session keys,
 * build, sign and encrypt the join-accept.  v11 selects a 1.1 device
 * joined with OptNeg.  Returns 0, or a negative lw_err (LW_ERR_MIC for a
 * bad request MIC).
 */
static int
join(struct lw_crypto *c, bool v11, const uint8_t appkey[16],
    const uint8_t *nwkkey, const uint8_t *req, size_t len, uint32_t join_nonce,
    uint32_t dev_addr, struct lw_join_answer *a)
{
	const struct lw_join_device d = {v11, appkey, nwkkey};
	const struct lw_join_answer_in in = {
	    join_nonce, NET_ID, dev_addr, v11 ? 0x95 : 0x15, 1, cflist};
	struct lw_join_request jr;
	int rc;

	if ((rc = lw_join_request_check(c, &d, req, len, &jr)) != LW_OK)
		return rc;
	return lw_join_answer_make(c, &d, &jr, &in, a);
}

/* up_check - decode an uplink and verify its MIC (1.0, or 1.1 with
 * FNwkSIntKey = SNwkSIntKey = key, ConfFCnt 0, TxDr 2, TxCh 3) */
static int
up_check(struct lw_crypto *c, bool v11, const uint8_t key[16],
    const uint8_t *buf, size_t len)
{
	struct lw_frame f;
	uint8_t mic[4];
	int rc;

	if ((rc = lw_phy_decode(buf, len, &f, NULL)) != LW_OK)
		return rc;
	if (!lw_mtype_is_uplink(f.mtype))
		return LW_ERR_FIELD;
	if (v11)
		rc = lw_mic_uplink_11(c, key, key, 0, 2, 3, f.u.data.dev_addr,
		    f.u.data.fcnt16, buf, len - 4, mic);
	else
		rc = lw_mic_uplink_10(c, key, f.u.data.dev_addr,
		    f.u.data.fcnt16, buf, len - 4, mic);
	if (rc != LW_OK)
		return rc;
	return lw_mic_check(mic, f.u.data.mic);
}

/* self_check - the measured functions on the published vectors */
static void
self_check(struct lw_crypto *c)
{
	static const char *req16 =
	    "00010203040506070808070605040302010201cde6acb8";
	static const char *ja10 = "206df7a320449291372145e211db8573f8dc4f57e8"
				  "2567e8b1b3fec7cf6a558533";
	static const char *ja11 = "206c33d69575f757e27b4f018f3ae7217e467f4268"
				  "f761f68ff54e5a2500d4be0e";
	static const uint8_t k7[16] = {
	    1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t req[LW_JOIN_REQUEST_LEN], want[40], up[18];
	uint8_t zero[16] = {0}, key[16];
	struct lw_join_answer a;
	int rc;

	if (hex2bin(req16, req, sizeof(req)) != LW_JOIN_REQUEST_LEN)
		die("self-check vector", LW_ERR_INVAL);
	rc = join(c, false, k7, NULL, req, sizeof(req), 65536, 0x01020304, &a);
	if (rc != LW_OK)
		die("self-check join10", rc);
	if (hex2bin(ja10, want, sizeof(want)) != 33 || a.phy_len != 33 ||
	    memcmp(a.phy, want, a.phy_len) != 0)
		die("self-check join10 (vector 16, 1.0): wrong join-accept",
		    LW_ERR_MIC);
	rc = join(c, true, zero, k7, req, sizeof(req), 65536, 0x01020304, &a);
	if (rc != LW_OK)
		die("self-check join11", rc);
	if (hex2bin(ja11, want, sizeof(want)) != 33 || a.phy_len != 33 ||
	    memcmp(a.phy, want, a.phy_len) != 0)
		die("self-check join11 (vector 16, 1.1): wrong join-accept",
		    LW_ERR_MIC);
	/* vector 10: uplink 1.0, NwkSKey 02 x 16 */
	memset(key, 2, sizeof(key));
	if (hex2bin("400403020180010001a694642615d6c3b582", up, sizeof(up)) !=
	    18)
		die("self-check vector", LW_ERR_INVAL);
	if ((rc = up_check(c, false, key, up, sizeof(up))) != LW_OK)
		die("self-check up10 (vector 10)", rc);
	/* vector 11 is 1.1 with different F and S keys: checked with the
	 * library directly, MIC 7612366a */
	{
		uint8_t f[16], mic[4];
		static const uint8_t want11[4] = {0x76, 0x12, 0x36, 0x6a};

		memset(f, 2, sizeof(f));
		f[15] = 3;
		rc = lw_mic_uplink_11(
		    c, f, key, 0, 2, 3, 0x01020304, 1, up, sizeof(up) - 4, mic);
		if (rc != LW_OK || memcmp(mic, want11, 4) != 0)
			die("self-check up11 (vector 11)", LW_ERR_MIC);
	}
}

/* xorshift64* - deterministic device material, not for keys in use */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void
rbytes(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(rng() >> 56);
}

/* make_devs - keys, a join-request and a 1.0 or 1.1 uplink per device */
static void
make_devs(struct lw_crypto *c, bool v11)
{
	int i, rc;

	for (i = 0; i < NDEV; i++) {
		struct dev *d = &devs[i];
		struct lw_frame f;
		size_t n;

		rbytes(d->appkey, 16);
		rbytes(d->nwkkey, 16);
		rbytes(d->nwkskey, 16);
		memcpy(d->snwksint, d->nwkskey, 16);
		memset(&f, 0, sizeof(f));
		f.mtype = LW_MT_JOIN_REQUEST;
		f.u.jr.join_eui = rng();
		f.u.jr.dev_eui = rng();
		f.u.jr.dev_nonce = (uint16_t)i;
		rc = lw_phy_encode(&f, d->req, sizeof(d->req), &n, NULL);
		if (rc != LW_OK)
			die("encode join-request", rc);
		rc = lw_mic_join_request(c, v11 ? d->nwkkey : d->appkey, d->req,
		    n - 4, d->req + n - 4);
		if (rc != LW_OK)
			die("join-request MIC", rc);
		/* a typical uplink: 16-byte FRMPayload on port 1 */
		memset(&f, 0, sizeof(f));
		f.mtype = LW_MT_UNCONF_UP;
		f.u.data.dev_addr = (uint32_t)rng();
		f.u.data.fcnt16 = (uint16_t)(i * 7);
		f.u.data.has_fport = true;
		f.u.data.fport = 1;
		f.u.data.frm_len = 16;
		rbytes(f.u.data.frm_payload, 16);
		rc = lw_phy_encode(&f, d->up, sizeof(d->up), &d->up_len, NULL);
		if (rc != LW_OK)
			die("encode uplink", rc);
		if (v11)
			rc = lw_mic_uplink_11(c, d->nwkskey, d->snwksint, 0, 2,
			    3, f.u.data.dev_addr, f.u.data.fcnt16, d->up,
			    d->up_len - 4, d->up + d->up_len - 4);
		else
			rc = lw_mic_uplink_10(c, d->nwkskey, f.u.data.dev_addr,
			    f.u.data.fcnt16, d->up, d->up_len - 4,
			    d->up + d->up_len - 4);
		if (rc != LW_OK)
			die("uplink MIC", rc);
	}
}

enum mode { M_JOIN10, M_JOIN11, M_UP10, M_UP11 };

/* one_op - operation number i of MODE */
static void
one_op(struct lw_crypto *c, enum mode m, uint32_t i)
{
	const struct dev *d = &devs[i % NDEV];
	struct lw_join_answer a;
	int rc;

	switch (m) {
	case M_JOIN10:
		rc = join(c, false, d->appkey, NULL, d->req, sizeof(d->req),
		    i & 0xffffff, i, &a);
		sink += a.phy[a.phy_len - 1] + a.fnwksint[0] + a.appskey[0];
		break;
	case M_JOIN11:
		rc = join(c, true, d->appkey, d->nwkkey, d->req, sizeof(d->req),
		    i & 0xffffff, i, &a);
		sink += a.phy[a.phy_len - 1] + a.appskey[0] + a.nwksenc[0];
		break;
	case M_UP10:
	case M_UP11:
		rc = up_check(c, m == M_UP11, d->nwkskey, d->up, d->up_len);
		sink += (uint64_t)rc;
		break;
	default:
		rc = LW_ERR_INVAL;
		break;
	}
	if (rc != LW_OK)
		die("operation", rc);
}

/* run - operations until SECONDS of process CPU time; returns the count */
static uint64_t
run(struct lw_crypto *c, enum mode m, double secs, double *cpu, double *wall)
{
	double c0 = now(CLOCK_PROCESS_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC);
	uint64_t ops = 0;
	uint32_t j;

	do {
		for (j = 0; j < 1024; j++)
			one_op(c, m, (uint32_t)ops + j);
		ops += 1024;
		*cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	} while (*cpu < secs);
	*wall = now(CLOCK_MONOTONIC) - w0;
	return ops;
}

static double
parse_secs(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v > 0 && v < 3600)) {
		fprintf(stderr, "join: bad duration '%s'\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const char *names[] = {"join10", "join11", "up10", "up11"};
	struct lw_crypto *c;
	double secs, warm = 0.5, cpu, wall;
	uint64_t ops;
	int m;

	if (argc < 3 || argc > 4) {
		fprintf(stderr,
		    "usage: join join10|join11|up10|up11 SECONDS [WARMUP]\n");
		return 2;
	}
	for (m = 0; m < 4 && strcmp(argv[1], names[m]) != 0; m++)
		continue;
	if (m == 4) {
		fprintf(stderr, "join: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	secs = parse_secs(argv[2]);
	if (argc == 4)
		warm = parse_secs(argv[3]);
	if ((c = lw_crypto_new()) == NULL) {
		fprintf(stderr, "join: lw_crypto_new failed\n");
		return 1;
	}
	self_check(c);
	make_devs(c, m == M_JOIN11 || m == M_UP11);
	run(c, (enum mode)m, warm, &cpu, &wall);
	ops = run(c, (enum mode)m, secs, &cpu, &wall);
	printf("impl c mode %s ops %llu cpu_s %.4f wall_s %.4f "
	       "ops_per_cpu_s %.0f ops_per_wall_s %.0f sink %llu\n",
	    names[m], (unsigned long long)ops, cpu, wall, (double)ops / cpu,
	    (double)ops / wall, (unsigned long long)(sink & 0xffff));
	lw_crypto_free(c);
	return 0;
}
