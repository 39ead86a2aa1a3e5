/*
 * resolver_opts.c - the resolver options every lookup verb accepts.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dance.h"
#include "util/strnum.h"

/* split - "left=right" into two strings in buf; -1 if there is no '=' */
static int
split(const char *arg, char *buf, size_t len, const char **right)
{
	char *eq;

	if (strlen(arg) >= len)
		return -1;
	memcpy(buf, arg, strlen(arg) + 1);
	eq = strchr(buf, '=');
	if (eq == NULL || eq == buf || eq[1] == '\0')
		return -1;
	*eq = '\0';
	*right = eq + 1;
	return 0;
}

int
cli_number(const char *opt, const char *arg, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	const char *errstr;

	*out = strnum_parse(arg, min, max, &errstr);
	if (errstr == NULL)
		return 0;
	fprintf(
	    stderr, "--%s %s: %s (%llu to %llu)\n", opt, arg, errstr, min, max);
	return -1;
}

int
resolver_opt(struct dance_ctx *ctx, int opt, const char *arg)
{
	char buf[512];
	const char *right;
	unsigned long long ms;
	int r;

	switch (opt - RESOLVER_OPT_BASE) {
	case 0:
		r = dance_ctx_add_ta_file(ctx, arg);
		break;
	case 1:
		r = dance_ctx_add_ta(ctx, arg);
		break;
	case 2:
		r = dance_ctx_no_default_ta(ctx);
		break;
	case 3:
		r = dance_ctx_add_forwarder(ctx, arg);
		break;
	case 4:
		if (split(arg, buf, sizeof(buf), &right) != 0) {
			fprintf(stderr,
			    "--stub: expected ZONE=ADDR[@PORT], "
			    "got '%s'\n",
			    arg);
			return -1;
		}
		r = dance_ctx_add_stub(ctx, buf, right);
		break;
	case 5:
		if (cli_number("dns-timeout", arg, 1, 600000, &ms) != 0)
			return -1;
		r = dance_ctx_set_timeout(ctx, (unsigned)ms);
		break;
	case 6:
		if (split(arg, buf, sizeof(buf), &right) != 0) {
			fprintf(stderr,
			    "--unbound-opt: expected NAME=VALUE, "
			    "got '%s'\n",
			    arg);
			return -1;
		}
		r = dance_ctx_set_option(ctx, buf, right);
		break;
	default:
		return -1;
	}
	if (r != DANCE_OK) {
		fprintf(stderr, "resolver option '%s': %s\n", arg ? arg : "",
		    dance_strerror(r));
		return -1;
	}
	return 0;
}
