/*
 * devlist.h - the device list of the load and simulation tools (jsload,
 * loradane sim): one device per line, "DEVEUI JOINEUI MACVERSION APPKEY
 * [NWKKEY] HOMENETID", blanks between, "#" comments (the configuration
 * files' tokenizer).  NwkKey is required for 1.1.
 */
#ifndef LIB_LORAWAN_DEVLIST_H
#define LIB_LORAWAN_DEVLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lw_devlist_entry {
	uint64_t dev_eui, join_eui;
	char mac_version[8]; /* "1.0" ... "1.0.4", "1.1" */
	bool v11;            /* 1.1 */
	bool counter;        /* 1.0.4 and 1.1: DevNonce is a counter */
	uint8_t app_key[16], nwk_key[16];
	bool has_nwk_key;
	uint32_t home_net_id;
};

/*
 * Called once per device, in file order.  Return 0 to go on, anything
 * else to stop (devlist_read then returns that value).
 * @param e: borrowed for the call.
 */
typedef int lw_devlist_cb(void *arg, const struct lw_devlist_entry *e);

/**
 * Read a device list.
 * @param path: borrowed.
 * @param why: caller's; on -1, "PATH:LINE: reason" or "PATH: reason".
 * @return 0, -1 (the file or a line is bad: why), or the callback's
 *	non-zero value.
 */
int lw_devlist_read(
    const char *path, lw_devlist_cb *cb, void *arg, char *why, size_t whylen);

#endif /* LIB_LORAWAN_DEVLIST_H */
