#!/bin/bash
# t_zone_sign.sh - "loradane zone sign": the signed zone is accepted by
# ldns-verify-zone (NSEC and NSEC3), keys are made once and reused (same
# DS, files untouched, private keys 0600), the printed DS is a trust
# anchor that delv, drill and loradane check accept when the zone is
# served by a private NSD, expired and not-yet-valid zones are refused,
# and bad input fails with a message naming it and changes nothing.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/fixture/ports.sh
. "$TOP/tests/fixture/ports.sh"

W=$TMP/w
mkdir -p "$W"
TLSA_NAME=_4431._tcp.js

# mkzone ORIGIN FILE - a small zone: apex, a delegation with glue, and
# the TLSA record of a fresh self-signed certificate for js.ORIGIN
mkzone() {
	cat >"$2" <<EOF
\$TTL 300
\$ORIGIN $1.
@	IN SOA ns hostmaster 1 3600 600 86400 300
@	NS ns
ns	A 127.0.0.1
js	A 127.0.0.1
sub	NS ns.sub
ns.sub	A 127.0.0.2
EOF
	"$LORADANE" tlsa --cert "$W/js.crt" --owner "$TLSA_NAME.$1" >>"$2"
}

# sign ORIGIN KEYDIR ZONEFILE [options...] - zone sign, DS on ORIGIN.ds
sign() {
	local origin=$1 keys=$2 zf=$3
	shift 3
	"$LORADANE" zone sign --origin "$origin" --keys "$keys" "$@" "$zf" \
	    >"$W/$origin.ds" 2>"$W/$origin.err"
}

# snapshot DIR - names, modes, sizes, inodes, times and digests of
# everything under DIR: equal snapshots mean nothing was created,
# replaced or rewritten
snapshot() {
	[ -d "$1" ] || { echo "absent"; return; }
	(cd "$1" && find . -printf '%p %m %s %i %T@\n' | sort &&
	    find . -type f -exec sha256sum {} + 2>/dev/null | sort)
}

# ds_fields FILE - "tag alg type digest" of the DS lines, lower case
ds_fields() {
	awk '$4 == "DS" { print $5, $6, $7, tolower($8) }' "$1"
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W/js.key" -out "$W/js.crt" -subj /CN=js.opb.test -days 30 \
    2>/dev/null || not_ok "openssl makes a test certificate"

# ---------------------------------------------------------- 1. sign
mkzone opb.test "$W/opb.zone"
check "the test zone holds the TLSA record of the certificate" \
    contains "$W/opb.zone" "^$TLSA_NAME\.opb\.test\. IN TLSA 3 1 1 [0-9a-f]{64}$"
sign opb.test "$W/keys" "$W/opb.zone"
check "sign a new zone: exit 0" test $? -eq 0
check "stdout is one DS line: KSK, algorithm 13, SHA-256" \
    bash -c "[ \$(wc -l <'$W/opb.test.ds') -eq 1 ] &&
	grep -Eq '^opb\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+DS[[:space:]]+[0-9]+ 13 2 [0-9a-f]{64}$' '$W/opb.test.ds'"
check "the default output is ZONEFILE.signed" test -s "$W/opb.zone.signed"
check "stderr says the keys were created" \
    contains "$W/opb.test.err" "created .*Kopb\.test\.\+013\+[0-9]{5} \(KSK"
ldns-verify-zone -k "$W/opb.test.ds" "$W/opb.zone.signed" >"$W/verify" 2>&1
check "ldns-verify-zone accepts the signed zone, DS as trust anchor" \
    test $? -eq 0
if command -v dnssec-verify >/dev/null; then
	check "dnssec-verify accepts the signed zone" \
	    dnssec-verify -q -o opb.test "$W/opb.zone.signed"
else
	skip "dnssec-verify accepts the signed zone (bind9utils not installed)"
fi
check "the signed zone has the DNSKEY RRset (KSK and ZSK), TTL = SOA minimum" \
    bash -c "grep -Ec '^opb\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+DNSKEY[[:space:]]+25[67] 3 13 ' '$W/opb.zone.signed' | grep -qx 2"
check "the delegation is not signed, the glue has no NSEC (ldns marks it)" \
    bash -c "! grep -Eq '^(sub|ns\.sub)\.opb\.test\..*RRSIG[[:space:]]+(NS|A) ' '$W/opb.zone.signed'"
ksk=$(grep -l 'DNSKEY[[:space:]]257 ' "$W"/keys/Kopb.test.+013+*.key)
zsk=$(grep -l 'DNSKEY[[:space:]]256 ' "$W"/keys/Kopb.test.+013+*.key)
check "one KSK and one ZSK file pair, BIND names" \
    test -n "$ksk" -a -n "$zsk" -a -f "${ksk%.key}.private" \
    -a -f "${zsk%.key}.private" -a "$(find "$W/keys" -type f | wc -l)" -eq 4
check "ldns-key2ds computes the printed DS from the KSK file" \
    test "$(ldns-key2ds -n -2 "$ksk" | ds_fields /dev/stdin)" = \
    "$(ds_fields "$W/opb.test.ds")"
ldns-signzone -f "$W/ldns.signed" "$W/opb.zone" "${ksk%.key}" "${zsk%.key}" \
    >/dev/null 2>&1 &&
    ldns-verify-zone -k "$W/opb.test.ds" "$W/ldns.signed" >/dev/null 2>&1
check "ldns-signzone signs with the key files (ldns/BIND format)" test $? -eq 0

# ------------------------------------------------- 2. keys are reused
check "key directory is mode 0700" test "$(stat -c %a "$W/keys")" = 700
check "private key files are mode 0600" \
    test "$(stat -c %a "${ksk%.key}.private" "${zsk%.key}.private" |
	sort -u)" = 600
