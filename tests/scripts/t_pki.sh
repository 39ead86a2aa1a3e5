#!/bin/bash
# t_pki.sh - "loradane pki init" and "loradane zone records": an operator's
# own CA and keys, the records it publishes, agreement with ldns-dane and
# danetool, and bad input that changes nothing.
. "$(dirname "$0")/lib.sh"

P=$TMP/pki
init() { "$LORADANE" pki init --out "$P" "$@"; }

check "pki init opb" init --operator opb --domain opb.test \
    --address 127.0.0.1 --address ::1 --joineui 70b3d57ed0000000/36 \
    --joineui 0807060504030201 --netid 000013 >"$TMP/init.out"
O=$P/opb
ids="js-server ns-server ns-client as-server as-client"
modes_ok=1
for f in "$O"/ca/root.key "$O"/ca/issuing.key "$O"/*.1/key.pem; do
	[ "$(stat -c %a "$f")" = 600 ] || { echo "# $f"; modes_ok=0; }
done
check "every private key has mode 0600" test $modes_ok -eq 1
check "the operator directory is private (0700)" \
    test "$(stat -c %a "$O")" = 700
chain_ok=1
for id in $ids; do
	openssl verify -CAfile "$O/ca/root.crt" -untrusted "$O/ca/issuing.crt" \
	    "$O/$id/cert.pem" >/dev/null 2>&1 || chain_ok=0
done
check "each certificate chains to the operator's root via its issuing CA" \
    test $chain_ok -eq 1
san() { openssl x509 -in "$1" -noout -ext subjectAltName | tail -1 | tr -d ' '; }
check "server SAN is its host name" \
    test "$(san "$O/js-server/cert.pem")" = "DNS:js.opb.test"
check "client SAN is its TLSA name, _ns-client.HOST" \
    test "$(san "$O/ns-client/cert.pem")" = "DNS:_ns-client.ns.opb.test"
check "client certificate is for clientAuth" bash -c \
    "openssl x509 -in '$O/ns-client/cert.pem' -noout -ext extendedKeyUsage | grep -q 'Client Authentication'"
check "cert.pem carries leaf, issuing CA and root" \
    test "$(grep -c 'BEGIN CERTIFICATE' "$O/ns-server/cert.pem")" -eq 3
check "keys are ECDSA P-256 by default" bash -c \
    "openssl pkey -in '$O/js-server/key.pem' -noout -text | grep -q 'prime256v1'"

"$LORADANE" zone records --pki "$P" --operator opb --dane-ta >"$TMP/rec"
check "records: A and AAAA of each element" \
    contains "$TMP/rec" "^ns\.opb\.test\.	300	IN	AAAA	::1$"
check "records: server TLSA at _PORT._tcp.HOST" \
    contains "$TMP/rec" "^_4431\._tcp\.js\.opb\.test\.	300	IN	TLSA	3 1 1 "
check "records: client TLSA at _as-client.HOST" \
    contains "$TMP/rec" "^_as-client\.as\.opb\.test\.	300	IN	TLSA	3 1 1 "
check "records: JoinEUI /36 range as a wildcard of reversed nibbles" \
    contains "$TMP/rec" '^\*\.d\.e\.7\.5\.d\.3\.b\.0\.7\.joineuis\.opb\.test\.	300	IN	NAPTR	10 50 "S" "LWNS" "" _lwns\._tcp\.js\.opb\.test\.$'
check "records: exact JoinEUI name (BI §19 example order)" \
    contains "$TMP/rec" '^1\.0\.2\.0\.3\.0\.4\.0\.5\.0\.6\.0\.7\.0\.8\.0\.joineuis\.opb\.test\.	300	IN	A	127\.0\.0\.1$'
check "records: NetID name points at the NS by NAPTR and SRV" bash -c \
    "grep -q '^000013\.netids\.opb\.test\..*NAPTR.*_lwns\._tcp\.ns\.opb\.test\.' '$TMP/rec' &&
     grep -q '^_lwns\._tcp\.ns\.opb\.test\.	300	IN	SRV	0 1 4432 ns\.opb\.test\.$' '$TMP/rec'"
check "records parse as a zone (ldns-read-zone)" \
    bash -c "{ echo '\$ORIGIN opb.test.'; cat '$TMP/rec'; } >'$TMP/rec.zone' &&
	ldns-read-zone '$TMP/rec.zone' >/dev/null"

# Independent tools compute the same TLSA data from the same files.
ours() { awk -v o="$1" -v u="$2" '$1 == o && $4 == "TLSA" && $5 == u {print $5, $6, $7, $8}' "$TMP/rec"; }
agree=1
for id in $ids; do
	case $id in
	js-server) o=_4431._tcp.js.opb.test. h=js.opb.test p=4431 ;;
	ns-server) o=_4432._tcp.ns.opb.test. h=ns.opb.test p=4432 ;;
	as-server) o=_4433._tcp.as.opb.test. h=as.opb.test p=4433 ;;
	ns-client) o=_ns-client.ns.opb.test. ;;
	as-client) o=_as-client.as.opb.test. ;;
	esac
	l=$(ldns-dane -n -c "$O/$id/cert.pem" create x.test 1 3 1 1 | awk '{print $5, $6, $7, $8}')
	[ -n "$l" ] && [ "$l" = "$(ours "$o" 3)" ] || { echo "# ldns-dane 3 1 1 $id: $l"; agree=0; }
	l=$(ldns-dane -n -c "$O/$id/cert.pem" create x.test 1 2 1 1 | awk '{print $5, $6, $7, $8}')
	[ -n "$l" ] && [ "$l" = "$(ours "$o" 2)" ] || { echo "# ldns-dane 2 1 1 $id: $l"; agree=0; }
	d=$(danetool --tlsa-rr --host=x.test --load-certificate="$O/$id/cert.pem" |
	    sed 's/.*( 0\(.\) 0\(.\) 0\(.\) \([0-9a-f]*\) )/\1 \2 \3 \4/')
	[ -n "$d" ] && [ "$d" = "$(ours "$o" 3)" ] || { echo "# danetool $id: $d"; agree=0; }
done
d=$(danetool --tlsa-rr --host=x.test --ca --load-certificate="$O/ca/root.crt" |
    sed 's/.*( 0\(.\) 0\(.\) 0\(.\) \([0-9a-f]*\) )/\1 \2 \3 \4/')
[ "$d" = "$(ours _4431._tcp.js.opb.test. 2)" ] || { echo "# danetool root: $d"; agree=0; }
check "ldns-dane and danetool agree with every TLSA record (3 1 1, 2 1 1)" \
    test $agree -eq 1

# Key types and self-signed leaves.
check "ed25519 operator" init --operator ope --domain ope.test \
    --key-type ed25519 --roles js >/dev/null
check "... has Ed25519 keys" bash -c \
    "openssl pkey -in '$P/ope/js-server/key.pem' -noout -text | grep -q ED25519"
check "... and only the js element" test ! -e "$P/ope/ns-server"
check "rsa2048 operator without intermediate" init --operator opr \
    --domain opr.test --key-type rsa2048 --no-intermediate >/dev/null
check "... has 2048-bit RSA keys, signed by the root directly" bash -c \
    "openssl pkey -in '$P/opr/ns-client/key.pem' -noout -text | grep -q '2048 bit' &&
     openssl verify -CAfile '$P/opr/ca/root.crt' '$P/opr/ns-client/cert.pem' >/dev/null &&
     test ! -e '$P/opr/ca/issuing.key'"
check "self-signed operator" init --operator ops --domain ops.test \
    --self-signed >/dev/null
check "... has no CA, and self-issued leaves alone in cert.pem" bash -c \
    "test ! -e '$P/ops/ca' &&
     test \$(grep -c 'BEGIN CERTIFICATE' '$P/ops/as-server/cert.pem') -eq 1 &&
     openssl verify -CAfile '$P/ops/as-server/cert.pem' '$P/ops/as-server/cert.pem' >/dev/null"
"$LORADANE" zone records --pki "$P" --operator ops --dane-ta >"$TMP/rec-ss"
check "... and publishes only 3 1 1 records even with --dane-ta" \
    bash -c "! grep -q 'TLSA	2 1 1' '$TMP/rec-ss' && grep -q 'TLSA	3 1 1' '$TMP/rec-ss'"

# Bad input: a clear error naming the field, and nothing changes on disk.
snap() { (cd "$P" && find . -printf '%p %m %s\n' | sort && cat */*/*.pem */*.conf | sha256sum); }
snap >"$TMP/before"
bad() {	# bad DESCRIPTION EXPECTED-STATUS REGEX COMMAND...
	local d=$1 want=$2 re=$3
	shift 3
	"$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	local rc=$?
	check "$d: exit $want" test $rc -eq "$want"
	check "$d: message" contains "$TMP/bad.err" "$re"
}
bad "existing operator" 1 "operator 'opb' is already initialised; nothing changed" \
    init --operator opb --domain opb.test
