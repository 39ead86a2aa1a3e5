/*
 * pki.c - keys and certificates of an operator; see pki.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "util/safefile.h"
#include "util/strnum.h"
#include "zone/pki.h"
#include "zone/zone_err.h"

#define ROOT_DAYS 7300
#define ISSUING_DAYS 3650

struct cert_spec {
	const char *cn;
	const char *org;
	const char *san;         /* "DNS:name", or NULL */
	const char *constraints; /* basicConstraints */
	const char *key_usage;
	const char *ext_key_usage; /* or NULL */
	unsigned days;
};

/*
 * path_join - "dir/name".  Entry points refuse an operator directory
 * longer than OPDIR_MAX, so that no path built below it is truncated.
 */
#define OPDIR_MAX (PATH_MAX - 128)
static void
path_join(char *buf, size_t buflen, const char *dir, const char *name)
{
	int n = snprintf(buf, buflen, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= buflen)
		buf[0] = '\0'; /* an empty path fails every call that uses it */
}

static int
ossl_why(char *why, size_t whylen, int err, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return zone_why(
	    why, whylen, err, "%s: %s", what, e != 0 ? buf : "OpenSSL error");
}

static EVP_PKEY *
keygen(enum op_key_type type)
{
	switch (type) {
	case OP_KEY_EC_P256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case OP_KEY_ED25519:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	case OP_KEY_RSA2048:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	}
	return NULL;
}

/* write_pem - a new file with mode, whole or absent (util/safefile.h) */
static int
write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *const *certs,
    int ncerts, char *why, size_t whylen)
{
	FILE *f;
	int ok = 1;

	if ((f = safefile_create(path, mode)) == NULL)
		return zone_why(why, whylen,
		    errno == EEXIST ? ZONE_ERR_EXISTS : ZONE_ERR_IO, "%s: %s",
		    path, strerror(errno));
	if (key != NULL)
		ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	for (int i = 0; ok && i < ncerts; i++)
		ok = PEM_write_X509(f, certs[i]);
	if (!ok)
		safefile_abort(f, path);
	if (!ok || safefile_commit(f, path) != 0)
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: write failed", path);
	return ZONE_OK;
}

