#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The modules ckremm.config chooses.  With each pool alone:
#   - the Linux module (W=1, Debian's 6.1 headers) defines none of the
#     other pool's symbols and refers to none;
#   - a hosted program built through ckremm/ckremm.mk
#     (tools/tests/config/one_pool.c) links only that pool's code, and runs;
# and a configuration with neither pool is refused by both builds.  The
# collector (CONFIG_CKREMM_GC): built in, the module and one_pool have it
# and one_pool collects; left out, neither holds any of its code; asked
# for without the table pool, both builds refuse; its code on a Cortex-M4
# at -Os stays within 5 KiB.
#
#   tools/ci/config.sh   -> last line "config: N passed, M failed"
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/../vm/lib.sh"

out=$CKREMM_CACHE/build-config
logs=$CKREMM_CACHE/logs/config
rm -rf "$logs"
mkdir -p "$logs"
kdir=/usr/src/linux-headers-$(headers_abi)
passed=0
failed=0
n=0

# result <name> <log> <command...>: one TAP line from the command's status.
result() {
	local name=$1 log=$2
	shift 2
	n=$((n + 1))
	if "$@" >>"$log" 2>&1; then
		passed=$((passed + 1))
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		tail -n 20 "$log" | sed 's/^/# /'
	fi
}

# none_of <file> <prefix>: <file> exists and neither defines nor refers to
# a symbol starting with <prefix>.
none_of() {
	local syms
	syms=$(nm "$1") || return 1
	! grep -E " [A-Za-z] $2" <<<"$syms" >&2
}

# module_builds <dir> <make args...>: the module builds, warning-free.
module_builds() {
	local dir=$1
	shift
	"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$dir" W=1 "$@" >"$dir.log" 2>&1
	local status=$?
	cat "$dir.log"
	((status == 0)) && ! grep -q 'warning:' "$dir.log"
}

# refused <message> <command...>: the command fails, saying <message>.
refused() {
	local text message=$1
	shift
	if text=$("$@" 2>&1); then
		return 1
	fi
	echo "$text"
	grep -qF "$message" <<<"$text"
}
both_off='CONFIG_CKREMM_HPOOL and CONFIG_CKREMM_TPOOL are both n'
gc_alone='CONFIG_CKREMM_GC needs CONFIG_CKREMM_TPOOL'

mkdir -p "$out"
for pool in h t; do
	# The collector needs the table pool: without it, none.
	if [[ $pool == h ]]; then
		drop=TPOOL other=t_pool also=CONFIG_CKREMM_GC=n
	else
		drop=HPOOL other=h_pool also=CONFIG_CKREMM_GC=y
	fi
	log=$logs/module-$pool.log
	dir=$out/module-$pool
	rm -rf "$dir"
	result "ckremm.ko with CONFIG_CKREMM_$drop=n builds with W=1, no warning" "$log" \
		module_builds "$dir" "CONFIG_CKREMM_$drop=n" "$also"
	result "... and holds nothing of the $other" "$log" none_of "$dir/ckremm.ko" "$other"
	result "... and has ${pool}_pool_alloc" "$log" \
		grep -q " T ${pool}_pool_alloc" <(nm "$dir/ckremm.ko")

	log=$logs/host-$pool.log
	result "one_pool with CONFIG_CKREMM_$drop=n builds through ckremm.mk" "$log" \
		make -C "$CKREMM_ROOT/tools/tests/config" OUT="$out/host-$pool" \
		"CONFIG_CKREMM_$drop=n" "$also"
	result "... links nothing of the $other" "$log" none_of "$out/host-$pool/one_pool" "$other"
	result "... and runs" "$log" "$out/host-$pool/one_pool"
done

# The collector in and out.  In: the table pool's module (above) exports
# it and one_pool, which collects, links it.  Out: nothing of it anywhere.
log=$logs/gc.log
result "the table pool's ckremm.ko has the collector" "$log" \
	grep -q " T ckremm_gc_create" <(nm "$out/module-t/ckremm.ko")
result "one_pool with the collector links it" "$log" \
	grep -q " T ckremm_gc_collect" <(nm "$out/host-t/one_pool")
result "... and collects" "$log" grep -q "collector: alloc, collect, destroy" \
	<("$out/host-t/one_pool")
result "the header pool's ckremm.ko holds nothing of the collector" "$log" \
	none_of "$out/module-h/ckremm.ko" ckremm_gc
dir=$out/module-nogc
rm -rf "$dir"
result "ckremm.ko with CONFIG_CKREMM_GC=n builds with W=1, no warning" "$log" \
	module_builds "$dir" CONFIG_CKREMM_GC=n
result "... and holds nothing of the collector" "$log" none_of "$dir/ckremm.ko" ckremm_gc
result "one_pool with CONFIG_CKREMM_GC=n builds through ckremm.mk" "$log" \
	make -C "$CKREMM_ROOT/tools/tests/config" OUT="$out/host-nogc" CONFIG_CKREMM_GC=n
result "... links nothing of the collector" "$log" none_of "$out/host-nogc/one_pool" ckremm_gc
result "... and runs" "$log" "$out/host-nogc/one_pool"

result "the collector without the table pool: the module's build refuses" "$log" \
	refused "$gc_alone" "$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$out/module-gc-only" \
	CONFIG_CKREMM_TPOOL=n CONFIG_CKREMM_GC=y
