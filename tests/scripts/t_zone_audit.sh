#!/bin/bash
# t_zone_audit.sh - "loradane zone audit" against a world of its own: an
# operator made by "pki init", its zone from "zone records", signed by
# "zone sign" and served by a private NSD, beside zones signed to expire
# soon, already expired, and unsigned.  Every check is shown failing.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/fixture/ports.sh
. "$TOP/tests/fixture/ports.sh"

D=$TMP
L=$LORADANE

# mini_zone ZONE - a zone with only SOA, NS and the name server's address
mini_zone() {
	# shellcheck disable=SC2016 # a literal $ORIGIN
	printf '$ORIGIN %s.\n' "$1"
	printf '%s.\t300\tIN\tSOA\tns1.%s. hostmaster.%s. 1 3600 900 1209600 300\n' \
	    "$1" "$1" "$1"
	printf '%s.\t300\tIN\tNS\tns1.%s.\n' "$1" "$1"
	printf 'ns1.%s.\t300\tIN\tA\t127.0.0.1\n' "$1"
}

# sign ZONE SOURCE [zone sign options] - sign into $D/ZONE.signed, add
# its DS to the trust anchors
sign() {
	local z=$1 src=$2
	shift 2
	"$L" zone sign --origin "$z" --keys "$D/keys-$z" --out "$D/$z.signed" \
	    "$@" "$src" >"$D/$z.ds" 2>"$D/$z.sign.err" &&
	    cat "$D/$z.ds" >>"$D/ta"
}

: >"$D/ta"
"$L" pki init --operator opa --domain opa.test --out "$D/pki" \
    --address 127.0.0.1 --joineui 70b3d57ed0000000/36 --netid 000013 \
    >"$D/pki.out" 2>&1
check "pki init makes operator opa" test -f "$D/pki/opa/operator.conf"
"$L" zone records --pki "$D/pki" --operator opa \
    --soa ns1.opa.test.=127.0.0.1 >"$D/opa.zone" 2>"$D/records.err"
check "zone records writes opa's zone" contains "$D/opa.zone" "IN	NAPTR"
check "zone sign signs opa.test" sign opa.test "$D/opa.zone"
mini_zone soon.test >"$D/soon.zone"
check "zone sign signs soon.test to expire in 3 days" \
    sign soon.test "$D/soon.zone" --expiration +3d
mini_zone dead.test >"$D/dead.zone"
check "zone sign signs dead.test already expired" \
    sign dead.test "$D/dead.zone" --inception -10d --expiration -1d
mini_zone plain.test >"$D/plain.test.signed" # served unsigned

# A private NSD in the foreground: lib.sh's cleanup kills and reaps it.
port=$(free_port)
mkdir -p "$D/nsd"
{
	printf 'server:\n\tserver-count: 1\n\tip-address: 127.0.0.1\n'
	printf '\tport: %s\n\tdo-ip4: yes\n\tdo-ip6: no\n' "$port"
	printf '\tusername: ""\n\tchroot: ""\n\tdatabase: ""\n'
	printf '\tzonelistfile: "%s/nsd/zone.list"\n' "$D"
	printf '\txfrdfile: "%s/nsd/xfrd.state"\n\txfrdir: "%s/nsd"\n' "$D" "$D"
	printf '\tpidfile: "%s/nsd/nsd.pid"\n\tlogfile: "%s/nsd/nsd.log"\n' \
	    "$D" "$D"
	printf '\tzonefiles-write: 0\n\treuseport: no\n\tverbosity: 1\n'
	printf 'remote-control:\n\tcontrol-enable: no\n'
	for z in opa.test soon.test dead.test plain.test; do
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s/%s.signed"\n' \
		    "$z" "$D" "$z"
	done
} >"$D/nsd.conf"
nsd -d -c "$D/nsd.conf" -p "$port" >"$D/nsd/stdout" 2>&1 &
_bg_pids="$_bg_pids $!"

# serving ZONE... - NSD answers each zone's SOA
serving() {
	local z
	for z in "$@"; do
		dig +short +norecurse +time=1 +tries=1 -p "$port" @127.0.0.1 \
		    SOA "$z" 2>/dev/null | grep -q . || return 1
	done
}
if ! wait_until 15 serving opa.test soon.test dead.test plain.test; then
	sed 's/^/#   /' "$D/nsd/nsd.log" "$D/nsd/stdout" >&2
	not_ok "NSD serves the four zones"
	done_testing
	exit 1
fi
ok "NSD serves the four zones"

R=(--forward "127.0.0.1@$port" --ta "$D/ta")

# audit NAME ARGS... - run the audit into $D/NAME.out/.err, set rc
audit() {
	local n=$1
	shift
	"$L" zone audit "$@" >"$D/$n.out" 2>"$D/$n.err"
	rc=$?
}