cp "$W/opb.test.ds" "$W/first.ds"
before=$(snapshot "$W/keys")
sign opb.test "$W/keys" "$W/opb.zone" --out "$W/opb.resigned"
check "re-sign: exit 0" test $? -eq 0
check "re-sign prints the same DS" cmp -s "$W/first.ds" "$W/opb.test.ds"
check "re-sign says the keys were reused" \
    contains "$W/opb.test.err" "reused .*\(KSK"
check "re-sign leaves every key file as it was (no rewrite, no new key)" \
    test "$before" = "$(snapshot "$W/keys")"
check "the re-signed zone verifies with the first DS" \
    ldns-verify-zone -k "$W/first.ds" "$W/opb.resigned"
sign opb.test "$W/keys" - --out "$W/stdin.signed" <"$W/opb.zone"
check "a zone read from stdin (-) is signed with the same keys" \
    bash -c "cmp -s '$W/first.ds' '$W/opb.test.ds' &&
	ldns-verify-zone -k '$W/first.ds' '$W/stdin.signed' >/dev/null"
sign opb.test "$W/keys" "$W/opb.zone" --out "$W/ttl.signed" --ttl-dnskey 7200
check "--ttl-dnskey sets the DNSKEY TTL, and the DS line's" \
    bash -c "grep -Eq '^opb\.test\.[[:space:]]+7200[[:space:]]+IN[[:space:]]+DNSKEY' '$W/ttl.signed' &&
	grep -Eq '[[:space:]]7200[[:space:]]+IN[[:space:]]+DS' '$W/opb.test.ds'"

# ----------------------------------------------------------- 6. NSEC3
mkzone n3.test "$W/n3.zone"
sign n3.test "$W/keys" "$W/n3.zone" --nsec3 --out "$W/n3.signed"
check "--nsec3: exit 0" test $? -eq 0
check "ldns-verify-zone accepts the NSEC3 zone" \
    ldns-verify-zone -k "$W/n3.test.ds" "$W/n3.signed"
check "the NSEC3 zone has NSEC3PARAM 1 0 0 - and no NSEC" \
    bash -c "grep -Eq 'NSEC3PARAM[[:space:]]+1 0 0 -' '$W/n3.signed' &&
	! grep -Eq '[[:space:]]NSEC[[:space:]]' '$W/n3.signed'"
check "keys of two zones share one directory" \
    test "$(find "$W/keys" -type f | wc -l)" -eq 8

