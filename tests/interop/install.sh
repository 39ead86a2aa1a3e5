#!/bin/bash
# install.sh - install the pinned lora-packet into tests/interop/.npm (a
# git-ignored, test-local prefix) unless that exact version is already
# there, and print the node_modules folder on stdout.  Shared by
# tests/scripts/t_lorapacket.sh and bench/run-join.sh so that both use the
# same reference.  Exit status non-zero when node or npm is missing or npm
# cannot install: callers count that as a failure, never as a skip.
#
# lora-packet 0.9.3 (2024) is the latest release; its two dependencies are
# pinned exactly by its own package.json (aes-cmac 1.0.3, crypto-js 4.2.0).
set -u
LORA_PACKET_VERSION=0.9.3
here=$(cd "$(dirname "$0")" && pwd)
prefix=$here/.npm
mods=$prefix/node_modules

for t in node npm; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "install.sh: $t is not installed (Debian: apt-get install nodejs npm)" >&2
		exit 1
	fi
done

have=$(node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch (e) {}' \
    "$mods/lora-packet/package.json" 2>/dev/null)
if [ "$have" != "$LORA_PACKET_VERSION" ]; then
	mkdir -p "$prefix" || exit 1
	if ! npm install --prefix "$prefix" "lora-packet@$LORA_PACKET_VERSION" \
	    --no-audit --no-fund --no-save --loglevel=error >&2; then
		echo "install.sh: npm could not install lora-packet@$LORA_PACKET_VERSION" >&2
		exit 1
	fi
	have=$(node -e 'process.stdout.write(require(process.argv[1]).version)' \
	    "$mods/lora-packet/package.json" 2>/dev/null)
	if [ "$have" != "$LORA_PACKET_VERSION" ]; then
		echo "install.sh: installed lora-packet is '$have', not $LORA_PACKET_VERSION" >&2
		exit 1
	fi
fi
echo "$mods"
