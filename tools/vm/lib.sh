# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Helpers shared by the VM and CI scripts; sourced, never run.
#
# Everything built or downloaded lives under $CKREMM_CACHE so that the
# checkout stays exactly as git left it.

CKREMM_CACHE=${CKREMM_CACHE:-/var/cache/ckremm}
export CKREMM_CACHE
# The checkout this copy of the scripts belongs to.
# shellcheck disable=SC2034 # used by the scripts that source this file
CKREMM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CKREMM_SRC_PKG=linux-source-6.12

# Print the ABI name (e.g. 6.1.0-56-amd64) of Debian's kernel headers as
# installed through the linux-headers-amd64 metapackage, so that a new
# point release needs no edit here.  tools/ci/deps.sh fetches the image of
# the same version into $CKREMM_CACHE/linux-image-<abi>.
headers_abi() {
	dpkg-query -W -f='${Depends}' linux-headers-amd64 |
		sed -n 's/.*linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p'
}

# Print the directory of Debian's kernel source tree, extracting the
# packaged tarball into the cache the first time (or after the package was
# upgraded).  The tree is then used read-only: kernels are built with O=.
kernel_source() {
	local tarball=/usr/src/$CKREMM_SRC_PKG.tar.xz
	local dir=$CKREMM_CACHE/$CKREMM_SRC_PKG
	local want have tmp lock

	# Debian's "6.12.117-1~deb12u1" is upstream 6.12.117.
	want=$(dpkg-query -W -f='${Version}' "$CKREMM_SRC_PKG" | sed 's/-[^-]*$//')
	mkdir -p "$CKREMM_CACHE"
	# One extraction at a time; the others wait and then find it done.
	exec {lock}>"$CKREMM_CACHE/.extract.lock"
	flock "$lock"
	have=$(source_version "$dir" 2>/dev/null || true)
	if [[ $have != "$want" ]]; then
		[[ -r $tarball ]] || { echo "missing $tarball: run tools/ci/deps.sh" >&2; return 1; }
		echo "extracting $tarball ($want) into $CKREMM_CACHE" >&2
		tmp=$(mktemp -d "$CKREMM_CACHE/.extract.XXXXXX")
		tar -C "$tmp" -xJf "$tarball"
		rm -rf "$dir"
		mv "$tmp/$CKREMM_SRC_PKG" "$dir"
		rmdir "$tmp"
	fi
	exec {lock}>&-
	echo "$dir"
}

# Print a guest's /init (or init=) script that runs a sh fragment under
# busybox sh with set -e, with /proc, /sys, /dev and debugfs mounted, every
# busybox applet first in PATH and a tmpfs on /run as scratch (TMPDIR).
# It prints "ckremm-vm: exit status N" when the fragment ends, then powers
# off.  Used both on a hostfs root and in an initramfs; /bin/busybox is
# Debian's busybox-static in either.  The fragment may use:
#   check <what> <command...>   runs the command, prints
#                               "ckremm-check: ok|not ok - <what>"
#   run_tap <name> <command...> runs a program that prints TAP, shown live
#                               and kept in /run/<name>.out, then checks
#                               "<name> exits 0"
#   reprint <name> <prefix>     prints /run/<name>.out again, each line
#                               prefixed "<prefix>: ", with the console
#                               quiet so that no kernel message splits a line
#   guest_init <commands.sh>
guest_init() {
	# /run rather than /tmp: under UML the guest sees the host's files, and
	# a checkout under the host's /tmp must stay visible.
	cat <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t tmpfs tmpfs /run
/bin/busybox mkdir -p /run/bin
/bin/busybox --install -s /run/bin
export PATH=/run/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/run TMPDIR=/run
grep -q '^devtmpfs /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
cd /run
check() {
	what=$1
	shift
	if "$@"; then echo "ckremm-check: ok - $what"; else echo "ckremm-check: not ok - $what"; fi
}
run_tap() {
	local name=$1
	shift
	( st=0; "$@" || st=$?; echo $st >"/run/$name.status" ) 2>&1 | tee "/run/$name.out"
	check "$name exits 0" test "$(cat "/run/$name.status")" = 0
}
reprint() {
	local loglevel
	loglevel=$(cut -f1 /proc/sys/kernel/printk)
	dmesg -n 1
	sed "s/^/$2: /" "/run/$1.out"
	dmesg -n "$loglevel"
}
echo "ckremm-vm: start"
(
set -e
EOF
	cat "$1"
	cat <<'EOF'

)
echo "ckremm-vm: exit status $?"
# Init must never exit; power off once printk has drained.
sleep 1
poweroff -f
EOF
}

