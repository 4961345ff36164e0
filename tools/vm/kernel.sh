#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (once) a kernel from Debian's kernel source package, configured by
# config fragments merged with the tree's own scripts/kconfig/merge_config.sh,
# ready for out-of-tree module builds (tools/vm/build-module.sh).
#
#   tools/vm/kernel.sh uml         UML: tools/vm/uml.config (KUnit, KASAN,
#                                  UBSAN, lockdep); the UML stages, make run
#   tools/vm/kernel.sh x86-debug   x86_64: tinyconfig + x86-base.config +
#                                  x86-debug.config (lockdep, KASAN,
#                                  kmemleak); smp-qemu.sh
#   tools/vm/kernel.sh x86-kcsan   x86_64: tinyconfig + x86-base.config +
#                                  x86-kcsan.config; kcsan-qemu.sh
#   tools/vm/kernel.sh bench-uml   UML without detectors, with genalloc:
#                                  tools/bench/uml-bench.config; make bench
#     -> last stdout line: the build directory (for x86, its
#        arch/x86/boot/bzImage is the kernel to boot)
#
# The fragments are merged as the kernel's own "make <name>.config" does
# (merge_config.sh -m, later lines win, then olddefconfig), and every line of
# them must have taken effect.  The build lives in $CKREMM_CACHE/<kind>-<key>,
# where <key> hashes the merged .config (which names the source version and
# the compiler) and the source version: a change that leaves the .config as
# it was (a comment, the order of lines, this script) builds nothing, and any
# finished build of the kind whose .config is the same is used, whatever its
# directory is called.  A new build removes the kind's other builds.
#
# The merged .config is worked out in $CKREMM_CACHE/kconfig-<kind>, and
# worked out again only when the fragments, the source version, the compiler
# or the kind's definition below change.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 uml|x86-debug|x86-kcsan|bench-uml" >&2
	exit 2
}

# Give GENERIC_ALLOCATOR a prompt so that a config fragment can select it:
# genalloc has no prompt in lib/Kconfig, only drivers that select it get it,
# and none of them builds for UML.  Prints the patched lib/Kconfig of the
# tree in $1 on stdout.
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

# A kind: its ARCH, the make target the fragments start from (none: from
# the fragments alone, olddefconfig filling in the rest as kunit.py does),
# its fragments in order, what to build, and how its source differs from
# Debian's tree (a kind with a patch builds from a scratch copy of the tree,
# hard links but for the patched file, in <build>/src, the kernel going to
# <build>/build; the shared tree is never written to).
(($# == 1)) || usage
kind=$1
base_target=
patch=
targets=()
case $kind in
uml)
	arch=um
	fragments=("$CKREMM_ROOT/tools/vm/uml.config")
	;;
x86-debug | x86-kcsan)
	arch=x86_64
	base_target=tinyconfig
	fragments=("$CKREMM_ROOT/tools/vm/x86-base.config" "$CKREMM_ROOT/tools/vm/$kind.config")
	targets=(bzImage modules)
	;;
bench-uml)
	arch=um
	fragments=("$CKREMM_ROOT/tools/bench/uml-bench.config")
	patch=kconfig_with_genalloc_prompt
	;;
*) usage ;;
esac

# Make <dir> a copy of the tree <src> with the kind's patch applied.
#   patched_tree <src> <dir>
patched_tree() {
	rm -rf "$2"
	cp -al "$1" "$2"
	# Replace the link, never write through it.
	"$patch" "$1" >"$2/lib/Kconfig.patched" || {
		echo "kernel: $patch found nothing to patch in $1" >&2
		return 1
	}
	rm "$2/lib/Kconfig"
	mv "$2/lib/Kconfig.patched" "$2/lib/Kconfig"
}

src=$(kernel_source)
version=$(source_version "$src")
mkdir -p "$CKREMM_CACHE"
# Two runs at once (make run beside make check) wait for one build.
exec 9>"$CKREMM_CACHE/.kernel-$kind.lock"
flock 9

