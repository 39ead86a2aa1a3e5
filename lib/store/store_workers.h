/*
 * store_workers.h - the store on worker threads, for the daemons.  The event thread never
 * waits for the database: a job runs on a worker with that worker's own
 * store connection, then its completion runs back on the event thread.
 */
#ifndef LIB_STORE_STORE_WORKERS_H
#define LIB_STORE_STORE_WORKERS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct event_base;
struct store_workers;

/*
 * A worker takes every job queued (up to STORE_BATCH_MAX) and runs them in
 * one store batch (store_batch_begin): one durable commit for all, the
 * group commit that lets a busy JS pay the disk's flush once per batch
 * rather than once per join.  The completions run only after the batch
 * has committed.  If the commit fails, undo turns each job's answer into
 * a failure before its completion runs.
 */
#define STORE_BATCH_MAX 32

struct store_job {
	/* On a worker thread: only the job's own data and st. */
	void (*run)(struct store_job *job, struct store *st);
	/* On the worker thread, after run, if the batch that run was part
	 * of did not commit: nothing run did to the store happened. */
	void (*undo)(struct store_job *job, const char *why);
	/* On the event thread, once run (and undo) have returned. */
	void (*done)(struct store_job *job);
	/* The DevEUI whose row run locks, or 0: a batch takes its jobs in
	 * this order, so that two batches never deadlock. */
	uint64_t lock_key;
	struct store_job *next; /* private */
};

/**
 * Open n store connections and start n threads.
 * @param base: borrowed; completions run on it.  evthread_use_pthreads()
 *	must have been called before it was made.
 * @param o: borrowed for the call.
 * @return a pool (store_workers_free), or NULL with the reason in why.
 */
struct store_workers *store_workers_new(struct event_base *base, unsigned n,
    const struct store_opts *o, char *why, size_t whylen);

/**
 * Queue a job.  job is borrowed until its done callback has run.
 */
void store_workers_submit(struct store_workers *w, struct store_job *job);

/** Jobs queued or running. */
unsigned store_workers_pending(struct store_workers *w);

/**
 * Finish the queued jobs, stop the threads, close the stores.  Completions
 * of jobs still queued are not called.  w may be NULL.
 */
void store_workers_free(struct store_workers *w);

#endif /* LIB_STORE_STORE_WORKERS_H */
