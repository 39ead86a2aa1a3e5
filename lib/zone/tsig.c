/*
 * tsig.c - TSIG keys (RFC 8945) for DNS UPDATE (see update.h): read a key
 * file in BIND or Knot format, check its name, algorithm and secret, and
 * keep the key in the form ldns signs with (update.c does the signing).
 * The secret is wiped when the key is freed and never quoted in a reason.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* These in this order: see ldns_compat.h. */
#include "zone/ldns_compat.h"
#include <ldns/rdata.h>
#include <ldns/rr.h>
#include <ldns/rbtree.h>
#include <ldns/keys.h>
#include <ldns/dname.h>
#include <ldns/host2str.h>

#include "util/bytes.h"
#include "zone/update.h"
#include "zone/update_int.h"

#define TSIG_FILE_MAX 65536 /* a key file is a few lines */
#define TSIG_SECRET_MAX 512 /* octets; RFC 8945 keys are 16..64 */

/*
 * The algorithms a key may name, and ldns's spelling of each.  ldns (all
 * releases so far, 1.8.3 here) looks hmac-sha384 up as "hmac-shac384.", so
 * it cannot sign or verify with it: such a key is refused when it is
 * loaded, with that reason, instead of failing at every update.  MD5 and
 * SHA-224 are not offered.
 */
static const struct tsig_alg {
	const char *name;
	const char *ldns; /* NULL: known but not usable */
} tsig_algs[] = {
    {"hmac-sha1", "hmac-sha1."},
    {"hmac-sha256", "hmac-sha256."},
    {"hmac-sha384", NULL},
    {"hmac-sha512", "hmac-sha512."},
    {NULL, NULL},
};

/* A key file being parsed: the text, where we are, what we found. */
struct keyparse {
	const char *path;
	char *text; /* NUL-terminated, wiped after use: it holds the secret */
	size_t len;
	const char *p;
	int line;
	char *name, *alg, *secret;
	int nkeys;
};

void
zone_tsig_free(struct zone_tsig *t)
{
	if (t == NULL)
		return;
	if (t->secret != NULL) {
		explicit_bzero(t->secret, strlen(t->secret));
		free(t->secret);
	}
	free(t->name);
	free(t->alg);
	free(t);
}

const char *
zone_tsig_name(const struct zone_tsig *t)
{
	return t->name;
}

/* read_text - a whole small file, NUL-terminated */
static int
read_text(struct keyparse *kp, char *why, size_t whylen)
{
	FILE *f;
	size_t n;

	f = fopen(kp->path, "r");
	if (f == NULL)
		return zone_why(why, whylen, ZONE_ERR_IO, "%s: %s", kp->path,
		    strerror(errno));
	kp->text = malloc(TSIG_FILE_MAX + 1);
	if (kp->text == NULL) {
		fclose(f);
		return zone_why(
		    why, whylen, ZONE_ERR_NOMEM, "%s: out of memory", kp->path);
	}
	n = fread(kp->text, 1, TSIG_FILE_MAX + 1, f);
	kp->len = n; /* what zone_tsig_load() wipes, whatever happens next */
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: %s", kp->path, strerror(e));
	}
	fclose(f);
	if (n > TSIG_FILE_MAX)
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: larger than %d bytes: not a key file", kp->path,
		    TSIG_FILE_MAX);
	if (memchr(kp->text, '\0', n) != NULL)
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: binary data: not a key file", kp->path);
	kp->text[n] = '\0';
	kp->p = kp->text;
	kp->line = 1;
	return ZONE_OK;
}

/* set_field - remember one value of the key; a second one is an error */
static int
set_field(struct keyparse *kp, char **field, const char *what, const char *v,
    size_t vlen, char *why, size_t whylen)
{
	if (*field != NULL)
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s:%d: %s given twice", kp->path, kp->line, what);
	*field = strndup(v, vlen);
	if (*field == NULL)
		return zone_why(why, whylen, ZONE_ERR_NOMEM, "out of memory");
	return ZONE_OK;
}

/* BIND: a token is {, }, ;, a "quoted string" or a bare word. */
struct tok {
	const char *s;
	size_t len;
	int quoted;
};

