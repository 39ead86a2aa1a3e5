#!/bin/bash
# run.sh BUILD [NAME...] - run every test (or those whose names contain
# one of NAME) against a fresh DNSSEC fixture, print a
# TAP-style line per test case and end with "N passed, N failed".
#
# Tests are the cmocka binaries BUILD/tests/unit/test_* (run with TAP
# output) and the scripts tests/scripts/t_*.sh (which print TAP through
# tests/scripts/lib.sh).  A test that exits non-zero without reporting a
# failure, or that reports nothing, counts as one failure.  A skipped case
# is reported as skipped, never as passed.
set -u
BUILD=${1:?usage: tests/run.sh BUILD [NAME...]}
shift
FILTERS=("$@")
top=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in
/*) ;;
*) BUILD=$top/$BUILD ;;
esac
export BUILD TOP="$top" LORADANE="$BUILD/loradane" HELPERS="$BUILD/tests/helpers"

# shellcheck source=tests/fixture/ports.sh
. "$top/tests/fixture/ports.sh"

FIX=$(mktemp -d /tmp/loradane-test.XXXXXX)
export DANCE_TEST_DNS_PORT=${DANCE_TEST_DNS_PORT:-$(free_port)}
export DANCE_TEST_TLS_PORT=${DANCE_TEST_TLS_PORT:-$(free_port)}
cleanup() {
	"$top/tests/fixture/nsd-ctl.sh" stop "$FIX" >/dev/null 2>&1
	"$top/tests/fixture/pg-ctl.sh" stop "$FIX/pg" >/dev/null 2>&1
	[ -n "${KEEP_FIXTURE:-}" ] || rm -rf "$FIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0 failed=0 skipped=0
report() {	# report STATUS NAME
	case $1 in
	ok) passed=$((passed + 1)); echo "ok - $2" ;;
	skip) skipped=$((skipped + 1)); echo "ok - $2 # SKIP" ;;
	*) failed=$((failed + 1)); echo "not ok - $2" ;;
	esac
}

if ! "$top/tests/fixture/mkfixture.sh" "$FIX" >"$FIX.mk.log" 2>&1 ||
    ! "$top/tests/fixture/nsd-ctl.sh" start "$FIX" >>"$FIX.mk.log" 2>&1; then
	cat "$FIX.mk.log"
	report fail "fixture: build keys, certificates, signed zones, start NSD"
	echo "$passed passed, $failed failed"
	exit 1
fi
rm -f "$FIX.mk.log"
report ok "fixture: build keys, certificates, signed zones, start NSD"
# shellcheck disable=SC1091
. "$FIX/env.sh"
export DANCE_TEST_DNS_PORT DANCE_TEST_TLS_PORT

# A private PostgreSQL for the run (the store's second backend).  As root
# it runs as user postgres, which must be able to reach $FIX/pg.
[ "$(id -u)" != 0 ] || chmod 711 "$FIX"
# (free_port in $(...) cannot remember the TLS port, on which nothing
# listens yet)
pg_port=$(free_port)
[ "$pg_port" != "$DANCE_TEST_TLS_PORT" ] || pg_port=$(free_port)
LORADANE_TEST_PG_URI=
if "$top/tests/fixture/pg-ctl.sh" start "$FIX/pg" "$pg_port" \
    >"$FIX.pg.log" 2>&1; then
	LORADANE_TEST_PG_URI=$(cat "$FIX/pg/uri")
	report ok "fixture: start PostgreSQL"
else
	sed 's/^/# /' "$FIX.pg.log"
	report fail "fixture: start PostgreSQL"
fi
rm -f "$FIX.pg.log"
export LORADANE_TEST_PG_URI

# selected NAME - true when no filter is given or one matches
selected() {
	local f
	[ ${#FILTERS[@]} -eq 0 ] && return 0
	for f in "${FILTERS[@]}"; do
		case $1 in *"$f"*) return 0 ;; esac
	done
	return 1
}

# run_one NAME CMD... - run a test, relay its TAP lines, tally
run_one() {
	local name=$1 out rc n_ok n_fail n_skip
	shift
	selected "$name" || return 0
	out=$(mktemp)
	echo "# $name"
	CMOCKA_MESSAGE_OUTPUT=TAP timeout "${TEST_TIMEOUT:-600}" "$@" \
	    >"$out" 2>"$out.err"
	rc=$?
	n_ok=0 n_fail=0 n_skip=0
	while IFS= read -r line; do
		case $line in
		"not ok "*"# SKIP"*) n_skip=$((n_skip + 1)) # cmocka's skip
			skipped=$((skipped + 1)); echo "ok - $name: ${line#not ok } " ;;
		"not ok"*) n_fail=$((n_fail + 1)); failed=$((failed + 1))
			echo "not ok - $name: ${line#not ok }" ;;
		"ok "*"# SKIP"* | "ok "*"# skip"*) n_skip=$((n_skip + 1))
			skipped=$((skipped + 1)); echo "ok - $name: ${line#ok } " ;;
		"ok "*) n_ok=$((n_ok + 1)); passed=$((passed + 1))
			echo "ok - $name: ${line#ok }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$out"
	if [ "$rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then
		report fail "$name: exited with status $rc"
		n_fail=1
	elif [ $((n_ok + n_fail + n_skip)) -eq 0 ]; then
		report fail "$name: reported no test"
		n_fail=1
	fi
	if [ "$n_fail" -ne 0 ]; then
		echo "# --- $name stderr (last 40 lines) ---"
		tail -n 40 "$out.err" | sed 's/^/#   /'
	fi
	rm -f "$out" "$out.err"
}

for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
	# The store suites once more, against PostgreSQL
	name=$(basename "$t")
	case $name in
	test_store | test_store_*) ;;
	*) continue ;;
	esac
	if [ -n "$LORADANE_TEST_PG_URI" ]; then
		run_one "$name[postgresql]" env \
		    LORADANE_TEST_STORE_URI="$LORADANE_TEST_PG_URI" "$t"
	elif selected "$name[postgresql]"; then
		report fail "$name[postgresql]: not run: no PostgreSQL"
	fi
done
for t in "$top"/tests/scripts/t_*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t" .sh)" bash "$t"
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
