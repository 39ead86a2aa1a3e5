#!/bin/bash
# t_zone_update.sh - `loradane zone update` against a real Knot DNS that
# signs every change (tests/fixture/knot-ctl.sh):
#   1. a server's A and TLSA records pushed by DNS UPDATE+TSIG are served
#      signed, and `loradane check` authenticates the server through them;
#   2. deleting the TLSA RRset makes the same check fail (secure denial);
#   3. the three delete forms of RFC 2136 §2.5 do what they say;
#   4. a wrong secret and an unknown key name are refused as TSIG errors,
#      and the zone is unchanged;
#   5. bad input (records outside the zone or malformed, missing or bad key
#      files) fails before anything is sent; a server that is not there,
#      never answers or answers REFUSED fails with that reason.
# The zone is compared by AXFR (with the fixture's key) before and after
# every refused update: identical, serial included.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/fixture/ports.sh
. "$TOP/tests/fixture/ports.sh"

Z=opk.test
KDIR=$TMP/knot
KNOTCTL=$TOP/tests/fixture/knot-ctl.sh
KPORT=$(free_port)
TLSPORT=$(free_port)
SRV=srv.$Z
OWNER=_$TLSPORT._tcp.$SRV
ZRESOLVER="--forward 127.0.0.1@$KPORT --ta $KDIR/ta.ds"
OUTN=0

_zu_cleanup() {
	"$KNOTCTL" stop "$KDIR" >/dev/null 2>&1
	_lib_cleanup
}
trap _zu_cleanup EXIT

# re STRING - STRING as a literal extended regular expression
re() {
	printf '%s' "$1" | sed 's/[][\.*^$()+?{}|]/\\&/g'
}

# upd ARGS... - loradane zone update on the fixture; stdout in $TMP/$OUT,
# stderr in $TMP/$OUT.err, exit status in RC
upd() {
	OUTN=$((OUTN + 1))
	OUT=upd$OUTN
	"$LORADANE" zone update --server "127.0.0.1@$KPORT" --zone "$Z" "$@" \
	    >"$TMP/$OUT" 2>"$TMP/$OUT.err"
	RC=$?
}

# ok_run - the update exited 0 and said nothing on stderr
ok_run() {
	[ "$RC" -eq 0 ] && [ ! -s "$TMP/$OUT.err" ] && return 0
	echo "# exit $RC; stdout and stderr:" >&2
	sed 's/^/#   /' "$TMP/$OUT" "$TMP/$OUT.err" >&2
	return 1
}

# failed_with REGEX - the update exited 1, printed nothing on stdout and
# one "loradane zone update: ..." line matching REGEX on stderr
failed_with() {
	if [ "$RC" -eq 1 ] && [ ! -s "$TMP/$OUT" ] &&
	    [ "$(wc -l <"$TMP/$OUT.err")" -eq 1 ] &&
	    grep -Eq -- "^loradane zone update: .*$1" "$TMP/$OUT.err"; then
		return 0
	fi
	echo "# want exit 1 and one error line /$1/; got exit $RC:" >&2
	sed 's/^/#   /' "$TMP/$OUT" "$TMP/$OUT.err" >&2
	return 1
}

# q ARGS... - kdig at the fixture, answer section only
q() {
	kdig @127.0.0.1 -p "$KPORT" +norec +time=2 +retry=0 +noall +answer "$@"
}

serial() { q SOA "$Z." | awk '$4 == "SOA" { print $7; exit }'; }

# snapshot FILE - the whole zone by AXFR, signatures included
snapshot() {
	# Not the TSIG of the transfer itself, which differs every time.
	kdig @127.0.0.1 -p "$KPORT" +time=2 +retry=0 -y "$TSIG_Y" AXFR "$Z." |
	    awk '!/^;;/ && NF > 0 && $4 != "TSIG"' >"$1"
	[ -s "$1" ]
}

