#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot a user-mode Linux kernel on the host's root (hostfs, read-only), run a
# sh fragment as part of init, power off.
#
#   tools/vm/uml-run.sh <uml build dir> <commands.sh> <log>
#
# The fragment runs under busybox sh (with set -e) with /proc, /sys, /dev and
# debugfs mounted, every busybox applet first in PATH, and a tmpfs on /run
# as the only writable place (TMPDIR=/run).  The guest sees the host's
# files at the same paths, so build outputs are used where they are.  Its
# output and the kernel log go to the console, shown live and saved in
# <log>.  The exit status is the fragment's; 124 if the guest hung and 125
# if it died before the fragment finished (panic, oops in init).
# CKREMM_UML_APPEND adds kernel parameters (e.g. loglevel=5).
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

if (($# != 3)); then
	echo "usage: $0 <uml build dir> <commands.sh> <log>" >&2
	exit 2
fi
kdir=$1
commands=$2
log=$3
timeout_s=${CKREMM_VM_TIMEOUT:-300}

# UML keeps a pid file per instance under uml_dir/umid; a guest that panics
# never removes it, so we do.
rundir=$CKREMM_CACHE/run
umid=ckremm-$$
mkdir -p "$rundir"
init=$(mktemp "$rundir/init.XXXXXX")
trap 'rm -rf "$init" "${rundir:?}/$umid"' EXIT
chmod 755 "$init"

guest_init "$commands" >"$init"

# No stdin in CI: con0 reads from the null channel and writes to our
# stdout; the other consoles and serial lines are null too.  UML's stdout
# is a pipe of its own (tee): UML makes its fds non-blocking, which would
# otherwise leak into the caller's terminal.
read -ra append <<<"${CKREMM_UML_APPEND:-}"
start=$SECONDS
set +e
timeout -k 10 "$timeout_s" "$kdir/linux" mem=512M \
	root=/dev/root rootfstype=hostfs rootflags=/ ro \
	con0=null,fd:1 con=null ssl=null \
	uml_dir="$rundir" umid="$umid" \
	init="$init" "${append[@]}" </dev/null 2>&1 | tee "$log"
vm_status=${PIPESTATUS[0]}
set -e
echo "uml-run: guest ran $((SECONDS - start)) s" >&2

if ((vm_status == 124)); then
	echo "uml-run: timed out after ${timeout_s} s" >&2
	exit 124
fi
status=$(guest_status "$log")
if [[ -z $status ]]; then
	echo "uml-run: the guest stopped before the commands finished" >&2
	exit 125
fi
exit "$status"
