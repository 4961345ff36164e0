#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fetch Debian's PREEMPT_RT kernel for tools/vm/rt-qemu.sh: the newest
# 6.12 RT release the archive offers (what the linux-headers-6.12-rt-amd64
# metapackage points at), its headers and its image, each extracted into
# the cache rather than installed, as tools/ci/deps.sh does for the 6.1
# image:
#
#   $CKREMM_CACHE/linux-headers-<abi>/usr/src/linux-headers-<abi>  (KDIR)
#   $CKREMM_CACHE/linux-image-<abi>/boot/vmlinuz-<abi>
#
# Installing the RT headers package would install the RT image on this
# machine too (the headers depend on it); extracting keeps the host as it
# is.  Fast when both are already there: nothing is fetched and the
# package index is only refreshed when something is missing from it.
#
#   tools/ci/deps-rt.sh     -> last line of stdout: the ABI, e.g.
#                              6.12.117+deb12-rt-amd64
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/../vm/lib.sh"

export DEBIAN_FRONTEND=noninteractive
meta=linux-headers-6.12-rt-amd64

updated=0
apt_update_once() {
	if ((!updated)); then
		echo "deps-rt: refreshing the package index" >&2
		apt-get update -qq >&2
		updated=1
	fi
}

# Print "<abi> <version>" of the RT release the metapackage points at, or
# nothing if the index does not know the metapackage.
rt_release() {
	local version abi

	version=$(apt-cache policy "$meta" 2>/dev/null |
		sed -n 's/^  Candidate: \([^ ]*\)$/\1/p')
	[[ -n $version && $version != "(none)" ]] || return 0
	abi=$(apt-cache show "$meta=$version" 2>/dev/null |
		sed -n 's/^Depends:.*linux-headers-\([0-9][^ ,]*-rt-amd64\).*/\1/p' |
		head -n1)
	[[ -n $abi ]] && echo "$abi $version"
}

# Download the named packages at <version> into <dir>.
#   fetch <dir> <version> <package>...
fetch() {
	local dir=$1 version=$2 p
	shift 2

	mkdir -p "$dir"
	# apt-get download runs as _apt where it can; let it write here.
	chmod 0777 "$dir"
	for p in "$@"; do
		rm -f "$dir/${p}"_*.deb
		(cd "$dir" && apt-get download -qq "$p=$version" >&2) || return 1
	done
}

# Extract the headers and the image of <abi> at <version> into the cache,
# unless they are there already; fails if a package cannot be fetched.
#   ensure <abi> <version>
ensure() {
	local abi=$1 version=$2
	local headers_dir=$CKREMM_CACHE/linux-headers-$1
	local image_dir=$CKREMM_CACHE/linux-image-$1
	local debs=$CKREMM_CACHE/debs-rt
	local kbuild common p pkgs

	if [[ $(cat "$headers_dir/.ckremm-version" 2>/dev/null) != "$version" ]]; then
		# The arch-specific headers, the shared half they include and
		# the kbuild scripts and host programs both link to.
		kbuild=$(apt-cache show "linux-headers-$abi=$version" 2>/dev/null |
			sed -n 's/^Depends:.*\(linux-kbuild-[0-9][^ ,]*\).*/\1/p' | head -n1)
		common=$(apt-cache show "linux-headers-$abi=$version" 2>/dev/null |
			sed -n 's/^Depends:.*\(linux-headers-[0-9][^ ,]*-common-rt\).*/\1/p' |
			head -n1)
		[[ -n $kbuild && -n $common ]] || return 1
		pkgs=("linux-headers-$abi" "$common" "$kbuild")
		fetch "$debs" "$version" "${pkgs[@]}" || return 1
		rm -rf "$headers_dir"
		for p in "${pkgs[@]}"; do
			dpkg -x "$debs/${p}"_*.deb "$headers_dir" || return 1
			rm -f "$debs/${p}"_*.deb
		done
		# The arch half includes the common half by its installed,
		# absolute path; point it at the extracted copy.  Every other
		# link in the three packages is relative.
		sed -i "s|^include /usr/src/|include $headers_dir/usr/src/|" \
			"$headers_dir/usr/src/linux-headers-$abi/Makefile" || return 1
		echo "$version" >"$headers_dir/.ckremm-version"
		echo "deps-rt: extracted linux-headers-$abi $version into $headers_dir" >&2
	fi

	if [[ $(cat "$image_dir/.ckremm-version" 2>/dev/null) != "$version" ]]; then
		fetch "$debs" "$version" "linux-image-$abi" || return 1
		rm -rf "$image_dir"
		dpkg -x "$debs/linux-image-${abi}"_*.deb "$image_dir" || return 1
		rm -f "$debs/linux-image-${abi}"_*.deb
		echo "$version" >"$image_dir/.ckremm-version"
		echo "deps-rt: extracted linux-image-$abi $version into $image_dir" >&2
	fi
}

# What the extracted kbuild programs need that tools/ci/deps.sh does not
# install: pahole generates the BTF of modules built against a kernel with
# CONFIG_DEBUG_INFO_BTF_MODULES (its vmlinux comes with the headers).
if ! dpkg-query -W -f='${Status}' pahole 2>/dev/null | grep -q 'install ok installed'; then
	echo "deps-rt: installing pahole" >&2
	apt-get install -y -qq --no-install-recommends pahole >&2 || {
		apt_update_once
		apt-get install -y -qq --no-install-recommends pahole >&2
	}
fi

mkdir -p "$CKREMM_CACHE"
# One fetch at a time; the others wait and then find it done.
exec {lock}>"$CKREMM_CACHE/.deps-rt.lock"
flock "$lock"

release=$(rt_release)
# shellcheck disable=SC2086 # "<abi> <version>"
if [[ -z $release ]] || ! ensure $release; then
	# The index may be stale, or the archive may have moved on to a new
	# release and dropped the old one: refresh and take the current one.
	apt_update_once
	release=$(rt_release)
	if [[ -z $release ]]; then
		echo "deps-rt: the package index offers no $meta" >&2
		exit 1
	fi
	# shellcheck disable=SC2086 # "<abi> <version>"
	ensure $release
fi
read -r abi version <<<"$release"
kdir=$CKREMM_CACHE/linux-headers-$abi/usr/src/linux-headers-$abi
image_dir=$CKREMM_CACHE/linux-image-$abi

for f in "$kdir/Makefile" "$kdir/.config" "$image_dir/boot/vmlinuz-$abi"; do
	if [[ ! -e $f ]]; then
		echo "deps-rt: missing $f after extraction" >&2
		exit 1
	fi
done
echo "deps-rt: ok (Debian PREEMPT_RT kernel $abi $version)" >&2
echo "$abi"
