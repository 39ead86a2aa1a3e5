/*
 * log.h - logging for the daemons and the command-line tool (OpenBSD's
 * eight-function API).  To stderr until daemonized, then to syslog.  The
 * libraries do not use this: they report through callbacks.
 */
#ifndef LIB_UTIL_LOG_H
#define LIB_UTIL_LOG_H

#include <stdarg.h>

/** Start logging; debug: to stderr; verbose: 0 (info) or more (debug). */
void log_init(const char *ident, int debug, int verbose);
/** Change verbosity at run time (e.g. on reload). */
void log_setverbose(int verbose);
int log_getverbose(void);

void log_warn(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void log_debug(const char *, ...) __attribute__((__format__(printf, 1, 2)));
_Noreturn void fatal(const char *, ...) __attribute__((__noreturn__))
__attribute__((__format__(printf, 1, 2)));
_Noreturn void fatalx(const char *, ...) __attribute__((__noreturn__))
__attribute__((__format__(printf, 1, 2)));

/** Log at a syslog priority (for library log callbacks). */
void log_prio(int prio, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

/** A dance_log_fn that forwards libdance's messages here. */
void log_dance(void *arg, int prio, const char *msg);

#endif /* LIB_UTIL_LOG_H */
