/*
 * ns_int.h - between the NS's frame handlers (ns_join.c, ns_uplink.c).
 */
#ifndef SRC_NS_NS_INT_H
#define SRC_NS_NS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gw/gw_server.h"
#include "lorawan/region.h"

struct ns_server;

/**
 * Send a downlink through the gateway of rx, in window w (its tmst,
 * frequency, data rate and power): a PULL_RESP with ipol set.
 * @param phy: borrowed, len bytes (copied).
 * @param cb: the gateway's TX_ACK verdict, as gw_server_send.
 * @return 0, or -1 after logging why (cb will not run).
 */
int ns_send_window(struct ns_server *srv, const struct gw_server_rx *rx,
    const struct lw_tx_window *w, const uint8_t *phy, size_t len,
    gw_server_tx_cb *cb, void *arg);

/** A data uplink (ns_uplink.c). */
void ns_uplink_data(struct ns_server *srv, const struct gw_server_uplink *u);

#endif /* SRC_NS_NS_INT_H */
