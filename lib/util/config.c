/*
 * config.c - table-driven configuration reader; see config.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/config.h"
#include "util/strnum.h"

int
cfg_split(char *buf, char **words, int maxwords, const char **err)
{
	char *r = buf, *w;
	int n = 0;

	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
			r++;
		if (*r == '\0' || *r == '#')
			return n;
		if (n == maxwords) {
			*err = "too many words";
			return -1;
		}
		words[n++] = w = r;
		if (*r == '"') {
			/* Unquote in place: the output never outruns r. */
			for (r++; *r != '"'; r++) {
				if (*r == '\0') {
					*err = "unterminated quote";
					return -1;
				}
				if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
					r++;
				*w++ = *r;
			}
			r++;
			if (*r != '\0' && *r != ' ' && *r != '\t' &&
			    *r != '\r' && *r != '\n') {
				*err = "text right after a closing quote";
				return -1;
			}
		} else {
			while (*r != '\0' && *r != ' ' && *r != '\t' &&
			    *r != '\r' && *r != '\n' && *r != '#')
				r++;
			w = r;
			if (*r == '#') {
				/* A comment may follow a word directly. */
				*w = '\0';
				return n;
			}
		}
		if (*r != '\0')
			r++;
		*w = '\0';
	}
}

static void
report_fmt(cfg_report_fn report, void *arg, const char *file, int lineno,
    const char *directive, const char *message)
{
	if (report != NULL)
		report(arg, file, lineno, directive, message);
}

int
cfg_read_file(const char *path, const struct cfg_directive *table, void *target,
    cfg_report_fn report, void *arg)
{
	char why[256];
	FILE *f;
	int errors;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(why, sizeof(why), "cannot open: %s", strerror(errno));
		report_fmt(report, arg, path, 0, "", why);
		return -1;
	}
	errors = cfg_read_stream(f, path, table, target, report, arg);
	fclose(f);
	return errors;
}

int
cfg_read_stream(FILE *f, const char *path, const struct cfg_directive *table,
    void *target, cfg_report_fn report, void *arg)
{
	char buf[CFG_MAX_LINE + 2], *words[CFG_MAX_ARGS + 1], why[256];
	unsigned char seen[64] = {0};
	const struct cfg_directive *d;
	struct cfg_line line;
	const char *err;
	int errors = 0, n, i;

	line.file = path;
	line.lineno = 0;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		line.lineno++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			report_fmt(report, arg, path, line.lineno, "",
			    "line too long");
			errors++;
			/* Skip the rest of the over-long line. */
			while (fgets(buf, sizeof(buf), f) != NULL &&
			    strchr(buf, '\n') == NULL)
				;
			continue;
		}
		if ((n = cfg_split(buf, words, CFG_MAX_ARGS + 1, &err)) < 0) {
			report_fmt(report, arg, path, line.lineno, "", err);
			errors++;
			continue;
		}
		if (n == 0)
			continue;
		for (d = table, i = 0; d->name != NULL; d++, i++)
			if (strcmp(d->name, words[0]) == 0)
				break;
		if (d->name == NULL) {
			report_fmt(report, arg, path, line.lineno, words[0],
			    "unknown directive");
			errors++;
			continue;
		}
		line.name = d->name;
		line.argc = n - 1;
		for (int k = 1; k < n; k++)
			line.argv[k - 1] = words[k];
		if (line.argc < d->min_args || line.argc > d->max_args) {
			snprintf(why, sizeof(why), "expects %s", d->help);
			report_fmt(
			    report, arg, path, line.lineno, d->name, why);
			errors++;
			continue;
		}
		if (i < (int)sizeof(seen) && seen[i] && !d->repeatable) {
			report_fmt(report, arg, path, line.lineno, d->name,
			    "given more than once");
			errors++;
			continue;
		}
		if (i < (int)sizeof(seen))
			seen[i] = 1;
		why[0] = '\0';
		if (d->apply(target, &line, why, sizeof(why)) != 0) {
			report_fmt(report, arg, path, line.lineno, d->name,
			    why[0] != '\0' ? why : "invalid value");
			errors++;
		}
	}
	if (ferror(f)) {
		report_fmt(report, arg, path, line.lineno, "", "read error");
		errors++;
	}
	for (d = table, i = 0; d->name != NULL; d++, i++)
		if (d->required && i < (int)sizeof(seen) && !seen[i]) {
			report_fmt(report, arg, path, 0, d->name,
			    "missing (required)");
			errors++;
		}
	return errors;
}

/*
 * Argument helpers for apply functions.
 */

int
cfg_fail(char *why, size_t n, const char *fmt, const char *arg)
{
	snprintf(why, n, fmt, arg);
	return -1;
}

int
cfg_number(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *v, char *why, size_t n)
{
	const char *errstr;
	char msg[128];

	*v = strnum_parse(s, min, max, &errstr);
	if (errstr == NULL)
		return 0;
	snprintf(
	    msg, sizeof(msg), "'%%s' is %s (%llu..%llu)", errstr, min, max);
	return cfg_fail(why, n, msg, s);
}

int
cfg_copy(char *dst, size_t dstlen, const char *s, char *why, size_t n)
{
	if (strlen(s) >= dstlen)
		return cfg_fail(why, n, "'%s' is too long", s);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

int
cfg_readable(const char *path, char *why, size_t n)
{
	if (access(path, R_OK) != 0)
		return cfg_fail(why, n, "%s: cannot be read", path);
	return 0;
}

/* cfg_addr_port - "ADDRESS PORT" into a listening address and port */
int
cfg_addr_port(const struct cfg_line *l, char *addr, size_t addrlen,
    uint16_t *port, char *why, size_t n)
{
	unsigned char a[16];
	unsigned long long v;

	if (inet_pton(AF_INET, l->argv[0], a) != 1 &&
	    inet_pton(AF_INET6, l->argv[0], a) != 1)
		return cfg_fail(
		    why, n, "'%s' is not an IP address", l->argv[0]);
	if (cfg_number(l->argv[1], 1, 65535, &v, why, n) != 0)
		return -1;
	*port = (uint16_t)v;
	return cfg_copy(addr, addrlen, l->argv[0], why, n);
}