# unchanged - the zone is the same as in $TMP/before, and no authorized
# update reached Knot since the mark (it logs each one it processes)
ddns_lines() { grep -c 'DDNS, processing' "$KDIR/knot.log"; }
mark_zone() {
	snapshot "$TMP/before" || echo "# AXFR failed" >&2
	DDNS_MARK=$(ddns_lines)
}
unchanged() {
	snapshot "$TMP/after" || return 1
	if ! cmp -s "$TMP/before" "$TMP/after"; then
		echo "# the zone changed:" >&2
		diff "$TMP/before" "$TMP/after" | sed 's/^/#   /' >&2
		return 1
	fi
	[ "$(ddns_lines)" -eq "$DDNS_MARK" ] && return 0
	echo "# Knot processed an update it should never have seen" >&2
	return 1
}

# run_check OUT - loradane check of the pushed server; RC, $TMP/OUT
run_check() {
	# shellcheck disable=SC2086 # ZRESOLVER is a list of options
	"$LORADANE" check "$SRV" "$TLSPORT" $ZRESOLVER >"$TMP/$1" 2>&1
	RC=$?
}

# ---- the fixture -----------------------------------------------------------

if ! "$KNOTCTL" start "$KDIR" "$Z" "$KPORT" >"$TMP/knot-start.out" 2>&1; then
	not_ok "knot-ctl start: Knot serves $Z signed on port $KPORT"
	sed 's/^/#   /' "$TMP/knot-start.out" >&2
	done_testing
	exit 1
fi
ok "knot-ctl start: Knot serves $Z signed on port $KPORT"
check "knot-ctl status: running" "$KNOTCTL" status "$KDIR"
check "ta.ds holds the KSK's DS as zone-file lines" \
    contains "$KDIR/ta.ds" "^$(re "$Z.") [0-9]+ IN DS [0-9]+ 13 2 [0-9a-f]{64}\$"
SECRET=$(awk '$1 == "secret:" { print $2 }' "$KDIR/tsig.key")
KEYNAME=$(awk '$2 == "id:" { print $3 }' "$KDIR/tsig.key")
TSIG_Y="hmac-sha256:$KEYNAME:$SECRET"
check "tsig.key is keymgr -t output (name $KEYNAME, a secret)" \
    test -n "$SECRET" -a -n "$KEYNAME"

# The same key in BIND's format, as tsig-keygen prints it.
cat >"$TMP/bind.key" <<EOF
key "$KEYNAME" {
	algorithm hmac-sha256;
	secret "$SECRET";
};
EOF

# ---- 1. publish a server by UPDATE, authenticate it --------------------

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$TMP/srv.key" -out "$TMP/srv.crt" -subj "/CN=$SRV" -days 30 \
    >"$TMP/openssl.out" 2>&1 || sed 's/^/#   /' "$TMP/openssl.out" >&2
"$LORADANE" tlsa --cert "$TMP/srv.crt" --owner "$OWNER." >"$TMP/tlsa.line"
TLSA_HEX=$(awk '{ print $NF }' "$TMP/tlsa.line")
check "loradane tlsa: a 3 1 1 line for $OWNER." \
    contains "$TMP/tlsa.line" "^$(re "$OWNER.") IN TLSA 3 1 1 [0-9a-f]{64}\$"
{
	echo "; what this test publishes: a fragment as an operator has it"
	echo "\$TTL 300"
	echo ""
	echo "$SRV. IN A 127.0.0.1"
	cat "$TMP/tlsa.line"
} >"$TMP/publish.zone"

s0=$(serial)
upd --tsig "$KDIR/tsig.key" --add "$TMP/publish.zone"
check "publish: exit 0, nothing on stderr" ok_run
check "publish: prints 'added' for the A record" \
    contains "$TMP/$OUT" "^added $(re "$SRV.") 300 IN A 127\.0\.0\.1\$"
check "publish: prints 'added' for the TLSA record" \
    contains "$TMP/$OUT" "^added $(re "$OWNER.") 300 IN TLSA 3 1 1 $TLSA_HEX\$"
check "publish: exactly two lines" test "$(wc -l <"$TMP/$OUT")" -eq 2
s1=$(serial)
check "publish: SOA serial went up ($s0 -> $s1)" test "${s1:-0}" -gt "${s0:-0}"

kdig @127.0.0.1 -p "$KPORT" +norec +dnssec +noall +answer TLSA "$OWNER." \
    >"$TMP/kdig.tlsa"
