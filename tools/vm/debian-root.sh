#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (once) a Debian 12 root file system as an administrator's machine
# would have it: systemd, udev, apt, DKMS with its build tools, man-db,
# sudo, and Debian's kernel with its headers (the ABI tools/ci/deps.sh
# installs on the host, so the same kernel dev-qemu.sh boots).  Made with
# debootstrap from Debian's archive, then packed into an ext4 image that
# the stages boot under QEMU with -snapshot, so the cached image is never
# written to.
#
#   tools/vm/debian-root.sh   -> last stdout line: the image's directory,
#                                holding root.img, vmlinuz, initrd.img and
#                                second-headers (see below)
#
# The image also holds, downloaded but not installed, the headers of a
# second kernel (the newest 6.12 of bookworm's security updates), so that a
# stage can install them with no network and see DKMS build for them; their
# package name is in <dir>/second-headers.
#
# Inside, ckremm-stage.service runs at the end of boot: it mounts the 9p
# share tagged "ckremm" on /mnt/ckremm, runs /mnt/ckremm/run.sh as root,
# its output going to /mnt/ckremm/out, writes "ckremm-vm: exit status N"
# to /mnt/ckremm/status and powers off (tools/vm/lib.sh: debian_stage).
#
# The directory is $CKREMM_CACHE/debian12-<key>, <key> hashing what goes in
# (the package lists, the kernel ABI, the service): a change elsewhere
# rebuilds nothing.  Cold, it takes about five minutes, most of it
# downloading and unpacking packages.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

mirror=${CKREMM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${CKREMM_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
abi=$(headers_abi)
[[ -n $abi ]] || { echo "no linux-headers-amd64 on the host: run tools/ci/deps.sh" >&2; exit 1; }

# debootstrap takes bookworm's own packages; the kernel comes from the
# security suite, so it is installed after sources.list names it.
base=systemd-sysv,udev,kmod,apt-utils,procps,sudo,man-db,initramfs-tools,dkms,openssl,libc6-dev,pkgconf
kernel="linux-image-$abi linux-headers-$abi"

# The guest's side of debian_stage: run the share's run.sh, keep its
# output and status there, power off whatever happens.
stage_service() {
	cat <<'EOF'
[Unit]
Description=ckremm stage: run /mnt/ckremm/run.sh from the host, then power off
After=multi-user.target
ConditionKernelCommandLine=ckremm.stage=1

[Service]
Type=oneshot
StandardOutput=journal+console
StandardError=journal+console
ExecStart=/usr/local/sbin/ckremm-stage
ExecStopPost=/bin/systemctl --no-block poweroff

[Install]
WantedBy=multi-user.target
EOF
}

stage_runner() {
	cat <<'EOF'
#!/bin/sh
# Run the host's script from the 9p share; its status goes back there.
mkdir -p /mnt/ckremm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 ckremm /mnt/ckremm || exit 1
status=0
sh /mnt/ckremm/run.sh >/mnt/ckremm/out 2>&1 || status=$?
echo "ckremm-vm: exit status $status" >/mnt/ckremm/status
sync
EOF
}

main_build() {
	local tmp=$1 root=$1/root second

	debootstrap --variant=minbase --include="$base" bookworm "$root" "$mirror" >&2
	cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
	# man-db rebuilds its index on every package install, which costs
	# minutes under emulation; man finds pages without it.
	echo 'man-db man-db/auto-update boolean false' | chroot "$root" debconf-set-selections
	rm -f "$root/var/lib/man-db/auto-update"
	chroot "$root" apt-get update -qq >&2
	# shellcheck disable=SC2086 # two package names
	DEBIAN_FRONTEND=noninteractive chroot "$root" \
		apt-get install -y -qq --no-install-recommends $kernel >&2
	second=$(chroot "$root" apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		cut -d' ' -f1 | sort -V | tail -n1)
	[[ -n $second ]] || { echo "no 6.12 headers in bookworm-security" >&2; return 1; }
	DEBIAN_FRONTEND=noninteractive chroot "$root" \
		apt-get install -y -qq --no-install-recommends --download-only "$second" >&2
	echo "$second" >"$tmp/second-headers"

	echo ckremm-guest >"$root/etc/hostname"
	echo '/dev/vda / ext4 defaults 0 1' >"$root/etc/fstab"
	stage_service >"$root/etc/systemd/system/ckremm-stage.service"
	stage_runner >"$root/usr/local/sbin/ckremm-stage"
	chmod 755 "$root/usr/local/sbin/ckremm-stage"
	chroot "$root" systemctl enable ckremm-stage.service >&2
	# Nothing should start work of its own while a stage runs.
	chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer \
		man-db.timer e2scrub_all.timer fstrim.timer >&2

	cp "$root/boot/vmlinuz-$abi" "$tmp/vmlinuz"
	cp "$root/boot/initrd.img-$abi" "$tmp/initrd.img"
	mkfs.ext4 -q -L ckremm-root -d "$root" "$tmp/root.img" 6G
	rm -rf "$root"
}

key=$( {
	echo "$base $kernel $mirror $security"
	stage_service
	stage_runner
	declare -f main_build
} | sha256sum | cut -c1-16)
dir=$CKREMM_CACHE/debian12-$key

if [[ ! -e $dir/.ckremm-built ]]; then
	for tool in debootstrap mkfs.ext4; do
		command -v "$tool" >/dev/null ||
			{ echo "missing $tool: run tools/ci/deps.sh" >&2; exit 1; }
	done
	mkdir -p "$CKREMM_CACHE"
	exec {lock}>"$CKREMM_CACHE/.debian12.lock"
	flock "$lock"
	if [[ ! -e $dir/.ckremm-built ]]; then
		echo "building the Debian 12 root in $dir (a few minutes)" >&2
		start=$SECONDS
		tmp=$(mktemp -d "$CKREMM_CACHE/.debian12.XXXXXX")
		main_build "$tmp"
		touch "$tmp/.ckremm-built"
		rm -rf "$CKREMM_CACHE"/debian12-*
		mv "$tmp" "$dir"
		echo "built the Debian 12 root in $((SECONDS - start)) s" >&2
	fi
	exec {lock}>&-
fi
echo "$dir"
