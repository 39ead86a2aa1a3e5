/*
 * crypto_thread.c - one struct lw_crypto per thread, for the daemons'
 * worker threads: the contexts it holds cannot be shared, and making one
 * per request would cost more than the MIC it computes.
 */
#include <pthread.h>

#include "lorawan/crypto.h"

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
destroy(void *p)
{
	lw_crypto_free(p);
}

static void
init(void)
{
	(void)pthread_key_create(&key, destroy);
}

struct lw_crypto *
lw_crypto_thread(void)
{
	struct lw_crypto *c;

	pthread_once(&once, init);
	if ((c = pthread_getspecific(key)) == NULL &&
	    (c = lw_crypto_new()) != NULL)
		(void)pthread_setspecific(key, c);
	return c;
}
