/*
 * store_as.c - the rules of the Application Server's state (store_as.h)
 * above both backends (store_ns_int.h): argument checks, the outbox's
 * order, and sealing the cached AppSKeys with the store's KEK
 * (store_aead), the additional data naming the row ("loradane-as-appskey-
 * v1" | DevEUI | SessionKeyID).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "store/store_ns_int.h"

#define AAD_AS_KEY "loradane-as-appskey-v1"
#define AAD_AS_MAX (sizeof(AAD_AS_KEY) - 1 + 8 + STORE_AS_SKID_MAX)

/* aad_key - label | DevEUI (big-endian) | SessionKeyID */
static size_t
aad_key(uint64_t dev_eui, const uint8_t *skid, size_t skid_len,
    uint8_t aad[AAD_AS_MAX])
{
	size_t l = sizeof(AAD_AS_KEY) - 1;
	int i;

	memcpy(aad, AAD_AS_KEY, l);
	for (i = 0; i < 8; i++)
		aad[l + (size_t)i] = (uint8_t)(dev_eui >> (56 - 8 * i));
	memcpy(aad + l + 8, skid, skid_len);
	return l + 8 + skid_len;
}

/* skid_check - a SessionKeyID of 1 to STORE_AS_SKID_MAX bytes */
static int
skid_check(const uint8_t *skid, size_t skid_len, char *why, size_t n)
{
	if (skid == NULL || skid_len == 0)
		return store_fail(
		    STORE_ERR_ARG, why, n, "session_key_id: empty");
	if (skid_len > STORE_AS_SKID_MAX)
		return store_fail(STORE_ERR_ARG, why, n,
		    "session_key_id: %zu bytes, over %d", skid_len,
		    STORE_AS_SKID_MAX);
	return STORE_OK;
}

int
store_as_event_add(struct store *st, uint64_t dev_eui, const char *kind,
    const char *json, int64_t *id, char *why, size_t whylen)
{
	struct store_as_event_row ev;
	const char *bad;
	int64_t newid = 0;
	int rc;

	if (st == NULL || kind == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or kind");
	if ((bad = store_text_bad(kind, STORE_AS_KIND_MAX, false)) != NULL)
		return store_fail(STORE_ERR_ARG, why, whylen,
		    "kind: %s (at most %d)", bad, STORE_AS_KIND_MAX - 1);
	if (json == NULL)
		return store_fail(STORE_ERR_ARG, why, whylen, "json: missing");
	memset(&ev, 0, sizeof(ev));
	ev.json_len = strnlen(json, STORE_AS_JSON_MAX + 1);
	if (ev.json_len > STORE_AS_JSON_MAX)
		return store_fail(STORE_ERR_ARG, why, whylen,
		    "json: over %d bytes", STORE_AS_JSON_MAX);
	ev.dev_eui = dev_eui;
	snprintf(ev.kind, sizeof(ev.kind), "%s", kind);
	ev.json = (char *)(uintptr_t)json; /* only read by the backend */
	ev.created = (int64_t)time(NULL);
	/* A transaction (a savepoint in a batch), so that it is durable
	 * with the batch and undone with it, like every other write. */
	if ((rc = store_tx_begin(st, why, whylen)) != STORE_OK)
		return rc;
	rc = st->be->as->ev_insert(st, &ev, &newid, why, whylen);
	if (rc == STORE_OK)
		rc = store_tx_commit(st, why, whylen);
	else
		store_tx_abort(st);
	if (rc == STORE_OK && id != NULL)
		*id = newid;
	return rc;
}

int
store_as_event_list_pending(struct store *st, int64_t after_id, size_t max,
    store_as_event_cb *cb, void *arg, char *why, size_t whylen)
{
	struct store_as_event_row row;
	struct store_as_event ev;
	size_t i;
	int rc;

	if (st == NULL || cb == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or callback");
	/* One row per query: no statement is open while cb runs, and a
	 * large outbox is never held in memory. */
	for (i = 0; i < max; i++) {
		rc = st->be->as->ev_next(st, after_id, &row, why, whylen);
		if (rc == STORE_ERR_NOTFOUND)
			return STORE_OK;
		if (rc != STORE_OK)
			return rc;
		ev.id = row.id;
		ev.dev_eui = row.dev_eui;
		memcpy(ev.kind, row.kind, sizeof(ev.kind));
		ev.json = row.json;
		ev.json_len = row.json_len;
		ev.created = row.created;
		after_id = row.id;
		rc = cb(arg, &ev);
		free(row.json);
		if (rc != 0)
			return rc;
	}
	return STORE_OK;
}

int
store_as_event_done(struct store *st, int64_t id, char *why, size_t whylen)
{
	int rc;

	if (st == NULL)
		return store_fail(STORE_ERR_ARG, why, whylen, "no store");
	rc = st->be->as->ev_delete(st, id, why, whylen);
	if (rc == STORE_ERR_NOTFOUND)
		store_fail(
		    rc, why, whylen, "event %lld: not pending", (long long)id);
	return rc;
}

int
store_as_appskey_put(struct store *st, uint64_t dev_eui, const uint8_t *skid,
    size_t skid_len, const uint8_t app_s_key[16], char *why, size_t whylen)
{
	uint8_t aad[AAD_AS_MAX], sealed[STORE_SKEY_SEALED];
	int rc;

	if (st == NULL || app_s_key == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or AppSKey");
	if ((rc = skid_check(skid, skid_len, why, whylen)) != STORE_OK)
		return rc;
	if (store_aead(st, true, aad, aad_key(dev_eui, skid, skid_len, aad),
		app_s_key, 16, sealed) != 0)
		return store_fail(
		    STORE_ERR_KEK, why, whylen, "sealing failed (OpenSSL)");
	if ((rc = store_tx_begin(st, why, whylen)) != STORE_OK)
		return rc;
	rc = st->be->as->key_write(st, dev_eui, skid, skid_len, sealed,
	    (int64_t)time(NULL), STORE_SESSIONS_KEPT, why, whylen);
	if (rc == STORE_OK)
		rc = store_tx_commit(st, why, whylen);
	else
		store_tx_abort(st);
	return rc;
}

int
store_as_appskey_get(struct store *st, uint64_t dev_eui, const uint8_t *skid,
    size_t skid_len, uint8_t app_s_key[16], char *why, size_t whylen)
{
	uint8_t aad[AAD_AS_MAX], sealed[STORE_SKEY_SEALED];
	int rc;

	if (st == NULL || app_s_key == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or output");
	if ((rc = skid_check(skid, skid_len, why, whylen)) != STORE_OK)
		return rc;
	rc = st->be->as->key_read(
	    st, dev_eui, skid, skid_len, sealed, why, whylen);
	if (rc == STORE_ERR_NOTFOUND)
		return store_fail(rc, why, whylen,
		    "DevEUI %016llx: no AppSKey for this SessionKeyID",
		    (unsigned long long)dev_eui);
	if (rc != STORE_OK)
		return rc;
	if (store_aead(st, false, aad, aad_key(dev_eui, skid, skid_len, aad),
		sealed, 16, app_s_key) != 0)
		return store_fail(STORE_ERR_KEK, why, whylen,
		    "DevEUI %016llx: AppSKey does not decrypt: wrong KEK or "
		    "altered record",
		    (unsigned long long)dev_eui);
	return STORE_OK;
}
