#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (once) a small x86_64 kernel from Debian's kernel source package to
# boot under QEMU: tinyconfig, plus tools/vm/x86-base.config, plus the
# flavour's fragment tools/vm/x86-<flavour>.config.  Ready for out-of-tree
# module builds (tools/vm/build-module.sh <dir> <out> ARCH=x86_64).
#
#   tools/vm/x86-kernel.sh debug    lockdep, KASAN, kmemleak (smp-qemu.sh)
#   tools/vm/x86-kernel.sh kcsan    KCSAN (kcsan-qemu.sh)
#     -> last stdout line: the build directory; its arch/x86/boot/bzImage
#        is the kernel to boot
#
# The build directory, $CKREMM_CACHE/x86-<flavour>-<hash>, is keyed by a
# hash of both fragments, the source version and the compiler: editing a
# fragment or upgrading either rebuilds in a fresh directory, and builds of
# the same flavour for older keys are removed.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

if (($# != 1)) || [[ ! $1 =~ ^[a-z0-9]+$ || $1 = base ]]; then
	echo "usage: $0 <flavour>   (debug or kcsan)" >&2
	exit 2
fi
flavour=$1
base=$CKREMM_ROOT/tools/vm/x86-base.config
fragment=$CKREMM_ROOT/tools/vm/x86-$flavour.config
if [[ ! -f $fragment ]]; then
	echo "x86-kernel: no flavour '$flavour' ($fragment is missing)" >&2
	exit 2
fi

src=$(kernel_source)
key=$( { cat "$base" "$fragment"; source_version "$src"; gcc --version | head -n1; } |
	sha256sum | cut -c1-16)
out=$CKREMM_CACHE/x86-$flavour-$key

# Two stages at once wait for one build.
mkdir -p "$CKREMM_CACHE"
exec 9>"$out.lock"
flock 9

# A build that finished leaves this stamp; anything else is rebuilt.
if [[ -f $out/.ckremm-built ]]; then
	echo "$out"
	exit 0
fi

rm -rf "$out"
mkdir -p "$out"
kmake() {
	# Kernel output goes to stderr so that stdout ends with the build dir.
	make -C "$src" O="$out" ARCH=x86_64 "$@" >&2
}

# tinyconfig switches everything off that can be; the fragments, appended
# (later lines win), switch on what the guest needs; olddefconfig gives
# whatever they make visible its default.
kmake tinyconfig
grep -h -E '^(CONFIG_|# CONFIG_.* is not set$)' "$base" "$fragment" >>"$out/.config"
kmake olddefconfig

# Kconfig silently drops options whose dependencies are not met: check that
# every line of both fragments survived.
missing=0
while IFS= read -r line; do
	if [[ $line =~ ^CONFIG_ ]] || [[ $line =~ ^#\ CONFIG_.*\ is\ not\ set$ ]]; then
		if ! grep -qxF -- "$line" "$out/.config"; then
			echo "x86-kernel: '$line' did not take effect" >&2
			missing=1
		fi
	fi
done < <(cat "$base" "$fragment")
if ((missing)); then
	echo "x86-kernel: fix $base or $fragment (see $out/.config)" >&2
	exit 1
fi

start=$SECONDS
# bzImage and modules; modules_prepare so that M= builds find everything.
kmake -j"$(nproc)" bzImage modules
kmake modules_prepare
echo "x86-kernel: $flavour built in $((SECONDS - start)) s" >&2
touch "$out/.ckremm-built"
# Builds of this flavour for older fragments or sources are never used
# again by this checkout.
find "$CKREMM_CACHE" -maxdepth 1 -name "x86-$flavour-*" ! -path "$out" \
	! -path "$out.lock" -exec rm -rf {} + >&2
echo "$out"
