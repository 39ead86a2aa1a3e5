/*
 * store_workers.c - worker threads for the store; see store_workers.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "store/store_workers.h"

struct store_workers {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct store_job *queue, **queue_tail; /* to run */
	struct store_job *done;                /* run, completion pending */
	unsigned pending;
	int stopping;
	struct event *done_ev; /* activated by workers, runs completions */
	unsigned n;            /* threads started */
	unsigned nstores;
	pthread_t *threads;
	struct store **stores;
};

struct worker_arg {
	struct store_workers *w;
	struct store *st;
};

/* take_batch - up to STORE_BATCH_MAX queued jobs, stably sorted by
 * lock_key (jobs of one device keep their order); w->mu held */
static struct store_job *
take_batch(struct store_workers *w, unsigned *count)
{
	struct store_job *list = NULL, **pp, *job;
	unsigned n = 0;

	while (w->queue != NULL && n < STORE_BATCH_MAX) {
		job = w->queue;
		w->queue = job->next;
		for (pp = &list;
		     *pp != NULL && (*pp)->lock_key <= job->lock_key;
		     pp = &(*pp)->next)
			;
		job->next = *pp;
		*pp = job;
		n++;
	}
	if (w->queue == NULL)
		w->queue_tail = &w->queue;
	*count = n;
	return list;
}

/* run_batch - the jobs in one store batch; alone when there is one, or
 * when the batch cannot begin (each job then commits on its own) */
static void
run_batch(struct store *st, struct store_job *list, unsigned n)
{
	struct store_job *job;
	char why[256];

	if (n == 1 || store_batch_begin(st, why, sizeof(why)) != STORE_OK) {
		for (job = list; job != NULL; job = job->next)
			job->run(job, st);
		return;
	}
	for (job = list; job != NULL; job = job->next)
		job->run(job, st);
	if (store_batch_commit(st, why, sizeof(why)) != STORE_OK)
		for (job = list; job != NULL; job = job->next)
			job->undo(job, why);
}

static void *
worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	struct store_workers *w = wa->w;
	struct store *st = wa->st;
	struct store_job *list, *job, *next;
	unsigned n;

	free(wa);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->queue == NULL && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->queue == NULL)
			break;
		list = take_batch(w, &n);
		pthread_mutex_unlock(&w->mu);
		run_batch(st, list, n);
		pthread_mutex_lock(&w->mu);
		for (job = list; job != NULL; job = next) {
			next = job->next;
			job->next = w->done;
			w->done = job;
		}
		/* Safe from any thread: the base was made thread-aware. */
		event_active(w->done_ev, EV_READ, 0);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* on_done - on the event thread: run the completions, oldest first */
static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct store_workers *w = arg;
	struct store_job *list, *rev = NULL, *next;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&w->mu);
	list = w->done;
	w->done = NULL;
	pthread_mutex_unlock(&w->mu);
	for (; list != NULL; list = next) {
		next = list->next;
		list->next = rev;
		rev = list;
	}
	for (; rev != NULL; rev = next) {
		next = rev->next;
		pthread_mutex_lock(&w->mu);
		w->pending--;
		pthread_mutex_unlock(&w->mu);
		rev->done(rev);
	}
}

struct store_workers *
store_workers_new(struct event_base *base, unsigned n,
    const struct store_opts *o, char *why, size_t whylen)
{
	struct store_workers *w = calloc(1, sizeof(*w));
	struct worker_arg *wa;
	unsigned i;

	if (w == NULL ||
	    (w->threads = calloc(n, sizeof(*w->threads))) == NULL ||
	    (w->stores = calloc(n, sizeof(*w->stores))) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->queue_tail = &w->queue;
	if ((w->done_ev = event_new(base, -1, 0, on_done, w)) == NULL) {
		snprintf(why, whylen, "event_new failed");
		goto fail;
	}
	/* Every connection first, so that a bad store fails the start-up. */
	for (i = 0; i < n; i++, w->nstores++)
		if (store_open(o, &w->stores[i], why, whylen) != STORE_OK)
			goto fail;
	for (i = 0; i < n; i++) {
		if ((wa = malloc(sizeof(*wa))) == NULL)
			goto fail_threads;
		wa->w = w;
		wa->st = w->stores[i];
		if (pthread_create(&w->threads[i], NULL, worker_main, wa) !=
		    0) {
			free(wa);
			goto fail_threads;
		}
		w->n++;
	}
	return w;
fail_threads:
	snprintf(why, whylen, "cannot start worker threads");
	store_workers_free(w);
	return NULL;
fail:
	if (w != NULL && w->stores != NULL)
		for (i = 0; i < w->nstores; i++)
			store_close(w->stores[i]);
	if (w != NULL) {
		if (w->done_ev != NULL)
			event_free(w->done_ev);
		free(w->threads);
		free(w->stores);
	}
	free(w);
	return NULL;
}

void
store_workers_submit(struct store_workers *w, struct store_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w->mu);
	*w->queue_tail = job;
	w->queue_tail = &job->next;
	w->pending++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

unsigned
store_workers_pending(struct store_workers *w)
{
	unsigned n;

	pthread_mutex_lock(&w->mu);
	n = w->pending;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void
store_workers_free(struct store_workers *w)
{
	unsigned i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	for (i = 0; i < w->nstores; i++)
		store_close(w->stores[i]);
	event_free(w->done_ev);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->threads);
	free(w->stores);
	free(w);
}
