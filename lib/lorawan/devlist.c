/*
 * devlist.c - the tools' device list; see devlist.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lorawan/devlist.h"
#include "lorawan/ids.h"
#include "util/bytes.h"
#include "util/config.h"

static const char *const versions[] = {
    "1.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.1"};

/* entry - one line; why it is bad, "" for a blank or comment line, NULL
 * when e is filled */
static const char *
entry(char *line, struct lw_devlist_entry *e)
{
	char *w[7];
	const char *err;
	uint8_t net[3];
	size_t v;
	int n;

	if ((n = cfg_split(line, w, 7, &err)) == 0)
		return "";
	if (n < 5 || n > 6)
		return "expected DevEUI JoinEUI MACVersion AppKey [NwkKey] "
		       "HomeNetID";
	memset(e, 0, sizeof(*e));
	if (lw_eui64_parse(w[0], &e->dev_eui) != LW_OK)
		return "DevEUI: not an EUI-64";
	if (lw_eui64_parse(w[1], &e->join_eui) != LW_OK)
		return "JoinEUI: not an EUI-64";
	for (v = 0; v < sizeof(versions) / sizeof(versions[0]); v++)
		if (strcmp(w[2], versions[v]) == 0)
			break;
	if (v == sizeof(versions) / sizeof(versions[0]))
		return "MACVersion: not 1.0, 1.0.1 ... 1.0.4 or 1.1";
	memcpy(e->mac_version, versions[v], strlen(versions[v]) + 1);
	e->v11 = v == 5;
	e->counter = v >= 4;
	if (bytes_from_hex_exact(w[3], e->app_key, 16, &err) != 0)
		return "AppKey: not 32 hex digits";
	if (n == 6) {
		e->has_nwk_key = true;
		if (bytes_from_hex_exact(w[4], e->nwk_key, 16, &err) != 0)
			return "NwkKey: not 32 hex digits";
	} else if (e->v11)
		return "NwkKey: required for MAC version 1.1";
	if (bytes_from_hex_exact(w[n - 1], net, 3, &err) != 0)
		return "HomeNetID: not 6 hex digits";
	e->home_net_id =
	    (uint32_t)net[0] << 16 | (uint32_t)net[1] << 8 | net[2];
	return NULL;
}

int
lw_devlist_read(
    const char *path, lw_devlist_cb *cb, void *arg, char *why, size_t whylen)
{
	FILE *f = fopen(path, "r");
	struct lw_devlist_entry e;
	char line[1024];
	const char *err;
	int lineno = 0, rc = 0;

	if (f == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			err = "line too long";
		else
			err = entry(line, &e);
		if (err != NULL && err[0] == '\0')
			continue;
		if (err != NULL) {
			snprintf(why, whylen, "%s:%d: %s", path, lineno, err);
			rc = -1;
			break;
		}
		rc = cb(arg, &e);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(why, whylen, "%s: read error", path);
		rc = -1;
	}
	fclose(f);
	memset(&e, 0, sizeof(e));
	return rc;
}