# ---------------------------------------- 4. expired and not yet valid
mkzone exp.test "$W/exp.zone"
sign exp.test "$W/keys" "$W/exp.zone" --inception -10d --expiration -1d \
    --out "$W/exp.signed"
check "an expired zone is signed (exit 0)" test $? -eq 0
ldns-verify-zone -k "$W/exp.test.ds" "$W/exp.signed" >"$W/v.exp" 2>&1
check "ldns-verify-zone rejects the expired zone" test $? -ne 0
check "ldns-verify-zone says the signatures expired" \
    contains "$W/v.exp" "signature has expired"
mkzone fut.test "$W/fut.zone"
sign fut.test "$W/keys" "$W/fut.zone" --inception +1d --expiration +30d \
    --out "$W/fut.signed"
check "a not-yet-valid zone is signed (exit 0)" test $? -eq 0
ldns-verify-zone -k "$W/fut.test.ds" "$W/fut.signed" >"$W/v.fut" 2>&1
check "ldns-verify-zone rejects the not-yet-valid zone" test $? -ne 0
check "ldns-verify-zone says the signatures are not incepted yet" \
    contains "$W/v.fut" "not incepted yet"
# Unbound (so loradane) accepts inceptions up to val-sig-skew-max (1 day)
# ahead; +2d is past any skew.
mkzone fut2.test "$W/fut2.zone"
sign fut2.test "$W/keys" "$W/fut2.zone" --inception +2d --expiration +30d \
    --out "$W/fut2.signed"
check "absolute WHEN: inception and expiration land in the RRSIGs" \
    bash -c "'$LORADANE' zone sign --origin opb.test --keys '$W/keys' \
	--inception 20250101000000 --expiration 20250201123456 \
	--out '$W/abs.signed' '$W/opb.zone' >/dev/null 2>&1 &&
	grep -Eq 'RRSIG[[:space:]]+SOA 13 2 300 20250201123456 20250101000000 ' '$W/abs.signed'"

# ------------------------------------- 3. served by NSD, validated
port=$(free_port)
mkdir -p "$W/nsd"
{
	cat <<EOF
server:
	ip-address: 127.0.0.1
	port: $port
	do-ip6: no
	server-count: 1
	reuseport: no
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$W"
	zonelistfile: "$W/nsd/zone.list"
	xfrdfile: "$W/nsd/xfrd.state"
	xfrdir: "$W/nsd"
	pidfile: "$W/nsd/nsd.pid"
	logfile: "$W/nsd/nsd.log"
remote-control:
	control-enable: no
EOF
	for z in opb:opb.zone.signed n3:n3.signed exp:exp.signed \
	    fut:fut.signed fut2:fut2.signed; do
		printf 'zone:\n\tname: "%s.test"\n\tzonefile: "%s"\n' \
		    "${z%%:*}" "$W/${z#*:}"
	done
} >"$W/nsd/nsd.conf"
# -d: in the foreground, so lib.sh's exit trap stops it by its pid.
nsd -d -c "$W/nsd/nsd.conf" </dev/null >>"$W/nsd/nsd.out" 2>&1 &
nsd_pid=$!
_bg_pids="$_bg_pids $nsd_pid"

# serves ZONE - NSD answers ZONE's SOA
serves() {
	dig +short +norecurse +time=1 +tries=1 -p "$port" @127.0.0.1 SOA "$1" |
	    grep -q hostmaster
}
all_served() {
	local z
	for z in opb n3 exp fut fut2; do
		serves "$z.test" || return 1
	done
}
if wait_until 15 all_served; then
	ok "NSD serves the five signed zones on 127.0.0.1:$port"
else
	not_ok "NSD serves the five signed zones on 127.0.0.1:$port"
	sed 's/^/#   /' "$W/nsd/nsd.log" "$W/nsd/nsd.out" >&2
fi

# anchor ZONE - bind trust-anchors file from the printed DS
anchor() {
	ds_fields "$W/$1.ds" | awk -v z="$1." '{
	    printf "trust-anchors { %s static-ds %s %s %s \"%s\"; };\n",
	    z, $1, $2, $3, $4 }' >"$W/$1.anchor"
}

