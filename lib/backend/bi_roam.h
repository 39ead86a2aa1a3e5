/*
 * bi_roam.h - the passive-roaming part of bi.h: the metadata objects
 * (ULMetaData, DLMetaData, GWInfoElement), the bodies of PRStartReq/Ans,
 * XmitDataReq/Ans and ProfileReq/Ans, and their value syntaxes.  Included
 * by bi.h in the middle (it needs BI_PHY_MAX and struct bi_key_env, and
 * struct bi_msg needs it): include bi.h, not this file.
 */
#ifndef LIB_BACKEND_BI_ROAM_H
#define LIB_BACKEND_BI_ROAM_H

#ifndef LIB_BACKEND_BI_H
#error "include backend/bi.h instead"
#endif

#define BI_GW_MAX 16        /* GWInfo elements; more is refused */
#define BI_GW_ID_MAX 8      /* GWInfoElement.ID, bytes (4 in TS002, 8 = EUI) */
#define BI_UL_TOKEN_MAX 256 /* ULToken, FNSULToken, bytes */
#define BI_REGION_MAX 15    /* RFRegion, characters */
#define BI_TIME_MAX 39      /* RecvTime, DeviceProfileTimestamp, characters */
#define BI_FREQ_MIN 100.0   /* ULFreq, DLFreq1/2, MHz: 433 MHz to 2.4 GHz */
#define BI_FREQ_MAX 3000.0  /* bands, and a value in Hz is refused */

/* DLMetaData.ClassMode; NONE = absent. */
enum bi_class_mode {
	BI_CLASS_NONE = 0,
	BI_CLASS_A,
	BI_CLASS_B,
	BI_CLASS_C,
};

/* ProfileAns.RoamingActivationType; NONE = absent. */
enum bi_roaming_type {
	BI_ROAMING_NONE = 0,
	BI_ROAMING_PASSIVE,
	BI_ROAMING_HANDOVER,
};

/*
 * GWInfoElement (TS002 Table 22): one gateway that received an uplink, or
 * (with its ULToken) one that may send the downlink.  Every member is
 * optional on the wire.
 */
struct bi_gw_info {
	uint8_t id[BI_GW_ID_MAX];
	size_t id_len; /* 0 = absent, else 4 or 8 */
	bool has_fine_recv_time;
	uint32_t fine_recv_time;           /* ns within the second */
	char rf_region[BI_REGION_MAX + 1]; /* "" = absent; canonical */
	bool has_rssi;
	int32_t rssi; /* dBm, -300..100 */
	bool has_snr;
	double snr; /* dB, -100..100 */
	bool has_lat;
	double lat; /* degrees, -90..90 */
	bool has_lon;
	double lon; /* degrees, -180..180 */
	uint8_t ul_token[BI_UL_TOKEN_MAX];
	size_t ul_token_len; /* 0 = absent */
	bool has_dl_allowed;
	bool dl_allowed;
};

/* ULMetaData (TS002 Table 20): RecvTime and GWInfo are mandatory. */
struct bi_ul_meta {
	bool has_dev_eui;
	uint64_t dev_eui;
	bool has_dev_addr;
	uint32_t dev_addr;
	bool has_f_port;
	uint8_t f_port;
	bool has_f_cnt_down;
	uint32_t f_cnt_down;
	bool has_f_cnt_up;
	uint32_t f_cnt_up;
	bool has_confirmed;
	bool confirmed;
	bool has_data_rate;
	uint8_t data_rate; /* regional DR index, 0..15 */
	bool has_ul_freq;
	double ul_freq; /* MHz */
	bool has_margin;
	int8_t margin; /* dB, -32..31 (DevStatusAns) */
	bool has_battery;
	uint8_t battery; /* 0..255 (DevStatusAns) */
	uint8_t fns_ul_token[BI_UL_TOKEN_MAX];
	size_t fns_ul_token_len;           /* 0 = absent */
	char recv_time[BI_TIME_MAX + 1];   /* RFC 3339, required */
	char rf_region[BI_REGION_MAX + 1]; /* "" = absent; canonical */
	bool has_gw_cnt;
	uint16_t gw_cnt;    /* may exceed gw_info_len */
	size_t gw_info_len; /* 0..BI_GW_MAX; GWInfo itself is required */
	struct bi_gw_info gw_info[BI_GW_MAX];
};

/* DLMetaData (TS002 Table 21): GWInfo and one of DLFreq1/DLFreq2 are
 * mandatory. */
