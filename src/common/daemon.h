/*
 * daemon.h - what the loradane daemons (loradane-js, loradane-ns) do the
 * same way at start-up: configuration errors on the log, the pidfile, the
 * resolver from the configured trust anchors and forwarders, and the
 * signals.  Each function logs and exits on failure (fatalx): they run
 * before the daemon serves anything.
 */
#ifndef SRC_COMMON_DAEMON_H
#define SRC_COMMON_DAEMON_H

#include <limits.h>

#include <event2/event.h>

struct dance_ctx;

/* The options every daemon takes: -f file, -d, -n, -v. */
struct daemon_args {
	const char *conffile;
	int debug;    /* -d: foreground, log to standard error */
	int noaction; /* -n: check the configuration and exit */
	int verbose;  /* -v, repeatable */
};

/* Parse them; a usage message naming name and exit 2 on anything else.
 * Logging starts on standard error at the given verbosity. */
void
daemon_args(int argc, char **argv, const char *name, struct daemon_args *a);

/* A util/config.h report function: "file:line: directive: message". */
void daemon_print_error(void *arg, const char *file, int lineno,
    const char *directive, const char *message);

/* Write our pid to path, through a temporary file and a rename. */
void daemon_write_pidfile(const char *path);

/*
 * libunbound on base, validating with the trust anchors ta[0..nta) and
 * forwarding to fwd[0..nfwd), each lookup bounded by timeout_ms.
 * @return the context (dance_ctx_free).
 */
struct dance_ctx *
daemon_resolver(struct event_base *base, const char (*ta)[PATH_MAX], int nta,
    const char (*fwd)[64], int nfwd, unsigned timeout_ms);

/* SIGHUP, SIGTERM and SIGINT to cb on base; ev[3] keeps the events for
 * event_free. */
void daemon_signals(struct event_base *base, event_callback_fn cb, void *arg,
    struct event *ev[3]);

#endif /* SRC_COMMON_DAEMON_H */
