/*
 * store.c - the common half of the Join Server's store: choosing a backend
 * from the URI, the key-encryption key, sealing keys at rest, checking
 * arguments, and the DevNonce, RJcount1 and JoinNonce rules, written once
 * here so that SQLite and PostgreSQL cannot disagree about them.  A
 * backend only moves rows (store_int.h).
 *
 * Sealing is AES-256-GCM with a fresh random 96-bit nonce per record; the
 * additional data names the record ("loradane-keys-v1" | DevEUI, or
 * "loradane-appskey-v1" | SessionKeyID), so a sealed blob copied onto
 * another row does not decrypt there.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "store/store_int.h"
#include "util/keyfile.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define AAD_KEYS "loradane-keys-v1"
#define AAD_SKEY "loradane-appskey-v1"
#define JOIN_NONCE_MAX 0xffffffu

/* store_fail - write a reason (why may be NULL) and return code */
int
store_fail(int code, char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && n > 0) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *
store_strerror(int err)
{
	static const char *const text[] = {"success", "invalid argument",
	    "not found", "already exists",
	    "replay: a DevNonce, RJcount1 or FCntUp already used",
	    "exhausted: JoinNonce, frame counter, addresses or queue bound",
	    "database error", "key-encryption key error", "out of memory",
	    "join aborted by the caller"};

	if (err > 0 || -err >= (int)(sizeof(text) / sizeof(*text)))
		return "unknown store error";
	return text[-err];
}

static const char *const mac_versions[] = {
    "1.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.1"};

bool
store_mac_version_valid(const char *s)
{
	size_t i;

	for (i = 0;
	     s != NULL && i < sizeof(mac_versions) / sizeof(*mac_versions); i++)
		if (strcmp(s, mac_versions[i]) == 0)
			return true;
	return false;
}

bool
store_mac_version_counter(const char *s)
{
	return s != NULL && (strcmp(s, "1.0.4") == 0 || strcmp(s, "1.1") == 0);
}

const char *
store_backend_name(const struct store *st)
{
	return st != NULL ? st->be->name : "none";
}

/* kek_read - the KEK file: private to its owner, an AES-256 key in hex */
static int
kek_read(const char *path, uint8_t kek[32], char *why, size_t n)
{
	static const size_t sizes[] = {32};
	char reason[512];
	size_t len;

	/* keyfile_read refuses a file group or others may access, naming
	 * its mode: whoever reads the KEK reads every root key. */
	if (keyfile_read(
		path, sizes, 1, kek, 32, &len, reason, sizeof(reason)) != 0)
		return store_fail(STORE_ERR_KEK, why, n, "KEK file %s", reason);
	return STORE_OK;
}

/*
 * store_aead - AES-256-GCM with the KEK.  Sealing (enc): a random nonce, then
 * out = nonce | ciphertext | tag (len + 28 bytes).  Unsealing: in is
 * that, out gets len bytes, wiped if the tag does not match.
 * @return 0, or -1.
 */
int
store_aead(const struct store *st, bool enc, const uint8_t *aad, size_t aadlen,
    const uint8_t *in, size_t len, uint8_t *out)
{
	const uint8_t *nonce = enc ? out : in, *src = enc ? in : in + NONCE_LEN;
	uint8_t *ct = enc ? out + NONCE_LEN : out, tag[TAG_LEN];
	EVP_CIPHER_CTX *c;
	int l, ok;

	if (enc && RAND_bytes(out, NONCE_LEN) != 1)
		return -1;
	if (!enc)
		memcpy(tag, in + NONCE_LEN + len, TAG_LEN);
	c = EVP_CIPHER_CTX_new();
	ok = c != NULL &&
	    EVP_CipherInit_ex2(
		c, EVP_aes_256_gcm(), st->kek, nonce, enc, NULL) == 1;
	ok = ok && EVP_CipherUpdate(c, NULL, &l, aad, (int)aadlen) == 1;
	ok = ok && EVP_CipherUpdate(c, ct, &l, src, (int)len) == 1;
	if (!enc) /* before Final, which checks it */
		ok = ok &&
		    EVP_CIPHER_CTX_ctrl(
			c, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, tag) == 1;
	ok = ok && EVP_CipherFinal_ex(c, ct + len, &l) == 1;
	if (enc)
		ok = ok &&
		    EVP_CIPHER_CTX_ctrl(
			c, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, ct + len) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		OPENSSL_cleanse(out, enc ? len + STORE_SEAL_OVERHEAD : len);
	return ok ? 0 : -1;
}

