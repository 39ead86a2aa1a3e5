/*
 * vectors.h - the LoRaWAN test vectors (lorawan-vectors.json) for the
 * unit tests that check against them.
 */
#ifndef TESTS_UNIT_LIB_VECTORS_H
#define TESTS_UNIT_LIB_VECTORS_H

#include <jansson.h>

/* The shared specs' copy if present ($TOP/../shared/specs), else the
 * committed one ($TOP/tests/data); fails the test if neither loads.
 * @return a new reference (json_decref). */
json_t *tv_load(void);

/* The actual name of a key, tolerating the vectors' annotations: "app_key"
 * also finds "app_key(=NwkKey)", "cflist (EU868 ...)" and "cmacF[0..3]".
 * @return borrowed from obj, or NULL. */
const char *tv_key(json_t *obj, const char *key);

/* The value of an annotated key (borrowed), or NULL. */
json_t *tv_field(json_t *obj, const char *key);

#endif /* TESTS_UNIT_LIB_VECTORS_H */
