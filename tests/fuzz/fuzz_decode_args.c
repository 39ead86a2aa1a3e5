/*
 * fuzz_decode_args.c - libFuzzer target for "loradane decode"'s input
 * parsing: the input is split at NUL bytes into an argv (so the fuzzer
 * explores options, keys, EUIs, numbers, hex and base64 payloads), parsed
 * by decode_args_parse(), and a parsed PHYPayload goes through the frame
 * decoder.  Any crash, sanitizer report or broken invariant is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cli/decode_args.h"
#include "lorawan/phy.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct decode_args a;
	struct lw_phy_error e;
	struct lw_frame f;
	char *buf, *argv[MAX_ARGS + 1], err[256];
	size_t i, start = 0;
	int argc = 1, r;

	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = (char *)"decode";
	for (i = 0; i <= size && argc < MAX_ARGS; i++) {
		if (buf[i] != '\0')
			continue;
		argv[argc++] = buf + start;
		start = i + 1;
	}
	argv[argc] = NULL;
	err[0] = '\0';
	r = decode_args_parse(argc, argv, &a, err, sizeof(err));
	if (r == 0) {
		if (a.phylen > sizeof(a.phy) - 1 || a.form == NULL)
			abort(); /* the parser overran its own bound */
		(void)lw_phy_decode(a.phy, a.phylen, &f, &e);
	} else if (r < 0 && err[0] == '\0')
		abort(); /* a refusal always says why */
	free(buf);
	return 0;
}
