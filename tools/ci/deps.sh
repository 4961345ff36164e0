#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install what the tests need from Debian's archive, and fetch Debian's
# distribution kernel for the QEMU tests.  Fast when all is already there:
# the package index is only refreshed when something must be fetched.
#
#   tools/ci/deps.sh
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/../vm/lib.sh"

export DEBIAN_FRONTEND=noninteractive

packages=(
	# kernel trees: UML build from source, Debian's headers for its kernel
	"$CKREMM_SRC_PKG" linux-headers-amd64 libc6-dev
	bc bison flex libelf-dev libssl-dev kmod xz-utils cpio gzip
	# style checks
	perl sparse shellcheck
	# libFuzzer harnesses (clang's -fsanitize=fuzzer runtime)
	clang libclang-rt-14-dev
	# VMs; pahole for modules built against kernels that carry BTF
	pahole
	qemu-system-x86 busybox-static
	# build copies
	rsync
	# packages (make deb) and the admin stage's Debian root
	debhelper dh-dkms dpkg-dev fakeroot lintian pkgconf debootstrap e2fsprogs
	# man pages (tools/Makefile's man target, tools/tests/doc_test.sh)
	scdoc
	# the collector's benchmark peer (tools/bench, bench_gc)
	libgc-dev
	# the emulated boards (tools/mcu): Cortex-M and 32-bit RISC-V
	gcc-arm-none-eabi picolibc-arm-none-eabi qemu-system-arm
	gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc
)

updated=0
apt_update_once() {
	if ((!updated)); then
		apt-get update -qq
		updated=1
	fi
}

is_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for p in "${packages[@]}"; do
	is_installed "$p" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	apt_update_once
	# Recommends would pull in a desktop's worth of qemu and compiler extras.
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian's kernel for the QEMU tests: the image whose headers are installed,
# so that a module built against those headers loads into it.
abi=$(headers_abi)
version=$(dpkg-query -W -f='${Version}' "linux-headers-$abi")
image_dir=$CKREMM_CACHE/linux-image-$abi
stamp=$image_dir/.ckremm-version
if [[ $(cat "$stamp" 2>/dev/null) != "$version" ]]; then
	debs=$CKREMM_CACHE/debs
	mkdir -p "$debs"
	rm -f "$debs"/linux-image-"$abi"_*.deb
	# apt-get download runs as _apt where it can; let it write here.
	chmod 0777 "$debs"
	fetch() { (cd "$debs" && apt-get download -qq "linux-image-$abi=$version"); }
	if ! fetch; then
		# The index may be stale, or the archive may have moved on to a
		# new ABI: refresh, take the current headers, fetch their image.
		apt_update_once
		if ! fetch; then
			apt-get install -y -qq --no-install-recommends linux-headers-amd64
			abi=$(headers_abi)
			version=$(dpkg-query -W -f='${Version}' "linux-headers-$abi")
			image_dir=$CKREMM_CACHE/linux-image-$abi
			stamp=$image_dir/.ckremm-version
			fetch
		fi
	fi
	rm -rf "$image_dir"
	dpkg -x "$debs"/linux-image-"$abi"_*.deb "$image_dir"
	echo "$version" >"$stamp"
	echo "deps: extracted linux-image-$abi $version into $image_dir"
fi

echo "deps: ok (Debian kernel $abi $version)"
