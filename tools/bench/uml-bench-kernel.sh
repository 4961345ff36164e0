#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (once) the user-mode Linux kernel the in-kernel benchmarks run on:
# Debian's kernel source configured by tools/bench/uml-bench.config, with
# no detectors and with genalloc (CONFIG_GENERIC_ALLOCATOR) built in.
#
#   tools/bench/uml-bench-kernel.sh   -> last stdout line: the build directory
#
# genalloc has no prompt in lib/Kconfig: only drivers that select it get
# it, and none of them builds for UML.  The kernel is therefore built from
# a scratch copy of the source tree (hard links, so it costs no space) in
# which lib/Kconfig alone is replaced by a version that gives the symbol a
# prompt.  The shared tree in $CKREMM_CACHE is never written to.
#
#   $CKREMM_CACHE/bench-uml-<key>/src     the scratch source tree
#   $CKREMM_CACHE/bench-uml-<key>/build   the kernel build (printed)
#
# The name does not start with "uml-": tools/vm/uml-kernel.sh removes every
# $CKREMM_CACHE/uml-* but its own when it builds a new kernel.
#
# <key> hashes the fragment, the lib/Kconfig edit, the source version and
# the compiler, so a change to any of them builds afresh and an unchanged
# build is reused.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"

fragment=$here/uml-bench.config
src=$(kernel_source)

# Give GENERIC_ALLOCATOR a prompt so that a config fragment can select it.
# Prints the patched lib/Kconfig of the tree in $1 on stdout.
kconfig_with_genalloc_prompt() {
	awk '
		pending && /^\tbool$/ {
			print "\tbool \"Generic allocator (genalloc), for benchmarks\""
			pending = 0
			done = 1
			next
		}
		{ pending = 0 }
		/^config GENERIC_ALLOCATOR$/ { pending = 1 }
		{ print }
		END { exit !done }
	' "$1/lib/Kconfig"
}

key=$( { cat "$fragment"; declare -f kconfig_with_genalloc_prompt
	 source_version "$src"; gcc --version | head -n1; } |
	sha256sum | cut -c1-16)
top=$CKREMM_CACHE/bench-uml-$key
out=$top/build

if [[ -f $out/.ckremm-built ]]; then
	echo "$out"
	exit 0
fi

rm -rf "$top"
mkdir -p "$top"
echo "uml-bench-kernel: scratch tree $top/src (hard links to $src)" >&2
cp -al "$src" "$top/src"
# Replace the link, never write through it: the shared tree must not change.
kconfig_with_genalloc_prompt "$src" >"$top/Kconfig.lib" || {
	echo "uml-bench-kernel: lib/Kconfig of $src has no GENERIC_ALLOCATOR to patch" >&2
	exit 1
}
rm "$top/src/lib/Kconfig"
mv "$top/Kconfig.lib" "$top/src/lib/Kconfig"

mkdir -p "$out"
kmake() {
	# Kernel output goes to stderr so that stdout ends with the build dir.
	make -C "$top/src" O="$out" ARCH=um "$@" >&2
}

grep -E '^(CONFIG_|# CONFIG_.* is not set$)' "$fragment" >"$out/.config"
kmake olddefconfig

# Kconfig silently drops options whose dependencies are not met.
missing=0
while IFS= read -r line; do
	if [[ $line =~ ^CONFIG_ ]] || [[ $line =~ ^#\ CONFIG_.*\ is\ not\ set$ ]]; then
		# An option that does not exist for UML at all is "not set" too.
		if [[ $line =~ ^#\ (CONFIG_[A-Z0-9_]*) ]] &&
			! grep -q "^${BASH_REMATCH[1]}=" "$out/.config"; then
			continue
		fi
		if ! grep -qxF -- "$line" "$out/.config"; then
			echo "uml-bench-kernel: '$line' did not take effect" >&2
			missing=1
		fi
	fi
done <"$fragment"
if ((missing)); then
	echo "uml-bench-kernel: fix $fragment (see $out/.config)" >&2
	exit 1
fi

start=$SECONDS
kmake -j"$(nproc)"
kmake modules_prepare
echo "uml-bench-kernel: built in $((SECONDS - start)) s" >&2
touch "$out/.ckremm-built"
# Older bench kernels are never used again by this checkout.
find "$CKREMM_CACHE" -maxdepth 1 -name 'bench-uml-*' ! -path "$top" -exec rm -rf {} + >&2
echo "$out"