/* aad_keys - the additional data of a device's root keys */
static size_t
aad_keys(uint64_t dev_eui, uint8_t *aad)
{
	size_t l = sizeof(AAD_KEYS) - 1;
	int i;

	memcpy(aad, AAD_KEYS, l);
	for (i = 0; i < 8; i++)
		aad[l + (size_t)i] = (uint8_t)(dev_eui >> (56 - 8 * i));
	return l + 8;
}

/* aad_skey - the additional data of a session's AppSKey */
static size_t
aad_skey(const char *id, uint8_t *aad)
{
	size_t l = sizeof(AAD_SKEY) - 1, idlen = strnlen(id, STORE_ID_MAX - 1);

	memcpy(aad, AAD_SKEY, l);
	memcpy(aad + l, id, idlen);
	return l + idlen;
}

/* store_text_bad - why a bounded identifier is unacceptable, or NULL */
const char *
store_text_bad(const char *s, size_t size, bool empty_ok)
{
	size_t i, len = strnlen(s, size);

	if (len == size)
		return "too long";
	if (len == 0 && !empty_ok)
		return "empty";
	/* Printed by the CLI in space-separated columns and in logs. */
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return "not printable ASCII (no spaces)";
	return NULL;
}

/* device_check - the fields of a device to add; why names the field */
static int
device_check(const struct store_device *d, char *why, size_t n)
{
	const char *bad;
	size_t i;

	if (strnlen(d->mac_version, sizeof(d->mac_version)) ==
		sizeof(d->mac_version) ||
	    !store_mac_version_valid(d->mac_version))
		return store_fail(STORE_ERR_ARG, why, n,
		    "mac_version: not one of 1.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, "
		    "1.1");
	if (strcmp(d->mac_version, "1.1") == 0 && !d->has_nwk_key)
		return store_fail(STORE_ERR_ARG, why, n,
		    "nwk_key: required for MAC version 1.1");
	if (d->home_net_id > 0xffffffu)
		return store_fail(
		    STORE_ERR_ARG, why, n, "home_net_id: over 24 bits");
	const struct {
		const char *name, *v;
		size_t size;
	} t[] = {{"as_id", d->as_id, sizeof(d->as_id)},
	    {"ns_kek_label", d->ns_kek_label, sizeof(d->ns_kek_label)},
	    {"as_kek_label", d->as_kek_label, sizeof(d->as_kek_label)}};
	for (i = 0; i < sizeof(t) / sizeof(*t); i++)
		if ((bad = store_text_bad(t[i].v, t[i].size, true)) != NULL)
			return store_fail(STORE_ERR_ARG, why, n,
			    "%s: %s (at most %zu)", t[i].name, bad,
			    t[i].size - 1);
	return STORE_OK;
}

/* Copy what a device and its row share (everything but keys, state). */
#define COPY_CONFIG(dst, src)                                                  \
	do {                                                                   \
		(dst)->dev_eui = (src)->dev_eui;                               \
		(dst)->join_eui = (src)->join_eui;                             \
		memcpy((dst)->mac_version, (src)->mac_version,                 \
		    sizeof((dst)->mac_version));                               \
		(dst)->mac_version[sizeof((dst)->mac_version) - 1] = '\0';     \
		(dst)->has_nwk_key = (src)->has_nwk_key;                       \
		(dst)->home_net_id = (src)->home_net_id;                       \
		memcpy((dst)->as_id, (src)->as_id, sizeof((dst)->as_id));      \
		memcpy((dst)->ns_kek_label, (src)->ns_kek_label,               \
		    sizeof((dst)->ns_kek_label));                              \
		memcpy((dst)->as_kek_label, (src)->as_kek_label,               \
		    sizeof((dst)->as_kek_label));                              \
	} while (0)