# delv_q ZONE NAME TYPE - delv with ZONE's DS as the only anchor
delv_q() {
	anchor "$1"
	delv @127.0.0.1 -p "$port" -a "$W/$1.anchor" +root="$1" "$3" "$2" \
	    >"$W/delv.out" 2>&1
}

# drill_q ZONE NAME TYPE - drill chasing signatures to ZONE's DS
drill_q() {
	drill -S -k "$W/$1.ds" -p "$port" @127.0.0.1 "$3" "$2" \
	    >"$W/drill.out" 2>&1
}

# check_q ZONE - loradane check's TLSA lookup with the DS as --ta (the
# connection itself fails: nothing listens on 4431, and that is not
# what is tested)
check_q() {
	"$LORADANE" check "js.$1" 4431 --forward "127.0.0.1@$port" \
	    --ta "$W/$1.ds" --wait 1000 >"$W/check.out" 2>&1
}

for z in opb n3; do
	delv_q $z.test "$TLSA_NAME.$z.test" TLSA
	check "delv: $z.test TLSA is fully validated from the printed DS" \
	    contains "$W/delv.out" "^; fully validated"
	check "delv: $z.test TLSA answer is the certificate's" \
	    contains "$W/delv.out" "$TLSA_NAME\.$z\.test\..*TLSA[[:space:]]+3 1 1 "
	delv_q $z.test "nothere.$z.test" A
	check "delv: $z.test nonexistent name is a validated denial" \
	    contains "$W/delv.out" "negative response, fully validated"
	drill_q $z.test "$TLSA_NAME.$z.test" TLSA
	check "drill -S: $z.test TLSA chases to the printed DS" \
	    contains "$W/drill.out" "^;; Chase successful"
	check_q $z.test
	check "loradane check --ta DSFILE: $z.test TLSA is secure" \
	    contains "$W/check.out" "TLSA $TLSA_NAME\.$z\.test: secure, 1 record"
done
for z in exp fut; do
	delv_q $z.test "$TLSA_NAME.$z.test" TLSA
	check "delv: $z.test TLSA is not validated (bogus)" \
	    bash -c "! grep -q 'fully validated' '$W/delv.out' &&
		grep -q 'resolution failed' '$W/delv.out'"
	check "delv: $z.test names the signature times" \
	    contains "$W/delv.out" "RRSIG (has expired|validity period has not begun)"
	drill_q $z.test "$TLSA_NAME.$z.test" TLSA
	check "drill -S: $z.test chase fails on the signature times" \
	    bash -c "grep -Eq 'signature (has expired|not incepted yet)' '$W/drill.out' &&
		grep -q '^;; Chase failed' '$W/drill.out'"
done
for z in exp fut2; do
	check_q $z.test
	check "loradane check: $z.test TLSA is bogus" \
	    contains "$W/check.out" "TLSA $TLSA_NAME\.$z\.test: bogus"
done

kill "$nsd_pid" 2>/dev/null
wait "$nsd_pid" 2>/dev/null
port_free() { ! ss -Htuln "sport = :$port" | grep -q .; }
check "NSD stopped, port $port free" wait_until 15 port_free

# ------------------------------------------------------- 5. bad input
B=$W/bad
mkdir -p "$B"
cp "$W/opb.zone" "$B/good.zone"
cp -a "$W/keys" "$B/keys"
mkzone opb.test "$B/bad.zone"
sed -i '7s/.*/broken\tA 300.1.2.3/' "$B/bad.zone"
grep -v SOA "$B/good.zone" >"$B/nosoa.zone"
cp -a "$W/keys" "$B/corrupt"
printf 'Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: !!!\n' \
    >"$B/corrupt/$(basename "${zsk%.key}").private"
cp -a "$W/keys" "$B/swapped"
cp "${ksk%.key}.private" "$B/swapped/$(basename "${zsk%.key}").private"
cp -a "$W/keys" "$B/orphan"
rm "$B/orphan/$(basename "$zsk")"