static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext;
	int ok;

	if (value == NULL)
		return 1;
	if ((ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/*
 * issue - a certificate for key described by spec, signed by issuer_key
 * (issuer NULL: self-signed).
 */
static X509 *
issue(const struct cert_spec *spec, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *issuer_key)
{
	X509V3_CTX ctx;
	X509_NAME *name;
	BIGNUM *serial = BN_new();
	X509 *x = X509_new();
	const EVP_MD *md =
	    EVP_PKEY_is_a(issuer_key, "ED25519") ? NULL : EVP_sha256();
	int ok;

	ok = x != NULL && serial != NULL && X509_set_version(x, X509_VERSION_3);
	/* 127 random bits: positive, unique without any serial registry. */
	ok = ok && BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) != NULL;
	ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)spec->days, 0, NULL) !=
		NULL;
	name = X509_get_subject_name(x);
	ok = ok &&
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
		(const unsigned char *)spec->org, -1, -1, 0) &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
		(const unsigned char *)spec->cn, -1, -1, 0);
	ok = ok &&
	    X509_set_issuer_name(
		x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	ok = ok && X509_set_pubkey(x, key);
	if (ok) {
		X509V3_set_ctx(
		    &ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
		ok = X509V3_set_issuer_pkey(&ctx, issuer_key);
	}
	ok = ok && add_ext(x, &ctx, NID_basic_constraints, spec->constraints) &&
	    add_ext(x, &ctx, NID_key_usage, spec->key_usage) &&
	    add_ext(x, &ctx, NID_ext_key_usage, spec->ext_key_usage) &&
	    add_ext(x, &ctx, NID_subject_alt_name, spec->san) &&
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
	ok = ok && X509_sign(x, issuer_key, md) > 0;
	BN_free(serial);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int
pki_read_key(const char *path, EVP_PKEY **key, char *why, size_t whylen)
{
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return zone_why(
		    why, whylen, ZONE_ERR_KEY, "%s: %s", path, strerror(errno));
	*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (*key == NULL) {
		ERR_clear_error();
		return zone_why(why, whylen, ZONE_ERR_KEY,
		    "%s: not a PEM private key (or encrypted)", path);
	}
	return ZONE_OK;
}

int
pki_read_certs(const char *path, X509 **leaf, STACK_OF(X509) * *chain,
    char *why, size_t whylen)
{
	X509 *x;
	FILE *f;

	*leaf = NULL;
	if (chain != NULL && (*chain = sk_X509_new_null()) == NULL)
		return ZONE_ERR_NOMEM;
	if ((f = fopen(path, "r")) == NULL) {
		if (chain != NULL) {
			sk_X509_free(*chain); /* empty: no certificate read */
			*chain = NULL;
		}
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: %s", path, strerror(errno));
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (*leaf == NULL)
			*leaf = x;
		else if (chain == NULL || !sk_X509_push(*chain, x))
			X509_free(x);
	}
	ERR_clear_error();
	fclose(f);
	if (*leaf == NULL) {
		if (chain != NULL) {
			sk_X509_free(*chain); /* empty: no certificate read */
			*chain = NULL;
		}
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: no PEM certificate", path);
	}
	return ZONE_OK;
}

int
pki_identity_path(const char *opdir, const struct op_identity *id, int gen,
    const char *which, char *buf, size_t buflen)
{
	int n;

	if (gen == 0)
		n = snprintf(buf, buflen, "%s/%s/%s", opdir, id->id, which);
	else
		n = snprintf(
		    buf, buflen, "%s/%s.%d/%s", opdir, id->id, gen, which);
	return n < 0 || (size_t)n >= buflen ? ZONE_ERR_ARG : ZONE_OK;
}

int
pki_current_generation(
    const char *opdir, const struct op_identity *id, int *gen)
{
	char path[PATH_MAX], target[NAME_MAX + 1], prefix[64];
	const char *errstr;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", opdir, id->id);
	if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
		return ZONE_ERR_NOTFOUND;
	target[n] = '\0';
	snprintf(prefix, sizeof(prefix), "%s.", id->id);
	if (strncmp(target, prefix, strlen(prefix)) != 0)
		return ZONE_ERR_NOTFOUND;
	*gen = (int)strnum_parse(target + strlen(prefix), 1, 1000000, &errstr);
	return errstr == NULL ? ZONE_OK : ZONE_ERR_NOTFOUND;
}

int
pki_switch_generation(const char *opdir, const struct op_identity *id, int gen,
    char *why, size_t whylen)
{
	char target[NAME_MAX + 1], link[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX];
	struct stat st;

	snprintf(target, sizeof(target), "%s.%d", id->id, gen);
	snprintf(dir, sizeof(dir), "%s/%s", opdir, target);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return zone_why(why, whylen, ZONE_ERR_NOTFOUND,
		    "%s: no such generation", dir);
	snprintf(link, sizeof(link), "%s/%s", opdir, id->id);
	snprintf(tmp, sizeof(tmp), "%s/.%s.link", opdir, id->id);
	(void)unlink(tmp); /* a leftover of a crash between the two steps */
	if (symlink(target, tmp) != 0 || rename(tmp, link) != 0 ||
	    safefile_sync_dir(opdir) != 0)
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: %s", link, strerror(errno));
	return ZONE_OK;
}

/* highest_generation - the largest N with an ID.N directory, or 0 */
static int
highest_generation(const char *opdir, const struct op_identity *id)
{
	char prefix[64];
	const char *errstr;
	struct dirent *de;
	size_t plen;
	DIR *d;
	int best = 0, n;

	if ((d = opendir(opdir)) == NULL)
		return 0;
	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s.", id->id);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		n = (int)strnum_parse(de->d_name + plen, 1, 1000000, &errstr);
		if (errstr == NULL && n > best)
			best = n;
	}
	closedir(d);
	return best;
}

struct issuer {
	X509 *cert; /* signs new leaves; NULL when self-signed */
	EVP_PKEY *key;
	X509 *cas[2]; /* sent after the leaf: issuing, root */
	int ncas;
};

static void
issuer_free(struct issuer *is)
{
	EVP_PKEY_free(is->key);
	for (int i = 0; i < is->ncas; i++)
		X509_free(is->cas[i]);
	memset(is, 0, sizeof(*is));
}

static int
load_issuer(const struct op_profile *p, const char *opdir, struct issuer *is,
    char *why, size_t whylen)
{
	const char *base = p->intermediate ? "issuing" : "root";
	char path[PATH_MAX];
	int r;

	memset(is, 0, sizeof(*is));
	if (p->self_signed)
		return ZONE_OK;
	snprintf(path, sizeof(path), "%s/ca/%s.key", opdir, base);
	if ((r = pki_read_key(path, &is->key, why, whylen)) != ZONE_OK)
		return r;
	snprintf(path, sizeof(path), "%s/ca/%s.crt", opdir, base);
	if ((r = pki_read_certs(path, &is->cas[0], NULL, why, whylen)) !=
	    ZONE_OK) {
		issuer_free(is);
		return r;
	}
	is->ncas = 1;
	if (p->intermediate) {
		path_join(path, sizeof(path), opdir, "ca/root.crt");
		if ((r = pki_read_certs(
			 path, &is->cas[1], NULL, why, whylen)) != ZONE_OK) {
			issuer_free(is);
			return r;
		}
		is->ncas = 2;
	}
	is->cert = is->cas[0];
	return ZONE_OK;
}

static int
make_identity(const struct op_profile *p, const char *opdir,
    const struct op_identity *id, int gen, const struct issuer *is, char *why,
    size_t whylen)
{
	char dir[PATH_MAX], path[PATH_MAX], dns[OP_DNAME_MAX + 16], san[300];
	char cn[OP_NAME_MAX + 16];
	X509 *certs[3] = {NULL, NULL, NULL};
	struct cert_spec spec;
	EVP_PKEY *key;
	int r;

	if ((r = op_identity_dns_name(p, id, dns, sizeof(dns))) != ZONE_OK)
		return zone_why(why, whylen, r, "%s: element %s missing",
		    id->id, op_role_name(id->role));
	snprintf(dir, sizeof(dir), "%s/%s.%d", opdir, id->id, gen);
	if (mkdir(dir, 0700) != 0)
		return zone_why(why, whylen,
		    errno == EEXIST ? ZONE_ERR_EXISTS : ZONE_ERR_IO, "%s: %s",
		    dir, strerror(errno));
	if ((key = keygen(p->key_type)) == NULL)
		return ossl_why(why, whylen, ZONE_ERR_KEY, "key generation");
	path_join(path, sizeof(path), dir, "key.pem");
	if ((r = write_pem(path, 0600, key, NULL, 0, why, whylen)) != ZONE_OK) {
		EVP_PKEY_free(key);
		return r;
	}
	/* The SAN carries the DNS name, so DANE-TA matches as DANE-EE does. */
	snprintf(cn, sizeof(cn), "%s %s", p->name, id->id);
	snprintf(san, sizeof(san), "DNS:%s", dns);
	spec = (struct cert_spec){cn, p->name, san, "critical,CA:FALSE",
	    p->key_type == OP_KEY_RSA2048
		? "critical,digitalSignature,keyEncipherment"
		: "critical,digitalSignature",
	    id->client ? "clientAuth" : "serverAuth", p->cert_days};
	certs[0] =
	    issue(&spec, key, is->cert, is->cert != NULL ? is->key : key);
	EVP_PKEY_free(key);
	if (certs[0] == NULL)
		return ossl_why(why, whylen, ZONE_ERR_KEY, "certificate");
	for (int i = 0; i < is->ncas; i++)
		certs[i + 1] = is->cas[i];
	path_join(path, sizeof(path), dir, "cert.pem");
	r = write_pem(path, 0644, NULL, certs, 1 + is->ncas, why, whylen);
	X509_free(certs[0]);
	if (r == ZONE_OK && safefile_sync_dir(dir) != 0)
		r = zone_why(why, whylen, ZONE_ERR_IO, "%s: sync", dir);
	return r;
}

int
pki_new_generation(const struct op_profile *p, const char *opdir,
    const struct op_identity *id, int *gen, char *why, size_t whylen)
{
	struct issuer is;
	int r;

	if (strlen(opdir) > OPDIR_MAX)
		return zone_why(why, whylen, ZONE_ERR_ARG, "path too long");
	if ((r = load_issuer(p, opdir, &is, why, whylen)) != ZONE_OK)
		return r;
	*gen = highest_generation(opdir, id) + 1;
	r = make_identity(p, opdir, id, *gen, &is, why, whylen);
	issuer_free(&is);
	if (r == ZONE_OK && safefile_sync_dir(opdir) != 0)
		r = zone_why(why, whylen, ZONE_ERR_IO, "%s: sync", opdir);
	return r;
}

/* make_cas - root (and issuing) CA of a new operator in dir/ca */
static int
make_cas(
    const struct op_profile *p, const char *opdir, char *why, size_t whylen)
{
	char dir[PATH_MAX], path[PATH_MAX], cn[OP_NAME_MAX + 16];
	EVP_PKEY *root_key = NULL, *iss_key = NULL;
	X509 *root = NULL, *iss = NULL;
	struct cert_spec spec;
	int r = ZONE_ERR_KEY;

	path_join(dir, sizeof(dir), opdir, "ca");
	if (mkdir(dir, 0700) != 0)
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: %s", dir, strerror(errno));
	snprintf(cn, sizeof(cn), "%s root CA", p->name);
	spec = (struct cert_spec){cn, p->name, NULL, "critical,CA:TRUE",
	    "critical,keyCertSign,cRLSign", NULL, ROOT_DAYS};
	if ((root_key = keygen(p->key_type)) == NULL ||
	    (root = issue(&spec, root_key, NULL, root_key)) == NULL) {
		r = ossl_why(why, whylen, ZONE_ERR_KEY, "root CA");
		goto out;
	}
	path_join(path, sizeof(path), dir, "root.key");
	if ((r = write_pem(path, 0600, root_key, NULL, 0, why, whylen)) != 0)
		goto out;
	path_join(path, sizeof(path), dir, "root.crt");
	if ((r = write_pem(path, 0644, NULL, &root, 1, why, whylen)) != 0 ||
	    !p->intermediate)
		goto out;
	snprintf(cn, sizeof(cn), "%s issuing CA", p->name);
	spec =
	    (struct cert_spec){cn, p->name, NULL, "critical,CA:TRUE,pathlen:0",
		"critical,keyCertSign,cRLSign", NULL, ISSUING_DAYS};
	if ((iss_key = keygen(p->key_type)) == NULL ||
	    (iss = issue(&spec, iss_key, root, root_key)) == NULL) {
		r = ossl_why(why, whylen, ZONE_ERR_KEY, "issuing CA");
		goto out;
	}
	path_join(path, sizeof(path), dir, "issuing.key");
	if ((r = write_pem(path, 0600, iss_key, NULL, 0, why, whylen)) != 0)
		goto out;
	path_join(path, sizeof(path), dir, "issuing.crt");
	r = write_pem(path, 0644, NULL, &iss, 1, why, whylen);
out:
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(iss_key);
	X509_free(root);
	X509_free(iss);
	return r;
}

/* remove_tree - delete a directory we made, two levels deep at most */
static void
remove_tree(const char *dir, int depth)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
			    depth > 0)
				remove_tree(path, depth - 1);
			else
				unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

