/*
 * bi.h - LoRaWAN Backend Interfaces (TS002) JSON messages: the common
 * header, JoinReq/RejoinReq, AppSKeyReq, HomeNSReq, the passive-roaming
 * messages (PRStartReq, XmitDataReq, ProfileReq) and their answers, with
 * the ULMetaData/DLMetaData objects, both ways (decode and encode), on
 * jansson.
 *
 * Decisions:
 * - A decoded message is copied into fixed arrays inside struct bi_msg: it
 *   never points into the input or into jansson, and needs no freeing.
 *   Bounds are the BI_*_MAX constants below; longer values are refused,
 *   except Result.Description, which is cut (at a UTF-8 boundary) because
 *   a peer's explanation of a failure must not turn it into another one.
 * - Hex is accepted in either case, with or without "0x" (TS002 §22.3);
 *   it is emitted lowercase without prefix.  EUIs, NetIDs and DevAddrs are
 *   big-endian display order, host-order integers here.
 * - SenderID/ReceiverID/SenderNSID/ReceiverNSID/HNSID are kept as text:
 *   they are a NetID, a JoinEUI or a free AS-ID depending on the role, and
 *   an error answer must echo them exactly.  bi_id_eui64()/bi_id_netid()
 *   read them as numbers.
 * - Unknown fields, VSExtension included, are ignored.  Duplicate keys are
 *   refused (JSON_REJECT_DUPLICATES): two values for one field is the
 *   start of a confusion between two parsers.
 * - An optional field that is absent, JSON null, or "" (for hex and
 *   strings) is absent.  Implementations differ on which they send.
 * - In an answer whose ResultCode is not Success, the body fields are all
 *   optional (each is still checked when present); with Success the
 *   mandatory ones of TS002 are required, on decode and on encode alike.
 * - Numbers with a fraction (frequencies in MHz, SNR, Lat/Lon) accept a
 *   JSON integer or real and are emitted with 15 significant digits
 *   (DBL_DIG), so that 868.1 goes out as 868.1 and not 868.10000000000002;
 *   whatever we emit decodes to a double that re-encodes to the same text.
 * - Time stamps (RecvTime, DeviceProfileTimestamp) are checked as RFC 3339
 *   and kept as text: they are echoed, logged and compared rarely, and
 *   bi_time_parse() turns one into seconds when needed.
 * - RFRegion: the TS002 names (EU868, US902, China779, EU433,
 *   Australia915, China470, AS923) and ChirpStack's (US915, AS923-2, ...)
 *   are accepted in any case, with '-' or '_', and kept in one canonical
 *   spelling per region (the RP002 common name, ChirpStack's); an unknown
 *   name of letters, digits, '-' and '_' is kept upper-cased with '-', as
 *   ChirpStack does, because regions are added faster than peers upgrade.
 * - ServiceProfile (PRStartAns) and DeviceProfile (ProfileAns) are checked
 *   to be objects and otherwise ignored: nothing here uses them yet, and
 *   their dozens of fields have known spelling traps between peers.
 * - A ProtocolVersion other than "1.0" or "1.1" stops decoding after the
 *   header with BI_ERR_VERSION, so the caller can answer
 *   InvalidProtocolVersion: under an unknown version the body has no known
 *   meaning.
 *
 * Nothing here prints or exits.  Errors are a stable negative enum
 * (bi_strerror()) plus, on decode, a struct bi_error naming the field.
 */
