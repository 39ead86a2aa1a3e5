# dane.sh - shared steps of the t_dane_* tests (sourced after lib.sh; not
# a test itself: the runner only runs t_*.sh).
#
# Every handshake runs against the real fixture: `loradane serve-test` on
# $DANCE_TEST_TLS_PORT (the only port the srv TLSA names are published
# for, so servers run one after another, each with fresh caches) and
# `loradane check`, stock `openssl s_client` or the crafted peer.
#
# A refusal is judged on three things, each its own TAP line:
#   1. the client is refused and never reports "authenticated";
#   2. the peer received alert handshake_failure (40), or the alert the
#      case calls for;
#   3. the refusing side logged exactly one "handshake_failure:" line, and
#      it names the reason.
# An acceptance is judged on the server's line "authenticated as NAME by
# TLSA OWNER U S M at depth D".  When a server stops, its own tally of
# connections must equal what the clients saw, with one refusal line per
# refused connection and not one more.

PORT=$DANCE_TEST_TLS_PORT
CRAFT=$HELPERS/craftpeer
N_OK=0
N_REF=0
OUTN=0
MARK=0
RC=0

# re STRING - STRING as a literal extended regular expression
re() {
	printf '%s' "$1" | sed 's/[][\.*^$()+?{}|]/\\&/g'
}

# cert_of ID, key_of ID - "cli": cli.crt and cli.key; "clita-chain":
# clita-chain.pem (leaf then CA) and clita.key
cert_of() {
	case $1 in
	*-chain) echo "$DANCE_CERTS/$1.pem" ;;
	*) echo "$DANCE_CERTS/$1.crt" ;;
	esac
}
key_of() { echo "$DANCE_CERTS/${1%-chain}.key"; }

