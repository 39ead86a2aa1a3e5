/*
 * js_handler.c - the Join Server's answers to JoinReq, HomeNSReq and
 * AppSKeyReq (lorawan-backend.md §1.4, §1.8).
 *
 * Authorization is bound to identity.  A request's SenderID is a claim;
 * the DANE ClientName is a proof.  The configuration says which names may
 * speak for which NetID ("netid NETID NAME..."): roaming agreements are
 * contracts between operators, so they are configured, and the DNS only
 * proves who is who.  Then:
 *   - JoinReq: the sender speaks for the device's home NetID;
 *   - HomeNSReq: the sender speaks for a NetID we have an agreement with;
 *   - AppSKeyReq: the sender is the device's own AS (its ClientName is the
 *     device's AS identity).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "backend/bi.h"
#include "js.h"
#include "js_handler.h"
#include "js_metrics.h"
#include "store/store_workers.h"
#include "lorawan/join.h"
#include "store/store.h"
#include "util/bytes.h"
#include "util/log.h"

struct js_req {
	struct store_job job; /* first: the worker hands it back */
	struct js_server *srv;
	struct js_conf_ref *conf;
	js_reply_fn *reply;
	void *arg;
	char peer[256];
	struct bi_msg req;
	uint32_t sender_netid;
	struct timespec start;
	/* Filled on the worker: */
	enum bi_rc rc;
	char desc[240];
	uint64_t dev_eui;
	uint32_t join_nonce;
	char *body;
	size_t len;
};