/* device_to_row - seal the keys; the state starts empty */
static int
device_to_row(const struct store *st, const struct store_device *d,
    struct store_device_row *row, char *why, size_t n)
{
	uint8_t keys[32], aad[32];
	int rc;

	memset(row, 0, sizeof(*row));
	COPY_CONFIG(row, d);
	row->last_dev_nonce = -1;
	row->last_rj_count1 = -1;
	memcpy(keys, d->app_key, 16);
	if (d->has_nwk_key)
		memcpy(keys + 16, d->nwk_key, 16);
	else
		memset(keys + 16, 0, 16);
	rc = store_aead(st, true, aad, aad_keys(d->dev_eui, aad), keys,
	    sizeof(keys), row->keys);
	OPENSSL_cleanse(keys, sizeof(keys));
	return rc == 0
	    ? STORE_OK
	    : store_fail(STORE_ERR_KEK, why, n, "sealing failed (OpenSSL)");
}

/* row_to_device - unseal a row's keys */
static int
row_to_device(const struct store *st, const struct store_device_row *row,
    struct store_device *d, char *why, size_t n)
{
	uint8_t keys[32], aad[32];

	memset(d, 0, sizeof(*d));
	if (store_aead(st, false, aad, aad_keys(row->dev_eui, aad), row->keys,
		32, keys) != 0)
		return store_fail(STORE_ERR_KEK, why, n,
		    "device %016llx: does not decrypt: wrong KEK or altered "
		    "record",
		    (unsigned long long)row->dev_eui);
	COPY_CONFIG(d, row);
	memcpy(d->app_key, keys, 16);
	if (row->has_nwk_key)
		memcpy(d->nwk_key, keys + 16, 16);
	d->last_join_nonce = row->last_join_nonce;
	d->last_dev_nonce = row->last_dev_nonce;
	d->last_rj_count1 = row->last_rj_count1;
	d->joins = row->joins;
	OPENSSL_cleanse(keys, sizeof(keys));
	return STORE_OK;
}

int
store_open(
    const struct store_opts *o, struct store **out, char *why, size_t whylen)
{
	const struct store_backend *be = &store_backend_sqlite;
	const char *target;
	struct store *st;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (o == NULL || out == NULL || o->uri == NULL || o->kek_file == NULL)
		return store_fail(STORE_ERR_ARG, why, whylen,
		    "a store URI and a KEK file are required");
	target = o->uri;
	if (strncmp(o->uri, "sqlite:", 7) == 0)
		target = o->uri + 7;
	else if (strncmp(o->uri, "postgresql://", 13) == 0 ||
	    strncmp(o->uri, "postgres://", 11) == 0)
		be = &store_backend_pg;
	else if (strstr(o->uri, "://") != NULL)
		return store_fail(STORE_ERR_ARG, why, whylen,
		    "store URI: unknown scheme (sqlite:PATH, PATH or "
		    "postgresql://...)");
	if (*target == '\0')
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "store URI: empty path");
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return store_fail(
		    STORE_ERR_NOMEM, why, whylen, "out of memory");
	st->be = be;
	st->dev_nonce_history = o->dev_nonce_history;
	rc = kek_read(o->kek_file, st->kek, why, whylen);
	if (rc == STORE_OK) {
		if (why != NULL && whylen > 0)
			why[0] = '\0';
		rc = be->open(st, target, why, whylen);
		/* Never echo a PostgreSQL URI: it may carry a password. */
		if (rc != STORE_OK && why != NULL && whylen > 0 &&
		    why[0] == '\0')
			store_fail(rc, why, whylen,
			    "%s backend: cannot open the store", be->name);
	}
	if (rc != STORE_OK) {
		OPENSSL_cleanse(st->kek, sizeof(st->kek));
		free(st);
		return rc;
	}
	*out = st;
	return STORE_OK;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->in_tx)
		st->be->tx_rollback(st);
	st->be->close(st);
	OPENSSL_cleanse(st->kek, sizeof(st->kek));
	free(st);
}