#ifndef LIB_BACKEND_BI_H
#define LIB_BACKEND_BI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BI_MSG_MAX (64 * 1024) /* largest JSON text decoded, bytes */
#define BI_ID_MAX 255          /* Sender/ReceiverID, NSIDs, characters */
#define BI_PV_MAX 15           /* ProtocolVersion, characters */
#define BI_TOKEN_MAX 128       /* Sender/ReceiverToken, bytes */
#define BI_PHY_MAX 256         /* PHYPayload, bytes (LoRa: 255) */
#define BI_SKID_MAX 64         /* SessionKeyID, bytes */
#define BI_KEK_LABEL_MAX 127   /* KEKLabel, characters */
#define BI_DESC_MAX 511        /* Result.Description, bytes (cut) */
#define BI_KEY_LEN 16          /* AESKey in clear */
#define BI_WRAPPED_KEY_LEN 24  /* AESKey wrapped (RFC 3394) */
#define BI_CFLIST_LEN 16
/* Stable: new codes are appended, none is removed or renumbered. */
enum bi_err {
	BI_OK = 0,
	BI_ERR_TOO_LONG = -1,    /* input over BI_MSG_MAX */
	BI_ERR_JSON = -2,        /* not JSON, not an object, duplicate key */
	BI_ERR_MISSING = -3,     /* a required field is absent */
	BI_ERR_FIELD = -4,       /* a field has the wrong type or value */
	BI_ERR_VERSION = -5,     /* ProtocolVersion not 1.0 or 1.1 */
	BI_ERR_UNSUPPORTED = -6, /* a MessageType whose body is not handled */
	BI_ERR_INVAL = -7,       /* bad argument or struct to encode */
	BI_ERR_NOMEM = -8,       /* out of memory */
};

/*
 * Message types (TS002 Table 12, plus TTS's XmitLoc).  Every answer is
 * its request + 1; BI_MT_NONE is never valid on the wire.
 */
enum bi_msg_type {
	BI_MT_NONE = 0,
	BI_JOIN_REQ,
	BI_JOIN_ANS,
	BI_REJOIN_REQ,
	BI_REJOIN_ANS,
	BI_APPSKEY_REQ,
	BI_APPSKEY_ANS,
	BI_PRSTART_REQ,
	BI_PRSTART_ANS,
	BI_PRSTOP_REQ,
	BI_PRSTOP_ANS,
	BI_HRSTART_REQ,
	BI_HRSTART_ANS,
	BI_HRSTOP_REQ,
	BI_HRSTOP_ANS,
	BI_HOMENS_REQ,
	BI_HOMENS_ANS,
	BI_PROFILE_REQ,
	BI_PROFILE_ANS,
	BI_XMITDATA_REQ,
	BI_XMITDATA_ANS,
	BI_XMITLOC_REQ,
	BI_XMITLOC_ANS,
	BI_MT_COUNT
};

/*
 * Result codes: every code of TS002 §22.4 Table 24 first, then the
 * three TTS adds.  Emitted with the spec spelling ("UnkownReceiver");
 * decoded from either UnknownReceiver spelling and from BRO's
 * "RoamingActDisallowedA".
 */
enum bi_rc {
	BI_RC_SUCCESS = 0,
	BI_RC_MIC_FAILED,
	BI_RC_JOIN_REQ_FAILED,
	BI_RC_NO_ROAMING_AGREEMENT,
	BI_RC_DEV_ROAMING_DISALLOWED,
	BI_RC_ROAMING_ACT_DISALLOWED,
	BI_RC_ACTIVATION_DISALLOWED,
	BI_RC_UNKNOWN_DEV_EUI,
	BI_RC_UNKNOWN_DEV_ADDR,
	BI_RC_UNKNOWN_SENDER,
	BI_RC_UNKNOWN_RECEIVER,
	BI_RC_DEFERRED,
	BI_RC_XMIT_FAILED,
	BI_RC_INVALID_FPORT,
	BI_RC_INVALID_PROTOCOL_VERSION,
	BI_RC_STALE_DEVICE_PROFILE,
	BI_RC_MALFORMED_REQUEST,
	BI_RC_FRAME_SIZE_ERROR,
	BI_RC_OTHER,
	BI_RC_NO_ACTION,         /* TTS */
	BI_RC_FRAME_REPLAYED,    /* TTS */
	BI_RC_MALFORMED_MESSAGE, /* TTS */
	BI_RC_COUNT
};

/* ProtocolVersion, as understood. */
enum bi_pv {
	BI_PV_UNKNOWN = 0,
	BI_PV_1_0,
	BI_PV_1_1,
};

