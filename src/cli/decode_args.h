/*
 * decode_args.h - the command line of "loradane decode", parsed without
 * side effects so that a fuzzer can drive it.
 */
#ifndef SRC_CLI_DECODE_ARGS_H
#define SRC_CLI_DECODE_ARGS_H

#include <stddef.h>
#include <stdint.h>

/* Keys decode can use; bits of decode_args.have. */
enum decode_key {
	DK_APPKEY,
	DK_NWKKEY,
	DK_NWKSKEY,
	DK_APPSKEY,
	DK_FNWKSINTKEY,
	DK_SNWKSINTKEY,
	DK_NWKSENCKEY,
	DK_COUNT
};

struct decode_args {
	uint8_t phy[256]; /* the PHYPayload */
	size_t phylen;
	const char *form; /* "hex" or "base64" */
	uint8_t key[DK_COUNT][16];
	unsigned have;     /* 1 << enum decode_key */
	uint64_t join_eui; /* of the join-request, for 1.1 */
	int have_join_eui;
	uint64_t dev_eui; /* for the 1.1 JSIntKey */
	int have_dev_eui;
	uint16_t dev_nonce; /* of the join-request */
	int have_dev_nonce;
	int mac11;            /* MAC version 1.1 (else 1.0.x) */
	uint32_t fcnt_high;   /* upper 16 bits of the 32-bit FCnt */
	uint16_t conf_fcnt;   /* 1.1 MICs: FCnt of the acked frame */
	uint8_t tx_dr, tx_ch; /* 1.1 uplink MIC */
	int json;
};

/**
 * Parse argv (argv[0] is the verb) into a.
 * @param err: on failure, filled with a message naming the option.
 * @return 0, 1 for --help, or -1 on error.
 */
int decode_args_parse(
    int argc, char **argv, struct decode_args *a, char *err, size_t errlen);

/** The option names, in enum decode_key order ("appkey", ...). */
extern const char *const decode_key_names[DK_COUNT];

#endif /* SRC_CLI_DECODE_ARGS_H */