# one_line FILE REGEX - FILE is a single line, matching REGEX
one_line() {
	[ "$(wc -l <"$1")" -eq 1 ] && contains "$1" "$2" && return 0
	sed 's/^/#   /' "$1" >&2
	return 1
}

# refuse WHAT REGEX ARGS... - zone sign exits 1, prints the one line
# "loradane zone sign: ... REGEX" on stderr (so no sanitizer report
# either) and nothing on stdout, and
# creates, replaces or rewrites nothing: no output, no key
refuse() {
	local what=$1 re=$2 before rc
	shift 2
	before=$(snapshot "$B")
	"$LORADANE" zone sign "$@" >"$W/ref.out" 2>"$W/ref.err"
	rc=$?
	check "$what: exit status 1" test "$rc" -eq 1
	check "$what: one line on stderr, naming the problem" \
	    one_line "$W/ref.err" "^loradane zone sign: .*$re"
	check "$what: nothing on stdout" test ! -s "$W/ref.out"
	check "$what: no file created or changed (output, keys)" \
	    test "$before" = "$(snapshot "$B")"
}

refuse "malformed zone" "bad\.zone line 7: .*rdata" \
    --origin opb.test --keys "$B/newkeys" "$B/bad.zone"
refuse "SOA owner is not --origin" \
    "SOA owner opb\.test\. is not the origin other\.test\." \
    --origin other.test --keys "$B/newkeys" "$B/good.zone"
refuse "no SOA" "nosoa\.zone: no SOA record" \
    --origin opb.test --keys "$B/newkeys" "$B/nosoa.zone"
refuse "already signed input" "RRSIG: the signer makes DNSSEC records" \
    --origin opb.test --keys "$B/newkeys" --out "$B/x" "$W/opb.zone.signed"
refuse "corrupt private key file" \
    "corrupt/Kopb\.test\.\+013\+[0-9]{5}\.private: not a private key file" \
    --origin opb.test --keys "$B/corrupt" "$B/good.zone"
refuse "private key of another key" \
    "swapped/Kopb\.test\.\+013\+[0-9]{5}\.private is not the private key" \
    --origin opb.test --keys "$B/swapped" "$B/good.zone"
refuse "private key without its .key file" \
    "orphan/Kopb\.test\.\+013\+[0-9]{5}\.private has no" \
    --origin opb.test --keys "$B/orphan" "$B/good.zone"
if [ "$(id -u)" -ne 0 ]; then
	cp -a "$W/keys" "$B/unreadable"
	chmod 000 "$B/unreadable/$(basename "${ksk%.key}").private"
	refuse "unreadable private key file" \
	    "\.private: Permission denied" \
	    --origin opb.test --keys "$B/unreadable" "$B/good.zone"
else
	skip "unreadable private key file (root reads mode 000 files;" \
	    "the corrupt and swapped key cases above stand in)"
fi
refuse "bad --inception" "--inception: 'tomorrow'" \
    --origin opb.test --keys "$B/newkeys" --inception tomorrow "$B/good.zone"
refuse "impossible date" "--expiration: '20260230000000': no such time" \
    --origin opb.test --keys "$B/newkeys" --expiration 20260230000000 \
    "$B/good.zone"
refuse "expiration not after inception" \
    "--expiration -1d is not after --inception now" \
    --origin opb.test --keys "$B/newkeys" --inception now \
    --expiration -1d "$B/good.zone"
refuse "output directory missing (fails after signing)" \
    "nodir/out: cannot create" \
    --origin opb.test --keys "$B/newkeys" --out "$B/nodir/out" \
    "$B/good.zone"
refuse "output would replace the input" "would replace the input" \
    --origin opb.test --keys "$B/newkeys" --out "$B/good.zone" \
    "$B/good.zone"
"$LORADANE" zone sign --origin opb.test --keys "$B/newkeys" \
    --ttl-dnskey 0 "$B/good.zone" 2>"$W/ref.err"
check "--ttl-dnskey 0 is a usage error (exit 2)" test $? -eq 2
"$LORADANE" zone sign --origin opb.test "$B/good.zone" 2>/dev/null
check "missing --keys is a usage error (exit 2)" test $? -eq 2
done_testing