int
pki_init_operator(
    const struct op_profile *p, const char *pkidir, char *why, size_t whylen)
{
	char final[PATH_MAX], tmp[PATH_MAX];
	struct issuer is;
	struct stat st;
	int r = ZONE_OK;

	if (strlen(pkidir) + strlen(p->name) + 16 > OPDIR_MAX)
		return zone_why(why, whylen, ZONE_ERR_ARG, "path too long");
	snprintf(final, sizeof(final), "%s/%s", pkidir, p->name);
	if (lstat(final, &st) == 0)
		return zone_why(why, whylen, ZONE_ERR_EXISTS,
		    "%s exists: operator '%s' is already initialised; "
		    "nothing changed",
		    final, p->name);
	if (mkdir(pkidir, 0700) != 0 && errno != EEXIST)
		return zone_why(why, whylen, ZONE_ERR_IO, "%s: %s", pkidir,
		    strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", pkidir, p->name);
	if (mkdtemp(tmp) == NULL)
		return zone_why(why, whylen, ZONE_ERR_IO, "%s: %s", pkidir,
		    strerror(errno));
	if (!p->self_signed)
		r = make_cas(p, tmp, why, whylen);
	if (r == ZONE_OK)
		r = load_issuer(p, tmp, &is, why, whylen);
	for (int i = 0; r == ZONE_OK && i < OP_NIDENTITIES; i++) {
		if (!p->el[op_identities[i].role].present)
			continue;
		r = make_identity(
		    p, tmp, &op_identities[i], 1, &is, why, whylen);
		if (r == ZONE_OK)
			r = pki_switch_generation(
			    tmp, &op_identities[i], 1, why, whylen);
	}
	if (r == ZONE_OK)
		issuer_free(&is);
	if (r == ZONE_OK)
		r = op_profile_write(p, tmp, why, whylen);
	/* rename(2) refuses a non-empty target: a racing init loses here. */
	if (r == ZONE_OK &&
	    (rename(tmp, final) != 0 || safefile_sync_dir(pkidir) != 0))
		r = zone_why(why, whylen, ZONE_ERR_EXISTS, "%s: %s", final,
		    strerror(errno));
	if (r != ZONE_OK)
		remove_tree(tmp, 2);
	return r;
}
