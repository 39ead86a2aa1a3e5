#!/bin/bash
# t_lorapacket.sh - LoRaWAN frames both ways between loradane (lib/lorawan,
# through BUILD/tests/helpers/lwframes) and the npm package lora-packet, an
# independent implementation: join-request, join-accept (with the session
# keys it sets up), data up and down, LoRaWAN 1.0 and 1.1, random fields
# and keys from a seeded PRNG (LORAPACKET_SEED=N repeats a run; the seed
# is printed).  See tests/interop/lorapacket.js for what is compared and
# what lora-packet cannot check.  LORAPACKET_N sets the frames per kind
# and direction (1000).  No npm, no lora-packet: the check fails.
. "$(dirname "$0")/lib.sh"

LWFRAMES=$HELPERS/lwframes
N=${LORAPACKET_N:-1000}

if mods=$("$TOP/tests/interop/install.sh" 2>"$TMP/npm.err"); then
	ok "npm: lora-packet installed in tests/interop/.npm"
else
	sed 's/^/# /' "$TMP/npm.err"
	not_ok "npm: lora-packet installed in tests/interop/.npm"
	done_testing
	exit 1
fi
if [ ! -x "$LWFRAMES" ]; then
	not_ok "helper $LWFRAMES is built"
	done_testing
	exit 1
fi

node "$TOP/tests/interop/lorapacket.js" "$mods" "$LWFRAMES" "$N" \
    >"$TMP/out" 2>"$TMP/err"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$TMP/out"
if [ "$rc" -ne 0 ] && [ "$_tap_failed" -eq 0 ]; then
	sed 's/^/# /' "$TMP/err"
	not_ok "lorapacket.js exited with status $rc"
fi
done_testing
