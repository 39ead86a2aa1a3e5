/*
 * mac.c - MAC command tables, parser and builders; see mac.h.
 *
 * One table row per CID with both directions' lengths, because the
 * specification defines commands in Req/Ans pairs sharing a CID.  The
 * lengths are those of LW11 §5 Table 4 and the class B commands of
 * LW11 §14 (also LW104); the deprecated BeaconTimingReq/Ans (0x12) is
 * left out, so a device still sending it stops the parse.
 */
#include <string.h>

#include "lorawan/mac.h"

#define NONE (-1) /* the command does not exist in that direction */

struct cid_row {
	uint8_t cid;
	int8_t up_len, down_len;
	const char *up_name, *down_name;
};

static const struct cid_row cid_table[] = {
    {LW_CID_RESET, 1, 1, "ResetInd", "ResetConf"},
    {LW_CID_LINK_CHECK, 0, 2, "LinkCheckReq", "LinkCheckAns"},
    {LW_CID_LINK_ADR, 1, 4, "LinkADRAns", "LinkADRReq"},
    {LW_CID_DUTY_CYCLE, 0, 1, "DutyCycleAns", "DutyCycleReq"},
    {LW_CID_RX_PARAM_SETUP, 1, 4, "RXParamSetupAns", "RXParamSetupReq"},
    {LW_CID_DEV_STATUS, 2, 0, "DevStatusAns", "DevStatusReq"},
    {LW_CID_NEW_CHANNEL, 1, 5, "NewChannelAns", "NewChannelReq"},
    {LW_CID_RX_TIMING_SETUP, 0, 1, "RXTimingSetupAns", "RXTimingSetupReq"},
    {LW_CID_TX_PARAM_SETUP, 0, 1, "TxParamSetupAns", "TxParamSetupReq"},
    {LW_CID_DL_CHANNEL, 1, 4, "DlChannelAns", "DlChannelReq"},
    {LW_CID_REKEY, 1, 1, "RekeyInd", "RekeyConf"},
    {LW_CID_ADR_PARAM_SETUP, 0, 1, "ADRParamSetupAns", "ADRParamSetupReq"},
    {LW_CID_DEVICE_TIME, 0, 5, "DeviceTimeReq", "DeviceTimeAns"},
    {LW_CID_FORCE_REJOIN, NONE, 2, NULL, "ForceRejoinReq"},
    {LW_CID_REJOIN_PARAM_SETUP, 1, 1, "RejoinParamSetupAns",
	"RejoinParamSetupReq"},
    {LW_CID_PING_SLOT_INFO, 1, 0, "PingSlotInfoReq", "PingSlotInfoAns"},
    {LW_CID_PING_SLOT_CHANNEL, 1, 4, "PingSlotChannelAns",
	"PingSlotChannelReq"},
    {LW_CID_BEACON_FREQ, 1, 3, "BeaconFreqAns", "BeaconFreqReq"},
    {LW_CID_DEVICE_MODE, 1, 1, "DeviceModeInd", "DeviceModeConf"},
};

/* find - the row of a CID, or NULL */
static const struct cid_row *
find(uint8_t cid)
{
	size_t i;

	for (i = 0; i < sizeof(cid_table) / sizeof(cid_table[0]); i++)
		if (cid_table[i].cid == cid)
			return &cid_table[i];
	return NULL;
}

int
lw_mac_payload_len(enum lw_mac_dir dir, uint8_t cid)
{
	const struct cid_row *r = find(cid);
	int len;

	if (r == NULL)
		return LW_ERR_FIELD;
	len = dir == LW_MAC_UP ? r->up_len : r->down_len;
	return len == NONE ? LW_ERR_FIELD : len;
}

const char *
lw_mac_name(enum lw_mac_dir dir, uint8_t cid)
{
	const struct cid_row *r = find(cid);
	const char *name;

	if (cid >= LW_CID_PROPRIETARY)
		return "Proprietary";
	if (r == NULL)
		return "unknown";
	name = dir == LW_MAC_UP ? r->up_name : r->down_name;
	return name != NULL ? name : "unknown";
}

/* stop - record where and why the parse ended */
static int
stop(
    struct lw_mac_run *run, const uint8_t *buf, size_t len, size_t off, int why)
{
	run->stop_off = off;
	run->skipped = len - off;
	run->stop_cid = buf[off];
	return why;
}

int
lw_mac_parse(enum lw_mac_dir dir, const uint8_t *buf, size_t len,
    struct lw_mac_cmd *cmds, size_t max, struct lw_mac_run *run)
{
	size_t off = 0;
	int plen;

	if (run == NULL || (buf == NULL && len > 0) ||
	    (cmds == NULL && max > 0) ||
	    (dir != LW_MAC_UP && dir != LW_MAC_DOWN))
		return LW_ERR_INVAL;
	memset(run, 0, sizeof(*run));
	while (off < len) {
		plen = lw_mac_payload_len(dir, buf[off]);
		if (plen < 0)
			return stop(run, buf, len, off, LW_ERR_FIELD);
		/* len - off - 1: the bytes after the CID, never negative */
		if ((size_t)plen > len - off - 1)
			return stop(run, buf, len, off, LW_ERR_TRUNCATED);
		if (run->n == max)
			return stop(run, buf, len, off, LW_ERR_TOO_LONG);
		cmds[run->n].cid = buf[off];
		cmds[run->n].len = (uint8_t)plen;
		memset(cmds[run->n].payload, 0, LW_MAC_PAYLOAD_MAX);
		memcpy(cmds[run->n].payload, buf + off + 1, (size_t)plen);
		run->n++;
		off += 1 + (size_t)plen;
	}
	run->stop_off = len;
	return LW_OK;
}

