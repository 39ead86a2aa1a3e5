#!/bin/bash
# t_interop.sh - loradane against tools that never saw its code:
#  1. openssl s_client's own DANE engine authenticates serve-test with the
#     rrdata "loradane tlsa" prints, and refuses a near miss;
#  2. s_client -msg/-trace show the exact dane_clientid bytes in our
#     server's CertificateRequest (draft -13, -07 form, other codepoint);
#  3. a raw-OpenSSL observer (tests/helpers/msgdump) shows the exact bytes
#     our client puts in its Certificate message, on entry 0 only;
#  4. GnuTLS danetool and ldns-dane compute the same TLSA data as
#     "loradane tlsa", and ldns-dane verifies serve-test from a TLSA file.
# Every byte string is parsed structurally (handshake header, lengths,
# extension lists), never grepped for, so stray "ffdc" in a random or a
# signature can neither pass nor fail a check.
. "$(dirname "$0")/lib.sh"

port=$DANCE_TEST_TLS_PORT
host=srv.good.dance.test
C=$DANCE_CERTS

# same DESCRIPTION GOT WANT - ok when both are non-empty and equal
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		ok "$1"
		return
	fi
	not_ok "$1"
	printf '# got:  %s\n# want: %s\n' "$2" "$3" >&2
}

# hexstr STRING - its octets as lower-case hex
hexstr() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# derhex PEM - the DER of the (first) certificate in PEM, as hex
derhex() { openssl x509 -in "$1" -outform DER | od -An -v -tx1 | tr -d ' \n'; }

