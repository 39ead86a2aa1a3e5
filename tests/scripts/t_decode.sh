#!/bin/bash
# t_decode.sh - "loradane decode" and "loradane join-request" on the
# published vectors (lorawan-backend.md §3): MICs, decryption, session
# keys, JSON output, and refusals that name the field.
. "$(dirname "$0")/lib.sh"

L=$LORADANE
K1=0102030405060708090a0b0c0d0e0f10

"$L" decode 0001010101010101010202020202020202030309b97b32 --appkey $K1 \
    >"$TMP/jr" 2>&1
check "join-request vector 1: MIC ok with the AppKey" \
    contains "$TMP/jr" "^mic_check: ok$"
check "join-request: fields in big-endian display form" \
    contains "$TMP/jr" "join_eui: 0101010101010101"
"$L" decode 0001010101010101010202020202020202030309b97b33 --appkey $K1 \
    >"$TMP/jrbad" 2>&1
rc=$?
check "a corrupted MIC exits 1 and says FAILED" \
    bash -c "[ $rc -eq 1 ] && grep -q '^mic_check: FAILED' '$TMP/jrbad'"

"$L" decode 2023cf335489aae3183c0be0baa8dee5f3 --appkey $K1 --json \
    >"$TMP/ja.json"
check "join-accept vector 3: decrypted JoinNonce, NetID and DevAddr" \
    bash -c "grep -q '\"join_nonce\": 65793' '$TMP/ja.json' &&
	grep -q '\"net_id\": \"020202\"' '$TMP/ja.json' &&
	grep -q '\"dev_addr\": \"01020304\"' '$TMP/ja.json' &&
	grep -q '\"mic_check\": \"ok\"' '$TMP/ja.json'"
"$L" decode 20493eeb51fba2116f810edb3742975142 \
    --appkey 00112233445566778899aabbccddeeff >"$TMP/ja5"
check "join-accept vector 5: JoinNonce 5704647, MIC 43485bbc" \
    bash -c "grep -q 'join_nonce: 5704647' '$TMP/ja5' &&
	grep -q 'mic: 43485bbc' '$TMP/ja5' && grep -q 'mic_check: ok' '$TMP/ja5'"

# Vector 16: the 1.0 JoinAns of the end-to-end test, with session keys.
"$L" decode 206df7a320449291372145e211db8573f8dc4f57e82567e8b1b3fec7cf6a558533 \
    --appkey 01020304050607080102030405060708 --devnonce 258 \
    >"$TMP/e2e"
check "end-to-end 1.0 join-accept: MIC ok, CFList decoded" \
    bash -c "grep -q 'mic_check: ok' '$TMP/e2e' &&
	grep -q 'cflist: 188e84e8958400000000000000000000' '$TMP/e2e'"
check "end-to-end 1.0: session keys of vector 7" \
    bash -c "grep -q 'nwk_s_key: df53c35f3034ccced0ff354c70de04df' '$TMP/e2e' &&
	grep -q 'app_s_key: 927b9c911183cffe4cb2ff4b75545f6d' '$TMP/e2e'"

"$L" decode 400403020180010001a694642615d6c3b582 \
    --nwkskey 02020202020202020202020202020202 \
    --appskey 01010101010101010101010101010101 >"$TMP/up"
check "uplink vector 10: MIC ok, FRMPayload decrypts to 'hello'" \
    bash -c "grep -q 'mic_check: ok' '$TMP/up' &&
	grep -q 'frm_payload_decrypted: 68656c6c6f' '$TMP/up'"

b64=$("$L" join-request --deveui 0202020202020202 --joineui 0101010101010101 \
    --appkey $K1 --devnonce 771 | sed -n 's/^base64: //p')
check "join-request builds vector 1 (base64 in, MIC ok out)" \
    bash -c "'$L' decode '$b64' --appkey $K1 | grep -q '^mic_check: ok$'"

"$L" decode 4004030201 >"$TMP/short" 2>&1
rc=$?
check "a truncated data frame exits 2 and names the field" \
    bash -c "[ $rc -eq 2 ] && grep -q 'PHYPayload length' '$TMP/short'"
"$L" decode 00 --appkey 0102 >"$TMP/key" 2>&1
rc=$?
check "a short key exits 2 and names the option" \
    bash -c "[ $rc -eq 2 ] && grep -q -- '--appkey: too short' '$TMP/key'"
"$L" decode '@@@@' >"$TMP/junk" 2>&1
rc=$?
check "junk input exits 2 and says why" \
    bash -c "[ $rc -eq 2 ] && grep -q 'not a base64 character' '$TMP/junk'"
done_testing