bad "bad operator name" 2 "operator name 'Op_B'" \
    init --operator Op_B --domain opb.test
bad "bad domain" 2 "domain 'op..b' is not a valid DNS name" \
    init --operator opx --domain op..b
bad "bad JoinEUI" 2 "--joineui: JoinEUI '70b3d57ed00000zz' is not an EUI-64" \
    init --operator opx --domain opx.test --joineui 70b3d57ed00000zz
bad "JoinEUI prefix not on a nibble" 2 "multiple of 4" \
    init --operator opx --domain opx.test --joineui 70b3d57ed0000000/33
bad "JoinEUI with bits after the prefix" 2 "bits set after the /8 prefix" \
    init --operator opx --domain opx.test --joineui 70b3d57ed0000000/8
bad "bad NetID" 2 "--netid: NetID '0000zz' is not 6 hex digits" \
    init --operator opx --domain opx.test --netid 0000zz
bad "bad address" 2 "address '1.2.3' is not an IPv4 or IPv6 address" \
    init --operator opx --domain opx.test --address 1.2.3
bad "bad key type" 2 "--key-type dsa" \
    init --operator opx --domain opx.test --key-type dsa
bad "unknown operator" 1 "unknown operator 'nobody'" \
    "$LORADANE" zone records --pki "$P" --operator nobody