/*
 * MACVersion.  Decoded from "1.0", "1.0.0" ... "1.0.4", "1.1", "1.1.0";
 * emitted in the TTS set ("1.0", "1.0.1" ... "1.0.4", "1.1"), the only
 * spelling every known JS accepts for 1.1.
 */
enum bi_macv {
	BI_MACV_UNKNOWN = 0,
	BI_MACV_1_0,
	BI_MACV_1_0_1,
	BI_MACV_1_0_2,
	BI_MACV_1_0_3,
	BI_MACV_1_0_4,
	BI_MACV_1_1,
};

/* Why a decode (or an encode) was refused. */
struct bi_error {
	int code; /* enum bi_err */
	/* SenderID, ReceiverID, TransactionID and MessageType decoded: an
	 * error answer can be built from msg.hdr (bi_encode_error()) */
	bool header_ok;
	char field[40]; /* the JSON field, e.g. "Result.ResultCode", or "" */
	/* "DevEUI: not 16 hex digits": printable ASCII only (peer bytes
	 * quoted in it become '?'), safe to log and to send back */
	char text[200];
};

/* Result (answers only). */
struct bi_result {
	enum bi_rc code;
	char description[BI_DESC_MAX + 1]; /* "" = absent */
};

/* The common header (TS002 Table 14). */
struct bi_hdr {
	char protocol_version[BI_PV_MAX + 1]; /* as received; sent as is */
	enum bi_pv pv;                        /* set by decode only */
	char sender_id[BI_ID_MAX + 1];
	char receiver_id[BI_ID_MAX + 1];
	uint32_t transaction_id;
	enum bi_msg_type type;
	uint8_t sender_token[BI_TOKEN_MAX];
	size_t sender_token_len; /* 0 = absent */
	uint8_t receiver_token[BI_TOKEN_MAX];
	size_t receiver_token_len;         /* 0 = absent */
	char sender_nsid[BI_ID_MAX + 1];   /* "" = absent (BI 1.1) */
	char receiver_nsid[BI_ID_MAX + 1]; /* "" = absent (BI 1.1) */
	struct bi_result result;           /* answers only */
};

/*
 * KeyEnvelope (TS002 §21): an empty label means the 16-byte key in clear,
 * otherwise the 24-byte RFC 3394 wrap under the KEK of that label
 * (lorawan/keywrap.h does the wrapping).
 */
struct bi_key_env {
	bool present;
	char kek_label[BI_KEK_LABEL_MAX + 1];
	uint8_t aes_key[BI_WRAPPED_KEY_LEN];
	size_t aes_key_len; /* BI_KEY_LEN or BI_WRAPPED_KEY_LEN */
};

/* JoinReq and RejoinReq. */
struct bi_join_req {
	enum bi_macv mac_version;
	uint8_t phy_payload[BI_PHY_MAX];
	size_t phy_payload_len;
	uint64_t dev_eui;
	uint32_t dev_addr;
	uint8_t dl_settings;
	uint8_t rx_delay; /* 0..15 */
	bool has_cflist;
	uint8_t cflist[BI_CFLIST_LEN];
};

/* JoinAns and RejoinAns (ReceiverNSID is in the header). */
struct bi_join_ans {
	uint8_t phy_payload[BI_PHY_MAX];
	size_t phy_payload_len; /* 0 = absent */
	bool has_lifetime;
	uint32_t lifetime;                 /* seconds */
	struct bi_key_env nwk_s_key;       /* 1.0.x */
	struct bi_key_env f_nwk_s_int_key; /* 1.1 */
	struct bi_key_env s_nwk_s_int_key; /* 1.1 */
	struct bi_key_env nwk_s_enc_key;   /* 1.1 */
	struct bi_key_env app_s_key;
	uint8_t session_key_id[BI_SKID_MAX];
	size_t session_key_id_len; /* 0 = absent */
};

struct bi_appskey_req {
	uint64_t dev_eui;
	uint8_t session_key_id[BI_SKID_MAX];
	size_t session_key_id_len;
};

