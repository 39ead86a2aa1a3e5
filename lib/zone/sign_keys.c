/*
 * sign_keys.c - the zone signer's keys (see sign.h for the files): find
 * and load the zone's KSK and ZSK in the key directory, or make a new
 * pair and store it there, never replacing a file.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* These in this order: see ldns_compat.h. */
#include "util/safefile.h"
#include "zone/ldns_compat.h"
#include <ldns/rr.h>
#include <ldns/dname.h>
#include <ldns/dnssec.h>
#include <ldns/error.h>
#include <ldns/host2str.h>
#include <ldns/keys.h>
#include <ldns/rdata.h>
#include <ldns/zone.h>

#include "zone/sign_int.h"
#include "zone/zone_err.h"

static const uint16_t key_flags[2] = {257, 256};
static const char *const key_kind[2] = {"KSK", "ZSK"};

/* key_load - read BASE.key and BASE.private into the keyset */
static int
key_load(const char *base, const ldns_rdf *origin, struct sign_keyset *ks,
    char *why, size_t whylen)
{
	char path[PATH_MAX + 16];
	ldns_zone *z = NULL;
	ldns_key *k = NULL;
	ldns_rr *rr = NULL, *gen = NULL;
	ldns_status st;
	FILE *fp;
	int line = 0, kind = -1, err = ZONE_ERR_KEY;

	snprintf(path, sizeof(path), "%s.key", base);
	if ((fp = fopen(path, "r")) == NULL)
		return zone_why(
		    why, whylen, err, "%s: %s", path, strerror(errno));
	st = sign_zone_parse(fp, origin, &z, &line);
	fclose(fp);
	if (st != LDNS_STATUS_OK)
		return zone_why(why, whylen, err, "%s line %d: %s", path, line,
		    ldns_get_errorstr_by_id(st));
	if (ldns_zone_soa(z) == NULL &&
	    ldns_rr_list_rr_count(ldns_zone_rrs(z)) == 1)
		rr = ldns_rr_list_rr(ldns_zone_rrs(z), 0);
	if (rr != NULL && ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY &&
	    ldns_rr_rd_count(rr) == 4 &&
	    ldns_dname_compare(ldns_rr_owner(rr), origin) == 0 &&
	    ldns_rdf2native_int8(ldns_rr_rdf(rr, 2)) == LDNS_ECDSAP256SHA256)
		kind = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)) == 257 ? KSK
		    : ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)) == 256  ? ZSK
									: -1;
	if (kind < 0) {
		zone_why(why, whylen, err,
		    "%s: not one DNSKEY of the zone, algorithm 13, flags 257 "
		    "or 256",
		    path);
		goto out;
	}
	if (ks->key[kind] != NULL) {
		zone_why(why, whylen, err, "two %ss: %s.key and %s",
		    key_kind[kind], ks->base[kind], path);
		goto out;
	}
	snprintf(path, sizeof(path), "%s.private", base);
	if ((fp = fopen(path, "r")) == NULL) {
		zone_why(why, whylen, err, "%s: %s", path, strerror(errno));
		goto out;
	}
	st = ldns_key_new_frm_fp_l(&k, fp, &line);
	fclose(fp);
	if (st != LDNS_STATUS_OK) {
		/* ldns counts no lines in key files: no line number. */
		zone_why(why, whylen, err, "%s: not a private key file (%s)",
		    path, ldns_get_errorstr_by_id(st));
		goto out;
	}
	ldns_key_set_flags(k, key_flags[kind]);
	ldns_key_set_pubkey_owner(k, ldns_rdf_clone(origin));
	/* The pair must match, or the DS in the parent would lie. */
	if (ldns_key_algorithm(k) != LDNS_SIGN_ECDSAP256SHA256 ||
	    (gen = ldns_key2rr(k)) == NULL ||
	    ldns_rdf_compare(ldns_rr_rdf(gen, 3), ldns_rr_rdf(rr, 3)) != 0) {
		zone_why(why, whylen, err,
		    "%s is not the private key of %s.key", path, base);
		goto out;
	}
	/* RRSIGs carry the tag ldns keeps in the key, unset when read. */
	ldns_key_set_keytag(k, ldns_calc_keytag(rr));
	ks->dnskey[kind] = ldns_rr_clone(rr);
	if (ks->dnskey[kind] == NULL || !ldns_key_list_push_key(ks->list, k)) {
		err = zone_why(why, whylen, ZONE_ERR_NOMEM, "out of memory");
		goto out;
	}
	ks->key[kind] = k;
	k = NULL;
	snprintf(ks->base[kind], sizeof(ks->base[kind]), "%s", base);
	err = ZONE_OK;
out:
	/* Neither ldns destructor accepts NULL. */
	ldns_rr_free(gen);
	if (k != NULL)
		ldns_key_deep_free(k);
	ldns_zone_deep_free(z);
	return err;
}

