/*
 * testutil.h - shared pieces of the cmocka tests: the fixture's
 * environment, a resolver pointed at it, an injectable clock, running the
 * event loop until a condition holds (with a deadline), and helper
 * processes.
 */
#ifndef TESTS_UNIT_LIB_TESTUTIL_H
#define TESTS_UNIT_LIB_TESTUTIL_H

#include <stdint.h>
#include <sys/types.h>

struct event_base;
struct dance_ctx;

/** @return the environment variable, or fail the test if unset. */
const char *tu_env(const char *name);

/** @return "$DANCE_CERTS/<file>" in a static buffer (one at a time). */
const char *tu_cert(const char *file);

/** Point ctx at the fixture: forward to NSD, trust the parent's DS. */
void tu_resolver_fixture(struct dance_ctx *ctx);

/* An injectable clock: tests move time by hand. */
struct tu_clock {
	uint64_t now_ms;
};
uint64_t tu_clock_read(void *arg);

/** Collects libdance log lines for assertions. */
struct tu_log {
	char buf[65536];
	size_t len;
};
void tu_log_sink(void *arg, int prio, const char *msg);

/**
 * Run the loop until *flag is non-zero or the deadline passes.
 * @return 1 if the condition held, 0 on deadline.
 */
int
tu_run_until(struct event_base *base, const int *flag, unsigned deadline_ms);

/** Milliseconds on CLOCK_MONOTONIC. */
uint64_t tu_now_ms(void);

/**
 * Start a helper program from $HELPERS and wait (deadline) until its
 * stdout shows a line starting with ready_prefix.
 * @return its pid, or -1.
 */
pid_t
tu_spawn_helper(const char *name, char *const argv[], const char *ready_prefix);

/** SIGTERM a helper and reap it. */
void tu_stop_helper(pid_t pid);

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
int tu_free_port(void);

#endif /* TESTS_UNIT_LIB_TESTUTIL_H */