result "the collector without the table pool: ckremm.mk refuses" "$log" \
	refused "$gc_alone" make -C "$CKREMM_ROOT/tools/tests/config" OUT="$out/host-gc-only" \
	CONFIG_CKREMM_TPOOL=n CONFIG_CKREMM_GC=y

# The collector's code on a Cortex-M4 at -Os: its object's .text.
gc_size() {
	local dir=$out/cortex-m4-gc bytes
	mkdir -p "$dir"
	arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb --specs=picolibc.specs -Os \
		-std=gnu11 -Wall -Wextra -Werror -ffunction-sections -fdata-sections \
		-DCONFIG_CKREMM_TPOOL=1 -DCONFIG_CKREMM_GC=1 -I"$CKREMM_ROOT/include" \
		-I"$CKREMM_ROOT/ckremm/port" -I"$CKREMM_ROOT/ckremm/port/baremetal" \
		-I"$CKREMM_ROOT/ckremm/segfit" -c "$CKREMM_ROOT/ckremm/gc/gc.c" \
		-o "$dir/gc.o" || return 1
	bytes=$(arm-none-eabi-size "$dir/gc.o" | awk 'NR == 2 { print $1 }')
	echo "collector: $bytes bytes of .text (arm-none-eabi-size, -Os)"
	((bytes > 0 && bytes <= 5120))
}
result "the collector's code on a Cortex-M4 at -Os is at most 5 KiB" "$log" gc_size
grep -h 'collector: .* bytes of .text' "$log" | sed 's/^/# /'

# A lean header pool (CONFIG_CKREMM_HPOOL_LEAN) refuses keyed headers and
# the front cache; it and CONFIG_CKREMM_SMALL make the code a firmware
# links for create, alloc, free and destroy fit in 4 KiB on a Cortex-M4.
log=$logs/lean.log
result "a lean header pool builds through ckremm.mk and runs, refusing H_POOL_KEYED and H_POOL_CACHE" \
	"$log" make -C "$CKREMM_ROOT/tools/tests/config" OUT="$out/host-lean" \
	CONFIG_CKREMM_TPOOL=n CONFIG_CKREMM_GC=n CONFIG_CKREMM_HPOOL_LEAN=y run-lean

# text_of <map> <pattern>: bytes of .text the linker kept from the
# objects whose names match the pattern.
text_of() {
	local line name size obj sum=0 on=0
	while IFS= read -r line; do
		[[ $line == 'Linker script and memory map' ]] && on=1
		((on)) || continue
		if [[ $line =~ ^\ \.text[^\ ]*$ ]]; then
			name=$line
			IFS= read -r line
			line="$name $line"
		fi
		if [[ $line =~ ^\ \.text[^\ ]*\ +0x[0-9a-f]+\ +0x([0-9a-f]+)\ +([^\ ]+) ]]; then
			size=${BASH_REMATCH[1]} obj=${BASH_REMATCH[2]}
			[[ $obj =~ $2 ]] && sum=$((sum + 16#$size))
		fi
	done <"$1"
	echo "$sum"
}

min_size() {
	local dir=$out/cortex-m4 cc=arm-none-eabi-gcc
	local flags=(-mcpu=cortex-m4 -mthumb --specs=picolibc.specs -Os -std=gnu11
		-Wall -Wextra -Werror -ffunction-sections -fdata-sections
		-DCONFIG_CKREMM_HPOOL=1 -DCONFIG_CKREMM_HPOOL_LEAN=1 -DCONFIG_CKREMM_SMALL=1
		-I"$CKREMM_ROOT/include" -I"$CKREMM_ROOT/ckremm/port"
		-I"$CKREMM_ROOT/ckremm/port/baremetal" -I"$CKREMM_ROOT/ckremm/segfit")
	local bytes
	mkdir -p "$dir"
	"$cc" "${flags[@]}" -c "$CKREMM_ROOT/ckremm/hpool/h_pool.c" -o "$dir/h_pool.o" &&
		"$cc" "${flags[@]}" -c "$CKREMM_ROOT/ckremm/port/baremetal/port_baremetal.c" \
			-o "$dir/port_baremetal.o" &&
		"$cc" "${flags[@]}" -Wl,--gc-sections -Wl,-Map="$dir/min.map" \
			"$CKREMM_ROOT/tools/tests/config/min_h_pool.c" "$dir/h_pool.o" \
			"$dir/port_baremetal.o" -o "$dir/min.elf" || return 1
	bytes=$(text_of "$dir/min.map" '(h_pool|port_baremetal)\.o$')
	echo "lean, small header pool: create, alloc, free, destroy link $bytes bytes of .text"
	((bytes > 0 && bytes <= 4096))
}
result "a lean, small header pool links at most 4 KiB for create, alloc, free, destroy on a Cortex-M4" \
	"$log" min_size
grep -h 'bytes of .text' "$log" | sed 's/^/# /'

log=$logs/neither.log
result "neither pool: the module's build refuses" "$log" \
	refused "$both_off" "$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$out/module-none" \
	CONFIG_CKREMM_HPOOL=n CONFIG_CKREMM_TPOOL=n
result "neither pool: ckremm.mk refuses" "$log" \
	refused "$both_off" make -C "$CKREMM_ROOT/tools/tests/config" OUT="$out/host-none" \
	CONFIG_CKREMM_HPOOL=n CONFIG_CKREMM_TPOOL=n

echo "1..$n"
echo "config: $passed passed, $failed failed"