# 1. Everything as published.
audit good --operator opa --pki "$D/pki" "${R[@]}"
check "good world: exit 0" test "$rc" -eq 0
for id in js-server:_4431._tcp.js ns-server:_4432._tcp.ns \
    ns-client:_ns-client.ns as-server:_4433._tcp.as as-client:_as-client.as; do
	check "good world: ${id%%:*} generation 1 matches its TLSA" \
	    contains "$D/good.out" \
	    "^ok +TLSA ${id#*:}\.opa\.test\. secure, ${id%%:*} generation 1 matches \(DANE-EE, depth 0\)"
done
check "good world: SOA and DNSKEY secure" \
    contains "$D/good.out" "^ok +DNSKEY opa\.test\. secure, 2 keys"
check "good world: JoinEUI name (a wildcard, asked below it)" \
    contains "$D/good.out" \
    '^ok +NAPTR 0\.d\.e\.7\.5\.d\.3\.b\.0\.7\.joineuis\.opa\.test\. \(JoinEUI 70b3d57ed0000000/36\) secure, "LWNS" -> _lwns\._tcp\.js\.opa\.test\.'
check "good world: JoinEUI name's address" \
    contains "$D/good.out" '^ok +A 0\.d\.e\..*\(JoinEUI .*\) secure: 127\.0\.0\.1$'
check "good world: NetID name" \
    contains "$D/good.out" \
    '^ok +NAPTR 000013\.netids\.opa\.test\. \(NetID 000013\) secure, "LWNS" -> _lwns\._tcp\.ns\.opa\.test\.'
check "good world: element addresses" \
    contains "$D/good.out" '^ok +A js\.opa\.test\. secure: 127\.0\.0\.1$'
check "good world: signatures far from expiry" \
    contains "$D/good.out" '^ok +opa\.test\. signatures expire 20[0-9-]+ [0-9:]+ UTC \(in (29|30) days'
check "good world: summary, no problem" \
    contains "$D/good.out" '^18 checks, 0 problems$'
audit good2 --operator opa --pki "$D/pki" "${R[@]}" opa.test.
check "the operator's domain given as ZONE too is audited once" \
    contains "$D/good2.out" '^18 checks, 0 problems$'

# 2. ns-client re-keyed locally, not published.
cp -a "$D/pki" "$D/rekey"
cp -a "$D/rekey/opa/as-client.1" "$D/rekey/opa/ns-client.2"
ln -sfn ns-client.2 "$D/rekey/opa/ns-client"
audit rekey --operator opa --pki "$D/rekey" "${R[@]}"
check "unpublished key: exit 1" test "$rc" -eq 1
check "unpublished key: FAIL names ns-client generation 2" \
    contains "$D/rekey.out" \
    "^FAIL +TLSA _ns-client\.ns\.opa\.test\. secure, but ns-client generation 2 does not match"
check "unpublished key: the other identities still match" \
    contains "$D/rekey.out" "^ok +TLSA _as-client\.as\.opa\.test\..* as-client generation 1 matches"

# ... and a rollover that claims generation 2 is published beside 1
ln -sfn ns-client.1 "$D/rekey/opa/ns-client"
printf 'identity ns-client\nold 1\nnew 2\nstep published\nttl 300\npublished-at 1\nsecure-since 0\n' \
    >"$D/rekey/opa/ns-client.rollover"
audit roll --operator opa --pki "$D/rekey" "${R[@]}"
check "rollover published: generation 1 matches" \
    contains "$D/roll.out" "^ok +TLSA _ns-client\.ns\.opa\.test\. secure, ns-client generation 1 matches"
check "rollover published: generation 2 must be served too" \
    contains "$D/roll.out" "^FAIL +TLSA _ns-client\.ns\.opa\.test\. secure, but ns-client generation 2 does not match"
check "rollover published: exit 1" test "$rc" -eq 1

# A certificate file that is gone is named.
cp -a "$D/pki" "$D/nocert"
rm "$D/nocert/opa/as-server.1/cert.pem"
audit nocert --operator opa --pki "$D/nocert" "${R[@]}"
check "missing certificate: exit 1, FAIL names the file" \
    contains "$D/nocert.out" "^FAIL +TLSA _4433\._tcp\.as\.opa\.test\. as-server generation 1: .*/as-server\.1/cert\.pem: No such file"

# The profile says what the zone does not.
cp -a "$D/pki" "$D/prof"
conf=$D/prof/opa/operator.conf
sed -i -e 's/^element ns ns.opa.test. 4432 127.0.0.1$/element ns ns.opa.test. 4432 127.0.0.1 127.0.0.2/' \
    -e 's/^element as as.opa.test. 4433 127.0.0.1$/element as as.opa.test. 4433 127.0.0.1 ::1/' \
    -e 's/^element js js.opa.test. 4431 127.0.0.1$/element js js.opa.test. 4441 127.0.0.1/' "$conf"