struct bi_appskey_ans {
	bool has_dev_eui; /* always with Success */
	uint64_t dev_eui;
	struct bi_key_env app_s_key;
	uint8_t session_key_id[BI_SKID_MAX];
	size_t session_key_id_len; /* 0 = absent */
};

struct bi_homens_req {
	uint64_t dev_eui;
};

struct bi_homens_ans {
	bool has_h_net_id; /* always with Success */
	uint32_t h_net_id;
	char h_nsid[BI_ID_MAX + 1]; /* "" = absent (BI 1.1) */
};

#include "backend/bi_roam.h" /* needs the above; see there */

/* A whole message: the header, and the body its type selects. */
struct bi_msg {
	struct bi_hdr hdr;
	union {
		struct bi_join_req join_req;         /* JoinReq, RejoinReq */
		struct bi_join_ans join_ans;         /* JoinAns, RejoinAns */
		struct bi_appskey_req appskey_req;   /* AppSKeyReq */
		struct bi_appskey_ans appskey_ans;   /* AppSKeyAns */
		struct bi_homens_req homens_req;     /* HomeNSReq */
		struct bi_homens_ans homens_ans;     /* HomeNSAns */
		struct bi_prstart_req prstart_req;   /* PRStartReq */
		struct bi_prstart_ans prstart_ans;   /* PRStartAns */
		struct bi_xmitdata_req xmitdata_req; /* XmitDataReq */
		struct bi_xmitdata_ans xmitdata_ans; /* XmitDataAns */
		struct bi_profile_req profile_req;   /* ProfileReq */
		struct bi_profile_ans profile_ans;   /* ProfileAns */
	};
};

/**
 * Name an error code.
 * @return a static string; never NULL.
 */
const char *bi_strerror(int err);

/**
 * The wire name of a message type ("JoinReq").
 * @return a static string, or NULL for BI_MT_NONE or out of range.
 */
const char *bi_msg_type_name(enum bi_msg_type t);

/**
 * Parse a wire message type name (exact spelling).
 * @param s: borrowed.
 * @return the type, or BI_MT_NONE.
 */
enum bi_msg_type bi_msg_type_parse(const char *s);

/** @return true if t is an *Ans type. */
bool bi_msg_type_is_answer(enum bi_msg_type t);

/**
 * The answer type of a request type (JoinReq -> JoinAns).
 * @return the answer type, or BI_MT_NONE if t is not a request.
 */
enum bi_msg_type bi_msg_type_answer(enum bi_msg_type t);

/**
 * The spec spelling of a result code ("UnkownReceiver").
 * @return a static string, or NULL out of range.
 */
const char *bi_rc_name(enum bi_rc rc);

/**
 * Parse a result code: spec spellings, "UnknownReceiver", BRO's
 * "RoamingActDisallowedA", and the TTS additions.
 * @param s: borrowed.
 * @param rc: set on success.
 * @return 0, or -1 if unknown.
 */
int bi_rc_parse(const char *s, enum bi_rc *rc);

/**
 * The result code to answer a refused request with: BI_ERR_VERSION ->
 * InvalidProtocolVersion, BI_ERR_UNSUPPORTED -> Other, any other decode
 * error -> MalformedRequest.
 */
enum bi_rc bi_err_result(int err);

/**
 * The spelling of a MACVersion that bi_encode() emits.
 * @return a static string, or NULL for BI_MACV_UNKNOWN or out of range.
 */
const char *bi_macv_name(enum bi_macv v);

/**
 * Parse a MACVersion ("1.0.2", "1.1", "1.1.0", ...).
 * @param s: borrowed.
 * @return the version, or BI_MACV_UNKNOWN.
 */
enum bi_macv bi_macv_parse(const char *s);

/**
 * Read an ID (SenderID, NSID, ...) as an EUI-64: exactly 16 hex digits,
 * either case, optional "0x".
 * @param id: borrowed.
 * @param eui: set on success.
 * @return 0, or -1.
 */
int bi_id_eui64(const char *id, uint64_t *eui);

