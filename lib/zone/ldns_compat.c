/*
 * ldns_compat.c - small glue between ldns and lib/zone; see ldns_compat.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "zone/ldns_compat.h"
#include <ldns/rr.h>
#include <ldns/rbtree.h>
#include <ldns/keys.h>
#include <ldns/host2str.h>

const char *
zone_rdf_str(const ldns_rdf *r, char *buf, size_t len)
{
	char *s = ldns_rdf2str(r);

	snprintf(buf, len, "%s", s != NULL ? s : "?");
	free(s);
	return buf;
}