# hex_of STRING - its octets in hex; len_prefixed HEX - HEX after a
# length octet; name_hex NAME - a dane_clientid body for NAME
hex_of() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
len_prefixed() { printf '%02x%s' $((${#1} / 2)) "$1"; }
name_hex() { len_prefixed "$(hex_of "$1")"; }

# shellcheck source=tests/fixture/ports.sh
. "$TOP/tests/fixture/ports.sh"

now_ms() { date +%s%3N; }

# log_ms LINE - the timestamp that starts a log line, in epoch ms
log_ms() { date -u -d "${1%%Z *}Z" +%s%3N; }

# swap_roll vN - serve that variant of roll.dance.test (TTL 2 s)
swap_roll() {
	"$TOP/tests/fixture/swap-zone.sh" "$DANCE_FIX" roll "$1" >/dev/null
}

# srv_start NAME [serve-test options] - a fresh server on PORT; its log is
# $SRVLOG.  The resolver options come from $RESOLVER (lib.sh).
srv_start() {
	local name=$1
	shift
	SRVNAME=$name
	SRVLOG=$TMP/$name.err
	N_OK=0
	N_REF=0
	start_server "$name" "$PORT" "$@"
}

# tally_ok WANT - the server's summary line, and exactly one log line per
# refusal and per acceptance
tally_ok() {
	local f r
	contains "$SRVLOG" "$1" || return 1
	f=$(grep -c 'handshake_failure:' "$SRVLOG")
	r=$(grep -c ' authenticated as ' "$SRVLOG")
	if [ "$f" -ne "$N_REF" ] || [ "$r" -ne "$N_OK" ]; then
		echo "# log has $f refusal and $r acceptance lines," \
		    "clients saw $N_REF and $N_OK:" >&2
		sed 's/^/#   /' "$SRVLOG" >&2
		return 1
	fi
}

# srv_stop - stop the server, wait for it, check its exit status (a
# sanitizer report makes it non-zero) and its tally
srv_stop() {
	local want rc
	want="served $((N_OK + N_REF)) connections: $N_OK authenticated,"
	want="$want $N_REF refused"
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	rc=$?
	check "$SRVNAME: server exits 0 on SIGTERM" test "$rc" -eq 0
	check "$SRVNAME: server tally \"$want\", one log line each" \
	    tally_ok "$want"
}

# no_sanitizer_report - no ASan/UBSan/LSan report in any output kept in
# $TMP: refused clients exit non-zero anyway, so only this shows theirs.
# One warning is expected and harmless: ASan's note that it cannot follow
# the stack switch of OpenSSL's ASYNC jobs (google/sanitizers#189).
no_sanitizer_report() {
	local hits
	hits=$(grep -HE '==[0-9]+==(ERROR|WARNING): |runtime error: ' \
	    "$TMP"/* 2>/dev/null |
	    grep -v 'WARNING: ASan is ignoring requested __asan_handle_no_return')
	[ -z "$hits" ] && return 0
	echo "# sanitizer reports:" >&2
	echo "$hits" | sed 's/^/#   /' >&2
	return 1
}

# dane_done - the last check of every t_dane_* script, then the plan
dane_done() {
	check "no sanitizer report from any server or client" \
	    no_sanitizer_report
	done_testing
}

# mark - remember where the server log ends; since_mark prints what
# follows
mark() { MARK=$(wc -l <"$SRVLOG"); }
since_mark() { tail -n "+$((MARK + 1))" "$SRVLOG"; }

# wait_new REGEX [SECONDS] - poll until a line logged since the mark
# matches (the server may log just after the client has its answer)
new_matches() { since_mark | grep -Eq -- "$1"; }
wait_new() {
	wait_until "${2:-15}" new_matches "$1" && return 0
	echo "# no /$1/ in the server log since line $MARK:" >&2
	since_mark | sed 's/^/#   /' >&2
	return 1
}

# one_refusal REGEX - the server logged one handshake_failure line since
# the mark, it matches REGEX, and it authenticated nobody
one_refusal() {
	local n
	wait_new 'handshake_failure:' || return 1
	n=$(since_mark | grep -c 'handshake_failure:')
	if [ "$n" -ne 1 ] ||
	    ! since_mark | grep 'handshake_failure:' | grep -Eq -- "$1" ||
	    since_mark | grep -q ' authenticated as '; then
		echo "# want one handshake_failure line matching /$1/" \
		    "and no acceptance; got:" >&2
		since_mark | sed 's/^/#   /' >&2
		return 1
	fi
}

# new_out - name a fresh output file: $TMP/$OUT
new_out() {
	OUTN=$((OUTN + 1))
	OUT=out$OUTN
}

# run_check OUT NAME ID [check options] - loradane check with a client
# identity against srv.good.dance.test; stdout+stderr in $TMP/OUT, exit
# status in RC
run_check() {
	local out=$1 name=$2 id=$3
	shift 3
	"$LORADANE" check srv.good.dance.test "$PORT" $RESOLVER \
	    --client-name "$name" --cert "$(cert_of "$id")" \
	    --key "$(key_of "$id")" "$@" >"$TMP/$out" 2>&1
	RC=$?
}

# accepted_ok OUT NAME - check exited 0 and the server greeted NAME
accepted_ok() {
	[ "$RC" -eq 0 ] &&
	    contains "$TMP/$1" "client identity $(re "$2"): accepted by the server \(it said \"hello $(re "$2")\"\)" &&
	    contains "$TMP/$1" '^verdict: AUTHENTICATED$'
}

# refused_ok OUT NAME - check exited non-zero, was refused, never accepted
refused_ok() {
	[ "$RC" -ne 0 ] &&
	    contains "$TMP/$1" "client identity $(re "$2"): REFUSED by the server" &&
	    contains "$TMP/$1" '^verdict: NOT AUTHENTICATED$' &&
	    ! grep -Eq 'accepted by the server|^verdict: AUTHENTICATED' "$TMP/$1"
}

# assert_auth CASE OUT NAME "U S M" DEPTH OWNER - judge an accepted check
assert_auth() {
	local c=$1 out=$2 name=$3 usm=$4 depth=$5 owner=$6
	check "$c: check exits 0, the server accepted $name" \
	    accepted_ok "$out" "$name"
	check "$c: server: authenticated as $name by TLSA $owner $usm at depth $depth" \
	    wait_new "authenticated as $(re "$name") by TLSA $(re "$owner") $usm at depth $depth\$"
	check "$c: server logged no refusal" \
	    eval '! since_mark | grep -q handshake_failure:'
}

# expect_auth CASE NAME ID "U S M" DEPTH [OWNER] - a handshake that must
# succeed on both sides; OWNER defaults to NAME
expect_auth() {
	new_out
	mark
	run_check "$OUT" "$2" "$3"
	N_OK=$((N_OK + 1))
	assert_auth "$1" "$OUT" "$2" "$4" "$5" "${6:-$2}"
}

# assert_refused CASE OUT NAME REASON - judge a refused check
assert_refused() {
	local c=$1 out=$2 name=$3 reason=$4
	check "$c: check exits non-zero, REFUSED by the server, never authenticated" \
	    refused_ok "$out" "$name"
	check "$c: client received alert 40 (sslv3 alert handshake failure)" \
	    contains "$TMP/$out" 'REFUSED by the server \(.*sslv3 alert handshake failure\)'
	check "$c: server logs one handshake_failure line: /$reason/" \
	    one_refusal "$reason"
}

# expect_refused CASE NAME ID REASON [check options] - a handshake the
# server must refuse, for the reason REASON (a regular expression)
expect_refused() {
	local c=$1 name=$2 id=$3 reason=$4
	shift 4
	new_out
	mark
	run_check "$OUT" "$name" "$id" "$@"
	N_REF=$((N_REF + 1))
	assert_refused "$c" "$OUT" "$name" "$reason"
}

# poll_until accepted|refused NAME ID [SECONDS] - repeat check until the
# server's verdict is the one wanted: the end of a TTL is a condition to
# wait for, never a delay to guess.  Every attempt is tallied.
poll_until() {
	local want=$1 name=$2 id=$3 deadline=$((SECONDS + ${4:-20})) got
	while :; do
		run_check poll "$name" "$id"
		if grep -q 'accepted by the server' "$TMP/poll"; then
			N_OK=$((N_OK + 1))
			got=accepted
		elif grep -q 'REFUSED by the server' "$TMP/poll"; then
			N_REF=$((N_REF + 1))
			got=refused
		else
			echo "# poll: neither accepted nor refused:" >&2
			sed 's/^/#   /' "$TMP/poll" >&2
			return 1
		fi
		[ "$got" = "$want" ] && return 0
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "# still $got after the deadline" >&2
			return 1
		fi
		sleep 0.1
	done
}

# run_craft OUT [craftpeer options] - the crafted peer against PORT; its
# one line in $TMP/OUT, exit status in RC
run_craft() {
	local out=$1
	shift
	"$CRAFT" --connect "127.0.0.1:$PORT" "$@" >"$TMP/$out" 2>&1
	RC=$?
}

# craft_refused OUT - exit 1 with an alert line, never "accepted"
craft_refused() {
	[ "$RC" -eq 1 ] && contains "$TMP/$1" '^alert=[0-9]+ ' &&
	    ! grep -q '^accepted' "$TMP/$1"
}

# expect_craft_refused CASE ALERT REASON [craftpeer options] - a crafted
# handshake the server must refuse with alert number ALERT
expect_craft_refused() {
	local c=$1 alert=$2 reason=$3
	shift 3
	new_out
	mark
	run_craft "$OUT" "$@"
	N_REF=$((N_REF + 1))
	check "$c: crafted peer refused (exit 1, never accepted)" \
	    craft_refused "$OUT"
	check "$c: crafted peer received alert $alert" \
	    contains "$TMP/$OUT" "^alert=$alert "
	check "$c: server logs one handshake_failure line: /$reason/" \
	    one_refusal "$reason"
}
