#!/bin/bash
# t_device.sh - "loradane device" end to end on a SQLite store: keys from
# a file or standard input, never printed and never accepted on the
# command line, encrypted in the database; CSV import all or nothing;
# remove; the KEK file's mode and a wrong KEK.
. "$(dirname "$0")/lib.sh"

DB=$TMP/js.db
S=(--store "sqlite:$DB" --kek "$TMP/kek")
dev() { "$LORADANE" device "$1" "${S[@]}" "${@:2}"; }
(umask 077 && openssl rand -hex 32 >"$TMP/kek")
APPKEY=00112233445566778899aabbccddeeff
NWKKEY=f0e1d2c3b4a5968778695a4b3c2d1e0f
CSVKEY=0badc0de0badc0de0badc0de0badc0de
printf '# device 1\nAppKey %s\n' $APPKEY >"$TMP/keys"
ADD=(--joineui 70b3d57ed0000000 --home-netid 000013)
HEADER=DevEUI,JoinEUI,MACVersion,AppKey,NwkKey,HomeNetID,ASID,NSKEKLabel,ASKEKLabel

check "add a 1.0.2 device, keys from a file" \
    dev add --deveui 0102030405060708 "${ADD[@]}" --mac-version 1.0.2 \
    --keys "$TMP/keys" --as-id _as-client.as.opb.test
printf 'AppKey %s\nNwkKey %s\n' $APPKEY $NWKKEY >"$TMP/keys11"
check "add a 1.1 device, keys from stdin, EUI in upper case with 0x" \
    dev add --deveui 0x8899AABBCCDDEEFF "${ADD[@]}" --mac-version 1.1 \
    --keys - <"$TMP/keys11"
dev add --deveui 0102030405060709 "${ADD[@]}" --mac-version 1.1 \
    --keys "$TMP/keys" >/dev/null 2>"$TMP/e"
check "a 1.1 device without NwkKey is refused (exit 1)" \
    bash -c "[ $? -eq 1 ] && grep -q 'NwkKey: required' '$TMP/e'"
dev add --deveui 0102030405060708 "${ADD[@]}" --mac-version 1.0.2 \
    --keys "$TMP/keys" >/dev/null 2>"$TMP/e"
check "adding an existing DevEUI fails and says so" \
    bash -c "[ $? -eq 1 ] && grep -q 'exists' '$TMP/e'"
check "--replace replaces it" \
    dev add --deveui 0102030405060708 "${ADD[@]}" --mac-version 1.0.3 \
    --keys "$TMP/keys" --replace

dev list >"$TMP/list" 2>&1
check "list: one line per device, DevEUI order, lower case" bash -c \
    "[ \$(wc -l <'$TMP/list') -eq 2 ] &&
     head -1 '$TMP/list' | grep -q '^0102030405060708 70b3d57ed0000000 1.0.3 000013 - 0 0$' &&
     tail -1 '$TMP/list' | grep -q '^8899aabbccddeeff '"
dev show --deveui 8899aabbccddeeff >"$TMP/show" 2>&1
check "show: every field, and whether NwkKey is set" bash -c \
    "grep -q '^MACVersion *1.1$' '$TMP/show' &&
     grep -q '^NwkKey *set' '$TMP/show' && grep -q '^LastDevNonce *none$' '$TMP/show'"
check "list and show never print key material" bash -c \
    "! grep -qiE '$APPKEY|$NWKKEY' '$TMP/list' '$TMP/show'"
check "keys are encrypted in the database file" bash -c \
    "! od -An -tx1 -v '$DB' | tr -d ' \n' | grep -qiE '$APPKEY|$NWKKEY'"
check "the database file is private (0600)" test "$(stat -c %a "$DB")" = 600

dev add --deveui 0102030405060710 "${ADD[@]}" --mac-version 1.0.2 \
    --appkey $APPKEY >/dev/null 2>"$TMP/e"