# clientid_ext TYPE NAME - the Certificate entry extension (spec §1.2):
# type, extension_data length, ClientName length, the name as text
clientid_ext() {
	printf '%04x%04x%02x%s' "$1" $((${#2} + 1)) ${#2} "$(hexstr "$2")"
}

# rd N - take N octets off the front of $BUF: R = their hex, V = their
# value (for N <= 4); fails if BUF is shorter
rd() {
	local n=$((2 * $1))
	[ ${#BUF} -ge $n ] || return 1
	R=${BUF:0:n}
	BUF=${BUF:n}
	[ "$1" -le 4 ] && V=$((16#0$R))
	return 0
}

# hs_open HEX TYPE - check a handshake header (type, uint24 length equal
# to what follows); leaves the body in BUF
hs_open() {
	BUF=$1
	rd 1 && [ "$R" = "$2" ] || return 1
	rd 3 && [ "$V" -eq $((${#BUF} / 2)) ]
}

# ext_list - parse the whole of BUF as Extension entries, print one line
# per extension: "TYPE TYPE||LENGTH||DATA"
ext_list() {
	local t l
	while [ -n "$BUF" ]; do
		rd 2 || return 1
		t=$R
		rd 2 || return 1
		l=$R
		rd "$V" || return 1
		echo "$t $t$l$R"
	done
}

# cr_exts HEX - the extensions of a CertificateRequest (RFC 8446 4.3.2)
cr_exts() {
	hs_open "$1" 0d || return 1
	rd 1 && rd "$V" || return 1		# certificate_request_context
	rd 2 && [ "$V" -eq $((${#BUF} / 2)) ] || return 1
	ext_list
}

# ch_exts HEX - the extensions of a ClientHello (RFC 8446 4.1.2)
ch_exts() {
	hs_open "$1" 01 || return 1
	rd 2 && rd 32 || return 1		# legacy_version, random
	rd 1 && rd "$V" || return 1		# legacy_session_id
	rd 2 && rd "$V" || return 1		# cipher_suites
	rd 1 && rd "$V" || return 1		# legacy_compression_methods
	rd 2 && [ "$V" -eq $((${#BUF} / 2)) ] || return 1
	ext_list
}

# cert_entries HEX - a Certificate message (RFC 8446 4.4.2), one line per
# CertificateEntry: "INDEX CERT_DATA EXTENSIONS" (EXTENSIONS "-" if none)
cert_entries() {
	local i=0 c
	hs_open "$1" 0b || return 1
	rd 1 && rd "$V" || return 1		# certificate_request_context
	rd 3 && [ "$V" -eq $((${#BUF} / 2)) ] || return 1
	while [ -n "$BUF" ]; do
		rd 3 && rd "$V" || return 1	# cert_data<1..2^24-1>
		c=$R
		rd 2 && rd "$V" || return 1	# extensions<0..2^16-1>
		echo "$i $c ${R:--}"
		i=$((i + 1))
	done
}

# msg_hs FILE - the handshake messages s_client -msg received, one hex
# line each.  A message is a "<<< ... Handshake [length N]" line followed
# by indented hex lines; N must equal the octets dumped.
msg_hs() {
	awk '
	function flush() {
		if (on)
			print want, cur
		on = 0
		cur = ""
	}
	/^<<< / && /Handshake \[length [0-9a-f]+\]/ {
		flush()
		match($0, /\[length [0-9a-f]+\]/)
		want = substr($0, RSTART + 8, RLENGTH - 9)
		on = 1
		next
	}
	on && /^    [0-9a-f][0-9a-f]( [0-9a-f][0-9a-f])* *$/ {
		s = $0
		gsub(/ /, "", s)
		cur = cur s
		next
	}
	{ flush() }
	END { flush() }' "$1" | while read -r n h; do
		if [ $((16#$n)) -ne $((${#h} / 2)) ]; then
			echo "badlength"
		else
			echo "$h"
		fi
	done
}

# sclient NAME ARGS... - s_client -msg to serve-test; stdout (the -msg dump
# and the session summary) in $TMP/NAME.out, stderr in $TMP/NAME.err
sclient() {
	local name=$1
	shift
	timeout 30 openssl s_client -tls1_3 -connect "127.0.0.1:$port" \
	    -servername "$host" "$@" </dev/null >"$TMP/$name.out" \
	    2>"$TMP/$name.err"
}

# dane_line RRDATA - what s_client prints when RRDATA matched the leaf:
# apps/s_client.c shows the last 12 octets of the association data
dane_line() {
	# shellcheck disable=SC2086 # split "U S M DATA" into fields
	set -- $1
	echo "DANE TLSA $1 $2 $3 ...${4: -24} matched EE certificate at depth 0"
}

# check_verified NAME RRDATA - s_client's own DANE verdict was success
check_verified() {
	check "$1: s_client says Verification: OK" \
	    grep -qx "Verification: OK" "$TMP/$1.out"
	check "$1: s_client says $(dane_line "$2")" \
	    grep -qxF "$(dane_line "$2")" "$TMP/$1.out"
	check "$1: s_client says Verify return code: 0 (ok)" \
	    grep -qx "Verify return code: 0 (ok)" "$TMP/$1.out"
	check "$1: negotiated TLS 1.3" \
	    grep -qx "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384" \
	    "$TMP/$1.out"
}

# check_refused NAME - s_client's DANE verdict was "no match"
check_refused() {
	check "$1: s_client says Verification error: no matching DANE TLSA" \
	    grep -qx "Verification error: no matching DANE TLSA records" \
	    "$TMP/$1.out"
	check "$1: s_client says Verify return code: 65" \
	    grep -qx "Verify return code: 65 (no matching DANE TLSA records)" \
	    "$TMP/$1.out"
	check "$1: s_client prints no DANE match" \
	    bash -c "! grep -q -e '^Verification: OK' -e '^DANE TLSA' \
	    '$TMP/$1.out'"
}

# cr_report NAME - the extensions of every CertificateRequest s_client
# received, "CR n: " prefixed ("malformed" if one does not parse), then
# their count
cr_report() {
	local h n=0 out r=""
	while read -r h; do
		case $h in
		badlength) r+="malformed message"$'\n' ;;
		0d*)
			n=$((n + 1))
			out=$(cr_exts "$h") || out=malformed
			r+=$(sed "s/^/CR $n: /" <<<"$out")$'\n'
			;;
		esac
	done < <(msg_hs "$TMP/$1.out")
	r+="CRs: $n"
	observed "s_client -msg, serve-test $1" "$r"
	echo "$r"
}
# stop_checked NAME - SIGTERM serve-test; it must exit 0 (under
# SANITIZE=1 a leak or error report makes it exit non-zero)
stop_checked() {
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID"
	check "serve-test $1 exits 0 on SIGTERM" test $? -eq 0
}

# hs_types NAME - the types of the handshake messages s_client received
hs_types() { msg_hs "$TMP/$1.out" | cut -c1-2 | tr '\n' ' '; }

# observed WHAT TEXT - keep what a check saw, printed as TAP comments at
# the end (the bytes themselves, for the record)
observed() { sed "s|^|$1: |" <<<"$2" >>"$TMP/observed.log"; }

# flip_last RRDATA - the same rrdata with the last hex digit changed
flip_last() {
	local d=${1: -1}
	printf '%s%x' "${1%?}" $((16#$d ^ 1))
}

rr311=$("$LORADANE" tlsa --cert "$C/srv.crt")
rr301=$("$LORADANE" tlsa --cert "$C/srv.crt" --selector 0)
rr312=$("$LORADANE" tlsa --cert "$C/srv.crt" --mtype 2)
rr310=$("$LORADANE" tlsa --cert "$C/srv.crt" --mtype 0)
rrbad=$(flip_last "$rr311")
check "loradane tlsa prints a 3 1 1 SHA-256 rrdata for srv" \
    grep -Eqx '3 1 1 [0-9a-f]{64}' <<<"$rr311"
"$LORADANE" tlsa --cert "$C/srv.crt" --owner "_$port._tcp.$host" \
    >"$TMP/srv.tlsa"
"$LORADANE" tlsa --cert "$C/srv.crt" --owner "_$port._tcp.$host" \
    --mtype 2 >"$TMP/srv512.tlsa"
"$LORADANE" tlsa --cert "$C/cli.crt" --owner "_$port._tcp.$host" \
    >"$TMP/wrong.tlsa"

# ---- 1. s_client's DANE engine against serve-test ----

# --client-auth none: a plain DANE-authenticated server.
start_server none "$port" --client-auth none || not_ok "serve-test none starts"
for rr in "$rr311" "$rr301" "$rr312" "$rr310"; do
	n="none-${rr:0:5}"
	n=${n// /}
	sclient "$n" -msg -dane_tlsa_domain "$host" -dane_tlsa_rrdata "$rr"
	check "$n: s_client exits 0" test $? -eq 0
	check_verified "$n" "$rr"
done
same "none: server sent SH, EE, CT, CV, Fin: no CertificateRequest" \
    "$(hs_types none-311)" "02 08 0b 0f 14 "
sclient none-bad -dane_tlsa_domain "$host" -dane_tlsa_rrdata "$rrbad"
check_refused none-bad
sclient none-bad-strict -dane_tlsa_domain "$host" -dane_tlsa_rrdata "$rrbad" \
    -verify_return_error
check "none-bad-strict: -verify_return_error aborts the handshake" \
    test $? -ne 0
check "none-bad-strict: s_client reports certificate verify failed" \
    contains "$TMP/none-bad-strict.err" "certificate verify failed"

# TLS 1.2 is refused, so whatever else succeeds here spoke TLS 1.3.
timeout 30 openssl s_client -tls1_2 -connect "127.0.0.1:$port" </dev/null \
    >"$TMP/tls12.out" 2>"$TMP/tls12.err"
check "serve-test refuses a TLS 1.2-only s_client" test $? -ne 0
check "the refusal is a protocol_version alert" \
    contains "$TMP/tls12.err" "alert protocol version"

# ldns-dane: TLSA from a file (-t), no DNS; -n skips the PKIX name check
# (meaningless for DANE-EE), -a gives the address.
ldv() {
	timeout 30 ldns-dane -n -a 127.0.0.1 -t "$1" verify "$host" "$port" \
	    >"$TMP/ldv.out" 2>&1
}
ldv "$TMP/srv.tlsa"
check "ldns-dane verify (3 1 1 by loradane tlsa), --client-auth none: exit 0" \
    test $? -eq 0
check "ldns-dane says 127.0.0.1 dane-validated successfully" \
    grep -qx "127.0.0.1 dane-validated successfully" "$TMP/ldv.out"
ldv "$TMP/srv512.tlsa"
check "ldns-dane verify (3 1 2 from loradane tlsa) succeeds" \
    grep -qx "127.0.0.1 dane-validated successfully" "$TMP/ldv.out"
ldv "$TMP/wrong.tlsa"
rc=$?
check "ldns-dane verify with another key's TLSA fails" test $rc -ne 0
check "ldns-dane says no matching DANE TLSA records" \
    grep -qx "127.0.0.1 did not dane-validate, because: no matching DANE TLSA \
records" "$TMP/ldv.out"
stop_checked none

# Default mode (DANE client auth): s_client verifies the server before the
# server refuses the client's missing identity.
start_server dane "$port" || not_ok "serve-test (dane) starts"
sclient dane-311 -msg -dane_tlsa_domain "$host" -dane_tlsa_rrdata "$rr311"
check_verified dane-311 "$rr311"
sclient dane-bad -dane_tlsa_domain "$host" -dane_tlsa_rrdata "$rrbad"
check_refused dane-bad
ldv "$TMP/srv.tlsa"
check "ldns-dane verify succeeds against the DANE-client-auth server" \
    grep -qx "127.0.0.1 dane-validated successfully" "$TMP/ldv.out"

# ---- 2. the server's CertificateRequest, as s_client decrypted it ----

same "default: server sent SH, EE, CR, CT, CV, Fin" "$(hs_types dane-311)" \
    "02 08 0d 0b 0f 14 "
same "default: CR carries ff dc with data 00 (FF DC 00 01 00)" \
    "$(cr_report dane-311 | grep -v ' 000d ')" \
    "$(printf 'CR 1: ffdc ffdc000100\nCRs: 1')"
# -trace is OpenSSL's own decoder of the same message.
sclient dane-trace -trace -dane_tlsa_domain "$host" -dane_tlsa_rrdata "$rr311"
check "-trace decodes extension_type=UNKNOWN(65500), length=1, data 00" \
    bash -c "grep -A1 -F 'extension_type=UNKNOWN(65500), length=1' \
    '$TMP/dane-trace.out' | grep -Eq '^ +0000 - 00 '"
check "serve-test logs that it refused the identity-less client" \
    wait_for "$TMP/dane.err" "peer did not return a certificate"
stop_checked dane

cr_run() {	# cr_run NAME WANT serve-test-options... - one CR capture
	local name=$1 want=$2
	shift 2
	start_server "$name" "$port" "$@" || not_ok "serve-test $* starts"
	sclient "$name" -msg -dane_tlsa_domain "$host" \
	    -dane_tlsa_rrdata "$rr311"
	check_verified "$name" "$rr311"
	same "$name ($*): CR extensions but signature_algorithms: ${want#* }" \
	    "$(cr_report "$name" | grep -v ' 000d ')" \
	    "$(printf 'CR 1: %s\nCRs: 1' "$want")"
	stop_checked "$name"
}
cr_run compat07 "ffdc ffdc0000" --compat07
cr_run ext65501 "ffdd ffdd000100" --ext-type 65501
cr_run ext65501-07 "ffdd ffdd0000" --ext-type 65501 --compat07

# ---- 3. our client's Certificate message, seen by a raw-OpenSSL server ----

# observe NAME MSGDUMP-ARGS -- CHECK-ARGS - run msgdump on the published
# port with the fixture's server identity and point loradane check at it
observe() {
	local name=$1 a=() pid
	shift
	# Never a stale result from a previous run.
	CHECK_RC=255 DUMP_RC=255
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		a+=("$1")
		shift
	done
	shift
	"$HELPERS/msgdump" "$port" "$C/srv.crt" "$C/srv.key" "${a[@]}" \
	    >"$TMP/$name.dump" 2>"$TMP/$name.dumperr" &
	pid=$!
	_bg_pids="$_bg_pids $pid"
	if ! wait_for "$TMP/$name.dump" '^listening on' 15; then
		not_ok "$name: msgdump starts on port $port"
		sed 's/^/#   /' "$TMP/$name.dumperr" >&2
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 1
	fi
	# shellcheck disable=SC2086 # RESOLVER is several options
	timeout 30 "$LORADANE" check "$host" "$port" $RESOLVER "$@" \
	    >"$TMP/$name.check" 2>&1
	CHECK_RC=$?
	# msgdump exits after its one connection (its I/O is time-bounded).
	wait "$pid"
	DUMP_RC=$?
}

# recv_hex NAME TYPE - the received handshake message(s) of TYPE
recv_hex() {
	awk -v t="$2" '$1 == "recv" && $2 == t { print $3 }' "$TMP/$1.dump"
}

# sent_cr_exts NAME - extensions of the CertificateRequest msgdump sent,
# signature_algorithms left out
sent_cr_exts() {
	cr_exts "$(awk '$1 == "sent" && $2 == "0d" { print $3 }' \
	    "$TMP/$1.dump")" | grep -v '^000d '
}

# client_report NAME - every entry of the received Certificate, cert_data
# replaced by a name when it is one of ours
client_report() {
	local h i c e n x
	h=$(recv_hex "$1" 0b)
	if [ "$(wc -l <<<"$h")" -ne 1 ] || [ -z "$h" ]; then
		echo "not exactly one Certificate message"
		return
	fi
	cert_entries "$h" >"$TMP/$1.entries" || echo "malformed Certificate"
	while read -r i c e; do
		n=other
		for x in cli clita orgca; do
			[ "$c" = "$(derhex "$C/$x.crt")" ] && n=$x
		done
		echo "entry $i: $n ext $e"
	done <"$TMP/$1.entries" >"$TMP/$1.report"
	observed "msgdump $1, client Certificate" "$(cat "$TMP/$1.report")"
	cat "$TMP/$1.report"
}

# check_only_cert_carries NAME - the extension is nowhere but the
# Certificate: the client sent exactly ClientHello, Certificate,
# CertificateVerify, Finished, and its ClientHello has no dane_clientid
check_only_cert_carries() {
	local types ch d
	types=$(awk '$1 == "recv" { printf "%s ", $2 }' "$TMP/$1.dump")
	same "$1: client handshake messages are exactly CH, CT, CV, Fin" \
	    "$types" "01 0b 0f 14 "
	ch=$(ch_exts "$(recv_hex "$1" 01)") || ch="malformed ClientHello"
	# A parsed ClientHello always has extensions (supported_versions).
	d="$1: ClientHello parses and carries no ffdc/ffdd extension"
	if [ -n "$ch" ] && ! grep -Eq '^(ffdc|ffdd|malformed)' <<<"$ch"; then
		ok "$d"
	else
		not_ok "$d"
		echo "$ch" | sed 's/^/#   /' >&2
	fi
}

ee=_ns-client.ee.good.dance.test
want_ee=$(clientid_ext 65500 "$ee")
observe ee -- --client-name "$ee" --cert "$C/cli.crt" --key "$C/cli.key"
check "ee: loradane check exits 0 (server DANE-authenticated, observer ok)" \
    test "$CHECK_RC" -eq 0
check "ee: msgdump exits 0 after one handshake" test "$DUMP_RC" -eq 0
same "ee: observer's own CR extensions" \
    "$(sent_cr_exts ee)" "ffdc ffdc000100"
same "ee: Certificate = 1 entry (cli), ext FF DC 00 1E 1D + '$ee' (29 octets)" \
    "$(client_report ee)" "entry 0: cli ext $want_ee"
same "ee: OpenSSL's parse callback saw the ClientName on entry 0 only" \
    "$(awk '$1 == "ext"' "$TMP/ee.dump")" \
    "ext 0 $(printf '%02x' ${#ee})$(hexstr "$ee")"
check_only_cert_carries ee

# The spec's own example (§1.2), bytes copied from its text: a 21-octet
# name.  The observer needs no TLSA for it: it accepts any certificate.
spec_ext=$(echo "FF DC 00 16 15 5F 6E 73 2D 63 6C 69 65 6E 74 2E 6E 73 2E 65
    78 61 6D 70 6C 65" | tr -d ' \n' | tr A-F a-f)
same "clientid_ext (expected-bytes helper) reproduces the spec §1.2 example" \
    "$(clientid_ext 65500 _ns-client.ns.example)" "$spec_ext"
observe spec -- --client-name _ns-client.ns.example --cert "$C/cli.crt" \
    --key "$C/cli.key"
same "spec: entry 0 carries FF DC 00 16 15 5F 6E 73 ... exactly as in §1.2" \
    "$(client_report spec)" "entry 0: cli ext $spec_ext"

ta=_ns-client.ta.good.dance.test
want_ta=$(clientid_ext 65500 "$ta")
observe chain -- --client-name "$ta" --cert "$C/clita-chain.pem" \
    --key "$C/clita.key"
check "chain: loradane check exits 0" test "$CHECK_RC" -eq 0
same "chain: Certificate = clita (ext on entry 0) + orgca (no extensions)" \
    "$(client_report chain)" \
    "$(printf 'entry 0: clita ext %s\nentry 1: orgca ext -' "$want_ta")"
same "chain: OpenSSL's parse callback saw the ClientName on entry 0 only" \
    "$(awk '$1 == "ext"' "$TMP/chain.dump")" \
    "ext 0 $(printf '%02x' ${#ta})$(hexstr "$ta")"
check_only_cert_carries chain

# The -06/-07 empty request is answered the same way.
observe empty 65500 empty -- --client-name "$ee" --cert "$C/cli.crt" \
    --key "$C/cli.key"
same "empty (-07) CR: observer sent FF DC 00 00" \
    "$(sent_cr_exts empty)" "ffdc ffdc0000"
same "empty (-07) CR: client still answers on entry 0" \
    "$(client_report empty)" "entry 0: cli ext $want_ee"

# Another codepoint on both sides.
observe ext65501 65501 -- --ext-type 65501 --client-name "$ta" \
    --cert "$C/clita-chain.pem" --key "$C/clita.key"
check "ext65501: loradane check exits 0" test "$CHECK_RC" -eq 0
same "ext65501: entry 0 carries FF DD ..., entry 1 nothing" \
    "$(client_report ext65501)" \
    "$(printf 'entry 0: clita ext %s\nentry 1: orgca ext -' \
    "$(clientid_ext 65501 "$ta")")"
check_only_cert_carries ext65501

# A CR without the extension gets a Certificate without it.
observe noext 65500 none -- --client-name "$ta" --cert "$C/clita-chain.pem" \
    --key "$C/clita.key"
same "noext: no entry carries any extension when the CR did not ask" \
    "$(client_report noext)" \
    "$(printf 'entry 0: clita ext -\nentry 1: orgca ext -')"

# ---- 4. TLSA data: danetool (GnuTLS) and ldns-dane vs loradane tlsa ----

# dt CERT USAGE SEL MTYPE - danetool's rrdata, as "U S M hex"
dt() {
	local f=()
	[ "$2" = 2 ] && f+=(--ca)
	[ "$3" = 0 ] && f+=(--x509)
	[ "$4" = 2 ] && f+=(--hash=sha512) || f+=(--hash=sha256)
	danetool --tlsa-rr --host=h.example --port=443 \
	    --load-certificate="$1" "${f[@]}" 2>/dev/null |
	    tr -d '()' | awk '$3 == "TLSA" {
		printf "%d %d %d %s\n", $4, $5, $6, $7 }'
}

# ld CERTFILE USAGE SEL MTYPE - ldns-dane create from a file, "U S M hex"
ld() {
	ldns-dane -n -c "$1" create h.example 443 "$2" "$3" "$4" 2>/dev/null |
	    awk '$4 == "TLSA" { print $5, $6, $7, $8 }'
}

# lt CERT USAGE SEL MTYPE - loradane tlsa
lt() { "$LORADANE" tlsa --cert "$1" --usage "$2" --selector "$3" --mtype "$4"; }

# agree TOOL CERT TOOLCERT USAGE COMBOS... - one check per certificate
agree() {
	local tool=$1 cert=$2 tcert=$3 u=$4 got="" want="" sm tn
	shift 4
	tn="ldns-dane create"
	[ "$tool" = dt ] && tn="danetool --tlsa-rr"
	for sm in "$@"; do
		got+="$($tool "$tcert" "$u" "${sm%?}" "${sm#?}")|"
		want+="$(lt "$cert" "$u" "${sm%?}" "${sm#?}")|"
	done
	if grep -Eq "^($u [01] [012] [0-9a-f]{64,}\|)+$" <<<"$want"; then
		same "$tn = loradane tlsa for $(basename "$cert") ($(basename \
		    "$tcert")), usage $u, selector+mtype $*" "$got" "$want"
	else
		not_ok "loradane tlsa output for $cert is malformed: $want"
	fi
}

for x in cli srv clita; do
	agree dt "$C/$x.crt" "$C/$x.crt" 3 11 01 12 02
	agree ld "$C/$x.crt" "$C/$x.crt" 3 11 01 12 02 10 00
done
agree dt "$C/orgca.crt" "$C/orgca.crt" 2 11 01 12 02
# Given the chain, ldns-dane picks the trust anchor itself (the last,
# self-signed certificate).
agree ld "$C/orgca.crt" "$C/clita-chain.pem" 2 11 01 12 02 10 00
same "danetool and ldns-dane agree with each other on clita 3 1 1" \
    "$(dt "$C/clita.crt" 3 1 1)" "$(ld "$C/clita.crt" 3 1 1)"
check "the fixture's published srv digest equals loradane tlsa 3 1 1" \
    test "$rr311" = "3 1 1 $(cat "$C/srv.spki256")"

sed 's/^/# observed /' "$TMP/observed.log"
done_testing
