/*
 * rrs.c - read a zone-file fragment (see update.h): master-file records
 * with $ORIGIN and $TTL, parsed by ldns and handed back one record a line,
 * absolute, in the form zone_update_send() takes for an addition.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* These in this order: see ldns_compat.h. */
#include "zone/ldns_compat.h"
#include <ldns/rdata.h>
#include <ldns/rr.h>
#include <ldns/rbtree.h>
#include <ldns/keys.h>
#include <ldns/dname.h>
#include <ldns/error.h>
#include <ldns/host2str.h>

#include "zone/update.h"
#include "zone/update_int.h"

#define FRAGMENT_MAX (16 * 1024 * 1024) /* bytes of one --add input */

void
zone_rrs_free(char **rrs, size_t n)
{
	size_t i;

	if (rrs == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rrs[i]);
	free(rrs);
}

/* one_line - ldns prints "owner\tttl\tIN\ttype\trdata\n": one line, spaces */
static void
one_line(char *s)
{
	size_t len;
	char *p;

	for (p = s; *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	len = strlen(s);
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
}

/* slurp - all of f, NUL-terminated, at most FRAGMENT_MAX bytes */
static int
slurp(FILE *f, const char *fname, char **buf, size_t *len, char *why,
    size_t whylen)
{
	size_t n = 0, cap = 0, got;
	char *b = NULL, *nb;

	do {
		if (cap - n < 4096) {
			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > FRAGMENT_MAX + 4096) {
				free(b);
				return zone_why(why, whylen, ZONE_ERR_PARSE,
				    "%s: larger than %d bytes", fname,
				    FRAGMENT_MAX);
			}
			nb = realloc(b, cap);
			if (nb == NULL) {
				free(b);
				return zone_why(why, whylen, ZONE_ERR_NOMEM,
				    "out of memory");
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		int e = errno;

		free(b);
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: %s", fname, strerror(e));
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return ZONE_OK;
}

/*
 * record_line - the line on which the record read from offset off starts:
 * after blanks and ";" comments.  ldns's own count is off by one in
 * either direction, depending on blank lines and on the final newline.
 */
static int
record_line(const char *buf, size_t len, size_t off)
{
	size_t i;
	int line = 1;

	while (off < len) {
		if (buf[off] == ';')
			off += strcspn(buf + off, "\n");
		else if (buf[off] == ' ' || buf[off] == '\t' ||
		    buf[off] == '\r' || buf[off] == '\n')
			off++;
		else
			break;
	}
	for (i = 0; i < off; i++)
		if (buf[i] == '\n')
			line++;
	return line;
}

/* push_rr - append the presentation form of rr to v */
static int
push_rr(const ldns_rr *rr, char ***v, size_t *n, size_t *cap)
{
	char **nv, *s;

	/* Without ldns's ";{id = ...}" notes: the text is re-parsed. */
	s = ldns_rr2str_fmt(ldns_output_format_nocomments, rr);
	if (s == NULL)
		return ZONE_ERR_NOMEM;
	if (*n == *cap) {
		*cap = *cap == 0 ? 16 : *cap * 2;
		nv = realloc(*v, *cap * sizeof(**v));
		if (nv == NULL) {
			free(s);
			return ZONE_ERR_NOMEM;
		}
		*v = nv;
	}
	one_line(s);
	(*v)[(*n)++] = s;
	return ZONE_OK;
}

int
zone_rrs_read(FILE *f, const char *fname, const char *origin, char ***out,
    size_t *nout, char *why, size_t whylen)
{
	ldns_rdf *orig = NULL, *prev = NULL;
	uint32_t ttl = UPDATE_DEFAULT_TTL;
	ldns_status st;
	ldns_rr *rr;
	char **v = NULL, *buf = NULL;
	size_t n = 0, cap = 0, len = 0;
	long off;
	int line = 0, r;
	FILE *mf;

	*out = NULL;
	*nout = 0;
	/*
	 * In memory, so that an error can name the line the record starts
	 * on (by offset), and stdin is read like a file.
	 */
	r = slurp(f, fname, &buf, &len, why, whylen);
	if (r != ZONE_OK)
		return r;
	if (len == 0) {
		free(buf);
		return ZONE_OK;
	}
	mf = fmemopen(buf, len, "r");
	if (mf == NULL) {
		free(buf);
		return zone_why(why, whylen, ZONE_ERR_NOMEM, "out of memory");
	}
	if (origin != NULL) {
		orig = ldns_dname_new_frm_str(origin);
		if (orig == NULL)
			r = zone_why(why, whylen, ZONE_ERR_ARG,
			    "origin '%s' is not a domain name", origin);
	}
	while (r == ZONE_OK && !feof(mf)) {
		rr = NULL;
		off = ftell(mf);
		st = ldns_rr_new_frm_fp_l(&rr, mf, &ttl, &orig, &prev, &line);
		if (st == LDNS_STATUS_OK)
			r = push_rr(rr, &v, &n, &cap);
		ldns_rr_free(rr);
		if (r == ZONE_ERR_NOMEM)
			r = zone_why(why, whylen, r, "out of memory");
		if (st == LDNS_STATUS_OK || st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		r = zone_why(why, whylen,
		    st == LDNS_STATUS_MEM_ERR ? ZONE_ERR_NOMEM : ZONE_ERR_PARSE,
		    "%s:%d: %s", fname,
		    record_line(buf, len, off < 0 ? 0 : (size_t)off),
		    st == LDNS_STATUS_SYNTAX_INCLUDE
			? "$INCLUDE is not supported"
			: ldns_get_errorstr_by_id(st));
	}
	fclose(mf);
	free(buf);
	ldns_rdf_deep_free(orig);
	ldns_rdf_deep_free(prev);
	if (r != ZONE_OK) {
		zone_rrs_free(v, n);
		return r;
	}
	*out = v;
	*nout = n;
	return ZONE_OK;
}