static double
elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void refuse(struct js_req *r, enum bi_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
refuse(struct js_req *r, enum bi_rc rc, const char *fmt, ...)
{
	va_list ap;

	r->rc = rc;
	va_start(ap, fmt);
	vsnprintf(r->desc, sizeof(r->desc), fmt, ap);
	va_end(ap);
}

/* encode_answer - the answer in r->body: the error form unless Success */
static void
encode_answer(struct js_req *r, struct bi_msg *ans)
{
	struct bi_error err;

	if (r->rc != BI_RC_SUCCESS || ans == NULL) {
		if (bi_encode_error(&r->req.hdr, r->rc, r->desc, &r->body,
			&r->len) != BI_OK)
			r->body = NULL;
		return;
	}
	if (bi_encode(ans, &r->body, &r->len, &err) != BI_OK) {
		log_warnx(
		    "encode %s: %s", bi_msg_type_name(ans->hdr.type), err.text);
		r->body = NULL;
	}
}

/* envelope - a KeyEnvelope: wrapped under the labelled KEK, or clear */
static int
envelope(const struct js_conf *c, const char *label, const uint8_t key[16],
    struct bi_key_env *env)
{
	const struct js_kek *k;
	size_t n;

	memset(env, 0, sizeof(*env));
	env->present = true;
	if (label[0] == '\0') {
		memcpy(env->aes_key, key, 16);
		env->aes_key_len = 16;
		return 0;
	}
	if ((k = js_conf_kek(c, label)) == NULL ||
	    lw_key_wrap(k->key, k->len, key, 16, env->aes_key, &n) != LW_OK)
		return -1;
	snprintf(env->kek_label, sizeof(env->kek_label), "%s", label);
	env->aes_key_len = n;
	return 0;
}

struct join_ctx {
	struct js_req *r;
	const struct lw_join_device *dev;
	const struct lw_join_request *jr;   /* JoinReq */
	const struct lw_rejoin_request *rj; /* or RejoinReq */
	uint64_t join_eui;
	struct lw_join_answer ans;
	uint8_t skid[16];
};

/* join_cb - inside the store's transaction: the answer and the session */
static int
join_cb(void *arg, const struct store_device *d, uint32_t join_nonce,
    struct store_session *s)
{
	struct join_ctx *j = arg;
	const struct bi_join_req *q = &j->r->req.join_req;
	struct lw_join_answer_in in = {join_nonce, j->r->sender_netid,
	    q->dev_addr, q->dl_settings, q->rx_delay,
	    q->has_cflist ? q->cflist : NULL};

	if ((j->rj != NULL ? lw_rejoin_answer_make(lw_crypto_thread(), j->dev,
				 j->rj, j->join_eui, &in, &j->ans)
			   : lw_join_answer_make(lw_crypto_thread(), j->dev,
				 j->jr, &in, &j->ans)) != LW_OK) {
		refuse(j->r, BI_RC_JOIN_REQ_FAILED,
		    "DLSettings %02x: OptNeg needs a 1.1 device with NwkKey",
		    q->dl_settings);
		return -1;
	}
	if (RAND_bytes(j->skid, sizeof(j->skid)) != 1)
		return -1;
	bytes_to_hex(j->skid, sizeof(j->skid), s->session_key_id);
	s->dev_eui = d->dev_eui;
	s->join_nonce = join_nonce;
	memcpy(s->app_s_key, j->ans.appskey, 16);
	snprintf(s->as_id, sizeof(s->as_id), "%s", d->as_id);
	j->r->join_nonce = join_nonce;
	return 0;
}

static void
run_join(struct store_job *job, struct store *st)
{
	struct js_req *r = (struct js_req *)job;
	const struct js_conf *c = &r->conf->conf;
	const struct bi_join_req *q = &r->req.join_req;
	struct lw_rejoin_request rj;
	struct lw_join_request jr;
	struct lw_join_device dev;
	struct store_device d;
	struct join_ctx j;
	struct bi_msg ans;
	char why[256];
	int rc;

	memset(&j, 0, sizeof(j));
	r->dev_eui = q->dev_eui;
	rc = store_device_get(st, q->dev_eui, &d, why, sizeof(why));
	if (rc == STORE_ERR_NOTFOUND) {
		refuse(r, BI_RC_UNKNOWN_DEV_EUI, "DevEUI %016llx is unknown",
		    (unsigned long long)q->dev_eui);
		goto out;
	}
	if (rc != STORE_OK) {
		log_warnx("store: %s", why);
		refuse(r, BI_RC_OTHER, "the Join Server cannot read its store");
		goto out;
	}
	if (d.home_net_id != r->sender_netid) {
		refuse(r, BI_RC_NO_ROAMING_AGREEMENT,
		    "DevEUI %016llx is served by NetID %06x, not %06x",
		    (unsigned long long)q->dev_eui, (unsigned)d.home_net_id,
		    (unsigned)r->sender_netid);
		goto out;
	}
	if ((d.ns_kek_label[0] != '\0' && !js_conf_kek(c, d.ns_kek_label)) ||
	    (d.as_kek_label[0] != '\0' && !js_conf_kek(c, d.as_kek_label))) {
		log_warnx("DevEUI %016llx: no KEK configured for label %s",
		    (unsigned long long)q->dev_eui,
		    js_conf_kek(c, d.ns_kek_label) ? d.as_kek_label
						   : d.ns_kek_label);
		refuse(r, BI_RC_JOIN_REQ_FAILED, "no KEK for this device");
		goto out;
	}
	dev.v11 = strcmp(d.mac_version, "1.1") == 0;
	dev.app_key = d.app_key;
	dev.nwk_key = d.has_nwk_key ? d.nwk_key : NULL;
	j.r = r;
	j.dev = &dev;
	j.join_eui = d.join_eui;
	if (r->req.hdr.type == BI_REJOIN_REQ) {
		rc = lw_rejoin_request_check(lw_crypto_thread(), &dev,
		    q->phy_payload, q->phy_payload_len, &rj);
		if (rc == LW_OK &&
		    (rj.dev_eui != q->dev_eui ||
			(rj.rejoin_type == 1 && rj.join_eui != d.join_eui)))
			rc = LW_ERR_INVAL;
		j.rj = &rj;
	} else {
		rc = lw_join_request_check(lw_crypto_thread(), &dev,
		    q->phy_payload, q->phy_payload_len, &jr);
		if (rc == LW_OK &&
		    (jr.dev_eui != q->dev_eui || jr.join_eui != d.join_eui))
			rc = LW_ERR_INVAL;
		j.jr = &jr;
	}
	if (rc == LW_ERR_MIC) {
		refuse(r, BI_RC_MIC_FAILED, "%s MIC does not verify",
		    j.rj ? "rejoin-request" : "join-request");
		goto out;
	}
	if (rc == LW_ERR_FIELD && j.rj != NULL && !dev.v11) {
		refuse(r, BI_RC_JOIN_REQ_FAILED,
		    "RejoinReq: DevEUI %016llx is not a LoRaWAN 1.1 device",
		    (unsigned long long)q->dev_eui);
		goto out;
	}
	if (rc != LW_OK) {
		refuse(r, BI_RC_MALFORMED_REQUEST, "PHYPayload: %s",
		    rc == LW_ERR_INVAL ? "DevEUI or JoinEUI differ from the "
					 "device's"
			: j.rj != NULL ? "not a rejoin-request"
				       : "not a join-request");
		goto out;
	}
	if (j.rj != NULL)
		rc = store_rejoin(st, q->dev_eui, rj.rejoin_type, rj.rj_count,
		    join_cb, &j, why, sizeof(why));
	else
		rc = store_join(st, q->dev_eui, jr.dev_nonce, join_cb, &j, why,
		    sizeof(why));
	if (rc == STORE_ERR_REPLAY || rc == STORE_ERR_EXHAUSTED)
		refuse(r, BI_RC_JOIN_REQ_FAILED, "%s", why);
	else if (rc == STORE_ERR_ABORTED && r->rc != BI_RC_SUCCESS)
		; /* the callback said why */
	else if (rc != STORE_OK) {
		log_warnx("store: join of %016llx: %s",
		    (unsigned long long)q->dev_eui, why);
		refuse(
		    r, BI_RC_OTHER, "the Join Server cannot commit the join");
	}
	if (r->rc != BI_RC_SUCCESS)
		goto out;
	bi_msg_init(&ans, bi_msg_type_answer(r->req.hdr.type));
	bi_answer_hdr(&r->req.hdr, BI_RC_SUCCESS, NULL, &ans.hdr);
	memcpy(ans.join_ans.phy_payload, j.ans.phy, j.ans.phy_len);
	ans.join_ans.phy_payload_len = j.ans.phy_len;
	ans.join_ans.has_lifetime = true;
	ans.join_ans.lifetime = c->lifetime;
	if (j.ans.opt_neg) {
		envelope(c, d.ns_kek_label, j.ans.fnwksint,
		    &ans.join_ans.f_nwk_s_int_key);
		envelope(c, d.ns_kek_label, j.ans.snwksint,
		    &ans.join_ans.s_nwk_s_int_key);
		envelope(c, d.ns_kek_label, j.ans.nwksenc,
		    &ans.join_ans.nwk_s_enc_key);
	} else
		envelope(
		    c, d.ns_kek_label, j.ans.fnwksint, &ans.join_ans.nwk_s_key);
	/* The NS never gets the AppSKey in clear: without an AS KEK, the AS
	 * fetches it with AppSKeyReq and the SessionKeyID. */
	if (d.as_kek_label[0] != '\0')
		envelope(
		    c, d.as_kek_label, j.ans.appskey, &ans.join_ans.app_s_key);
	memcpy(ans.join_ans.session_key_id, j.skid, sizeof(j.skid));
	ans.join_ans.session_key_id_len = sizeof(j.skid);
	encode_answer(r, &ans);
	OPENSSL_cleanse(&ans, sizeof(ans));
out:
	OPENSSL_cleanse(&j.ans, sizeof(j.ans));
	OPENSSL_cleanse(&d, sizeof(d));
	if (r->body == NULL)
		encode_answer(r, NULL);
}

static void
run_homens(struct store_job *job, struct store *st)
{
	struct js_req *r = (struct js_req *)job;
	struct store_device d;
	struct bi_msg ans;
	char why[256];
	int rc;

	r->dev_eui = r->req.homens_req.dev_eui;
	rc = store_device_get(st, r->dev_eui, &d, why, sizeof(why));
	if (rc == STORE_ERR_NOTFOUND)
		refuse(r, BI_RC_UNKNOWN_DEV_EUI, "DevEUI %016llx is unknown",
		    (unsigned long long)r->dev_eui);
	else if (rc != STORE_OK) {
		log_warnx("store: %s", why);
		refuse(r, BI_RC_OTHER, "the Join Server cannot read its store");
	}
	if (r->rc == BI_RC_SUCCESS) {
		bi_msg_init(&ans, BI_HOMENS_ANS);
		bi_answer_hdr(&r->req.hdr, BI_RC_SUCCESS, NULL, &ans.hdr);
		ans.homens_ans.has_h_net_id = true;
		ans.homens_ans.h_net_id = d.home_net_id;
		encode_answer(r, &ans);
	} else
		encode_answer(r, NULL);
	OPENSSL_cleanse(&d, sizeof(d));
}

static void
run_appskey(struct store_job *job, struct store *st)
{
	struct js_req *r = (struct js_req *)job;
	const struct bi_appskey_req *q = &r->req.appskey_req;
	char id[2 * BI_SKID_MAX + 1], why[256];
	struct store_session s;
	struct store_device d;
	struct bi_msg ans;
	int rc;

	memset(&d, 0, sizeof(d));
	memset(&s, 0, sizeof(s));
	r->dev_eui = q->dev_eui;
	bytes_to_hex(q->session_key_id, q->session_key_id_len, id);
	rc = store_session_get(st, id, &s, why, sizeof(why));
	if (rc == STORE_OK)
		rc = store_device_get(st, s.dev_eui, &d, why, sizeof(why));
	if (rc == STORE_ERR_NOTFOUND ||
	    (rc == STORE_OK && s.dev_eui != q->dev_eui))
		refuse(r, BI_RC_UNKNOWN_DEV_EUI,
		    "no session %s for DevEUI %016llx", id,
		    (unsigned long long)q->dev_eui);
	else if (rc != STORE_OK) {
		log_warnx("store: %s", why);
		refuse(r, BI_RC_OTHER, "the Join Server cannot read its store");
	} else if (strcasecmp(s.as_id, r->peer) != 0)
		refuse(r, BI_RC_UNKNOWN_SENDER,
		    "%s is not the Application Server of DevEUI %016llx",
		    r->peer, (unsigned long long)q->dev_eui);
	if (r->rc == BI_RC_SUCCESS) {
		bi_msg_init(&ans, BI_APPSKEY_ANS);
		bi_answer_hdr(&r->req.hdr, BI_RC_SUCCESS, NULL, &ans.hdr);
		ans.appskey_ans.has_dev_eui = true;
		ans.appskey_ans.dev_eui = s.dev_eui;
		if (envelope(&r->conf->conf, d.as_kek_label, s.app_s_key,
			&ans.appskey_ans.app_s_key) != 0)
			refuse(r, BI_RC_OTHER, "no KEK for this device's AS");
		memcpy(ans.appskey_ans.session_key_id, q->session_key_id,
		    q->session_key_id_len);
		ans.appskey_ans.session_key_id_len = q->session_key_id_len;
		encode_answer(r, r->rc == BI_RC_SUCCESS ? &ans : NULL);
		OPENSSL_cleanse(&ans, sizeof(ans));
	} else
		encode_answer(r, NULL);
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(&d, sizeof(d));
}

/* finish - on the event thread: count, log, answer, free */
static void
finish(struct js_req *r)
{
	double secs = elapsed(&r->start);
	const char *type = bi_msg_type_name(r->req.hdr.type);
	const char *result = bi_rc_name(r->rc);
	char *body = r->body;

	js_metrics_count("loradane_js_requests_total", "message",
	    type != NULL ? type : "unknown", "result", result);
	if (r->req.hdr.type == BI_JOIN_REQ)
		js_metrics_observe(JS_H_JOINREQ, secs);
	/* One logfmt line per request. */
	log_info("peer=%s msg=%s sender=%s deveui=%016llx result=%s%s%s%s "
		 "latency_ms=%.2f",
	    r->peer, type != NULL ? type : "unknown", r->req.hdr.sender_id,
	    (unsigned long long)r->dev_eui, result,
	    r->rc == BI_RC_SUCCESS ? "" : " why=\"",
	    r->rc == BI_RC_SUCCESS ? "" : r->desc,
	    r->rc == BI_RC_SUCCESS ? "" : "\"", secs * 1000);
	if (body == NULL)
		r->reply(r->arg, 500, NULL, 0);
	else
		r->reply(r->arg, 200, body, r->len);
	js_conf_release(r->conf);
	free(r);
}

/* job_undo - on the worker: the batch holding this request's join did
 * not commit, so neither did the join; what was encoded must not leave */
static void
job_undo(struct store_job *job, const char *why)
{
	struct js_req *r = (struct js_req *)job;

	if (r->body != NULL) {
		OPENSSL_cleanse(r->body, r->len);
		free(r->body);
		r->body = NULL;
	}
	if (r->rc == BI_RC_SUCCESS) {
		log_warnx("store: commit of a batch: %s", why);
		refuse(
		    r, BI_RC_OTHER, "the Join Server cannot commit the join");
	}
	encode_answer(r, NULL);
}

static void
job_done(struct store_job *job)
{
	finish((struct js_req *)job);
}

void
js_handle(struct js_server *srv, const char *peer, const char *body, size_t len,
    js_reply_fn *reply, void *arg)
{
	struct js_req *r = calloc(1, sizeof(*r));
	const struct js_conf *c;
	struct bi_error err;
	uint64_t receiver;
	int rc;

	if (r == NULL) {
		reply(arg, 503, NULL, 0);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	r->srv = srv;
	r->conf = js_conf_hold(srv);
	c = &r->conf->conf;
	r->reply = reply;
	r->arg = arg;
	r->rc = BI_RC_SUCCESS;
	snprintf(r->peer, sizeof(r->peer), "%s", peer);
	rc = bi_decode(body, len, &r->req, &err);
	if (rc != BI_OK && !err.header_ok) {
		/* No header to answer to: a plain HTTP error. */
		char *text = NULL;
		int n = -1;

		log_info("peer=%s msg=invalid result=400 why=\"%s\"", peer,
		    err.text);
		js_metrics_count("loradane_js_requests_total", "message",
		    "invalid", "result", "HTTP400");
		if ((text = malloc(sizeof(err.text) + 2)) != NULL)
			n = snprintf(
			    text, sizeof(err.text) + 2, "%s\n", err.text);
		reply(arg, 400, text, n < 0 ? 0 : (size_t)n);
		js_conf_release(r->conf);
		free(r);
		return;
	}
	if (rc != BI_OK)
		refuse(r, bi_err_result(rc), "%s", err.text);
	else if (bi_msg_type_is_answer(r->req.hdr.type))
		refuse(r, BI_RC_OTHER,
		    "asynchronous answers are not accepted: this Join Server "
		    "answers synchronously");
	else if (bi_id_eui64(r->req.hdr.receiver_id, &receiver) != 0 ||
	    !js_conf_serves_joineui(c, receiver))
		refuse(r, BI_RC_UNKNOWN_RECEIVER,
		    "ReceiverID %s is not a JoinEUI served here",
		    r->req.hdr.receiver_id);
	else if (r->req.hdr.type != BI_APPSKEY_REQ &&
	    bi_id_netid(r->req.hdr.sender_id, &r->sender_netid) != 0)
		refuse(r, BI_RC_MALFORMED_REQUEST, "SenderID %s is not a NetID",
		    r->req.hdr.sender_id);
	else if (r->req.hdr.type != BI_APPSKEY_REQ &&
	    !js_conf_client_may_speak_for(c, peer, r->sender_netid))
		refuse(r, BI_RC_UNKNOWN_SENDER,
		    "%s may not speak for NetID %06x", peer,
		    (unsigned)r->sender_netid);
	else if (r->req.hdr.type == BI_JOIN_REQ) {
		r->job.run = run_join;
		r->job.lock_key = r->req.join_req.dev_eui;
	} else if (r->req.hdr.type == BI_HOMENS_REQ)
		r->job.run = run_homens;
	else if (r->req.hdr.type == BI_APPSKEY_REQ)
		r->job.run = run_appskey;
	else if (r->req.hdr.type == BI_REJOIN_REQ) {
		r->job.run = run_join; /* the same path, rejoin crypto */
		r->job.lock_key = r->req.join_req.dev_eui;
	} else
		refuse(r, BI_RC_OTHER, "%s is not served by a Join Server",
		    bi_msg_type_name(r->req.hdr.type));
	if (r->rc != BI_RC_SUCCESS) {
		encode_answer(r, NULL);
		finish(r);
		return;
	}
	r->job.undo = job_undo;
	r->job.done = job_done;
	store_workers_submit(srv->workers, &r->job);
}
