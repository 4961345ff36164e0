#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The sh -c strings expand in the inner shell, as meant.
# shellcheck disable=SC2016
#
# What an administrator does with ckremm's Debian packages, run as root
# inside a booted Debian 12 (tools/vm/admin-qemu.sh): install them with apt,
# load the module, let a user of the ckremm group use it and keep everyone
# else out, read the man page, build a program against libckremm, build and
# install a module of one's own against the installed ckremm (the sample in
# /usr/src/ckremm-<version>, the Module.symvers DKMS kept) and have modprobe
# load ckremm under it, install a second kernel's headers and see DKMS
# build for it, then purge everything and find nothing left behind.  TAP on
# stdout.
#
#   admin_test.sh <dir>   <dir> holds the .deb files, the tree's VERSION, second-headers
#                         (the package name of the second kernel's headers,
#                         already downloaded into apt's cache), and
#                         second-kernel if that part is to run
set -u

dir=$1
n=0
failed=0
kver=$(uname -r)
version=$(dpkg-deb -f "$dir"/ckremm-dkms_*.deb Version)
second=$(cat "$dir/second-headers")
second_kver=${second#linux-headers-}
log=/run/admin-test.log
: >"$log"

# check <what> <command...>: one TAP result; the command's output goes to
# the log, shown after a failure.
check() {
	what=$1
	shift
	n=$((n + 1))
	if "$@" >>"$log" 2>&1; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		failed=$((failed + 1))
		tail -n 30 "$log" | sed 's/^/# /'
	fi
	: >"$log"
}

# as <user> <command...>: run a command as an ordinary user, with the
# groups the account has now.
as() {
	user=$1
	shift
	runuser -u "$user" -- "$@"
}

# Every file (and symbolic link) on the root file system but those that
# change by themselves (logs, apt's and dpkg's state, caches, home
# directories).
files() {
	find / -xdev \( -path /proc -o -path /sys -o -path /run -o -path /tmp \
		-o -path /var/log -o -path /var/cache -o -path /var/lib/apt \
		-o -path /var/lib/dpkg -o -path /var/lib/systemd -o -path /home \
		-o -path /root -o -path /var/tmp -o -path /mnt \) -prune \
		-o \( -type f -o -type l \) -print | sort
}

# The packages installed, by name, sorted.
installed_packages() {
	dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" { print $2 }' | sort
}

# kept_symvers <kernel>: the Module.symvers DKMS kept for <kernel>
# (dist/dkms-post-build.sh) has ckremm's exports, in their namespace.
kept_symvers() {
	grep -q "$(printf '\tcreate_h_pool\t.*\tCKREMM$')" \
		"/var/lib/dkms/ckremm/kernel-$1-$(uname -m)/Module.symvers"
}

# ---- install ----------------------------------------------------------------

useradd -m alice
useradd -m bob
files >/run/files-before
installed_packages >/run/packages-before
check "the packages are $version, the tree's version" test "$version" = "$(cat "$dir/VERSION")"
check "apt installs ckremm-dkms, ckremmctl, libckremm1 and libckremm-dev" \
	env DEBIAN_FRONTEND=noninteractive apt-get install -y \
	"$dir"/ckremm-dkms_*.deb "$dir"/ckremmctl_*.deb "$dir"/libckremm1_*.deb \
	"$dir"/libckremm-dev_*.deb
check "DKMS built and installed ckremm/$version for the running kernel" \
	sh -c "dkms status ckremm/$version -k $kver | grep ': installed' >/dev/null"
check "the module is where DKMS puts it, known to depmod" \
	sh -c "modinfo -n ckremm | grep -q '^/lib/modules/$kver/updates/dkms/ckremm.ko'"
check "modinfo gives the version $version" \
	sh -c "test \"\$(modinfo -F version ckremm)\" = $version"
check "DKMS signed the module with its machine key" \
	sh -c "test -s /var/lib/dkms/mok.pub && modinfo -F signer ckremm | grep -q ."
check "the package made the system group ckremm" getent group ckremm

# ---- load and use -----------------------------------------------------------

usermod -aG ckremm alice
check "modprobe ckremm loads it" modprobe ckremm
udevadm settle
check "/dev/ckremm is 0660 root:ckremm by the udev rule" \
	sh -c 'test "$(stat -c "%a %U:%G" /dev/ckremm)" = "660 root:ckremm"'
check "a user of the group creates a named pool" \
	as alice ckremmctl create alices --size 1M
check "... allocates in it" as alice ckremmctl alloc alices 4K --count 3
check "... reads its stats: 3 blocks used" \
	sh -c 'runuser -u alice -- ckremmctl stats alices | grep -Eq "^used_blocks +3$"'
check "a user outside the group cannot open the device" \
	sh -c '! runuser -u bob -- ckremmctl list 2>/run/bob.err && grep -qi "permission denied" /run/bob.err &&
		grep -q "ckremm group" /run/bob.err'
check "man ckremmctl shows the page" \
	sh -c 'MANPAGER=cat man ckremmctl | grep -q "ckremmctl - "'
check "man 4 ckremm and man 3 libckremm show theirs" \
	sh -c 'MANPAGER=cat man 4 ckremm | grep -q "CKREMM_IOC_ALLOC" &&
		MANPAGER=cat man 3 libckremm | grep -q "ckremm_pool_create"'
check "bash completion for ckremmctl is installed" \
	test -s /usr/share/bash-completion/completions/ckremmctl

# A program of the user's own, built by the user with pkg-config against
# libckremm-dev and run against the shared library, on the device.
cat >/home/alice/prog.c <<'EOF'
#include <stdio.h>
#include <ckremm/libckremm.h>

int main(void)
{
	struct ckremm_pool pool;
	int fd = ckremm_dev_open(NULL);
	__u64 block;
	char buf[6] = "";

	if (fd < 0 || ckremm_check_version(fd, NULL) ||
	    ckremm_pool_create(fd, CKREMM_KIND_TABLE, 1 << 16, NULL, 0, &pool) ||
	    ckremm_alloc(&pool, 100, &block) ||
	    ckremm_write(&pool, block, 0, "hello", 5) ||
	    ckremm_read(&pool, block, 0, buf, 5))
		return 1;
	puts(buf);
	return ckremm_dev_close(fd);
}
EOF
chown alice: /home/alice/prog.c
check "a user builds a program with pkg-config's libckremm flags" \
	as alice sh -c 'cd /home/alice && cc -Wall -Werror -o prog prog.c $(pkg-config --cflags --libs libckremm)'
check "it runs against libckremm.so.1 and talks to the device" \
	as alice sh -c 'cd /home/alice && ldd ./prog | grep -q "libckremm.so.1 => /.*lib/x86_64-linux-gnu/libckremm.so.1" &&
		test "$(./prog)" = hello'

# ---- a module of one's own --------------------------------------------------

# A driver author's module that calls the pools: the sample DKMS's source
# tree ships, built as root out of tree against the running kernel's
# headers, ckremm's headers in that tree and the Module.symvers DKMS kept
# for this kernel (dist/dkms-post-build.sh), and installed the kernel's way
# (modules_install: extra/; then depmod, which kbuild skips without the
# System.map Debian's headers lack), so that modprobe loads ckremm under
# it.  Its files go before the purge, as an administrator would
# remove them.
start=$(date +%s)
symvers=/var/lib/dkms/ckremm/kernel-$kver-$(uname -m)/Module.symvers
sample=/root/ckremm_sample
report="ckremm_sample: 64 records stored, 32 kept after compaction ([0-9]* bytes moved),"
report="$report 24 messages through a ring of 8: all checked, pools valid"
as alice ckremmctl destroy alices >>"$log" 2>&1
check "DKMS kept ckremm's Module.symvers for $kver" kept_symvers "$kver"
cp -r "/usr/src/ckremm-$version/samples/ckremm_sample" "$sample"
check "the sample builds against it and ckremm's headers in /usr/src" \
	make -C "$sample" KDIR="/lib/modules/$kver/build" CKREMM_SYMVERS="$symvers" \
	CKREMM_INCLUDE="/usr/src/ckremm-$version/include"
check "... installs into extra/, where depmod records that it needs ckremm" \
	sh -c "make -C $sample KDIR=/lib/modules/$kver/build modules_install && depmod $kver &&
		grep -qx 'extra/ckremm_sample.ko: updates/dkms/ckremm.ko' /lib/modules/$kver/modules.dep"
check "rmmod ckremm" modprobe -r ckremm
check "modprobe ckremm_sample loads ckremm under it" \
	sh -c 'modprobe ckremm_sample && lsmod | grep -Eq "^ckremm +[0-9]+ +1 +ckremm_sample\$"'
check "the sample reports its checks passed" sh -c "dmesg | grep -q '$report'"
check "modprobe -r ckremm_sample unloads it and ckremm" \
	sh -c 'modprobe -r ckremm_sample && ! lsmod | grep -Eq "^ckremm(_sample)? "'
check "the sample reports its pools destroyed" \
	sh -c 'dmesg | grep -q "ckremm_sample: pools destroyed"'
rm -rf "$sample" "/lib/modules/$kver/extra/ckremm_sample.ko"
rmdir "/lib/modules/$kver/extra" 2>/dev/null
check "the sample's files removed, depmod forgets it" \
	sh -c "depmod $kver && ! modinfo ckremm_sample"
echo "# a module of one's own: $(($(date +%s) - start)) s"

# ---- a second kernel --------------------------------------------------------

# Only when asked (<dir>/second-kernel exists: make check-dkms).  The 6.12
# headers depend on that kernel's image, so apt installs it too, and most
# of the time goes to unpacking it and to depmod, not to DKMS.  INITRD=No,
# which /etc/kernel/postinst.d/initramfs-tools honours, spares making an
# initramfs for a kernel this machine never boots: under emulation that
# took longer than all the rest.  DKMS's hook runs before it either way.
if [ -e "$dir/second-kernel" ]; then
	start=$(date +%s)
	check "installing $second builds the module for it" \
		env DEBIAN_FRONTEND=noninteractive INITRD=No apt-get install -y \
		--no-download --no-install-recommends "$second"
	# That kernel compresses its modules (ckremm.ko.xz): modinfo -k
	# finds the module whatever its suffix.
	check "DKMS installed ckremm/$version for $second_kver" \
		sh -c "dkms status ckremm/$version -k $second_kver | grep ': installed' >/dev/null &&
			modinfo -k $second_kver -n ckremm | grep -q '^/lib/modules/$second_kver/updates/dkms/ckremm.ko'"
	check "that module is built for $second_kver" \
		sh -c "modinfo -k $second_kver -F vermagic ckremm | grep -q '^$second_kver '"
	check "DKMS kept ckremm's Module.symvers for $second_kver too" \
		kept_symvers "$second_kver"
	echo "# a second kernel: $(($(date +%s) - start)) s"
fi

# ---- remove -----------------------------------------------------------------

check "apt purges the four packages" \
	env DEBIAN_FRONTEND=noninteractive apt-get purge -y ckremm-dkms ckremmctl \
	libckremm1 libckremm-dev
check "no ckremm module is left for either kernel" \
	sh -c "! find /lib/modules -name 'ckremm*' | grep -q ."
check "DKMS forgot ckremm" sh -c "! dkms status | grep -q ckremm"
# The files of packages installed since the start (the second kernel's
# image, headers and build tools) are theirs: dpkg names them as packed
# (/lib/...), find as merged /usr has them (/usr/lib/...).  So are the
# files depmod made for that kernel, the links to the previous kernel
# its image leaves, and DKMS's machine key.
installed_packages >/run/packages-after
comm -13 /run/packages-before /run/packages-after | xargs -r dpkg -L |
	sed 's#^/\(bin\|sbin\|lib\|lib64\)/#/usr/\1/#' | sort -u >/run/theirs
files | comm -23 - /run/theirs |
	grep -v -e "^/usr/lib/modules/$second_kver/" -e '^/vmlinuz\.old$' \
	-e '^/initrd\.img\.old$' -e '^/var/lib/dkms/mok\.' >/run/files-after
check "removing the packages leaves no file behind" \
	sh -c 'comm -13 /run/files-before /run/files-after >/run/files-left;
		cat /run/files-left >&2; ! test -s /run/files-left'

echo "1..$n"
echo "admin: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
