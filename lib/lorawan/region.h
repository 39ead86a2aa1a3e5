/*
 * region.h - the regional parameters a Network Server needs to schedule
 * a class A downlink: data rates, RX1/RX2 frequency and data rate, the
 * receive delays, the default downlink power and the maximum payload
 * sizes.  EU868 and US915 only.
 *
 * Sources (LoRaWAN Regional Parameters RP002-1.0.x, as ChirpStack
 * implements them in lrwn/src/region/eu868.rs and us915.rs, see
 * docs lorawan-backend.md section 5):
 * - EU868: DR0..5 = SF12..SF7 BW125, DR6 = SF7BW250, DR7 = FSK 50 kbit/s;
 *   RX1 on the uplink frequency at DR max(upDR - RX1DROffset, 0),
 *   offsets 0..5; RX2 869.525 MHz DR0.
 * - US915: uplink DR0..3 = SF10..SF7 BW125 on 902.3 + 0.2 n MHz
 *   (channels 0..63), DR4 = SF8BW500 on 903.0 + 1.6 n MHz (channels
 *   64..71); downlink DR8..13 = SF12..SF7 BW500; RX1 on
 *   923.3 + 0.6 (channel mod 8) MHz, DR from the RP002 table (offsets
 *   0..3); RX2 923.3 MHz DR8.  The LR-FHSS rates (US915 DR5/6) are not
 *   supported.
 * - Delays: RECEIVE_DELAY1 1 s (or RxDelay), RECEIVE_DELAY2 = it + 1 s;
 *   JOIN_ACCEPT_DELAY1/2 5 s / 6 s.
 * - Default downlink power (EIRP, dBm; ChirpStack's
 *   get_downlink_tx_power_eirp()): EU868 16, but 29 in the
 *   869.4..869.65 MHz sub-band of RX2; US915 21.
 * - Maximum MACPayload M and application payload N per data rate:
 *   RP002-1.0.x tables for devices that are not repeater compatible.
 *
 * Every function that can fail returns an enum lw_err (lw_err.h); on a
 * refusal the optional struct lw_region_error names the field.
 */
#ifndef LIB_LORAWAN_REGION_H
#define LIB_LORAWAN_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lorawan/lw_err.h"

#define LW_RECEIVE_DELAY1_US 1000000u
#define LW_RECEIVE_DELAY2_US 2000000u
#define LW_JOIN_ACCEPT_DELAY1_US 5000000u
#define LW_JOIN_ACCEPT_DELAY2_US 6000000u
#define LW_DATR_MAX 12 /* "SF12BW500" or "50000", with NUL */

enum lw_region {
	LW_REGION_EU868 = 0,
	LW_REGION_US915 = 1,
};

/* Why a lookup was refused. */
struct lw_region_error {
	const char *field; /* static name ("region", "datr", ...) */
	char detail[96];   /* NUL-terminated, human-readable */
};

/* What a data rate is on air. */
struct lw_dr_params {
	bool fsk;
	uint8_t sf;      /* LoRa */
	uint16_t bw_khz; /* LoRa: 125, 250, 500 */
	uint32_t bps;    /* FSK */
};

/* An uplink as received, and the device's RX settings for a downlink. */
struct lw_rx_request {
	uint32_t up_freq_hz;
	const char *up_datr; /* borrowed: "SF7BW125", or FSK bit/s "50000" */
	uint32_t up_tmst;    /* the rxpk tmst */
	/* A join-accept uses JOIN_ACCEPT_DELAY1/2, RX1DROffset 0 and the
	 * regional RX2: the device has no DLSettings yet, so the members
	 * below are ignored. */
	bool join_accept;
	uint8_t rx1_dr_offset; /* DLSettings RX1DROffset */
	uint8_t rx_delay_s;    /* RxTimingSetup Del; 0 means 1 s; max 15 */
	bool has_rx2_dr;       /* DLSettings RX2DataRate */
	uint8_t rx2_dr;
	bool has_rx2_freq; /* RXParamSetupReq Frequency */
	uint32_t rx2_freq_hz;
};

/* One receive window, as a txpk needs it. */
struct lw_tx_window {
	uint32_t freq_hz;
	uint8_t dr;
	char datr[LW_DATR_MAX]; /* "SF12BW125"; FSK: bit/s as text */
	struct lw_dr_params params;
	uint32_t delay_us;
	uint32_t tmst; /* up_tmst + delay_us, modulo 2^32 */
	int power_dbm; /* default downlink EIRP */
};