int
lw_mac_cmd_make(enum lw_mac_dir dir, uint8_t cid, const uint8_t *payload,
    size_t len, struct lw_mac_cmd *cmd)
{
	int want;

	if (cmd == NULL || (payload == NULL && len > 0))
		return LW_ERR_INVAL;
	if (cid >= LW_CID_PROPRIETARY) {
		if (len > LW_MAC_PAYLOAD_MAX)
			return LW_ERR_FIELD;
	} else {
		want = lw_mac_payload_len(dir, cid);
		if (want < 0 || (size_t)want != len)
			return LW_ERR_FIELD;
	}
	memset(cmd, 0, sizeof(*cmd));
	cmd->cid = cid;
	cmd->len = (uint8_t)len;
	if (len > 0)
		memcpy(cmd->payload, payload, len);
	return LW_OK;
}

int
lw_mac_build(const struct lw_mac_cmd *cmds, size_t n, uint8_t *out,
    size_t outlen, size_t *len, size_t *done)
{
	size_t i, off = 0;

	if ((cmds == NULL && n > 0) || (out == NULL && outlen > 0) ||
	    len == NULL || done == NULL)
		return LW_ERR_INVAL;
	*len = 0;
	*done = 0;
	for (i = 0; i < n; i++)
		if (cmds[i].len > LW_MAC_PAYLOAD_MAX)
			return LW_ERR_FIELD;
	for (i = 0; i < n; i++) {
		if (1 + (size_t)cmds[i].len > outlen - off)
			return LW_ERR_TOO_LONG;
		out[off] = cmds[i].cid;
		memcpy(out + off + 1, cmds[i].payload, cmds[i].len);
		off += 1 + (size_t)cmds[i].len;
		*len = off;
		*done = i + 1;
	}
	return LW_OK;
}

int
lw_mac_link_check_ans(uint8_t margin, uint8_t gw_cnt, struct lw_mac_cmd *cmd)
{
	const uint8_t p[2] = {margin, gw_cnt};

	if (cmd == NULL)
		return LW_ERR_INVAL;
	/* LW102 §5.2: "The value 255 is reserved." */
	if (margin == 255)
		return LW_ERR_FIELD;
	return lw_mac_cmd_make(LW_MAC_DOWN, LW_CID_LINK_CHECK, p, 2, cmd);
}

int
lw_mac_link_check_ans_parse(
    const struct lw_mac_cmd *cmd, uint8_t *margin, uint8_t *gw_cnt)
{
	if (cmd == NULL || margin == NULL || gw_cnt == NULL)
		return LW_ERR_INVAL;
	if (cmd->cid != LW_CID_LINK_CHECK || cmd->len != 2 ||
	    cmd->payload[0] == 255)
		return LW_ERR_FIELD;
	*margin = cmd->payload[0];
	*gw_cnt = cmd->payload[1];
	return LW_OK;
}

int
lw_gps_time_from_unix(int64_t unix_sec, long nsec, int gps_utc_offset,
    uint32_t *gps_sec, uint8_t *frac)
{
	int64_t s;

	if (gps_sec == NULL || frac == NULL)
		return LW_ERR_INVAL;
	if (nsec < 0 || nsec > 999999999L)
		return LW_ERR_FIELD;
	/* Bound before adding, so no instant can overflow int64_t. */
	if (unix_sec < LW_GPS_EPOCH_UNIX || unix_sec > INT64_MAX / 2 ||
	    gps_utc_offset < -3600 || gps_utc_offset > 3600)
		return LW_ERR_FIELD;
	s = unix_sec - LW_GPS_EPOCH_UNIX + gps_utc_offset;
	if (s < 0)
		return LW_ERR_FIELD;
	*gps_sec = (uint32_t)((uint64_t)s & 0xffffffffu);
	/* nsec * 256 < 2^38: exact in 64 bits, rounded down */
	*frac = (uint8_t)(((uint64_t)nsec * 256u) / 1000000000u);
	return LW_OK;
}

int
lw_mac_device_time_ans(uint32_t gps_sec, uint8_t frac, struct lw_mac_cmd *cmd)
{
	uint8_t p[5];

	if (cmd == NULL)
		return LW_ERR_INVAL;
	p[0] = (uint8_t)gps_sec;
	p[1] = (uint8_t)(gps_sec >> 8);
	p[2] = (uint8_t)(gps_sec >> 16);
	p[3] = (uint8_t)(gps_sec >> 24);
	p[4] = frac;
	return lw_mac_cmd_make(LW_MAC_DOWN, LW_CID_DEVICE_TIME, p, 5, cmd);
}

int
lw_mac_device_time_ans_parse(
    const struct lw_mac_cmd *cmd, uint32_t *gps_sec, uint8_t *frac)
{
	if (cmd == NULL || gps_sec == NULL || frac == NULL)
		return LW_ERR_INVAL;
	if (cmd->cid != LW_CID_DEVICE_TIME || cmd->len != 5)
		return LW_ERR_FIELD;
	*gps_sec = (uint32_t)cmd->payload[0] | (uint32_t)cmd->payload[1] << 8 |
	    (uint32_t)cmd->payload[2] << 16 | (uint32_t)cmd->payload[3] << 24;
	*frac = cmd->payload[4];
	return LW_OK;
}
