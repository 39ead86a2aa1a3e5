/*
 * rollover.c - key rollover state on disk; see rollover.h.  The state file
 * uses the configuration syntax, read through a directive table.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/safefile.h"
#include "util/strnum.h"
#include "zone/pki.h"
#include "zone/rollover.h"
#include "zone/zone_err.h"

static const char *const step_names[] = {
    "created", "published", "observed", "switched", "retired"};

const char *
rollover_step_name(enum rollover_step step)
{
	return step_names[step];
}

static int
state_path(const char *opdir, const char *id, const char *suffix, char *buf,
    size_t buflen)
{
	int n = snprintf(buf, buflen, "%s/%s.rollover%s", opdir, id, suffix);

	return n < 0 || (size_t)n >= buflen ? -1 : 0;
}

static int
number(const struct cfg_line *l, long long max, long long *v, char *why,
    size_t whylen)
{
	const char *errstr;

	*v = (long long)strnum_parse(
	    l->argv[0], 0, (unsigned long long)max, &errstr);
	if (errstr == NULL)
		return 0;
	zone_why(why, whylen, ZONE_ERR_PARSE, "'%s' is %s", l->argv[0], errstr);
	return -1;
}

static int
set_field(void *t, const struct cfg_line *l, char *why, size_t whylen)
{
	struct rollover_state *st = t;
	long long v;

	if (strcmp(l->name, "identity") == 0) {
		if (op_identity_find(l->argv[0]) == NULL) {
			zone_why(why, whylen, ZONE_ERR_PARSE,
			    "unknown identity '%s'", l->argv[0]);
			return -1;
		}
		snprintf(st->identity, sizeof(st->identity), "%s", l->argv[0]);
		return 0;
	}
	if (strcmp(l->name, "step") == 0) {
		for (size_t i = 0; i < sizeof(step_names) / sizeof(*step_names);
		     i++)
			if (strcmp(l->argv[0], step_names[i]) == 0) {
				st->step = (enum rollover_step)i;
				return 0;
			}
		zone_why(why, whylen, ZONE_ERR_PARSE, "unknown step '%s'",
		    l->argv[0]);
		return -1;
	}
	if (number(l, strcmp(l->name, "ttl") == 0 ? 86400 : LLONG_MAX, &v, why,
		whylen) != 0)
		return -1;
	if (strcmp(l->name, "old") == 0)
		st->old_gen = (int)(v > 1000000 ? -1 : v);
	else if (strcmp(l->name, "new") == 0)
		st->new_gen = (int)(v > 1000000 ? -1 : v);
	else if (strcmp(l->name, "ttl") == 0)
		st->ttl = (uint32_t)v;
	else if (strcmp(l->name, "published-at") == 0)
		st->published_at = (time_t)v;
	else
		st->secure_since = (time_t)v;
	return 0;
}

static const struct cfg_directive state_table[] = {
    {"identity", 1, 1, false, true, set_field, "ID"},
    {"old", 1, 1, false, true, set_field, "GENERATION"},
    {"new", 1, 1, false, true, set_field, "GENERATION"},
    {"step", 1, 1, false, true, set_field, "STEP"},
    {"ttl", 1, 1, false, true, set_field, "SECONDS"},
    {"published-at", 1, 1, false, true, set_field, "UNIXTIME"},
    {"secure-since", 1, 1, false, true, set_field, "UNIXTIME"},
    {NULL, 0, 0, false, false, NULL, NULL},
};

struct first_error {
	char *why;
	size_t whylen;
	int seen;
};

static void
keep_first(void *arg, const char *file, int lineno, const char *directive,
    const char *message)
{
	struct first_error *fe = arg;

	if (fe->seen++ == 0)
		zone_why(fe->why, fe->whylen, ZONE_ERR_PARSE, "%s:%d: %s: %s",
		    file, lineno, directive, message);
}

int
rollover_load(const char *opdir, const struct op_identity *id,
    struct rollover_state *st, char *why, size_t whylen)
{
	struct first_error fe = {why, whylen, 0};
	char path[PATH_MAX];

	memset(st, 0, sizeof(*st));
	if (state_path(opdir, id->id, "", path, sizeof(path)) != 0)
		return zone_why(why, whylen, ZONE_ERR_ARG, "path too long");
	if (access(path, F_OK) != 0)
		return ZONE_ERR_NOTFOUND;
	if (cfg_read_file(path, state_table, st, keep_first, &fe) != 0)
		return ZONE_ERR_PARSE;
	if (strcmp(st->identity, id->id) != 0 || st->old_gen < 1 ||
	    st->new_gen <= st->old_gen)
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: inconsistent identity or generations", path);
	return ZONE_OK;
}

int
rollover_save(const char *opdir, const struct rollover_state *st, char *why,
    size_t whylen)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;

	if (state_path(opdir, st->identity, "", path, sizeof(path)) != 0 ||
	    state_path(opdir, st->identity, ".tmp", tmp, sizeof(tmp)) != 0)
		return zone_why(why, whylen, ZONE_ERR_ARG, "path too long");
	(void)unlink(tmp); /* a leftover of a crash while writing */
	if ((f = safefile_create(tmp, 0644)) == NULL)
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: %s", tmp, strerror(errno));
	fprintf(f,
	    "# key rollover of %s, written by \"loradane rollover\"\n"
	    "identity %s\nold %d\nnew %d\nstep %s\nttl %u\n"
	    "published-at %lld\nsecure-since %lld\n",
	    st->identity, st->identity, st->old_gen, st->new_gen,
	    step_names[st->step], st->ttl, (long long)st->published_at,
	    (long long)st->secure_since);
	if (safefile_commit(f, tmp) != 0 || rename(tmp, path) != 0 ||
	    safefile_sync_dir(opdir) != 0) {
		unlink(tmp);
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: %s", path, strerror(errno));
	}
	return ZONE_OK;
}

int
rollover_finish(
    const char *opdir, const struct op_identity *id, char *why, size_t whylen)
{
	char path[PATH_MAX];

	if (state_path(opdir, id->id, "", path, sizeof(path)) != 0)
		return zone_why(why, whylen, ZONE_ERR_ARG, "path too long");
	if (unlink(path) != 0 && errno != ENOENT)
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: %s", path, strerror(errno));
	return ZONE_OK;
}

int
rollover_published(const char *opdir, const struct op_identity *id, int *gens,
    int *ngens, char *why, size_t whylen)
{
	struct rollover_state st;
	int cur, r;

	*ngens = 0;
	if (pki_current_generation(opdir, id, &cur) != ZONE_OK)
		return zone_why(why, whylen, ZONE_ERR_NOTFOUND,
		    "%s/%s: missing or not a link to a generation", opdir,
		    id->id);
	gens[(*ngens)++] = cur;
	r = rollover_load(opdir, id, &st, why, whylen);
	if (r == ZONE_ERR_NOTFOUND)
		return ZONE_OK;
	if (r != ZONE_OK)
		return r;
	if (st.step >= ROLLOVER_PUBLISHED && st.step < ROLLOVER_RETIRED) {
		/* Whichever of OLD and NEW is not current is published too. */
		int other = cur == st.new_gen ? st.old_gen : st.new_gen;

		if (other != cur)
			gens[(*ngens)++] = other;
	}
	return ZONE_OK;
}