# Print the fragment's exit status from a guest's console log, or nothing
# if the guest never got that far.
guest_status() {
	tr -d '\r' <"$1" | sed -n 's/^ckremm-vm: exit status \([0-9]*\)$/\1/p' | tail -n1
}

# Print VERSION.PATCHLEVEL.SUBLEVEL of a kernel tree from its Makefile.
source_version() {
	awk '/^VERSION =/ {v=$3} /^PATCHLEVEL =/ {p=$3} /^SUBLEVEL =/ {s=$3}
	     END {if (v == "") exit 1; print v "." p "." s}' "$1/Makefile"
}

# Print the last "<name>: N passed, M failed" style totals of a TAP stream
# read from stdin: counts "ok"/"not ok" lines at any indentation level of
# the top-level plan.  A plan with fewer results than announced counts the
# missing ones as failed, so a test binary that crashed half way fails.
tap_count() {
	awk '
		/^1\.\.[0-9]+/ { split($1, p, "."); plan = p[3] + 0 }
		/^ok [0-9]+/ { pass++ }
		/^not ok [0-9]+/ { fail++ }
		END {
			if (plan > pass + fail) fail += plan - pass - fail
			printf "%d %d\n", pass, fail
		}'
}

# Print the guest-side sh fragment of the /dev/ckremm end-to-end test: load
# the module, check the device node, run the test, unload.  The checks print
# "ckremm-check: ok|not ok - <what>"; the test's TAP is printed again after
# it finished, each line prefixed "ckremm-tap: " (see guest_init).
#   dev_test_commands <ckremm.ko [params]> <test command> [<name>]
#                     [<sh lines run with the module loaded, after the test>]
#                     [<sh lines in place of the check of the node's mode>]
dev_test_commands() {
	local ko=${1%% *} params='' name=${3:-dev_test}
	# shellcheck disable=SC2016 # expanded in the guest
	local mode='check "/dev/ckremm has mode 0600" test "$(stat -c %a /dev/ckremm)" = 600'

	[[ $1 != *" "* ]] || params=" ${1#* }"
	[[ -z ${5:-} ]] || mode=$5
	cat <<EOF
check "insmod ${ko##*/}$params" insmod $1
check "/dev/ckremm is a char device" test -c /dev/ckremm
$mode
run_tap $name $2
${4:-}
check "rmmod ckremm" rmmod ckremm
check "/dev/ckremm is gone" test ! -e /dev/ckremm
reprint $name ckremm-tap
EOF
}

# Print "<passed> <failed>" for the TAP of tools/tests/dev/proofs.sh that a
# guest reprinted (reprint <name> ckremm-proofs) into a console log,
# or for another program's TAP reprinted with <prefix>.  A run that printed
# no result at all counts as one failure.
#   proofs_counts <console> [<prefix>]
proofs_counts() {
	local prefix=${2:-ckremm-proofs} passed failed

	read -r passed failed < <(tr -d '\r' <"$1" | sed -n "s/^$prefix: //p" |
		tap_count)
	((passed + failed)) || failed=1
	echo "$passed $failed"
}