/*
 * store_tx_begin, store_tx_commit, store_tx_abort - one call's transaction, remembered for
 * store_close.  Inside a batch (store_batch_begin) the call's work is a
 * savepoint of the batch's transaction instead: its failure undoes only
 * its own work, and its success is durable only with the batch's commit.
 */
int
store_tx_begin(struct store *st, char *why, size_t n)
{
	int rc;

	if (st->batch) {
		if (st->batch_broken)
			return store_fail(STORE_ERR_DB, why, n,
			    "an earlier failure in this batch left it "
			    "unusable");
		rc = st->be->savepoint(st, STORE_SP_SET, why, n);
		st->in_savepoint = rc == STORE_OK;
		return rc;
	}
	rc = st->be->tx_begin(st, why, n);
	st->in_tx = rc == STORE_OK;
	return rc;
}

void
store_tx_abort(struct store *st)
{
	if (st->batch) {
		if (st->in_savepoint &&
		    st->be->savepoint(st, STORE_SP_ROLLBACK, NULL, 0) !=
			STORE_OK)
			st->batch_broken = true;
		st->in_savepoint = false;
		return;
	}
	if (st->in_tx)
		st->be->tx_rollback(st);
	st->in_tx = false;
}

int
store_tx_commit(struct store *st, char *why, size_t n)
{
	int rc;

	if (st->batch) {
		rc = st->be->savepoint(st, STORE_SP_RELEASE, why, n);
		if (rc != STORE_OK)
			store_tx_abort(st);
		st->in_savepoint = false;
		return rc;
	}
	rc = st->be->tx_commit(st, why, n);
	if (rc != STORE_OK)
		store_tx_abort(st); /* a failed COMMIT may leave it open */
	st->in_tx = false;
	return rc;
}

int
store_batch_begin(struct store *st, char *why, size_t whylen)
{
	int rc;

	if (st == NULL || st->batch || st->in_tx)
		return store_fail(STORE_ERR_ARG, why, whylen,
		    "no store, or a transaction is already open");
	if ((rc = store_tx_begin(st, why, whylen)) != STORE_OK)
		return rc;
	st->batch = true;
	st->batch_broken = false;
	return STORE_OK;
}

int
store_batch_commit(struct store *st, char *why, size_t whylen)
{
	bool broken;

	if (st == NULL || !st->batch)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no batch is open");
	broken = st->batch_broken;
	st->batch = false;
	st->batch_broken = false;
	if (broken) {
		store_tx_abort(st);
		return store_fail(STORE_ERR_DB, why, whylen,
		    "a savepoint could not be rolled back: the batch is "
		    "undone");
	}
	return store_tx_commit(st, why, whylen);
}

void
store_batch_abort(struct store *st)
{
	if (st == NULL || !st->batch)
		return;
	st->batch = false;
	st->batch_broken = false;
	store_tx_abort(st);
}

int
store_device_import(struct store *st, const struct store_device *d, size_t n,
    bool replace, char *why, size_t whylen)
{
	struct store_device_row row;
	char pfx[64] = "";
	size_t i;
	int rc = STORE_OK;

	if (st == NULL || (d == NULL && n > 0))
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or devices");
	/* Every device is checked before the transaction begins. */
	for (i = 0; i < n; i++)
		if ((rc = device_check(&d[i], why, whylen)) != STORE_OK)
			goto named;
	if (n == 0)
		return STORE_OK;
	if ((rc = store_tx_begin(st, why, whylen)) != STORE_OK)
		return rc;
	for (i = 0; i < n; i++) {
		rc = device_to_row(st, &d[i], &row, why, whylen);
		if (rc == STORE_OK)
			rc = st->be->device_write(st, &row,
			    replace ? STORE_REPLACE_CONFIG : STORE_INSERT, why,
			    whylen);
		if (rc == STORE_ERR_EXISTS)
			store_fail(rc, why, whylen, "exists");
		if (rc != STORE_OK) {
			store_tx_abort(st);
			goto named;
		}
	}
	return store_tx_commit(st, why, whylen);
named:
	/* why names the device, then the field: "DevEUI x: field: ..." */
	if (why != NULL && whylen > 0) {
		char tail[512];

		snprintf(tail, sizeof(tail), "%s", why);
		if (n > 1)
			snprintf(pfx, sizeof(pfx), "device %zu, ", i + 1);
		snprintf(why, whylen, "%sDevEUI %016llx: %s", pfx,
		    (unsigned long long)d[i].dev_eui, tail);
	}
	return rc;
}

