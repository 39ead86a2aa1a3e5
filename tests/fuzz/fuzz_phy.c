/*
 * fuzz_phy.c - libFuzzer target for the PHYPayload codec ("make fuzz").
 *
 * Any input either is refused with a named field, or decodes to a frame
 * that encodes back to exactly the input bytes.  The same holds for the
 * decrypted join-accept codec.  A violation aborts, so libFuzzer keeps
 * the input; ASan and UBSan catch out-of-bounds reads and overflows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lorawan/phy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_phy - decode, and on success re-encode to the same bytes */
static void
check_phy(const uint8_t *data, size_t size)
{
	struct lw_phy_error e;
	struct lw_frame f;
	uint8_t out[LW_PHY_MAX];
	size_t n = 0;

	if (lw_phy_decode(data, size, &f, &e) != LW_OK) {
		if (e.field == NULL)
			abort(); /* every refusal names its field */
		return;
	}
	if (lw_phy_encode(&f, out, sizeof(out), &n, &e) != LW_OK)
		abort();
	if (n != size || memcmp(out, data, size) != 0)
		abort();
}

/* check_join_accept - the same property for the plaintext codec */
static void
check_join_accept(const uint8_t *data, size_t size)
{
	struct lw_join_accept ja;
	uint8_t out[LW_JA_PLAIN_CFLIST_LEN];
	size_t n = 0;

	if (lw_join_accept_decode(data, size, &ja, NULL) != LW_OK)
		return;
	if (lw_join_accept_encode(&ja, out, sizeof(out), &n, NULL) != LW_OK)
		abort();
	if (n != size || memcmp(out, data, size) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_phy(data, size);
	check_join_accept(data, size);
	return 0;
}