# (kdig prints the hex in upper case)
check "kdig +dnssec: the pushed TLSA is served" \
    contains "$TMP/kdig.tlsa" "^$(re "$OWNER.")[[:space:]]+300[[:space:]]+IN[[:space:]]+TLSA[[:space:]]+3 1 1 ${TLSA_HEX^^}\$"
check "kdig +dnssec: with an RRSIG over it (ECDSAP256SHA256, by $Z.)" \
    contains "$TMP/kdig.tlsa" "[[:space:]]RRSIG[[:space:]]+TLSA 13 [0-9]+ 300 [0-9]+ [0-9]+ [0-9]+ $(re "$Z.") "

drill -S -k "$KDIR/ta.ds" -p "$KPORT" @127.0.0.1 "$OWNER." TLSA \
    >"$TMP/drill.out" 2>&1
RC=$?
check "drill -S validates the TLSA from ta.ds (exit 0, chase successful)" \
    eval '[ "$RC" -eq 0 ] && contains "$TMP/drill.out" "^;; Chase successful"'
check "drill -S: the chain is the TLSA's own, not a denial" \
    eval 'contains "$TMP/drill.out" "^$(re "$OWNER.") \(TLSA\)" &&
        ! grep -q "Existence is denied" "$TMP/drill.out"'

# shellcheck disable=SC2086 # ZRESOLVER is a list of options
"$LORADANE" serve-test --cert "$TMP/srv.crt" --key "$TMP/srv.key" \
    --port "$TLSPORT" --client-auth none $ZRESOLVER \
    >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER_PID=$!
_bg_pids="$_bg_pids $SERVER_PID"
check "serve-test with the pushed key listens on $TLSPORT" \
    wait_for "$TMP/serve.out" '^listening on' 15

run_check check1
check "check: exit 0 (authenticated through the UPDATE-published TLSA)" \
    test "$RC" -eq 0
check "check: TLSA $OWNER is secure, 1 record" \
    contains "$TMP/check1" "^TLSA $(re "$OWNER"): secure, 1 record"
check "check: the server was authenticated by the pushed 3 1 1 record" \
    contains "$TMP/check1" "^server authenticated: TLSA $(re "$OWNER") matched by 3 1 1 ${TLSA_HEX:0:16}\.\.\. at depth 0"
check "check: verdict AUTHENTICATED" \
    contains "$TMP/check1" '^verdict: AUTHENTICATED$'

# ---- 2. delete the TLSA RRset: the same check fails ----------------------

s1=$(serial)
upd --tsig "$TMP/bind.key" --delete "$OWNER. TLSA"
check "delete RRset (BIND-format key): exit 0" ok_run
check "delete RRset: prints 'deleted $OWNER. TLSA'" \
    contains "$TMP/$OUT" "^deleted $(re "$OWNER.") TLSA\$"
s2=$(serial)
check "delete RRset: SOA serial went up ($s1 -> $s2)" \
    test "${s2:-0}" -gt "${s1:-0}"
q TLSA "$OWNER." >"$TMP/kdig.gone"
check "delete RRset: no TLSA served any more" \
    eval '! grep -q TLSA "$TMP/kdig.gone"'

run_check check2
check "check after the delete: exit non-zero" test "$RC" -ne 0
check "check after the delete: a secure denial, not a failure to look up" \
    contains "$TMP/check2" "^TLSA $(re "$OWNER"): secure (NXDOMAIN|NODATA)"
check "check after the delete: NOT AUTHENTICATED, never authenticated" \
    eval 'contains "$TMP/check2" "^verdict: NOT AUTHENTICATED$" &&
        ! grep -q "^server authenticated" "$TMP/check2"'
kill "$SERVER_PID" 2>/dev/null
wait "$SERVER_PID" 2>/dev/null
check "serve-test exits 0 on SIGTERM" test $? -eq 0

# ---- 3. the three delete forms, and a replace in one message -------------

T=t.$Z
printf '%s 300 IN TXT "one"\n%s 300 IN TXT "two"\n%s 300 IN A 127.0.0.9\n' \
    "$T." "$T." "$T." >"$TMP/t.zone"
