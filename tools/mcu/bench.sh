#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# One board's figures for make bench, as CSV rows on stdout
# (figure,series,metric,unit,run,value; tools/bench/run.sh collects
# them) and "#" comments:
#
#   mcu_text,BOARD:POOL,text_all,B      .text of the pool's objects, -Os
#   mcu_text,BOARD:POOL,text_min,B      what of it a program that makes a
#                                       pool, allocates, frees and destroys
#                                       links (size_min.c, --gc-sections)
#   mcu_text,BOARD:POOL,rodata_all,B    its read-only data
#   (POOL h_pool_lean: the header pool built with ckremm.config's
#   CONFIG_CKREMM_HPOOL_LEAN and CONFIG_CKREMM_SMALL)
#   mcu_text,BOARD:port,text_all,B      the bare-metal port's
#   mcu_icount,... mcu_ram,...          bench.c's, run under QEMU with
#                                       -icount so that they count
#                                       instructions
#
#   tools/mcu/bench.sh BOARD BUILD      (make -C tools/mcu bench BOARD=...)
#
# BUILD is where make put the board's bench.elf and size/.
set -euo pipefail

if (($# != 2)); then
	echo "usage: $0 BOARD BUILD" >&2
	exit 2
fi
board=$1
build=$2
here=$(cd "$(dirname "$0")" && pwd)

case $board in
cortex-m)
	cross=arm-none-eabi-
	# SysTick counts virtual time: 1024 ns per instruction.
	icount="-icount shift=10"
	;;
rv32)
	cross=riscv64-unknown-elf-
	# minstret is the instruction count itself.
	icount="-icount shift=0"
	;;
*)
	echo "$0: unknown board '$board'" >&2
	exit 2
	;;
esac

# Bytes of the sections of OBJECTs whose names start with PREFIX.
section_bytes() {
	local prefix=$1
	shift
	"${cross}size" -A "$@" |
		awk -v p="$prefix" 'index($1, p) == 1 { n += $2 } END { print n + 0 }'
}

# Bytes of .text the linker kept from the objects in DIR, from its MAP.
kept_text() {
	local map=$1 dir=$2
	awk -v dir="$dir/" '
	function hex(s,   i, n) {	# mawk has no strtonum()
		n = 0
		for (i = 3; i <= length(s); i++)
			n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return n
	}
	/^Linker script and memory map/ { on = 1; next }
	!on { next }
	# An input section: its name, then (here or on the next line) its
	# address, size and object.
	/^ \.[^ ]+$/ { name = $1; next }
	/^ \.[^ ]+ +0x/ { name = $1; size = $3; file = $4 }
	/^ +0x[0-9a-f]+ +0x[0-9a-f]+ +\// { size = $2; file = $3 }
	size != "" {
		if (index(name, ".text") == 1 && index(file, dir) == 1)
			n += hex(size)
		size = ""
	}
	END { print n + 0 }' "$map"
}

for pool in h_pool h_pool_lean t_pool; do
	objs=("$build/size/$pool"/*.o)
	echo "mcu_text,$board:$pool,text_all,B,0,$(section_bytes .text "${objs[@]}")"
	echo "mcu_text,$board:$pool,rodata_all,B,0,$(section_bytes .rodata "${objs[@]}")"
	echo "mcu_text,$board:$pool,text_min,B,0,$(kept_text "$build/size/$pool/min.map" "$build/size/$pool")"
	echo "# $board $pool: largest functions (bytes of .text)"
	"${cross}nm" --size-sort -r -t d "${objs[@]}" 2>/dev/null |
		awk '$2 ~ /^[tT]$/ { printf "#   %6d %s\n", $1, $3 }' | head -n 8
done
echo "mcu_text,$board:port,text_all,B,0,$(section_bytes .text "$build/size/port/port_baremetal.o")"

for image in bench bench_lean; do
	MCU_QEMU_FLAGS=$icount MCU_TIMEOUT=${MCU_TIMEOUT:-300} \
		"$here/run.sh" "$board" "$build/$image.elf"
done
