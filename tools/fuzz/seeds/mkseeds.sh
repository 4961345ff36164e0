#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Turn the hand-made fuzzer inputs, kept as commented hex text in
# seeds/<pool>/*.hex, into binary files DEST/<pool>/<name>.
#
#   seeds/mkseeds.sh DEST
#
# In a .hex file everything after '#' is a comment; the rest is pairs of
# hex digits, spaces and line breaks ignored.
set -euo pipefail

dest=${1:?usage: mkseeds.sh DEST}
here=$(cd "$(dirname "$0")" && pwd)

for src in "$here"/*/*.hex; do
	pool=$(basename "$(dirname "$src")")
	name=$(basename "$src" .hex)
	hex=$(sed 's/#.*//' "$src" | tr -d ' \t\r\n')
	if [[ ! $hex =~ ^([0-9a-fA-F]{2})+$ ]]; then
		echo "mkseeds.sh: $src: not pairs of hex digits" >&2
		exit 1
	fi
	escaped=
	for ((i = 0; i < ${#hex}; i += 2)); do
		escaped+="\\x${hex:i:2}"
	done
	mkdir -p "$dest/$pool"
	# shellcheck disable=SC2059 # the escapes are the data
	printf "$escaped" >"$dest/$pool/$name.tmp"
	mv "$dest/$pool/$name.tmp" "$dest/$pool/$name"
done