upd --tsig "$KDIR/tsig.key" --add "$TMP/t.zone"
check "add two TXT and an A at $T: exit 0, three 'added' lines" \
    eval 'ok_run && [ "$(grep -c "^added " "$TMP/$OUT")" -eq 3 ]'
upd --tsig "$KDIR/tsig.key" --delete "$T. TXT \"one\""
q TXT "$T." >"$TMP/txt"
check "delete one record (NAME TYPE RDATA): only TXT \"two\" is left" \
    eval 'ok_run && ! grep -q "\"one\"" "$TMP/txt" &&
        [ "$(grep -c "\"two\"" "$TMP/txt")" -eq 1 ]'
# (not a pipe: upd must run in this shell to set RC and OUT)
upd --tsig "$KDIR/tsig.key" --delete "$T. A" --add - \
    <<<"$T. 300 IN A 127.0.0.10"
q A "$T." >"$TMP/a"
check "delete the A RRset and add a new A in one update: only the new one" \
    eval 'ok_run && contains "$TMP/a" "127\.0\.0\.10\$" &&
        ! grep -q "127\.0\.0\.9\$" "$TMP/a" &&
        [ "$(head -1 "$TMP/$OUT")" = "deleted $T. A" ]'
upd --tsig "$KDIR/tsig.key" --delete "$T."
q ANY "$T." >"$TMP/any"
kdig @127.0.0.1 -p "$KPORT" +norec A "$T." >"$TMP/nx"
check "delete a name (NAME): nothing left, NXDOMAIN" \
    eval 'ok_run && [ ! -s "$TMP/any" ] &&
        contains "$TMP/nx" "status: NXDOMAIN"'

# ---- 4. TSIG refused: the zone is unchanged ------------------------------

printf 'evil.%s. 300 IN A 192.0.2.66\n' "$Z" >"$TMP/evil.zone"
cat >"$TMP/wrongsecret.key" <<EOF
key "$KEYNAME" { algorithm hmac-sha256;
	secret "$(head -c 32 /dev/urandom | base64)"; };
EOF
mark_zone
upd --tsig "$TMP/wrongsecret.key" --add "$TMP/evil.zone"
check "wrong secret: exit 1, 'TSIG refused' ... BADSIG" \
    failed_with "TSIG refused: .*refused key $(re "$KEYNAME").*BADSIG"
check "wrong secret: zone unchanged" unchanged

printf 'key:\n  - id: stranger.\n    algorithm: hmac-sha256\n    secret: %s\n' \
    "$SECRET" >"$TMP/stranger.key"
mark_zone
upd --tsig "$TMP/stranger.key" --add "$TMP/evil.zone"
check "unknown key name: exit 1, 'TSIG refused' ... BADKEY" \
    failed_with "TSIG refused: .*refused key stranger\..*BADKEY"
check "unknown key name: zone unchanged" unchanged

# ---- 5. bad input: refused before anything is sent ----------------------

# out_zone: one good record and one outside the zone, in one fragment
printf 'ok.%s. 300 IN A 192.0.2.1\nwww.other.test. 300 IN A 192.0.2.2\n' \
    "$Z" >"$TMP/outside.zone"
mark_zone
upd --tsig "$KDIR/tsig.key" --add "$TMP/outside.zone"
check "add outside the zone: exit 1, names the record" \
    failed_with "add 'www\.other\.test\. 300 IN A 192\.0\.2\.2': www\.other\.test\. is outside zone $(re "$Z.")"
check "add outside the zone: nothing sent, zone unchanged" unchanged

mark_zone
upd --tsig "$KDIR/tsig.key" --delete "$T. TXT" --delete "mail.example. MX"
check "delete outside the zone: exit 1, names it" \
    failed_with "delete 'mail\.example\. MX': mail\.example\. is outside zone"
check "delete outside the zone: nothing sent, zone unchanged" unchanged

printf '$ORIGIN %s.\nok 300 IN A 192.0.2.1\n\n; a typo in hex:\nbad 300 IN TLSA 3 1 1 XYZ\n' \
    "$Z" >"$TMP/malformed.zone"
mark_zone
upd --tsig "$KDIR/tsig.key" --add "$TMP/malformed.zone"
check "malformed record in --add: exit 1, names file and line" \
    failed_with "--add $(re "$TMP/malformed.zone"): $(re "$TMP/malformed.zone"):5: .*rdata"