# ---- the merged .config ----------------------------------------------------
scratch=$CKREMM_CACHE/kconfig-$kind
config=$scratch/config
inputs=$( {
	echo "$arch $base_target ${targets[*]} $version"
	gcc --version | head -n1
	cat "${fragments[@]}"
	[[ -z $patch ]] || declare -f "$patch"
} | sha256sum | cut -c1-16)
if [[ $(cat "$scratch/inputs" 2>/dev/null) != "$inputs" || ! -f $config/.config ]]; then
	echo "kernel: merging the $kind config fragments" >&2
	rm -f "$scratch/inputs"
	mkdir -p "$config"
	ksrc=$src
	if [[ -n $patch ]]; then
		patched_tree "$src" "$scratch/src"
		ksrc=$scratch/src
	fi
	kconf() {
		make -C "$ksrc" O="$config" ARCH="$arch" "$@" >&2
	}
	rm -f "$config/.config"
	# merge_config.sh writes its scratch files in the current directory.
	if [[ -n $base_target ]]; then
		kconf "$base_target"
		(cd "$config" && "$src/scripts/kconfig/merge_config.sh" -m -O . .config "${fragments[@]}") >&2
	else
		(cd "$config" && "$src/scripts/kconfig/merge_config.sh" -m -O . "${fragments[@]}") >&2
	fi
	kconf olddefconfig
	# Kconfig silently drops options whose dependencies are not met: every
	# line of the fragments (the last one for a symbol) must be in the
	# .config; "is not set" also holds for an option this ARCH lacks.
	if ! awk '
		FNR == NR {
			have[$0] = 1
			if (match($0, /^CONFIG_[A-Za-z0-9_]+=/))
				known[substr($0, 1, RLENGTH - 1)] = 1
			next
		}
		/^CONFIG_[A-Za-z0-9_]+=/ { sym = $0; sub(/=.*/, "", sym); want[sym] = $0 }
		/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { want[$2] = $0 }
		END {
			for (sym in want) {
				if (want[sym] in have || (want[sym] ~ /^#/ && !(sym in known)))
					continue
				print "kernel: \047" want[sym] "\047 did not take effect"
				bad = 1
			}
			exit bad
		}' "$config/.config" "${fragments[@]}" >&2; then
		echo "kernel: fix ${fragments[*]} (see $config/.config)" >&2
		exit 1
	fi
	echo "$inputs" >"$scratch/inputs"
fi

# ---- the build -------------------------------------------------------------
key=$( { cat "$config/.config"; echo "$version"; } | sha256sum | cut -c1-16)
top=$CKREMM_CACHE/$kind-$key
# kernel_out <top>: where a kind's kernel is built under its directory.
kernel_out() {
	if [[ -n $patch ]]; then echo "$1/build"; else echo "$1"; fi
}

# A build that finished leaves a stamp; the same .config is the same kernel.
for dir in "$top" "$CKREMM_CACHE/$kind"-*; do
	out=$(kernel_out "$dir")
	if [[ -f $out/.ckremm-built ]] && cmp -s "$out/.config" "$config/.config"; then
		echo "$out"
		exit 0
	fi
done

rm -rf "$top"
mkdir -p "$top"
out=$(kernel_out "$top")
ksrc=$src
if [[ -n $patch ]]; then
	echo "kernel: scratch tree $top/src (hard links to $src)" >&2
	patched_tree "$src" "$top/src"
	ksrc=$top/src
fi
mkdir -p "$out"
cp "$config/.config" "$out/.config"
kmake() {
	# Kernel output goes to stderr so that stdout ends with the build dir.
	make -C "$ksrc" O="$out" ARCH="$arch" "$@" >&2
}
kmake olddefconfig
start=$SECONDS
kmake -j"$(nproc)" "${targets[@]}"
# modules_prepare is implied by the full build, but ask for it explicitly so
# that M= builds find everything they need even if targets change.
kmake modules_prepare
echo "kernel: $kind built in $((SECONDS - start)) s" >&2
touch "$out/.ckremm-built"
# Builds of this kind for other configs or sources are hundreds of MB each
# and never used again by this checkout.
find "$CKREMM_CACHE" -maxdepth 1 -name "$kind-*" ! -path "$top" -exec rm -rf {} + >&2
echo "$out"
