/*
 * daemon.c - the daemons' shared start-up; see daemon.h.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/daemon.h"
#include "dance.h"
#include "util/log.h"
#include "util/safefile.h"

void
daemon_args(int argc, char **argv, const char *name, struct daemon_args *a)
{
	int ch;

	a->conffile = NULL;
	a->debug = a->noaction = a->verbose = 0;
	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			a->debug = 1;
			break;
		case 'f':
			a->conffile = optarg;
			break;
		case 'n':
			a->noaction = 1;
			break;
		case 'v':
			a->verbose++;
			break;
		default:
			a->conffile = NULL;
			optind = argc + 1;
			break;
		}
	}
	if (a->conffile == NULL || optind != argc) {
		fprintf(stderr, "usage: %s -f file [-dnv]\n", name);
		exit(2);
	}
	log_init(name, 1, a->verbose);
}

void
daemon_print_error(void *arg, const char *file, int lineno,
    const char *directive, const char *message)
{
	(void)arg;
	if (lineno > 0)
		log_warnx("%s:%d: %s%s%s", file, lineno, directive,
		    directive[0] != '\0' ? ": " : "", message);
	else
		log_warnx("%s: %s%s%s", file, directive,
		    directive[0] != '\0' ? ": " : "", message);
}

void
daemon_write_pidfile(const char *path)
{
	char tmp[PATH_MAX + 8];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	(void)unlink(tmp);
	if ((f = safefile_create(tmp, 0644)) == NULL)
		fatal("pidfile %s", tmp);
	fprintf(f, "%ld\n", (long)getpid());
	if (safefile_commit(f, tmp) != 0 || rename(tmp, path) != 0)
		fatal("pidfile %s", path);
}

struct dance_ctx *
daemon_resolver(struct event_base *base, const char (*ta)[PATH_MAX], int nta,
    const char (*fwd)[64], int nfwd, unsigned timeout_ms)
{
	struct dance_ctx *ctx;
	int err, i;

	if ((ctx = dance_ctx_new(base, &err)) == NULL)
		fatalx("resolver: %s", dance_strerror(err));
	dance_ctx_set_log(ctx, log_dance, NULL, DANCE_LOG_INFO);
	for (i = 0; i < nta; i++)
		if ((err = dance_ctx_add_ta_file(ctx, ta[i])) != 0)
			fatalx(
			    "trust-anchor %s: %s", ta[i], dance_strerror(err));
	for (i = 0; i < nfwd; i++)
		if ((err = dance_ctx_add_forwarder(ctx, fwd[i])) != 0)
			fatalx("forward %s: %s", fwd[i], dance_strerror(err));
	if ((err = dance_ctx_set_timeout(ctx, timeout_ms)) != 0)
		fatalx("dns-timeout: %s", dance_strerror(err));
	return ctx;
}

void
daemon_signals(struct event_base *base, event_callback_fn cb, void *arg,
    struct event *ev[3])
{
	static const int sigs[3] = {SIGHUP, SIGTERM, SIGINT};

	for (int i = 0; i < 3; i++)
		if ((ev[i] = evsignal_new(base, sigs[i], cb, arg)) == NULL ||
		    evsignal_add(ev[i], NULL) != 0)
			fatalx("signals");
}