check "malformed record in --add: nothing sent, zone unchanged" unchanged

mark_zone
upd --tsig "$KDIR/tsig.key" --delete "bad.$Z. TLSA 3 1 1 XYZ"
check "malformed --delete: exit 1, names the record" \
    failed_with "delete 'bad\.$(re "$Z")\. TLSA 3 1 1 XYZ': "
check "malformed --delete: nothing sent, zone unchanged" unchanged

mark_zone
upd --tsig "$KDIR/tsig.key" --delete "x.$Z. NOSUCHTYPE"
check "unknown type in --delete: exit 1, names it" \
    failed_with "'NOSUCHTYPE' is not a record type"
check "unknown type in --delete: nothing sent, zone unchanged" unchanged

mark_zone
upd --tsig "$TMP/no-such.key" --add "$TMP/evil.zone"
check "missing TSIG file: exit 1, names it" \
    failed_with "--tsig $(re "$TMP/no-such.key"): .*No such file or directory"
check "missing TSIG file: zone unchanged" unchanged

mkdir -p "$TMP/dir.key"
upd --tsig "$TMP/dir.key" --add "$TMP/evil.zone"
check "unreadable TSIG file (a directory): exit 1, says why" \
    failed_with "--tsig $(re "$TMP/dir.key"): .*Is a directory"

printf 'key "%s" {\n\talgorithm hmac-sha256;\n};\n' "$KEYNAME" \
    >"$TMP/nosecret.key"
upd --tsig "$TMP/nosecret.key" --add "$TMP/evil.zone"
check "TSIG file without a secret: exit 1, says so" \
    failed_with "has no secret"

printf 'key "%s" {\n\talgorithm hmac-sha256;\n\tsecret "not base64!";\n};\n' \
    "$KEYNAME" >"$TMP/badb64.key"
upd --tsig "$TMP/badb64.key" --add "$TMP/evil.zone"
check "TSIG secret not base64: exit 1, says so" \
    failed_with "secret is not base64"

printf 'key "%s" {\n\talgorithm hmac-sha256\n\tsecret "%s";\n};\n' \
    "$KEYNAME" "$SECRET" >"$TMP/syntax.key"
upd --tsig "$TMP/syntax.key" --add "$TMP/evil.zone"
check "TSIG file missing a ';': exit 1, names line 3" \
    failed_with "syntax\.key:3: expected ';'"

printf 'key "%s" { algorithm hmac-md5; secret "%s"; };\n' \
    "$KEYNAME" "$SECRET" >"$TMP/md5.key"
upd --tsig "$TMP/md5.key" --add "$TMP/evil.zone"
check "TSIG algorithm hmac-md5: exit 1, not supported" \
    failed_with "algorithm hmac-md5 is not supported"
check "bad key files: nothing sent, zone unchanged" unchanged

NOPORT=$(free_port)
"$LORADANE" zone update --server "127.0.0.1@$NOPORT" --zone "$Z" \
    --tsig "$KDIR/tsig.key" --add "$TMP/evil.zone" --timeout 1000 \
    >"$TMP/noserver" 2>"$TMP/noserver.err"
RC=$?
OUT=noserver
check "nothing listening: exit 1, 'no answer from the server'" \
    failed_with "no answer from the server: 127\.0\.0\.1@$NOPORT: Connection refused"

# Fake primaries (python3): "silent" accepts the connection and never
# answers (the deadline); "refuse" answers every update REFUSED and
# "unsigned" NOERROR, both without a TSIG.
cat >"$TMP/fakedns.py" <<'EOF'
import socket, struct, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c = s.accept()[0]
    if sys.argv[1] == "silent":
        held.append(c)
        continue
    n = struct.unpack("!H", c.recv(2, socket.MSG_WAITALL))[0]
    q = c.recv(n, socket.MSG_WAITALL)
    # same ID, QR, opcode UPDATE (5), the rcode, no sections
    rcode = 5 if sys.argv[1] == "refuse" else 0
    a = q[:2] + bytes([0x80 | 5 << 3, rcode]) + bytes(8)
    c.sendall(struct.pack("!H", len(a)) + a)
    c.close()