struct bi_dl_meta {
	bool has_dev_eui;
	uint64_t dev_eui;
	bool has_f_port;
	uint8_t f_port;
	bool has_f_cnt_down;
	uint32_t f_cnt_down;
	bool has_confirmed;
	bool confirmed;
	bool has_dl_freq1;
	double dl_freq1; /* MHz, RX1 */
	bool has_dl_freq2;
	double dl_freq2; /* MHz, RX2 */
	bool has_rx_delay1;
	uint8_t rx_delay1;             /* seconds, 0..15 */
	enum bi_class_mode class_mode; /* BI_CLASS_NONE = absent */
	bool has_data_rate1;
	uint8_t data_rate1; /* 0..15 */
	bool has_data_rate2;
	uint8_t data_rate2; /* 0..15 */
	uint8_t fns_ul_token[BI_UL_TOKEN_MAX];
	size_t fns_ul_token_len; /* 0 = absent */
	size_t gw_info_len;      /* 0..BI_GW_MAX */
	struct bi_gw_info gw_info[BI_GW_MAX];
	bool has_hi_priority_flag;
	bool hi_priority_flag;
};

/* PRStartReq (fNS -> sNS/hNS): a join-request or a data uplink. */
struct bi_prstart_req {
	uint8_t phy_payload[BI_PHY_MAX];
	size_t phy_payload_len; /* required */
	struct bi_ul_meta ul_meta;
};

/*
 * PRStartAns.  Every body field is optional, with Success too: TS002 makes
 * Lifetime mandatory, but ChirpStack leaves it out when it is 0
 * (stateless), so an absent Lifetime means 0.  ServiceProfile is not kept.
 */
struct bi_prstart_ans {
	uint8_t phy_payload[BI_PHY_MAX];
	size_t phy_payload_len; /* 0 = absent; the join-accept */
	bool has_dev_eui;
	uint64_t dev_eui;
	bool has_lifetime;
	uint32_t lifetime;                 /* seconds, 0 = stateless */
	struct bi_key_env f_nwk_s_int_key; /* 1.1 */
	struct bi_key_env nwk_s_key;       /* 1.0.x */
	bool has_f_cnt_up;
	uint32_t f_cnt_up;
	bool has_dev_addr; /* ChirpStack, for OTAA; not in TS002 */
	uint32_t dev_addr;
	bool has_dl_meta;
	struct bi_dl_meta dl_meta;
};

/*
 * XmitDataReq: PHYPayload (fNS <-> sNS) or FRMPayload (sNS <-> hNS), not
 * both; ULMetaData (uplink) or DLMetaData (downlink), not both.
 */
struct bi_xmitdata_req {
	uint8_t phy_payload[BI_PHY_MAX];
	size_t phy_payload_len; /* 0 = absent */
	uint8_t frm_payload[BI_PHY_MAX];
	size_t frm_payload_len; /* 0 = absent */
	bool has_ul_meta;
	struct bi_ul_meta ul_meta;
	bool has_dl_meta;
	struct bi_dl_meta dl_meta;
};

/* XmitDataAns: the window the downlink was sent in, if known. */
struct bi_xmitdata_ans {
	bool has_dl_freq1;
	double dl_freq1; /* MHz */
	bool has_dl_freq2;
	double dl_freq2; /* MHz */
};

struct bi_profile_req {
	uint64_t dev_eui;
};

/* ProfileAns: RoamingActivationType is required with Success;
 * DeviceProfile is not kept. */
struct bi_profile_ans {
	enum bi_roaming_type roaming_activation_type;
	char device_profile_timestamp[BI_TIME_MAX + 1]; /* "" = absent */
	bool has_lifetime;
	uint32_t lifetime; /* seconds, on refusal */
};

/**
 * Canonical spelling of an RFRegion (see the decisions at the top).
 * @param s: borrowed.
 * @param out: caller's buffer of at least BI_REGION_MAX + 1 bytes.
 * @return 0, or -1 if s is empty, longer than BI_REGION_MAX or has a
 *	character other than letters, digits, '-' and '_'.
 */
int bi_rf_region_canon(const char *s, char *out, size_t outsize);

/**
 * Parse an RFC 3339 time stamp ("2024-05-01T12:00:00.123456Z", offset
 * "+02:00" or "Z"; 't'/'z' accepted; up to 9 fraction digits; leap
 * second 60 accepted).
 * @param s: borrowed.
 * @param sec: if not NULL, set to seconds since 1970-01-01T00:00:00Z.
 * @param nsec: if not NULL, set to the nanoseconds.
 * @return 0, or -1.
 */
int bi_time_parse(const char *s, int64_t *sec, uint32_t *nsec);

/** @return the wire name of a class ("A"), or NULL for NONE/out of range. */
const char *bi_class_mode_name(enum bi_class_mode c);

/** @return the wire name ("Passive"), or NULL for NONE/out of range. */
const char *bi_roaming_type_name(enum bi_roaming_type t);

#endif /* LIB_BACKEND_BI_ROAM_H */
