#!/bin/sh
# install-deps.sh - install the Debian 12 packages the build and the tests
# need, but only those that are missing, so that "make check" is the whole
# set-up on a fresh machine.  Needs root (or sudo) only when something is
# missing.
set -eu

PKGS="build-essential pkg-config libssl-dev openssl libunbound-dev \
libevent-dev libjansson-dev libsqlite3-dev libpq-dev libldns-dev \
libcmocka-dev ldnsutils nsd dns-root-data bind9-dnsutils \
gnutls-bin iproute2 procps clang-format cppcheck clang \
libclang-rt-14-dev knot knot-dnsutils bind9utils postgresql \
postgresql-client mosquitto mosquitto-clients curl"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
# node and npm for tests/scripts/t_lorapacket.sh and bench/run-join.sh
# (lora-packet from the npm registry); any Node.js >= 10 will do, so an
# existing install (nodesource or Debian) is kept.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "install-deps: need root to install:$missing" >&2
		exit 1
	}
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Daemons from these packages must not start system-wide instances that
# would hold port 53; the tests run their own on loopback.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends $missing
# The server package makes a cluster "main" on port 5432; policy-rc.d
# keeps it from starting, but should a postinst start it anyway, stop it:
# the tests run a private one (tests/fixture/pg-ctl.sh).
case " $missing " in
*" postgresql "*)
	pg_lsclusters -h 2>/dev/null | while read -r ver name port status _; do
		case $status in
		online*)
			echo "install-deps: stopping the system PostgreSQL" \
			    "$ver/$name (port $port)" >&2
			$SUDO pg_ctlcluster "$ver" "$name" stop
			;;
		esac
	done
	;;
esac
