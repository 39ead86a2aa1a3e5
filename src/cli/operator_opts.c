/*
 * operator_opts.c - loading an operator profile for the verbs that work
 * on one (zone records, zone audit, rollover), with the same messages.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "zone/profile.h"
#include "zone/zone_err.h"

static void
print_error(void *arg, const char *file, int lineno, const char *directive,
    const char *message)
{
	const char *const *verb = arg;

	fprintf(stderr, "loradane %s: %s:%d: %s%s%s\n", *verb, file, lineno,
	    directive, directive[0] != '\0' ? ": " : "", message);
}

int
cli_load_operator(const char *verb, const char *pkidir, const char *name,
    struct op_profile *p, char *opdir, size_t opdirlen)
{
	char why[512];
	int n;

	if (name == NULL) {
		fprintf(
		    stderr, "loradane %s: --operator NAME is required\n", verb);
		return -1;
	}
	if (op_profile_load(pkidir, name, p, print_error, &verb, why,
		sizeof(why)) != ZONE_OK) {
		fprintf(stderr, "loradane %s: %s\n", verb, why);
		return -1;
	}
	n = snprintf(opdir, opdirlen, "%s/%s", pkidir, name);
	if (n < 0 || (size_t)n >= opdirlen) {
		fprintf(
		    stderr, "loradane %s: %s: path too long\n", verb, pkidir);
		return -1;
	}
	return 0;
}

int
cli_addr_port(const char *opt, const char *arg, char *addr, size_t addrlen,
    uint16_t *port, uint16_t defport)
{
	const char *at = strrchr(arg, '@');
	unsigned long long v = defport;
	size_t len = at != NULL ? (size_t)(at - arg) : strlen(arg);

	if (len == 0 || len >= addrlen) {
		fprintf(stderr, "--%s %s: expected ADDR[@PORT]\n", opt, arg);
		return -1;
	}
	if (at != NULL && cli_number(opt, at + 1, 1, 65535, &v) != 0)
		return -1;
	memcpy(addr, arg, len);
	addr[len] = '\0';
	*port = (uint16_t)v;
	return 0;
}
