/*
 * rollover.h - the on-disk state of a "current + next" key rollover of one
 * identity (RFC 7671 §8.1's order, applied to a key rather than a cert):
 *
 *	CREATED    generation NEW made (key, cert); only OLD is published
 *	PUBLISHED  NEW's TLSA added beside OLD's
 *	OBSERVED   NEW's record seen DNSSEC-secure for 2 x TTL: every cache
 *		   that can hold the RRset now holds OLD and NEW together
 *	SWITCHED   the identity's link points to NEW; the daemon reloaded
 *	RETIRED    OLD's TLSA deleted; the state file is then removed
 *
 * The state lives in OPDIR/ID.rollover, replaced atomically (write, fsync,
 * rename, fsync the directory) after each step, and every step is safe to
 * repeat, so a crash at any point resumes where it stopped.
 */
#ifndef LIB_ZONE_ROLLOVER_H
#define LIB_ZONE_ROLLOVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "zone/profile.h"

enum rollover_step {
	ROLLOVER_CREATED,
	ROLLOVER_PUBLISHED,
	ROLLOVER_OBSERVED,
	ROLLOVER_SWITCHED,
	ROLLOVER_RETIRED,
};

struct rollover_state {
	char identity[OP_NAME_MAX];
	int old_gen;
	int new_gen;
	enum rollover_step step;
	uint32_t ttl;        /* the TTL the wait is based on */
	time_t published_at; /* when NEW's record was pushed */
	time_t
	    secure_since; /* first secure sighting of NEW's record, 0: none */
};

#define ROLLOVER_MAX_PUBLISHED 2

/** @return "created", "published", ... */
const char *rollover_step_name(enum rollover_step step);

/**
 * Read OPDIR/ID.rollover.
 * @return ZONE_OK, ZONE_ERR_NOTFOUND (no rollover in progress) or
 *	ZONE_ERR_PARSE (why names the line).
 */
int rollover_load(const char *opdir, const struct op_identity *id,
    struct rollover_state *st, char *why, size_t whylen);

/**
 * Replace OPDIR/ID.rollover atomically with st.
 * @return ZONE_OK or ZONE_ERR_IO.
 */
int rollover_save(const char *opdir, const struct rollover_state *st, char *why,
    size_t whylen);

/**
 * Remove the state file (the rollover is over).
 */
int rollover_finish(
    const char *opdir, const struct op_identity *id, char *why, size_t whylen);

/**
 * The generations whose TLSA records must be in the DNS right now: the
 * current one, plus NEW from PUBLISHED on, plus OLD while SWITCHED.
 * @param gens: at least ROLLOVER_MAX_PUBLISHED entries.
 * @return ZONE_OK, or an error reading the link or the state.
 */
int rollover_published(const char *opdir, const struct op_identity *id,
    int *gens, int *ngens, char *why, size_t whylen);

#endif /* LIB_ZONE_ROLLOVER_H */
