#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (once) a user-mode Linux kernel from Debian's kernel source package,
# configured by tools/vm/uml.config, ready for out-of-tree module builds.
#
#   tools/vm/uml-kernel.sh        -> last stdout line: the build directory
#
# The build directory is keyed by a hash of the fragment, the source version
# and the compiler, so editing uml.config or upgrading either rebuilds in a
# fresh directory and an old build is simply reused.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

src=$(kernel_source)
fragment=$CKREMM_ROOT/tools/vm/uml.config
key=$( { cat "$fragment"; source_version "$src"; gcc --version | head -n1; } |
	sha256sum | cut -c1-16)
out=$CKREMM_CACHE/uml-$key

# Two runs at once (make run beside make check) wait for one build.
mkdir -p "$CKREMM_CACHE"
exec 9>"$out.lock"
flock 9

# A build that finished leaves this stamp; anything else is rebuilt.
if [[ -f $out/.ckremm-built ]]; then
	echo "$out"
	exit 0
fi

mkdir -p "$out"
kmake() {
	# Kernel output goes to stderr so that stdout ends with the build dir.
	make -C "$src" O="$out" ARCH=um "$@" >&2
}

# Start from the fragment alone; olddefconfig gives every other option its
# default, exactly as kunit.py does.
grep -E '^(CONFIG_|# CONFIG_.* is not set$)' "$fragment" >"$out/.config"
kmake olddefconfig

# Kconfig silently drops options whose dependencies are not met: check that
# every line of the fragment survived.
missing=0
while IFS= read -r line; do
	if [[ $line =~ ^CONFIG_ ]] || [[ $line =~ ^#\ CONFIG_.*\ is\ not\ set$ ]]; then
		if ! grep -qxF -- "$line" "$out/.config"; then
			echo "uml-kernel: '$line' did not take effect" >&2
			missing=1
		fi
	fi
done <"$fragment"
if ((missing)); then
	echo "uml-kernel: fix $fragment (see $out/.config)" >&2
	exit 1
fi

start=$SECONDS
# The default target builds vmlinux, the "linux" executable and modules.
kmake -j"$(nproc)"
# modules_prepare is implied by the full build, but ask for it explicitly so
# that M= builds find everything they need even if targets change.
kmake modules_prepare
echo "uml-kernel: built in $((SECONDS - start)) s" >&2
touch "$out/.ckremm-built"
# Builds for older fragments or sources are 350 MB each and never used
# again by this checkout.
find "$CKREMM_CACHE" -maxdepth 1 -name 'uml-*' ! -path "$out" ! -path "$out.lock" \
	-exec rm -rf {} + >&2
echo "$out"