int
store_device_add(struct store *st, const struct store_device *d, bool replace,
    char *why, size_t whylen)
{
	if (d == NULL)
		return store_fail(STORE_ERR_ARG, why, whylen, "no device");
	return store_device_import(st, d, 1, replace, why, whylen);
}

int
store_device_get(struct store *st, uint64_t dev_eui, struct store_device *out,
    char *why, size_t whylen)
{
	struct store_device_row row;
	int rc;

	if (st == NULL || out == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or output");
	rc = st->be->device_read(st, dev_eui, false, &row, why, whylen);
	if (rc == STORE_ERR_NOTFOUND)
		return store_fail(rc, why, whylen,
		    "DevEUI %016llx: no such device",
		    (unsigned long long)dev_eui);
	if (rc != STORE_OK)
		return rc;
	return row_to_device(st, &row, out, why, whylen);
}

int
store_device_remove(
    struct store *st, uint64_t dev_eui, char *why, size_t whylen)
{
	int rc;

	if (st == NULL)
		return store_fail(STORE_ERR_ARG, why, whylen, "no store");
	rc = st->be->device_delete(st, dev_eui, why, whylen);
	if (rc == STORE_ERR_NOTFOUND)
		store_fail(rc, why, whylen, "DevEUI %016llx: no such device",
		    (unsigned long long)dev_eui);
	return rc;
}

struct list_arg {
	struct store *st;
	store_device_cb *cb;
	void *arg;
	char *why;
	size_t whylen;
	int err; /* an unseal failure, told apart from the callback's value */
};

/* list_row - unseal one row for the caller's callback */
static int
list_row(void *arg, const struct store_device_row *row)
{
	struct list_arg *la = arg;
	struct store_device d;
	int r;

	la->err = row_to_device(la->st, row, &d, la->why, la->whylen);
	if (la->err != STORE_OK)
		return 1;
	r = la->cb(la->arg, &d);
	OPENSSL_cleanse(&d, sizeof(d));
	return r;
}

int
store_device_list(
    struct store *st, store_device_cb *cb, void *arg, char *why, size_t whylen)
{
	struct list_arg la = {st, cb, arg, why, whylen, STORE_OK};
	int rc;

	if (st == NULL || cb == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or callback");
	rc = st->be->device_scan(st, list_row, &la, why, whylen);
	return la.err != STORE_OK ? la.err : rc;
}

/* devnonce_check - the DevNonce rule of the device's MAC version */
static int
devnonce_check(struct store *st, const struct store_device_row *row,
    uint16_t dev_nonce, char *why, size_t n)
{
	bool seen = false;
	int rc;

	if (store_mac_version_counter(row->mac_version)) {
		/* 1.0.4 and 1.1: a counter; -1 before the first join. */
		if ((int32_t)dev_nonce <= row->last_dev_nonce)
			return store_fail(STORE_ERR_REPLAY, why, n,
			    "DevNonce %u: not above the last one, %d (MAC %s)",
			    dev_nonce, (int)row->last_dev_nonce,
			    row->mac_version);
		return STORE_OK;
	}
	/* 1.0 to 1.0.3: random; refuse any value still remembered. */
	rc = st->be->devnonce_seen(st, row->dev_eui, dev_nonce, &seen, why, n);
	if (rc != STORE_OK)
		return rc;
	if (seen)
		return store_fail(STORE_ERR_REPLAY, why, n,
		    "DevNonce %u: already used (MAC %s)", dev_nonce,
		    row->mac_version);
	return st->be->devnonce_add(
	    st, row->dev_eui, dev_nonce, st->dev_nonce_history, why, n);
}

/* What a join or a rejoin checks and records besides the JoinNonce. */
struct issue {
	int rejoin_type; /* ISSUE_JOIN, or the rejoin's type: 0, 1, 2 */
	uint16_t count;  /* the DevNonce, or the RJcount */
};
#define ISSUE_JOIN (-1)

/* issue_check - a join's DevNonce rule, or a rejoin's: a 1.1 device and,
 * for type 1, RJcount1 above the last (see store_rejoin for 0 and 2) */
static int
issue_check(struct store *st, const struct store_device_row *row,
    const struct issue *is, char *why, size_t n)
{
	if (is->rejoin_type == ISSUE_JOIN)
		return devnonce_check(st, row, is->count, why, n);
	if (strcmp(row->mac_version, "1.1") != 0)
		return store_fail(STORE_ERR_ARG, why, n,
		    "DevEUI %016llx: rejoin-request from a MAC %s device "
		    "(LoRaWAN 1.1 only)",
		    (unsigned long long)row->dev_eui, row->mac_version);
	if (is->rejoin_type == 1 && (int32_t)is->count <= row->last_rj_count1)
		return store_fail(STORE_ERR_REPLAY, why, n,
		    "RJcount1 %u: not above the last one, %d", is->count,
		    (int)row->last_rj_count1);
	return STORE_OK;
}

/* issue_record - the row's state once the join or rejoin is accepted */
static void
issue_record(
    struct store_device_row *row, const struct issue *is, uint32_t join_nonce)
{
	row->last_join_nonce = join_nonce;
	row->joins++;
	if (is->rejoin_type == ISSUE_JOIN)
		row->last_dev_nonce = is->count;
	else if (is->rejoin_type == 1)
		row->last_rj_count1 = is->count;
}

/*
 * issue - a join or a rejoin in one transaction: lock the device, its
 * rule, the next JoinNonce, the callback's session, the new state.
 */
static int
issue(struct store *st, uint64_t dev_eui, const struct issue *is,
    store_join_cb *cb, void *arg, char *why, size_t whylen)
{
	const char *what = is->rejoin_type == ISSUE_JOIN ? "join" : "rejoin";
	struct store_device_row row;
	struct store_session_row srow;
	struct store_device dev;
	struct store_session s;
	uint8_t aad[sizeof(AAD_SKEY) + STORE_ID_MAX];
	uint32_t join_nonce;
	const char *bad;
	int rc;

	memset(&dev, 0, sizeof(dev));
	memset(&s, 0, sizeof(s));
	if ((rc = store_tx_begin(st, why, whylen)) != STORE_OK)
		return rc;
	rc = st->be->device_read(st, dev_eui, true, &row, why, whylen);
	if (rc == STORE_ERR_NOTFOUND)
		store_fail(rc, why, whylen, "DevEUI %016llx: no such device",
		    (unsigned long long)dev_eui);
	if (rc != STORE_OK)
		goto out;
	if ((rc = issue_check(st, &row, is, why, whylen)) != STORE_OK)
		goto out;
	if (row.last_join_nonce >= JOIN_NONCE_MAX) {
		rc = store_fail(STORE_ERR_EXHAUSTED, why, whylen,
		    "DevEUI %016llx: JoinNonce exhausted (2^24 - 1 issued)",
		    (unsigned long long)dev_eui);
		goto out;
	}
	join_nonce = row.last_join_nonce + 1;
	if ((rc = row_to_device(st, &row, &dev, why, whylen)) != STORE_OK)
		goto out;
	s.dev_eui = dev_eui;
	s.join_nonce = join_nonce;
	memcpy(s.as_id, dev.as_id, sizeof(s.as_id));
	s.created = (int64_t)time(NULL);
	if (cb(arg, &dev, join_nonce, &s) != 0) {
		rc = store_fail(STORE_ERR_ABORTED, why, whylen,
		    "DevEUI %016llx: %s aborted by the caller",
		    (unsigned long long)dev_eui, what);
		goto out;
	}
	if ((bad = store_text_bad(
		 s.session_key_id, sizeof(s.session_key_id), false)) != NULL) {
		rc = store_fail(
		    STORE_ERR_ARG, why, whylen, "session_key_id: %s", bad);
		goto out;
	}
	/* What the store knows is not the callback's to change. */
	memset(&srow, 0, sizeof(srow));
	memcpy(
	    srow.session_key_id, s.session_key_id, sizeof(srow.session_key_id));
	srow.dev_eui = dev_eui;
	srow.join_nonce = join_nonce;
	memcpy(srow.as_id, dev.as_id, sizeof(srow.as_id));
	srow.created = s.created;
	if (store_aead(st, true, aad, aad_skey(s.session_key_id, aad),
		s.app_s_key, 16, srow.app_s_key) != 0)
		rc = store_fail(
		    STORE_ERR_KEK, why, whylen, "sealing failed (OpenSSL)");
	else
		rc = st->be->session_write(st, &srow, why, whylen);
	if (rc == STORE_ERR_EXISTS)
		store_fail(rc, why, whylen, "session_key_id %s: exists",
		    srow.session_key_id);
	if (rc != STORE_OK)
		goto out;
	/* Bounded: only the latest sessions' AppSKeys stay fetchable. */
	if (join_nonce > STORE_SESSIONS_KEPT &&
	    (rc = st->be->session_trim(st, dev_eui,
		 join_nonce - STORE_SESSIONS_KEPT + 1, why, whylen)) !=
		STORE_OK)
		goto out;
	issue_record(&row, is, join_nonce);
	rc = st->be->device_write(st, &row, STORE_UPDATE_STATE, why, whylen);
	if (rc == STORE_OK)
		rc = store_tx_commit(st, why, whylen);
out:
	if (rc != STORE_OK)
		store_tx_abort(st);
	OPENSSL_cleanse(&dev, sizeof(dev));
	OPENSSL_cleanse(&s, sizeof(s));
	return rc;
}

int
store_join(struct store *st, uint64_t dev_eui, uint16_t dev_nonce,
    store_join_cb *cb, void *arg, char *why, size_t whylen)
{
	const struct issue is = {ISSUE_JOIN, dev_nonce};

	if (st == NULL || cb == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or callback");
	return issue(st, dev_eui, &is, cb, arg, why, whylen);
}

int
store_rejoin(struct store *st, uint64_t dev_eui, int rejoin_type,
    uint16_t rj_count, store_join_cb *cb, void *arg, char *why, size_t whylen)
{
	const struct issue is = {rejoin_type, rj_count};

	if (st == NULL || cb == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or callback");
	if (rejoin_type < 0 || rejoin_type > 2)
		return store_fail(STORE_ERR_ARG, why, whylen,
		    "rejoin type %d: not 0, 1 or 2", rejoin_type);
	return issue(st, dev_eui, &is, cb, arg, why, whylen);
}

int
store_session_get(struct store *st, const char *session_key_id,
    struct store_session *out, char *why, size_t whylen)
{
	struct store_session_row row;
	uint8_t aad[sizeof(AAD_SKEY) + STORE_ID_MAX];
	const char *bad;
	int rc;

	if (st == NULL || out == NULL || session_key_id == NULL)
		return store_fail(STORE_ERR_ARG, why, whylen, "no store or id");
	if ((bad = store_text_bad(session_key_id, STORE_ID_MAX, false)) != NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "session_key_id: %s", bad);
	rc = st->be->session_read(st, session_key_id, &row, why, whylen);
	if (rc == STORE_ERR_NOTFOUND)
		return store_fail(
		    rc, why, whylen, "session %s: not found", session_key_id);
	if (rc != STORE_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	if (store_aead(st, false, aad, aad_skey(session_key_id, aad),
		row.app_s_key, 16, out->app_s_key) != 0)
		return store_fail(STORE_ERR_KEK, why, whylen,
		    "session %s: does not decrypt: wrong KEK or altered record",
		    session_key_id);
	memcpy(out->session_key_id, row.session_key_id,
	    sizeof(out->session_key_id));
	out->dev_eui = row.dev_eui;
	out->join_nonce = row.join_nonce;
	memcpy(out->as_id, row.as_id, sizeof(out->as_id));
	out->created = row.created;
	return STORE_OK;
}