/**
 * Read an ID as a NetID: exactly 6 hex digits, either case, optional "0x".
 * @param id: borrowed.
 * @param netid: set on success.
 * @return 0, or -1.
 */
int bi_id_netid(const char *id, uint32_t *netid);

/**
 * Write an EUI-64 as an ID: 16 lowercase hex digits.
 * @param buf: caller's buffer of at least 17 bytes (a bi_hdr ID member).
 */
void bi_id_from_eui64(uint64_t eui, char *buf, size_t buflen);

/**
 * Write a NetID as an ID: 6 lowercase hex digits (low 24 bits).
 * @param buf: caller's buffer of at least 7 bytes.
 */
void bi_id_from_netid(uint32_t netid, char *buf, size_t buflen);

/**
 * Start a message: zero it, set ProtocolVersion "1.0" and the type.
 * @param m: caller's.
 */
void bi_msg_init(struct bi_msg *m, enum bi_msg_type type);

/**
 * Decode one JSON message of any type.
 *
 * The header is decoded first; then, for JoinReq, RejoinReq, AppSKeyReq,
 * HomeNSReq, PRStartReq, XmitDataReq, ProfileReq and their answers, the
 * body.  Other known types (PRStop*, HRStart*, HRStop*, XmitLoc*) decode
 * the header and return BI_ERR_UNSUPPORTED (with err->header_ok set).
 * @param buf: borrowed; len bytes, need not be NUL-terminated.
 * @param m: caller's; zeroed, then filled as far as decoding got (the
 *	header is complete whenever err->header_ok is set).
 * @param err: caller's, may be NULL; filled on failure (code, field and
 *	text) and on success (code 0, header_ok set).
 * @return BI_OK or a negative enum bi_err.
 */
int
bi_decode(const char *buf, size_t len, struct bi_msg *m, struct bi_error *err);

/**
 * Encode a message as compact JSON.  The struct is checked as a decoder
 * would check the result (IDs present, key lengths matching their labels,
 * mandatory fields of a Success answer).  Answers of a type whose body is
 * not handled here are encoded as the header and Result alone (an error
 * answer); requests of such a type are refused with BI_ERR_UNSUPPORTED.
 * @param m: borrowed.
 * @param out: set to a newly allocated NUL-terminated string; the caller
 *	frees it with free().  NULL on failure.
 * @param outlen: if not NULL, set to strlen(*out).
 * @param err: caller's, may be NULL; names the offending field.
 * @return BI_OK, BI_ERR_INVAL, BI_ERR_UNSUPPORTED or BI_ERR_NOMEM.
 */
int bi_encode(
    const struct bi_msg *m, char **out, size_t *outlen, struct bi_error *err);

/**
 * Build the header of the answer to a request (TS002 §22.1): Sender and
 * Receiver IDs swapped, TransactionID and ProtocolVersion echoed ("1.0"
 * if the request had none), SenderToken moved into ReceiverToken,
 * SenderNSID into ReceiverNSID, the MessageType's answer form, and the
 * Result.
 * @param req: borrowed, the request's header.
 * @param description: borrowed, may be NULL; cut to BI_DESC_MAX bytes at
 *	a UTF-8 boundary.
 * @param ans: caller's; overwritten.
 * @return BI_OK, or BI_ERR_INVAL if req's type is not a request.
 */
int bi_answer_hdr(const struct bi_hdr *req, enum bi_rc rc,
    const char *description, struct bi_hdr *ans);

/**
 * Encode the generic error answer to any request: bi_answer_hdr(), then
 * the header and Result alone.
 * @param req: borrowed, the request's header (from a decode that set
 *	header_ok).
 * @param description: borrowed, may be NULL.
 * @param out: set to a newly allocated string; free with free().
 * @param outlen: if not NULL, set to strlen(*out).
 * @return BI_OK, BI_ERR_INVAL or BI_ERR_NOMEM.
 */
int bi_encode_error(const struct bi_hdr *req, enum bi_rc rc,
    const char *description, char **out, size_t *outlen);

#endif /* LIB_BACKEND_BI_H */
