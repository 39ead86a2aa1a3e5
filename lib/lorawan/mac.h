/*
 * mac.h - LoRaWAN MAC commands (LW102 §5, LW11 §5, Class B of LW11 §14):
 * parse a run of commands from FOpts or an FPort-0 FRMPayload, build one
 * into a bounded buffer, and the answers a Network Server gives itself
 * (LinkCheckAns, DeviceTimeAns) with their device-side parsers.
 *
 * A command is CID(1) | payload, whose length the CID and the direction
 * determine; nothing on air says how long it is.  So a CID this table does
 * not know, a proprietary one (0x80..0xFF, length unknown) or a truncated
 * command ends the parse: the commands before it are returned, and the
 * bytes from it on are reported as skipped, never guessed at.
 *
 * DeviceTimeAns carries GPS time: seconds since 1980-01-06T00:00:00Z
 * without leap seconds, i.e. UTC + (GPS - UTC).  That offset changes only
 * when a leap second is announced, so it is a parameter;
 * LW_GPS_UTC_OFFSET is its value since 2017-01-01.
 */
#ifndef LIB_LORAWAN_MAC_H
#define LIB_LORAWAN_MAC_H

#include <stddef.h>
#include <stdint.h>

#include "lorawan/lw_err.h"

#define LW_MAC_PAYLOAD_MAX 5         /* NewChannelReq, DeviceTimeAns */
#define LW_GPS_UTC_OFFSET 18         /* GPS - UTC in s, since 2017-01-01 */
#define LW_GPS_EPOCH_UNIX 315964800L /* 1980-01-06T00:00:00Z in Unix time */

/* Which way a command travels; the same CID means two commands. */
enum lw_mac_dir {
	LW_MAC_UP = 0,   /* device -> NS: *Ans, *Ind, LinkCheckReq, ... */
	LW_MAC_DOWN = 1, /* NS -> device: *Req, *Conf, LinkCheckAns, ... */
};

/* CIDs, named after the command pair (uplink/downlink member). */
enum lw_cid {
	LW_CID_RESET = 0x01,              /* ResetInd / ResetConf (1.1) */
	LW_CID_LINK_CHECK = 0x02,         /* LinkCheckReq / LinkCheckAns */
	LW_CID_LINK_ADR = 0x03,           /* LinkADRAns / LinkADRReq */
	LW_CID_DUTY_CYCLE = 0x04,         /* DutyCycleAns / DutyCycleReq */
	LW_CID_RX_PARAM_SETUP = 0x05,     /* RXParamSetupAns / Req */
	LW_CID_DEV_STATUS = 0x06,         /* DevStatusAns / DevStatusReq */
	LW_CID_NEW_CHANNEL = 0x07,        /* NewChannelAns / Req */
	LW_CID_RX_TIMING_SETUP = 0x08,    /* RXTimingSetupAns / Req */
	LW_CID_TX_PARAM_SETUP = 0x09,     /* TxParamSetupAns / Req */
	LW_CID_DL_CHANNEL = 0x0a,         /* DlChannelAns / DlChannelReq */
	LW_CID_REKEY = 0x0b,              /* RekeyInd / RekeyConf (1.1) */
	LW_CID_ADR_PARAM_SETUP = 0x0c,    /* ADRParamSetupAns / Req (1.1) */
	LW_CID_DEVICE_TIME = 0x0d,        /* DeviceTimeReq / DeviceTimeAns */
	LW_CID_FORCE_REJOIN = 0x0e,       /* - / ForceRejoinReq (1.1) */
	LW_CID_REJOIN_PARAM_SETUP = 0x0f, /* RejoinParamSetupAns / Req (1.1) */
	LW_CID_PING_SLOT_INFO = 0x10,     /* PingSlotInfoReq / Ans (class B) */
	LW_CID_PING_SLOT_CHANNEL = 0x11,  /* PingSlotChannelAns / Req */
	LW_CID_BEACON_FREQ = 0x13,        /* BeaconFreqAns / BeaconFreqReq */
	LW_CID_DEVICE_MODE = 0x20,        /* DeviceModeInd / Conf (1.1) */
	LW_CID_PROPRIETARY = 0x80,        /* 0x80..0xff: length unknown */
};

/* One MAC command; the payload is copied, never borrowed. */
struct lw_mac_cmd {
	uint8_t cid;
	uint8_t len; /* payload bytes */
	uint8_t payload[LW_MAC_PAYLOAD_MAX];
};

/* How far a parse got. */
struct lw_mac_run {
	size_t n;        /* commands returned */
	size_t skipped;  /* bytes not parsed, from stop_off to the end */
	size_t stop_off; /* where the parse stopped (the input length if not) */
	uint8_t stop_cid; /* the CID at stop_off when skipped > 0 */
};

/**
 * The payload length of a command.
 * @return 0..LW_MAC_PAYLOAD_MAX, or LW_ERR_FIELD for a CID without a
 *	defined length in that direction (unknown or proprietary).
 */