snap >"$TMP/after"
check "bad input changed nothing on disk" cmp -s "$TMP/before" "$TMP/after"

# A profile error names its file and line; nothing is printed on stdout.
cp -a "$P/opb" "$P/opz"
sed -i 's/^operator opb$/operator opz/; s/^netid 000013$/netid 00001g/' \
    "$P/opz/operator.conf"
line=$(grep -n '^netid' "$P/opz/operator.conf" | cut -d: -f1)
bad "profile with a bad NetID" 1 "operator.conf:$line: netid: NetID '00001g'" \
    "$LORADANE" zone records --pki "$P" --operator opz
check "... prints no records" test ! -s "$TMP/bad.out"

# An unreadable CA key: the rollover cannot make a new key; nothing changes.
printf 'key "k." {\n\talgorithm hmac-sha256;\n\tsecret "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0";\n};\n' >"$TMP/k.key"
sed -i 's/^netid 00001g$/netid 000013/' "$P/opz/operator.conf"
echo garbage >"$P/opz/ca/issuing.key"
snap >"$TMP/before2"
bad "unreadable issuing key" 1 "issuing.key: not a PEM private key" \
    "$LORADANE" rollover --pki "$P" --operator opz --identity js-server \
    --server 127.0.0.1@1 --tsig "$TMP/k.key"
snap >"$TMP/after2"
check "... and no generation or state was made" cmp -s "$TMP/before2" "$TMP/after2"
done_testing
