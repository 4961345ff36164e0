#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the Debian packages (ckremm-dkms, ckremmctl, libckremm1,
# libckremm-dev) from the files git tracks, with dpkg-buildpackage and
# debhelper, in a copy of the tree so that the checkout stays clean; then
# run lintian over them.
#
#   tools/dist/deb.sh   -> tools/build/deb/*.deb, lintian's report in
#                          tools/build/deb/lintian.txt
#
# Lintian's findings are printed, not fatal here: the admin stage
# (tools/vm/admin-qemu.sh) holds them to the list the README justifies.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/tools/build/deb
version=$(cat "$root/VERSION")
src=$out/src/ckremm-$version

rm -rf "$out"
mkdir -p "$src"
git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$src")
(cd "$src" && dpkg-buildpackage -b -us -uc --no-sign >"$out/build.log" 2>&1) || {
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
rm -rf "$out/src"
lintian --info --display-info "$out"/*.changes >"$out/lintian.txt" 2>&1 || true
ls "$out"/*.deb
grep -E "^[EWIXP]: " "$out/lintian.txt" || echo "lintian: no findings"