/* sign_keys_find - the zone's keys in dir; none at all is not an error */
int
sign_keys_find(const char *dir, const char *prefix, const ldns_rdf *origin,
    struct sign_keyset *ks, char *why, size_t whylen)
{
	char base[PATH_MAX], path[PATH_MAX + 16];
	size_t plen = strlen(prefix);
	const char *rest;
	struct dirent *de;
	struct stat st;
	int err = ZONE_OK, i;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? ZONE_OK
				       : zone_why(why, whylen, ZONE_ERR_KEY,
					     "%s: %s", dir, strerror(errno));
	while (err == ZONE_OK && (de = readdir(d)) != NULL) {
		rest = de->d_name + plen;
		if (strncmp(de->d_name, prefix, plen) != 0 ||
		    strspn(rest, "0123456789") != 5)
			continue;
		snprintf(base, sizeof(base), "%s/%.*s", dir, (int)plen + 5,
		    de->d_name);
		snprintf(path, sizeof(path), "%s.key", base);
		if (strcmp(rest + 5, ".key") == 0)
			err = key_load(base, origin, ks, why, whylen);
		/* New keys beside an orphan would silently change the DS. */
		else if (strcmp(rest + 5, ".private") == 0 &&
		    stat(path, &st) != 0)
			err = zone_why(why, whylen, ZONE_ERR_KEY,
			    "%s.private has no %s", base, path);
	}
	closedir(d);
	for (i = 0; err == ZONE_OK && i < 2; i++)
		if (ks->key[i] == NULL && ks->key[1 - i] != NULL)
			err = zone_why(why, whylen, ZONE_ERR_KEY,
			    "%s has the %s %s but no %s (flags %u) for the "
			    "zone",
			    dir, key_kind[1 - i], ks->base[1 - i], key_kind[i],
			    key_flags[i]);
	return err;
}

/* sign_keys_make - new KSK and ZSK in memory, not yet on disk */
int
sign_keys_make(const char *dir, const char *prefix, const ldns_rdf *origin,
    struct sign_keyset *ks, char *why, size_t whylen)
{
	uint16_t tag;
	ldns_key *k;
	int i;

	for (i = 0; i < 2; i++) {
		k = ldns_key_new_frm_algorithm(LDNS_SIGN_ECDSAP256SHA256, 256);
		if (k == NULL)
			return zone_why(why, whylen, ZONE_ERR_KEY,
			    "cannot generate a P-256 key");
		ldns_key_set_flags(k, key_flags[i]);
		ldns_key_set_pubkey_owner(k, ldns_rdf_clone(origin));
		ks->dnskey[i] = ldns_key2rr(k);
		if (ks->dnskey[i] == NULL ||
		    !ldns_key_list_push_key(ks->list, k)) {
			ldns_key_deep_free(k);
			return zone_why(
			    why, whylen, ZONE_ERR_NOMEM, "out of memory");
		}
		ks->key[i] = k;
		tag = ldns_calc_keytag(ks->dnskey[i]);
		ldns_key_set_keytag(k, tag);
		snprintf(ks->base[i], sizeof(ks->base[i]), "%s/%s%05u", dir,
		    prefix, tag);
		/* Two keys, one file name: draw the ZSK again. */
		if (i == ZSK && tag == ldns_key_keytag(ks->key[KSK])) {
			ldns_key_deep_free(ldns_key_list_pop_key(ks->list));
			ldns_rr_free(ks->dnskey[i]);
			ks->key[i] = NULL;
			ks->dnskey[i] = NULL;
			i--;
		}
	}
	return ZONE_OK;
}

/* file_new - create path (never replacing a file) holding data, synced */
static int
file_new(
    const char *path, mode_t mode, const char *data, char *why, size_t whylen)
{
	FILE *f;

	if ((f = safefile_create(path, mode)) == NULL)
		return zone_why(why, whylen,
		    errno == EEXIST ? ZONE_ERR_EXISTS : ZONE_ERR_IO, "%s: %s",
		    path, strerror(errno));
	if (fputs(data, f) == EOF) {
		safefile_abort(f, path);
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: write failed", path);
	}
	if (safefile_commit(f, path) != 0)
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: %s", path, strerror(errno));
	return ZONE_OK;
}

/* sign_keys_store - write the new keys; on failure remove all it made */
int
sign_keys_store(
    const char *dir, const struct sign_keyset *ks, char *why, size_t whylen)
{
	char path[4][PATH_MAX + 16], *text;
	int i, n = 0, made, err = ZONE_OK;

	made = mkdir(dir, 0700) == 0;
	if (!made && errno != EEXIST)
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: %s", dir, strerror(errno));
	for (i = 0; i < 4 && err == ZONE_OK; i++) {
		snprintf(path[i], sizeof(path[i]), "%s.%s", ks->base[i / 2],
		    i % 2 == 0 ? "private" : "key");
		text = i % 2 == 0 ? ldns_key2str(ks->key[i / 2])
				  : ldns_rr2str(ks->dnskey[i / 2]);
		if (text == NULL)
			return zone_why(why, whylen, ZONE_ERR_KEY,
			    "%s: cannot encode the key", path[i]);
		err = file_new(
		    path[i], i % 2 == 0 ? 0600 : 0644, text, why, whylen);
		/* Private key material must not linger in freed memory. */
		OPENSSL_cleanse(text, strlen(text));
		free(text);
		n += err == ZONE_OK;
	}
	while (err != ZONE_OK && n > 0)
		unlink(path[--n]);
	if (err != ZONE_OK && made)
		rmdir(dir);
	(void)safefile_sync_dir(dir); /* best effort: the files are synced */
	return err;
}