printf 'joineui 70b3d57ee0000000/36\nnetid 000014\n' >>"$conf"
audit prof --operator opa --pki "$D/prof" "${R[@]}"
check "profile drift: exit 1" test "$rc" -eq 1
check "profile drift: a missing A record" \
    contains "$D/prof.out" '^FAIL +A ns\.opa\.test\. secure, but lacks 127\.0\.0\.2 \(served: 127\.0\.0\.1\)'
check "profile drift: a missing AAAA record" \
    contains "$D/prof.out" '^FAIL +AAAA as\.opa\.test\. secure NODATA, but the profile has ::1$'
check "profile drift: a TLSA name not published" \
    contains "$D/prof.out" '^FAIL +TLSA _4441\._tcp\.js\.opa\.test\. secure NXDOMAIN'
check "profile drift: a JoinEUI range not published" \
    contains "$D/prof.out" '^FAIL +NAPTR 0\.e\.e\.7\.5\.d\.3\.b\.0\.7\.joineuis\.opa\.test\. \(JoinEUI 70b3d57ee0000000/36\) secure NXDOMAIN'
check "profile drift: a NetID not published" \
    contains "$D/prof.out" '^FAIL +NAPTR 000014\.netids\.opa\.test\. \(NetID 000014\) secure NXDOMAIN'
check "profile drift: the NetID's address form lacks the NS address" \
    contains "$D/prof.out" '^FAIL +A 000013\.netids\.opa\.test\. \(NetID 000013\) secure, but lacks 127\.0\.0\.2'
sed -i 's/^element js js.opa.test. 4441 /element js js2.opa.test. 4431 /' "$conf"
audit prof2 --operator opa --pki "$D/prof" "${R[@]}"
check "profile drift: a NAPTR leading to another host" \
    contains "$D/prof2.out" '^FAIL +NAPTR 0\.d\.e\..*\(JoinEUI 70b3d57ed0000000/36\) secure, but no "LWNS" record leads to _lwns\._tcp\.js2\.opa\.test\. \(seen: _lwns\._tcp\.js\.opa\.test\.\)'

# 3. Signatures about to expire.
audit soon soon.test "${R[@]}"
check "expiring in 3 days: exit 1" test "$rc" -eq 1
check "expiring in 3 days: warn line with the date" \
    contains "$D/soon.out" '^warn +soon\.test\. signatures expire 20[0-9-]+ [0-9:]+ UTC \(in 2 days 23 hours'
check "expiring in 3 days: SOA still secure" \
    contains "$D/soon.out" '^ok +SOA soon\.test\. secure, serial 1$'
audit soon1 --warn-days 1 soon.test "${R[@]}"
check "expiring in 3 days, --warn-days 1: exit 0" test "$rc" -eq 0
check "expiring in 3 days, --warn-days 1: ok line" \
    contains "$D/soon1.out" '^ok +soon\.test\. signatures expire'

# 4. Expired signatures, no signatures, no answer.
audit dead dead.test "${R[@]}"
check "expired zone: exit 1" test "$rc" -eq 1
check "expired zone: SOA bogus, with why" \
    contains "$D/dead.out" '^FAIL +SOA dead\.test\. bogus: .*expired'
check "expired zone: summary counts both problems" \
    contains "$D/dead.out" '^2 checks, 2 problems$'
audit plain plain.test "${R[@]}"
check "unsigned zone: FAIL insecure, exit 1" \
    bash -c "[ $rc -eq 1 ] && grep -Eq '^FAIL +SOA plain\.test\. insecure' '$D/plain.out'"
audit silent opa.test --forward "127.0.0.1@$(free_port)" --ta "$D/ta" \
    --dns-timeout 300
check "no DNS answer: FAIL temporary failure, exit 1" \
    bash -c "[ $rc -eq 1 ] && grep -Eq '^FAIL +SOA opa\.test\. temporary failure' '$D/silent.out'"

# 5. Errors and usage.
audit nosuch --operator nosuch --pki "$D/pki" "${R[@]}"
check "unknown operator: exit 1" test "$rc" -eq 1
check "unknown operator: the message names it" contains "$D/nosuch.err" nosuch
audit noargs "${R[@]}"
check "no zone and no operator: usage, exit 2" test "$rc" -eq 2
audit pkionly --pki "$D/pki" opa.test "${R[@]}"
check "--pki without --operator: usage, exit 2" test "$rc" -eq 2
audit badwarn --warn-days x opa.test "${R[@]}"
check "--warn-days x: usage, exit 2" test "$rc" -eq 2
done_testing
