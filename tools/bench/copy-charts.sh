#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Copy the charts of the latest benchmark run to where a document embeds
# them.
#
#   tools/bench/copy-charts.sh <dest dir>
#
# Copies latency.svg, frag.svg and speed.svg from tools/build/bench/charts
# (BENCH_OUT) and fails if the run drew none of them.
set -euo pipefail

if (($# != 1)); then
	echo "usage: $0 <dest dir>" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
charts=${BENCH_OUT:-$here/../build/bench}/charts
dest=$1

shopt -s nullglob
svgs=("$charts"/*.svg)
if ((${#svgs[@]} == 0)); then
	echo "copy-charts: no charts in $charts: run make bench first" >&2
	exit 1
fi
mkdir -p "$dest"
for f in "${svgs[@]}"; do
	cp "$f" "$dest/"
	echo "copy-charts: $dest/$(basename "$f")"
done