check "a key on the command line is impossible (unknown option, exit 2)" \
    bash -c "[ $? -eq 2 ] && grep -q \"unrecognized option '--appkey\" '$TMP/e'"
dev show --deveui 01020304 >/dev/null 2>"$TMP/e"
check "a bad EUI is a usage error naming the option" \
    bash -c "[ $? -eq 2 ] && grep -q 'loradane device: --deveui 01020304: not an EUI-64' '$TMP/e'"

{
	echo "$HEADER"
	echo "00000000000000a1,70b3d57ed0000000,1.0.2,$CSVKEY,,000013,as.example,ns-kek,as-kek"
	echo "00000000000000A2 , 70b3d57ed0000000,1.1,$CSVKEY,$NWKKEY,00050a,,,"
	echo ""
	echo "ffffffffffffffff,70b3d57ed0000000,1.0.4,$CSVKEY,,000013,,,"
} >"$TMP/good.csv"
check "import a good CSV" dev import "$TMP/good.csv"
dev list >"$TMP/before"
check "the imported devices are listed" bash -c \
    "[ \$(wc -l <'$TMP/before') -eq 5 ] &&
     grep -q '^00000000000000a2 70b3d57ed0000000 1.1   00050a - 0 0$' '$TMP/before'"
{
	echo "$HEADER"
	echo "00000000000000b1,70b3d57ed0000000,1.0.2,$CSVKEY,,000013,,,"
	echo "00000000000000b2,70b3d57ed0000000,1.2,$CSVKEY,,000013,,,"
	echo "00000000000000b3,70b3d57ed0000000,1.0.2,$CSVKEY,,000013,,,"
} >"$TMP/bad.csv"
dev import "$TMP/bad.csv" >/dev/null 2>"$TMP/e"
check "a CSV with one bad line: exit 1, FILE:LINE: FIELD: reason" bash -c \
    "[ $? -eq 1 ] && grep -q 'bad.csv:3: MACVersion: not 1.0' '$TMP/e'"
dev list >"$TMP/after"
check "... and nothing changed (list before and after identical)" \
    cmp -s "$TMP/before" "$TMP/after"
{
	echo "$HEADER"
	echo "00000000000000c1,70b3d57ed0000000,1.0.2,$CSVKEY,,000013,,,"
	echo "00000000000000a1,70b3d57ed0000000,1.0.2,$CSVKEY,,000013,,,"
} | dev import - >/dev/null 2>"$TMP/e"
rc=$?
dev list >"$TMP/after"
check "a CSV naming an existing device imports nothing" bash -c \
    "[ $rc -eq 1 ] && grep -q 'stdin:3: DevEUI: exists' '$TMP/e' &&
     cmp -s '$TMP/before' '$TMP/after'"

check "remove a device" dev remove --deveui 00000000000000A1
dev show --deveui 00000000000000a1 >/dev/null 2>"$TMP/e"
check "it is gone (show: exit 1, no such device)" \
    bash -c "[ $? -eq 1 ] && grep -q 'no such device' '$TMP/e'"
dev remove --deveui 00000000000000a1 >/dev/null 2>&1
check "removing it again fails" test $? -eq 1

chmod 640 "$TMP/kek"
dev list >/dev/null 2>"$TMP/e"
check "a group-readable KEK file is refused, naming the file and mode" \
    bash -c "[ $? -eq 1 ] && grep -q '$TMP/kek: mode 640' '$TMP/e'"
chmod 600 "$TMP/kek"
(umask 077 && openssl rand -hex 32 >"$TMP/kek2")
"$LORADANE" device show --store "sqlite:$DB" --kek "$TMP/kek2" \
    --deveui 0102030405060708 >/dev/null 2>"$TMP/e"
check "another KEK does not decrypt the keys" \
    bash -c "[ $? -eq 1 ] && grep -q 'does not decrypt' '$TMP/e'"
"$LORADANE" device list --store "sqlite:$DB" >/dev/null 2>&1
check "--kek is required (usage, exit 2)" test $? -eq 2
done_testing