EOF
# fake MODE - start it; its port in FPORT
fake() {
	python3 "$TMP/fakedns.py" "$1" >"$TMP/fake-$1.port" 2>/dev/null &
	_bg_pids="$_bg_pids $!"
	wait_until 10 test -s "$TMP/fake-$1.port"
	FPORT=$(cat "$TMP/fake-$1.port")
}
if command -v python3 >/dev/null; then
	fake silent
	t0=$(date +%s%3N)
	"$LORADANE" zone update --server "127.0.0.1@$FPORT" --zone "$Z" \
	    --tsig "$KDIR/tsig.key" --add "$TMP/evil.zone" --timeout 400 \
	    >"$TMP/silent" 2>"$TMP/silent.err"
	RC=$?
	t1=$(date +%s%3N)
	OUT=silent
	check "silent server: exit 1, 'no answer ... within 400 ms'" \
	    failed_with "no answer from the server: 127\.0\.0\.1@$FPORT: no answer within 400 ms"
	check "silent server: gave up after the timeout, not much later ($((t1 - t0)) ms)" \
	    test $((t1 - t0)) -ge 400 -a $((t1 - t0)) -lt 3000

	fake refuse
	"$LORADANE" zone update --server "127.0.0.1@$FPORT" --zone "$Z" \
	    --tsig "$KDIR/tsig.key" --add "$TMP/evil.zone" \
	    >"$TMP/refused" 2>"$TMP/refused.err"
	RC=$?
	OUT=refused
	check "server answers REFUSED: exit 1, 'refused by the server', rcode named" \
	    failed_with "refused by the server: 127\.0\.0\.1@$FPORT answered REFUSED for zone $Z \(answer not authenticated\)"

	fake unsigned
	"$LORADANE" zone update --server "127.0.0.1@$FPORT" --zone "$Z" \
	    --tsig "$KDIR/tsig.key" --add "$TMP/evil.zone" \
	    >"$TMP/refused-unsigned" 2>"$TMP/refused-unsigned.err"
	RC=$?
	OUT=refused-unsigned
	check "unsigned NOERROR answer: exit 1, not taken for success" \
	    failed_with "TSIG refused: 127\.0\.0\.1@$FPORT answered NOERROR, but the answer is not signed"
else
	skip "silent server: no python3 to play one"
	skip "silent server: timeout"
	skip "server answers REFUSED: no python3 to play one"
	skip "unsigned NOERROR answer: no python3 to play one"
fi
check "unanswered updates: zone unchanged" unchanged

# ---- usage, secrecy ---------------------------------------------------------

"$LORADANE" zone update --server "127.0.0.1@$KPORT" --zone "$Z" \
    --tsig "$KDIR/tsig.key" >"$TMP/usage1" 2>&1
check "no --add or --delete: usage, exit 2" test $? -eq 2
"$LORADANE" zone update --server "127.0.0.1@$KPORT" --tsig "$KDIR/tsig.key" \
    --delete "x.$Z." >"$TMP/usage2" 2>&1
check "no --zone: usage, exit 2" test $? -eq 2
"$LORADANE" zone update --server "127.0.0.1@99999" --zone "$Z" \
    --tsig "$KDIR/tsig.key" --delete "x.$Z." >"$TMP/usage3" 2>&1
check "--server with a bad port: exit 2" test $? -eq 2

check "the TSIG secret appears in no output of loradane" \
    eval '! grep -lF -- "$SECRET" "$TMP"/upd* "$TMP"/noserver* \
        "$TMP"/silent* "$TMP"/refused* "$TMP"/usage* "$TMP"/check*'

check "no sanitizer report in any output" \
    eval '! grep -lE "==[0-9]+==(ERROR|WARNING): |runtime error: " "$TMP"/* 2>/dev/null'

"$KNOTCTL" stop "$KDIR" >"$TMP/knot-stop.out" 2>&1
check "knot-ctl stop: exit 0" test $? -eq 0
check "knot-ctl stop: port $KPORT is free" \
    eval '[ -z "$(ss -Htuln "( sport = :$KPORT )")" ]'
check "knot-ctl status: not running" eval '! "$KNOTCTL" status "$KDIR"'

done_testing