/**
 * Find a region by name: "EU868" ("EU863", "EU863-870"), "US915"
 * ("US902", "US902-928"); any case, "_" for "-".
 * @param name: borrowed, NUL-terminated.
 * @return LW_OK, LW_ERR_FIELD (field "region") or LW_ERR_INVAL.
 */
int
lw_region_parse(const char *name, enum lw_region *r, struct lw_region_error *e);

/**
 * The canonical name ("EU868", "US915").
 * @return a static string; "unknown" for other values.
 */
const char *lw_region_name(enum lw_region r);

/**
 * What a data rate is.  US915 uplink DRs are 0..4, downlink 8..13; an
 * EU868 DR is the same both ways.
 * @return LW_OK, or LW_ERR_FIELD (field "dr") for a DR not in the table.
 */
int lw_region_dr(enum lw_region r, bool uplink, unsigned dr,
    struct lw_dr_params *p, struct lw_region_error *e);

/**
 * A data rate as a UDP "datr": "SF12BW125"; FSK as its bit rate "50000".
 * @param out: caller's buffer of outlen bytes; LW_DATR_MAX suffices.
 * @return LW_OK, LW_ERR_FIELD (field "dr") or LW_ERR_TOO_LONG.
 */
int lw_region_dr_datr(enum lw_region r, bool uplink, unsigned dr, char *out,
    size_t outlen, struct lw_region_error *e);

/**
 * The data rate of a "datr" string (the inverse of lw_region_dr_datr()).
 * @param datr: borrowed.
 * @return LW_OK, or LW_ERR_FIELD (field "datr") if the region has no such
 *	rate in that direction.
 */
int lw_region_datr_dr(enum lw_region r, bool uplink, const char *datr,
    unsigned *dr, struct lw_region_error *e);

/**
 * US915: the uplink channel of a frequency (0..63 for 902.3 + 0.2 n MHz,
 * 64..71 for 903.0 + 1.6 n MHz).  EU868: 0..2 for the default channels
 * 868.1, 868.3, 868.5 MHz.
 * @return LW_OK, or LW_ERR_FIELD (field "freq") for any other frequency.
 */
int lw_region_uplink_channel(enum lw_region r, uint32_t freq_hz, unsigned *ch,
    struct lw_region_error *e);

/**
 * The RX1 frequency for an uplink frequency.
 * @return LW_OK, or LW_ERR_FIELD (field "freq"): EU868 outside
 *	863..870 MHz, US915 not an uplink channel.
 */
int lw_region_rx1_freq(enum lw_region r, uint32_t up_freq_hz,
    uint32_t *dn_freq_hz, struct lw_region_error *e);

/**
 * The RX1 data rate for an uplink data rate and RX1DROffset.
 * @return LW_OK, or LW_ERR_FIELD (field "dr" or "rx1_dr_offset").
 */
int lw_region_rx1_dr(enum lw_region r, unsigned up_dr, unsigned offset,
    unsigned *dn_dr, struct lw_region_error *e);

/**
 * The regional RX2 default (EU868 869.525 MHz DR0; US915 923.3 MHz DR8).
 */
void lw_region_rx2_default(enum lw_region r, uint32_t *freq_hz, unsigned *dr);

/**
 * The default downlink power (EIRP, dBm) at a frequency.
 */
int lw_region_tx_power(enum lw_region r, uint32_t freq_hz);

/**
 * Maximum MACPayload size M and application payload size N at a DR.
 * @return LW_OK, or LW_ERR_FIELD (field "dr").
 */
int lw_region_max_payload(enum lw_region r, unsigned dr, unsigned *m,
    unsigned *n, struct lw_region_error *e);

/**
 * The RX1 and RX2 transmit parameters for a class A downlink answering
 * an uplink: frequency, data rate, datr, tmst to send at and power.
 * @param req: borrowed.
 * @param rx1, rx2: filled on success.
 * @return LW_OK, LW_ERR_FIELD (field "datr", "freq", "rx1_dr_offset",
 *	"rx_delay", "rx2_dr" or "rx2_freq") or LW_ERR_INVAL.
 */
int lw_region_rx_windows(enum lw_region r, const struct lw_rx_request *req,
    struct lw_tx_window *rx1, struct lw_tx_window *rx2,
    struct lw_region_error *e);

#endif /* LIB_LORAWAN_REGION_H */
