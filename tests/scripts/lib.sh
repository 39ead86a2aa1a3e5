# lib.sh - shared helpers for the shell tests (sourced).
#
# Every check prints one TAP line: "ok N - what" or "not ok N - what".
# Servers are started in the background and waited for by condition
# (their "listening" line) with a deadline, never by a fixed sleep.
# Environment from tests/run.sh: LORADANE, HELPERS, DANCE_FIX, DANCE_CERTS,
# DANCE_TA_DS, DANCE_TEST_DNS_PORT, DANCE_TEST_TLS_PORT.

_tap_n=0
_tap_failed=0
TMP=$(mktemp -d /tmp/loradane-t.XXXXXX)
_bg_pids=""

_lib_cleanup() {
	local p
	for p in $_bg_pids; do
		kill "$p" 2>/dev/null
	done
	for p in $_bg_pids; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap _lib_cleanup EXIT

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $* # SKIP"; }

# check DESCRIPTION COMMAND... - ok when the command succeeds
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# contains FILE REGEX - grep -E, and show the file when it is missing
contains() {
	if grep -Eq -- "$2" "$1"; then
		return 0
	fi
	echo "# expected /$2/ in $1:" >&2
	sed 's/^/#   /' "$1" >&2
	return 1
}

# resolver options for the fixture: forward everything to NSD, trust the
# parent zone's DS
RESOLVER="--forward 127.0.0.1@$DANCE_TEST_DNS_PORT --ta $DANCE_TA_DS"

# wait_until SECONDS CMD... - run CMD every 50 ms until it succeeds, or
# fail when the deadline passes: the one way tests wait, always for a
# condition
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# wait_for FILE REGEX [SECONDS] - poll until FILE matches (deadline)
wait_for() {
	wait_until "${3:-15}" grep -Eq -- "$2" "$1" 2>/dev/null
}

# start_server NAME PORT [serve-test options...] - start serve-test on
# 127.0.0.1:PORT; logs in $TMP/NAME.out and $TMP/NAME.err; sets SERVER_PID
start_server() {
	local name=$1 port=$2
	shift 2
	"$LORADANE" serve-test --cert "$DANCE_CERTS/srv.crt" \
	    --key "$DANCE_CERTS/srv.key" --port "$port" $RESOLVER "$@" \
	    >"$TMP/$name.out" 2>"$TMP/$name.err" &
	SERVER_PID=$!
	_bg_pids="$_bg_pids $SERVER_PID"
	if ! wait_for "$TMP/$name.out" '^listening on' 15; then
		echo "# server $name did not start:" >&2
		sed 's/^/#   /' "$TMP/$name.err" >&2
		return 1
	fi
}

# stop_server PID - SIGTERM and wait
stop_server() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# done_testing - exit status reflects failures
done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

# js_fixture_conf DIR - the lines of a loradane-js configuration on the
# fixture, for callers to add their own to: the srv key on
# 127.0.0.1:$DANCE_TEST_TLS_PORT, JoinEUI 0807060504030201, a SQLite store
# and a KEK (made once, mode 0600) in DIR, the fixture's resolver
js_fixture_conf() {
	if [ ! -f "$1/kek" ]; then
		openssl rand -hex 32 >"$1/kek" && chmod 600 "$1/kek"
	fi
	cat <<CONF
listen 127.0.0.1 $DANCE_TEST_TLS_PORT
tls-cert $DANCE_CERTS/srv.crt
tls-key $DANCE_CERTS/srv.key
joineui 0807060504030201
store sqlite:$1/js.db
kek-file $1/kek
trust-anchor $DANCE_TA_DS
forward 127.0.0.1@$DANCE_TEST_DNS_PORT
CONF
}