/* bind_skip - whitespace and the three kinds of comment */
static int
bind_skip(struct keyparse *kp, char *why, size_t whylen)
{
	const char *p = kp->p;

	for (;;) {
		if (*p == '\n') {
			kp->line++;
			p++;
		} else if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2;
			     *p != '\0' && !(p[0] == '*' && p[1] == '/'); p++)
				if (*p == '\n')
					kp->line++;
			if (*p == '\0')
				return zone_why(why, whylen, ZONE_ERR_PARSE,
				    "%s:%d: unterminated /* comment", kp->path,
				    kp->line);
			p += 2;
		} else {
			break;
		}
	}
	kp->p = p;
	return ZONE_OK;
}

/* bind_next - the next token; len 0 at the end of the file */
static int
bind_next(struct keyparse *kp, struct tok *t, char *why, size_t whylen)
{
	const char *p;
	int r;

	r = bind_skip(kp, why, whylen);
	if (r != ZONE_OK)
		return r;
	p = kp->p;
	t->s = p;
	t->quoted = 0;
	if (*p == '\0') {
		t->len = 0;
		return ZONE_OK;
	}
	if (*p == '{' || *p == '}' || *p == ';') {
		t->len = 1;
		kp->p = p + 1;
		return ZONE_OK;
	}
	if (*p == '"') {
		const char *end = strchr(p + 1, '"');

		if (end == NULL || memchr(p + 1, '\n', (size_t)(end - p - 1)))
			return zone_why(why, whylen, ZONE_ERR_PARSE,
			    "%s:%d: unterminated string", kp->path, kp->line);
		t->s = p + 1;
		t->len = (size_t)(end - p - 1);
		t->quoted = 1;
		kp->p = end + 1;
		return ZONE_OK;
	}
	while (*p != '\0' && strchr(" \t\r\n{};\"", *p) == NULL)
		p++;
	t->len = (size_t)(p - t->s);
	kp->p = p;
	return ZONE_OK;
}

static int
tok_is(const struct tok *t, const char *word)
{
	return !t->quoted && t->len == strlen(word) &&
	    strncasecmp(t->s, word, t->len) == 0;
}

/* bind_expect - the next token must be the punctuation c */
static int
bind_expect(struct keyparse *kp, const char *c, char *why, size_t whylen)
{
	struct tok t;
	int r;

	r = bind_next(kp, &t, why, whylen);
	if (r != ZONE_OK)
		return r;
	if (!tok_is(&t, c))
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s:%d: expected '%s'%s", kp->path, kp->line, c,
		    t.len == 0 ? " before the end of the file" : "");
	return ZONE_OK;
}

/*
 * parse_bind - key "NAME" { algorithm ALG; secret "BASE64"; };  The
 * secret is never quoted back in a reason.
 */
static int
parse_bind(struct keyparse *kp, char *why, size_t whylen)
{
	struct tok t, v;
	int r;

	for (;;) {
		r = bind_next(kp, &t, why, whylen);
		if (r != ZONE_OK || t.len == 0)
			return r;
		if (!tok_is(&t, "key"))
			return zone_why(why, whylen, ZONE_ERR_PARSE,
			    "%s:%d: expected a key statement", kp->path,
			    kp->line);
		if (++kp->nkeys > 1)
			return zone_why(why, whylen, ZONE_ERR_PARSE,
			    "%s:%d: more than one key in the file", kp->path,
			    kp->line);
		r = bind_next(kp, &t, why, whylen);
		if (r != ZONE_OK)
			return r;
		if (t.len == 0 || (!t.quoted && strchr("{};", t.s[0])))
			return zone_why(why, whylen, ZONE_ERR_PARSE,
			    "%s:%d: key without a name", kp->path, kp->line);
		r = set_field(kp, &kp->name, "name", t.s, t.len, why, whylen);
		if (r == ZONE_OK)
			r = bind_expect(kp, "{", why, whylen);
		while (r == ZONE_OK) {
			r = bind_next(kp, &t, why, whylen);
			if (r != ZONE_OK || tok_is(&t, "}"))
				break;
			if (!tok_is(&t, "algorithm") && !tok_is(&t, "secret"))
				return zone_why(why, whylen, ZONE_ERR_PARSE,
				    "%s:%d: expected algorithm, secret or '}'",
				    kp->path, kp->line);
			r = bind_next(kp, &v, why, whylen);
			if (r != ZONE_OK)
				return r;
			if (v.len == 0 || (!v.quoted && strchr("{};", v.s[0])))
				return zone_why(why, whylen, ZONE_ERR_PARSE,
				    "%s:%d: %.*s without a value", kp->path,
				    kp->line, (int)t.len, t.s);
			if (tok_is(&t, "algorithm"))
				r = set_field(kp, &kp->alg, "algorithm", v.s,
				    v.len, why, whylen);
			else
				r = set_field(kp, &kp->secret, "secret", v.s,
				    v.len, why, whylen);
			if (r == ZONE_OK)
				r = bind_expect(kp, ";", why, whylen);
		}
		if (r != ZONE_OK)
			return r;
		/* The closing ';' is required by BIND; be lenient at EOF. */
		r = bind_skip(kp, why, whylen);
		if (r != ZONE_OK)
			return r;
		if (*kp->p == ';')
			kp->p++;
	}
}