# Print "<passed> <failed>" for a console log of dev_test_commands: the TAP
# results of dev_test plus the guest's own checks.
dev_test_counts() {
	local tap checks
	tap=$(tr -d '\r' <"$1" | sed -n 's/^ckremm-tap: //p' | tap_count)
	checks=$(tr -d '\r' <"$1" | awk '
		/^ckremm-check: ok/ { p++ }
		/^ckremm-check: not ok/ { f++ }
		END { printf "%d %d\n", p, f }')
	echo $((${tap% *} + ${checks% *})) $((${tap#* } + ${checks#* }))
}

# Run one device-test stage under UML: build the UML kernel, the module and
# the tools, boot with the module loaded, run <test command> (see
# dev_test_commands), unload, check the kernel log, and print
# "<stage>: N passed, M failed".  Returns non-zero if anything failed.
#
#   uml_device_stage <stage> <test command> <name shown in checks>
#                    [<sh lines run with the module loaded, after the test>]
uml_device_stage() {
	local stage=$1 test=$2 name=$3 after=${4:-}
	local kdir build commands

	kdir=$("$CKREMM_ROOT/tools/vm/kernel.sh" uml | tail -n1)
	build=$CKREMM_CACHE/build-uml

	"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$build" ARCH=um
	# The guest runs the host's dynamically linked build straight from the
	# checkout: hostfs shows it the host's libraries.
	make -C "$CKREMM_ROOT/tools"

	commands=$(mktemp)
	dev_test_commands "$build/ckremm.ko" "$test" "$name" "$after" >"$commands"
	uml_guest_end "$stage" "$kdir" "$commands"
}

# Boot the UML kernel <kdir> on the sh fragment in the file <commands>
# (then removed), count its checks and TAP as guest_counts does, check the
# kernel log, and print "<stage>: N passed, M failed".  Returns non-zero
# if anything failed.
#   uml_guest_end <stage> <kdir> <commands>
uml_guest_end() {
	local stage=$1 kdir=$2 commands=$3 console passed failed vm_status=0

	console=$(console_log "$stage")
	"$CKREMM_ROOT/tools/vm/uml-run.sh" "$kdir" "$commands" "$console" ||
		vm_status=$?
	rm -f "$commands"
	read -r passed failed < <(guest_counts "$stage" "$console")
	if ((vm_status != 0)); then
		echo "$stage: the guest failed (status $vm_status)" >&2
		failed=$((failed + 1))
	fi
	stage_end "$stage" "$console" "$passed" "$failed"
}

# End a stage that cannot run: say why, count one failure, exit.
#   stage_fail <stage> <why>
stage_fail() {
	echo "$1: $2" >&2
	echo "$1: 0 passed, 1 failed"
	exit 1
}

# Print the path of <stage>'s console log under $CKREMM_CACHE/logs.
#   console_log <stage>
console_log() {
	mkdir -p "$CKREMM_CACHE/logs"
	echo "$CKREMM_CACHE/logs/$1.console.log"
}

# Count one failure more if tools/vm/logcheck.sh finds a kernel report in
# <log>, print "<stage>: N passed, M failed" and return non-zero if M > 0.
#   stage_end <stage> <log> <passed> <failed>
stage_end() {
	local failed=$4

	"$CKREMM_ROOT/tools/vm/logcheck.sh" "$2" || failed=$((failed + 1))
	echo "$1: $3 passed, $failed failed"
	((failed == 0))
}

# Before a QEMU stage: check that busybox, QEMU and the kernel tree <kdir>
# are there, build the module against <kdir> into <build>, and the static
# tools (an initramfs has no C library).  A missing piece ends the stage.
#   qemu_prepare <stage> <kdir> <build> [make args...]
qemu_prepare() {
	local stage=$1 kdir=$2 build=$3 f
	shift 3

	for f in /bin/busybox /usr/bin/qemu-system-x86_64 "$kdir/Makefile"; do
		[[ -e $f ]] || stage_fail "$stage" "missing $f: run tools/ci/deps.sh"
	done
	"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$build" "$@" >&2
	make -C "$CKREMM_ROOT/tools" static >&2
}

# For a stage on Debian's own kernel: set kdir (its headers), vmlinuz (the
# image tools/ci/deps.sh extracted) and build (where ckremm.ko is built
# against them), and prepare as qemu_prepare does.
#   deb61_prepare <stage>
deb61_prepare() {
	local stage=$1 abi

	abi=$(headers_abi)
	kdir=/usr/src/linux-headers-$abi
	vmlinuz=$CKREMM_CACHE/linux-image-$abi/boot/vmlinuz-$abi
	[[ -e $vmlinuz ]] || stage_fail "$stage" "missing $vmlinuz: run tools/ci/deps.sh"
	build=$CKREMM_CACHE/build-deb61
	qemu_prepare "$stage" "$kdir" "$build"
}

# Print "<host file>=/ckremm-bin/<name>" for the static build of each tool
# of tools/build that a <pattern> names ('*': every one), as qemu_stage
# takes files.
#   static_tools <pattern>...
static_tools() {
	local pattern f

	for pattern in "$@"; do
		for f in "$CKREMM_ROOT"/tools/build/$pattern.static; do
			[[ -e $f ]] || { echo "no static $pattern in tools/build" >&2; return 1; }
			f=${f##*/}
			echo "$CKREMM_ROOT/tools/build/$f=/ckremm-bin/${f%.static}"
		done
	done
}

# Print "<passed> <failed>" for a guest's console log: the checks and the
# TAP of dev_test_commands (device_counts), plus the TAP each <prefix>
# marks (proofs_counts), each said on stderr.
#   guest_counts <stage> <console> [<prefix>...]
guest_counts() {
	local stage=$1 console=$2 prefix passed failed p f

	read -r passed failed < <(device_counts "$stage" "$console")
	shift 2
	for prefix in "$@"; do
		read -r p f < <(proofs_counts "$console" "$prefix")
		echo "$stage: $prefix $p passed, $f failed" >&2
		passed=$((passed + p))
		failed=$((failed + f))
	done
	echo "$passed $failed"
}

# Print "<passed> <failed>" for a console log of dev_test_commands, as
# dev_test_counts does, with one failure more if nothing was counted.
#   device_counts <stage> <console>
device_counts() {
	local passed failed

	read -r passed failed < <(dev_test_counts "$2")
	if ((passed + failed == 0)); then
		echo "$1: no test ran" >&2
		failed=1
	fi
	echo "$passed $failed"
}

# Parse KUnit's KTAP output (kernel log lines, read from <ktap file>) with
# the kernel tree's kunit.py, keep its report in <parsed log> and print
# "<passed> <failed>": cases as kunit.py counts them (each parameter of a
# parameterized case is one; skipped cases pass, crashed ones fail), plus
# one failure if kunit.py met parse errors.
#   kunit_counts <ktap file> <parsed log>
kunit_counts() {
	local src summary n passed skipped failed crashed errors

	src=$(kernel_source)
	python3 "$src/tools/testing/kunit/kunit.py" parse <"$1" >"$2" 2>&1 || true
	# "Testing complete. Ran 12 tests: passed: 11, failed: 1"
	summary=$(sed 's/\x1b\[[0-9;]*m//g' "$2" | grep 'Testing complete' | tail -n1 || true)
	for n in passed skipped failed crashed errors; do
		printf -v "$n" '%s' "$(sed -n "s/.*[ ,]$n: \([0-9]*\).*/\1/p" <<<"$summary" | head -n1)"
	done
	passed=$((${passed:-0} + ${skipped:-0}))
	failed=$((${failed:-0} + ${crashed:-0} + (${errors:-0} > 0 ? 1 : 0)))
	echo "$passed $failed"
}

# Boot a QEMU stage's guest: pack an initramfs of busybox, the <files>
# and an /init around the sh fragment <commands> (see guest_init) into
# $CKREMM_CACHE/initramfs-<stage>.cpio.gz, in a stable order so that the
# same tree gives the same bytes, then boot <kernel> on it under QEMU with
# <cpus> emulated CPUs (TCG: no KVM here) and <mem> of memory, the serial
# console shown on stdout and saved in console_log <stage>; give up after
# <timeout> seconds.  Each file is <host file>=<path in the guest>.
# panic=-1 with -no-reboot turns a panic into QEMU exiting.  Returns 0 if
# the guest ran its commands to exit status 0, else says why on stderr
# and returns 1.
#   qemu_stage <stage> <kernel> <cpus> <mem> <timeout> <commands> [<files>...]
qemu_stage() {
	local stage=$1 kernel=$2 cpus=$3 mem=$4 timeout_s=$5 commands=$6
	local root=$CKREMM_CACHE/initramfs-$stage initrd=$CKREMM_CACHE/initramfs-$stage.cpio.gz
	local console start=$SECONDS vm_status status f boot
	shift 6

	console=$(console_log "$stage")
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,run}
	cp /bin/busybox "$root/bin/busybox"
	# /dev/console must exist before devtmpfs is mounted, or init starts
	# without stdio.
	mknod -m 600 "$root/dev/console" c 5 1
	for f in "$@"; do
		mkdir -p "$(dirname "$root${f#*=}")"
		cp "${f%%=*}" "$root${f#*=}"
	done
	guest_init "$commands" >"$root/init"
	chmod 755 "$root/init"
	(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --quiet) |
		gzip -9n >"$initrd"

	# A kernel that dies while it boots, before init has run a command of
	# ours (no "ckremm-vm: start"), is booted once more: Debian's kernels
	# under TCG have, rarely, oopsed in their own early code.  Its console
	# is kept beside the stage's; anything after init started counts.
	for boot in 1 2; do
		set +e
		timeout -k 10 "$timeout_s" qemu-system-x86_64 -accel tcg -smp "$cpus" -m "$mem" \
			-display none -monitor none -serial stdio -no-reboot \
			-kernel "$kernel" -initrd "$initrd" \
			-append "console=ttyS0 panic=-1 loglevel=7" </dev/null 2>&1 | tee "$console"
		vm_status=${PIPESTATUS[0]}
		set -e
		if ((boot == 2)) || grep -q 'ckremm-vm: start' "$console" ||
			[[ -n $(guest_status "$console") ]]; then
			break
		fi
		mv "$console" "$console.failed-boot"
		echo "$stage: the kernel died before init ran (kept in $console.failed-boot); booting again" >&2
	done
	echo "$stage: guest ran $((SECONDS - start)) s" >&2
	status=$(guest_status "$console")
	if ((vm_status == 124)) || [[ $status != 0 ]]; then
		echo "$stage: the guest failed (qemu $vm_status, commands ${status:-unfinished})" >&2
		return 1
	fi
}

# Boot the Debian root of tools/vm/debian-root.sh (directory <root>) under
# QEMU with <cpus> emulated CPUs and <mem> of memory, the image opened with
# -snapshot so that the cache is never written to, and the host directory
# <share> shared with the guest over 9p: the guest's ckremm-stage.service
# runs <share>/run.sh as root at the end of boot, leaving its output in
# <share>/out and "ckremm-vm: exit status N" in <share>/status, then powers
# off.  The console goes to console_log <stage>; give up after <timeout>
# seconds.  Returns 0 if run.sh ran to exit status 0, else says why on
# stderr and returns 1.
#   debian_stage <stage> <root> <share> <cpus> <mem> <timeout>
debian_stage() {
	local stage=$1 root=$2 share=$3 cpus=$4 mem=$5 timeout_s=$6
	local console start=$SECONDS vm_status status

	console=$(console_log "$stage")
	rm -f "$share/out" "$share/status"
	set +e
	timeout -k 10 "$timeout_s" qemu-system-x86_64 -accel tcg -smp "$cpus" -m "$mem" \
		-display none -monitor none -serial stdio -no-reboot -snapshot \
		-kernel "$root/vmlinuz" -initrd "$root/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 quiet ckremm.stage=1" \
		-drive "file=$root/root.img,if=virtio,format=raw" \
		-virtfs "local,path=$share,mount_tag=ckremm,security_model=none" \
		</dev/null >"$console" 2>&1
	vm_status=$?
	set -e
	echo "$stage: guest ran $((SECONDS - start)) s" >&2
	status=$(guest_status "$share/status" 2>/dev/null)
	if ((vm_status == 124)) || [[ $status != 0 ]]; then
		echo "$stage: the guest failed (qemu $vm_status, run.sh ${status:-unfinished})" >&2
		return 1
	fi
}