int lw_mac_payload_len(enum lw_mac_dir dir, uint8_t cid);

/**
 * Name a command ("LinkCheckReq", ...).
 * @return a static string; "Proprietary" for 0x80..0xff, "unknown" else.
 */
const char *lw_mac_name(enum lw_mac_dir dir, uint8_t cid);

/**
 * Parse a run of MAC commands.
 * @param buf: borrowed, len bytes (FOpts in plaintext, or a decrypted
 *	FPort-0 FRMPayload); nothing points into it afterwards.
 * @param cmds: caller's array of max entries; cmds[0 .. run->n) are valid
 *	whatever the return value, except LW_ERR_INVAL.
 * @param run: set in every case but LW_ERR_INVAL.
 * @return LW_OK (every byte parsed); LW_ERR_FIELD (stopped at an unknown
 *	or proprietary CID); LW_ERR_TRUNCATED (stopped at a command longer
 *	than the bytes left); LW_ERR_TOO_LONG (cmds is full); LW_ERR_INVAL.
 */
int lw_mac_parse(enum lw_mac_dir dir, const uint8_t *buf, size_t len,
    struct lw_mac_cmd *cmds, size_t max, struct lw_mac_run *run);

/**
 * Make a command, checking the payload length against the CID.  A
 * proprietary CID takes any length up to LW_MAC_PAYLOAD_MAX.
 * @param payload: borrowed; may be NULL when len is 0.
 * @param cmd: filled on success.
 * @return LW_OK, LW_ERR_FIELD (unknown CID, or the wrong length),
 *	LW_ERR_INVAL.
 */
int lw_mac_cmd_make(enum lw_mac_dir dir, uint8_t cid, const uint8_t *payload,
    size_t len, struct lw_mac_cmd *cmd);

/**
 * Write commands one after another while they fit, e.g. into FOpts
 * (outlen LW_FOPTS_MAX).  A command is written whole or not at all, and
 * the first one that does not fit ends the run, so order is kept.
 * @param cmds: borrowed, n entries.
 * @param out: caller's buffer of outlen bytes.
 * @param len: set to the bytes written.
 * @param done: set to the commands written (cmds[0 .. *done)).
 * @return LW_OK (all written), LW_ERR_TOO_LONG (some did not fit),
 *	LW_ERR_FIELD (a payload over LW_MAC_PAYLOAD_MAX), LW_ERR_INVAL.
 */
int lw_mac_build(const struct lw_mac_cmd *cmds, size_t n, uint8_t *out,
    size_t outlen, size_t *len, size_t *done);

/**
 * LinkCheckAns (NS -> device): the demodulation margin of the
 * LinkCheckReq's best reception and how many gateways heard it.
 * @param margin: dB above the demodulation floor, 0..254 (255 reserved).
 * @return LW_OK, LW_ERR_FIELD (margin 255), LW_ERR_INVAL.
 */
int
lw_mac_link_check_ans(uint8_t margin, uint8_t gw_cnt, struct lw_mac_cmd *cmd);

/**
 * Read a LinkCheckAns (device side).
 * @return LW_OK, LW_ERR_FIELD (another command or length, margin 255),
 *	LW_ERR_INVAL.
 */
int lw_mac_link_check_ans_parse(
    const struct lw_mac_cmd *cmd, uint8_t *margin, uint8_t *gw_cnt);

/**
 * Convert a UTC instant to GPS time as DeviceTimeAns carries it.  The
 * seconds count wraps modulo 2^32 (in 2116), as the field does.
 * @param unix_sec, nsec: the instant, Unix time (nsec 0..999999999).
 * @param gps_utc_offset: GPS - UTC in seconds; LW_GPS_UTC_OFFSET today.
 * @param gps_sec: set to whole seconds since the GPS epoch.
 * @param frac: set to the fraction in 1/256 s, rounded down.
 * @return LW_OK, LW_ERR_FIELD (before the GPS epoch, or nsec out of
 *	range), LW_ERR_INVAL.
 */
int lw_gps_time_from_unix(int64_t unix_sec, long nsec, int gps_utc_offset,
    uint32_t *gps_sec, uint8_t *frac);

/**
 * DeviceTimeAns (NS -> device): GPS seconds (32 bits, little-endian) and
 * 1/256 s fractions.
 * @return LW_OK, LW_ERR_INVAL.
 */
int
lw_mac_device_time_ans(uint32_t gps_sec, uint8_t frac, struct lw_mac_cmd *cmd);

/**
 * Read a DeviceTimeAns (device side).
 * @return LW_OK, LW_ERR_FIELD (another command or length), LW_ERR_INVAL.
 */
int lw_mac_device_time_ans_parse(
    const struct lw_mac_cmd *cmd, uint32_t *gps_sec, uint8_t *frac);

#endif /* LIB_LORAWAN_MAC_H */
