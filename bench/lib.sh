# lib.sh - what the benchmark scripts share (sourced).

pids="" # background servers a script started, stopped by stop_servers

# stop_servers FIXTURE_DIR - SIGTERM every server in $pids, reap them, and
# stop the fixture's NSD; what a script's EXIT trap does before removing
# its files
stop_servers() {
	local p
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	"$top/tests/fixture/nsd-ctl.sh" stop "$1" >/dev/null 2>&1
}
