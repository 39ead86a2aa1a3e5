/*
 * store_fixture.h - what the store tests (test_store*.c) share: the run's store (the URI in LORADANE_TEST_STORE_URI if set, which
 * PostgreSQL runs use, else a new SQLite file in a temporary directory),
 * its KEK files, DevEUIs unique to the run, and helpers that assert.
 */
#ifndef TESTS_UNIT_LIB_STORE_FIXTURE_H
#define TESTS_UNIT_LIB_STORE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"

extern char sf_dir[64];                /* the temporary directory */
extern char sf_uri[512];               /* the store */
extern char sf_kek[128], sf_kek2[128]; /* two KEK files, mode 0600 */
extern uint64_t sf_run_id;             /* 40 random bits: this run's DevEUIs */
extern uint8_t sf_kek_key[32];         /* the key in the file sf_kek */

/* A DevEUI of this run; top picks the high byte (list order). */
uint64_t sf_eui(uint8_t top, uint16_t idx);
/* A small file of the given mode. */
void sf_write_file(const char *path, const char *text, mode_t mode);
/* A fresh 64-hex-digit KEK file, mode 0600, of key k. */
void sf_random_kek(const char *path, uint8_t k[32]);
/* cmocka group setup and teardown: the directory, the KEKs, the URI. */
int sf_setup(void **state);
int sf_teardown(void **state);
/* Open the run's store with a KEK file and a DevNonce history. */
struct store *sf_open(const char *kekfile, unsigned history);
/* A test device; its keys derive from its DevEUI. */
void sf_device(struct store_device *d, uint64_t dev_eui, const char *version);
/* Add a device, asserting success. */
void sf_add(struct store *st, uint64_t dev_eui, const char *version);
/* Remove a device the test made (it may already be gone). */
void sf_rm(struct store *st, uint64_t dev_eui);

struct jarg {
	int ret;               /* what the callback returns */
	uint32_t join_nonce;   /* seen */
	uint8_t app_key[16];   /* seen: the decrypted AppKey */
	char id[STORE_ID_MAX]; /* session id written */
	uint8_t app_s_key[16]; /* AppSKey written */
};

/* A store_join_cb: a session whose AppSKey is made from the JoinNonce;
 * arg is a struct jarg. */
int sf_on_join(void *arg, const struct store_device *dev, uint32_t join_nonce,
    struct store_session *s);
/* One join; returns the store's answer, j filled by sf_on_join. */
int
sf_join(struct store *st, uint64_t dev_eui, uint16_t dev_nonce, struct jarg *j);
/* True when the run's store is PostgreSQL. */
bool sf_is_pg(void);
/* A DevEUI as the run's backend writes it in SQL (text or BIGINT). */
const char *sf_eui_sql(uint64_t e, char *buf, size_t len);
/* Run SQL on a database behind the store's back (target: a SQLite path
 * or a libpq URI; NULL: the run's store), asserting success; if out is
 * not NULL, the SQL is a query and the first value of its first row
 * goes there as text ("" if there is no row). */
void sf_sql(const char *target, const char *sql, char *out, size_t outlen);
/* The run's PostgreSQL URI with another database name. */
void sf_pg_other_db(const char *name, char *out, size_t len);
/* Assert a device's nonce state. */
void sf_state(struct store *st, uint64_t dev_eui, uint32_t ljn, int32_t ldn,
    uint32_t joins);

#endif /* TESTS_UNIT_LIB_STORE_FIXTURE_H */
