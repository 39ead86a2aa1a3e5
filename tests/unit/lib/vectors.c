/*
 * vectors.c - see vectors.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vectors.h"

json_t *
tv_load(void)
{
	static const char *rel[] = {"/../shared/specs/lorawan-vectors.json",
	    "/tests/data/lorawan-vectors.json"};
	const char *top = getenv("TOP");
	char path[4096];
	json_t *j;

	if (top == NULL)
		top = ".";
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", top, rel[i]);
		if ((j = json_load_file(path, 0, NULL)) != NULL)
			return j;
	}
	fail_msg("cannot load lorawan-vectors.json under %s", top);
	return NULL;
}

const char *
tv_key(json_t *obj, const char *key)
{
	size_t n = strlen(key);
	const char *k;
	json_t *val;

	/* strchr() also finds the NUL: an exact name matches too. */
	json_object_foreach(obj, k, val)
	{
		if (strncmp(k, key, n) == 0 && strchr("([ ", k[n]) != NULL)
			return k;
	}
	return NULL;
}

json_t *
tv_field(json_t *obj, const char *key)
{
	const char *k = tv_key(obj, key);

	return k == NULL ? NULL : json_object_get(obj, k);
}