/* trim - strip blanks and one pair of quotes; returns the length */
static size_t
trim(const char **s, size_t len)
{
	while (len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		len--;
	}
	while (len > 0 && strchr(" \t\r", (*s)[len - 1]) != NULL)
		len--;
	if (len >= 2 && (*s)[0] == '"' && (*s)[len - 1] == '"') {
		(*s)++;
		len -= 2;
	}
	return len;
}

/*
 * parse_knot - Knot's YAML as keymgr -t prints it:
 *	key:
 *	  - id: NAME
 *	    algorithm: ALG
 *	    secret: BASE64
 * Other top-level sections (a whole knot.conf) are skipped.
 */
static int
parse_knot(struct keyparse *kp, char *why, size_t whylen)
{
	const char *p = kp->text, *eol, *k, *v, *colon;
	size_t len, klen, vlen;
	int in_key = 0, r = ZONE_OK;

	for (kp->line = 1; r == ZONE_OK && *p != '\0'; kp->line++, p = eol) {
		eol = strchr(p, '\n');
		eol = eol == NULL ? p + strlen(p) : eol + 1;
		len = (size_t)(eol - p);
		/* No '#' in names or base64: a comment runs to the EOL. */
		k = memchr(p, '#', len);
		if (k != NULL)
			len = (size_t)(k - p);
		while (len > 0 && strchr(" \t\r\n", p[len - 1]) != NULL)
			len--;
		if (len == 0)
			continue;
		if (p[0] != ' ' && p[0] != '\t' && p[0] != '-') {
			in_key = len == 4 && strncmp(p, "key:", 4) == 0;
			continue;
		}
		if (!in_key)
			continue;
		k = p;
		klen = trim(&k, len);
		if (klen >= 2 && k[0] == '-' && (k[1] == ' ' || k[1] == '\t')) {
			if (++kp->nkeys > 1)
				return zone_why(why, whylen, ZONE_ERR_PARSE,
				    "%s:%d: more than one key in the file",
				    kp->path, kp->line);
			k++;
			klen = trim(&k, klen - 1);
		} else if (kp->nkeys == 0) {
			return zone_why(why, whylen, ZONE_ERR_PARSE,
			    "%s:%d: expected '- id: NAME'", kp->path, kp->line);
		}
		colon = memchr(k, ':', klen);
		if (colon == NULL)
			return zone_why(why, whylen, ZONE_ERR_PARSE,
			    "%s:%d: expected ITEM: VALUE", kp->path, kp->line);
		v = colon + 1;
		vlen = trim(&v, klen - (size_t)(v - k));
		klen = (size_t)(colon - k);
		if (vlen == 0)
			return zone_why(why, whylen, ZONE_ERR_PARSE,
			    "%s:%d: %.*s without a value", kp->path, kp->line,
			    (int)klen, k);
		if (klen == 2 && strncmp(k, "id", 2) == 0)
			r = set_field(
			    kp, &kp->name, "id", v, vlen, why, whylen);
		else if (klen == 9 && strncmp(k, "algorithm", 9) == 0)
			r = set_field(
			    kp, &kp->alg, "algorithm", v, vlen, why, whylen);
		else if (klen == 6 && strncmp(k, "secret", 6) == 0)
			r = set_field(
			    kp, &kp->secret, "secret", v, vlen, why, whylen);
		else if (!(klen == 7 && strncmp(k, "comment", 7) == 0))
			return zone_why(why, whylen, ZONE_ERR_PARSE,
			    "%s:%d: unknown key item '%.*s'", kp->path,
			    kp->line, (int)klen, k);
	}
	return r;
}

