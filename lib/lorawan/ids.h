/*
 * ids.h - LoRaWAN identifiers: EUI-64 text, the DNS names of JoinEUIs and
 * NetIDs (TS002 §19), NetID/DevAddr types and NwkIDs (TS002 §13 with the
 * "NwkId Length Fix for Type 3 and Type 4 NetIDs" errata), and rebuilding
 * a 32-bit frame counter from the 16 bits on air.
 *
 * All values are host order; NetIDs are 24-bit.  Output buffers are
 * always the caller's, and a result that does not fit is refused
 * (LW_ERR_TOO_LONG) rather than truncated.  Nothing here allocates.
 */
#ifndef LIB_LORAWAN_IDS_H
#define LIB_LORAWAN_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lorawan/lw_err.h"

#define LW_EUI64_STRLEN 17 /* 16 hex digits and the NUL */
#define LW_JOINEUI_SUFFIX_DEFAULT "joineuis.lora-alliance.org"
#define LW_NETID_SUFFIX_DEFAULT "netids.lora-alliance.org"
#define LW_NETID_MAX 0xffffffu

/**
 * Parse an EUI-64: 16 hex digits, any case, optionally after "0x", and
 * optionally with one separator ('-' or ':', the same throughout) between
 * every two digits ("70-B3-D5-7E-D0-00-00-00").
 * @param s: borrowed NUL-terminated string.
 * @param eui: set on success.
 * @return LW_OK, or LW_ERR_INVAL for anything else (spaces included).
 */
int lw_eui64_parse(const char *s, uint64_t *eui);

/**
 * Parse a range of EUI-64s: "EUI64" (one) or "EUI64/BITS" (the EUIs whose
 * BITS high bits are those of EUI64, which must have no bit set after
 * them), BITS 1..64.
 * @param prefix, bits: set on success.
 * @return LW_OK, LW_ERR_INVAL (not an EUI-64) or LW_ERR_FIELD (BITS, or
 *	a bit set after the prefix).
 */
int lw_eui64_range_parse(const char *s, uint64_t *prefix, int *bits);

/**
 * Format an EUI-64 as 16 lowercase hex digits, no separator.
 * @param buf: caller's buffer of buflen >= LW_EUI64_STRLEN bytes.
 * @return LW_OK, LW_ERR_TOO_LONG if buf is too small (buf untouched) or
 *	LW_ERR_INVAL.
 */
int lw_eui64_format(uint64_t eui, char *buf, size_t buflen);

/**
 * The DNS name of a JoinEUI: its 16 nibbles, low-order first, each
 * followed by a dot, then the suffix.
 * 70b3d57ed0000000 -> 0.0.0.0.0.0.0.d.e.7.5.d.3.b.0.7.joineuis.lora-alliance.org
 * @param suffix: borrowed; NULL means LW_JOINEUI_SUFFIX_DEFAULT.  One
 *	leading dot is ignored, so ChirpStack-style ".joineuis..." works.
 * @param buf: caller's buffer; filled with a NUL-terminated name.
 * @return LW_OK, LW_ERR_TOO_LONG (buf too small) or LW_ERR_INVAL.
 */
int lw_joineui_dns_name(
    uint64_t join_eui, const char *suffix, char *buf, size_t buflen);

/**
 * The DNS name of a NetID: 6 lowercase hex digits, a dot, the suffix
 * (no dot when the suffix is empty).  0x00050a -> 00050a.netids.lora-alliance.org
 * @param suffix: borrowed; NULL means LW_NETID_SUFFIX_DEFAULT; one
 *	leading dot is ignored.
 * @param buf: caller's buffer; filled with a NUL-terminated name.
 * @return LW_OK, LW_ERR_FIELD (NetID over 24 bits), LW_ERR_TOO_LONG or
 *	LW_ERR_INVAL.
 */
int lw_netid_dns_name(
    uint32_t net_id, const char *suffix, char *buf, size_t buflen);

/**
 * The type of a NetID: its 3 most significant bits.
 * @return 0..7, or LW_ERR_FIELD if net_id exceeds 24 bits.
 */
int lw_netid_type(uint32_t net_id);

/**
 * The NwkID length of a NetID type (errata applied: 6 6 9 11 12 13 15 17).
 * @return the number of bits, or LW_ERR_INVAL outside 0..7.
 */
int lw_nwkid_bits(int type);

/**
 * The NwkID of a NetID: its low lw_nwkid_bits(type) bits.
 * @param nwkid: set on success.
 * @return LW_OK, LW_ERR_FIELD (over 24 bits) or LW_ERR_INVAL.
 */
int lw_netid_nwkid(uint32_t net_id, uint32_t *nwkid);

/**
 * The type of a DevAddr, from its prefix (0, 10, 110, ... 11111110).
 * @return 0..7, or LW_ERR_FIELD for the undefined prefix 11111111.
 */
int lw_devaddr_type(uint32_t dev_addr);

/**
 * The NwkID carried in a DevAddr (the bits after the type prefix).
 * @param nwkid: set on success.
 * @return LW_OK, LW_ERR_FIELD (prefix 11111111) or LW_ERR_INVAL.
 */
int lw_devaddr_nwkid(uint32_t dev_addr, uint32_t *nwkid);

/**
 * The NwkAddr of a DevAddr (the bits after the NwkID).
 * @param nwk_addr: set on success.
 * @return LW_OK, LW_ERR_FIELD (prefix 11111111) or LW_ERR_INVAL.
 */
int lw_devaddr_nwkaddr(uint32_t dev_addr, uint32_t *nwk_addr);

/**
 * The DevAddr prefix a NetID owns: type prefix and NwkID, left-aligned.
 * NetID 0x000013 -> 0x26000000/7.
 * @param prefix: set to the prefix bits, the rest zero.
 * @param bits: set to the prefix length (7..25).
 * @return LW_OK, LW_ERR_FIELD (over 24 bits) or LW_ERR_INVAL.
 */
int lw_netid_devaddr_prefix(uint32_t net_id, uint32_t *prefix, int *bits);

/**
 * Tell whether a DevAddr lies in the prefix of a NetID.  Several NetIDs
 * share a NwkID, so a match means "may be", not "is", that network's.
 * @return true if the type prefix and NwkID agree.
 */
bool lw_devaddr_netid_match(uint32_t dev_addr, uint32_t net_id);

/**
 * Build a DevAddr from a NetID and a NwkAddr.
 * @param dev_addr: set on success.
 * @return LW_OK, LW_ERR_FIELD (NetID over 24 bits, or NwkAddr wider than
 *	the type allows) or LW_ERR_INVAL.
 */
int lw_devaddr_build(uint32_t net_id, uint32_t nwk_addr, uint32_t *dev_addr);

/**
 * Rebuild a 32-bit frame counter from its low 16 bits on air.
 *
 * Of the two candidates at or after last (same high 16 bits, or the next
 * rollover), the nearest is taken: the same high bits when fcnt16 is not
 * below last's low bits, else the next 0x10000 block.  fcnt16 equal to
 * last's low bits gives last itself (a repeat; NbTrans repeats share a
 * FCnt).  The sum wraps modulo 2^32: a result below last means the 32-bit
 * counter is exhausted, which LoRaWAN 1.1 forbids (the device must
 * rejoin); detecting that, and any MAX_FCNT_GAP policy (1.0.x), is the
 * caller's.
 * @param last: the last accepted 32-bit counter.
 * @return the reconstructed counter.
 */
uint32_t lw_fcnt_expand(uint32_t last, uint16_t fcnt16);

#endif /* LIB_LORAWAN_IDS_H */
