/*
 * config.h - a table-driven reader for line-oriented configuration files,
 * after Redis' config.c: each directive is one row of a table (name,
 * argument count, whether it may repeat, and the function that applies
 * it).  The reader tokenizes, checks the counts and repetition, and
 * reports every error with its file and line, so that "-n" can print them
 * all at once.
 *
 * Syntax: one directive per line, "name arg...", words separated by
 * blanks; "#" starts a comment; a word may be double-quoted to hold blanks
 * ("\"" and "\\" escape inside quotes).  Blank lines are ignored.
 */
#ifndef LIB_UTIL_CONFIG_H
#define LIB_UTIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CFG_MAX_ARGS 16
#define CFG_MAX_LINE 4096

/* One tokenized line; the strings live until the apply function returns. */
struct cfg_line {
	const char *file;
	int lineno;
	int argc;                 /* arguments after the directive name */
	char *argv[CFG_MAX_ARGS]; /* argv[0] is the first argument */
	const char *name;         /* the directive */
};

/*
 * Apply one directive to the target structure.  Return 0, or -1 after
 * writing into why a reason that names the bad argument.
 */
typedef int (*cfg_apply_fn)(
    void *target, const struct cfg_line *line, char *why, size_t whylen);

struct cfg_directive {
	const char *name;
	int min_args;
	int max_args;
	bool repeatable;
	bool required;
	cfg_apply_fn apply;
	const char
	    *help; /* the arguments, for messages: "HOST PORT [ADDR...]" */
};

/* Called once per error: "file:line: directive: message". */
typedef void (*cfg_report_fn)(void *arg, const char *file, int lineno,
    const char *directive, const char *message);

/**
 * Read path and apply each line through table (terminated by a NULL name).
 * Errors do not stop the reading: every line is checked, and every error
 * is reported.  A required directive that never appears is an error
 * reported with line 0.
 * @param path: the file; not kept.
 * @param table: not kept.
 * @param target: passed to each apply function.
 * @param report, arg: error sink; may be NULL.
 * @return the number of errors (0 means the whole file applied), or -1 if
 *	the file could not be opened (reported too).
 */
int cfg_read_file(const char *path, const struct cfg_directive *table,
    void *target, cfg_report_fn report, void *arg);

/**
 * The same, from an open stream (not closed); path names it in reports.
 * @return the number of errors.
 */
int
cfg_read_stream(FILE *f, const char *path, const struct cfg_directive *table,
    void *target, cfg_report_fn report, void *arg);

/**
 * Split one line into words in place.  Used by cfg_read_file and by
 * readers of similar one-line formats.
 * @param buf: modified: words are NUL-terminated in place.
 * @param words: set to point into buf.
 * @return the number of words (0 for a blank or comment line), or -1
 *	with a reason in *err for an unterminated quote or too many words.
 */
int cfg_split(char *buf, char **words, int maxwords, const char **err);

/*
 * Helpers for apply functions: each returns 0, or -1 after writing into
 * why a reason naming the argument.
 */

/** why = fmt with arg (one %s); @return -1. */
int cfg_fail(char *why, size_t n, const char *fmt, const char *arg);

/** A whole number of s within [min, max] into *v. */
int cfg_number(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *v, char *why, size_t n);

/** s into dst (dstlen bytes), refusing a value that does not fit. */
int cfg_copy(char *dst, size_t dstlen, const char *s, char *why, size_t n);

/** The file can be read now (a check at load, not a guarantee). */
int cfg_readable(const char *path, char *why, size_t n);

/** "ADDRESS PORT" (an IPv4 or IPv6 literal, 1..65535) into addr, port. */
int cfg_addr_port(const struct cfg_line *l, char *addr, size_t addrlen,
    uint16_t *port, char *why, size_t n);

#endif /* LIB_UTIL_CONFIG_H */