/*
 * is_knot_format - Knot's files open with a section ("key:", "server:"),
 * BIND's with a statement ("key NAME {")
 */
static int
is_knot_format(const char *p)
{
	size_t len;

	for (;;) {
		p += strspn(p, " \t\r\n");
		if (*p != '#')
			break;
		p += strcspn(p, "\n");
	}
	len = strcspn(p, " \t\r\n\"{;");
	return len > 0 && p[len - 1] == ':';
}

/* tsig_build - check what was parsed and make the key */
static int
tsig_build(
    struct keyparse *kp, struct zone_tsig **out, char *why, size_t whylen)
{
	uint8_t raw[TSIG_SECRET_MAX];
	const struct tsig_alg *a;
	struct zone_tsig *t;
	ldns_rdf *name;
	const char *bad;
	size_t n, alen;
	int r;

	if (kp->nkeys == 0 || kp->name == NULL)
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: no key in the file", kp->path);
	if (kp->alg == NULL)
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: key %s has no algorithm", kp->path, kp->name);
	if (kp->secret == NULL)
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: key %s has no secret", kp->path, kp->name);
	name = ldns_dname_new_frm_str(kp->name);
	if (name == NULL)
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: key name '%s' is not a domain name", kp->path,
		    kp->name);
	/* "hmac-sha256" or "hmac-sha256.", any case */
	alen = strlen(kp->alg);
	if (alen > 0 && kp->alg[alen - 1] == '.')
		alen--;
	for (a = tsig_algs; a->name != NULL; a++)
		if (strlen(a->name) == alen &&
		    strncasecmp(a->name, kp->alg, alen) == 0)
			break;
	if (a->name == NULL || a->ldns == NULL) {
		ldns_rdf_deep_free(name);
		return zone_why(why, whylen, ZONE_ERR_KEY,
		    "%s: key %s: algorithm %s is not supported%s", kp->path,
		    kp->name, kp->alg,
		    a->name == NULL ? " (use hmac-sha256 or hmac-sha512)"
				    : " by the ldns library (use hmac-sha256 "
				      "or hmac-sha512)");
	}
	if (bytes_from_base64(kp->secret, raw, sizeof(raw), &n, &bad) != 0) {
		ldns_rdf_deep_free(name);
		explicit_bzero(raw, sizeof(raw));
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: key %s: secret is not base64 (%s)", kp->path, kp->name,
		    bad);
	}
	explicit_bzero(raw, sizeof(raw));
	r = ZONE_ERR_NOMEM;
	t = calloc(1, sizeof(*t));
	if (t != NULL) {
		t->name = ldns_rdf2str(name);
		t->alg = strdup(a->ldns);
		t->secret = kp->secret;
		kp->secret = NULL;
		if (t->name != NULL && t->alg != NULL) {
			*out = t;
			t = NULL;
			r = ZONE_OK;
		}
	}
	ldns_rdf_deep_free(name);
	zone_tsig_free(t);
	if (r != ZONE_OK)
		return zone_why(why, whylen, r, "out of memory");
	return ZONE_OK;
}

int
zone_tsig_load(
    const char *path, struct zone_tsig **out, char *why, size_t whylen)
{
	struct keyparse kp;
	int r;

	*out = NULL;
	memset(&kp, 0, sizeof(kp));
	kp.path = path;
	r = read_text(&kp, why, whylen);
	if (r == ZONE_OK)
		r = is_knot_format(kp.text) ? parse_knot(&kp, why, whylen)
					    : parse_bind(&kp, why, whylen);
	if (r == ZONE_OK)
		r = tsig_build(&kp, out, why, whylen);
	if (kp.text != NULL) {
		explicit_bzero(kp.text, kp.len);
		free(kp.text);
	}
	if (kp.secret != NULL) {
		explicit_bzero(kp.secret, strlen(kp.secret));
		free(kp.secret);
	}
	free(kp.name);
	free(kp.alg);
	return r;
}
