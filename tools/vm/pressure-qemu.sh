#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# /dev/ckremm when memory runs out, on Debian's own distribution kernel (as
# tools/vm/dev-qemu.sh boots it: the 6.1 image tools/ci/deps.sh fetched,
# the module built against Debian's headers, a busybox initramfs, two
# emulated CPUs) in a guest of only 256 MiB.  In the guest: load ckremm.ko
# with a quota no user reaches, make /dev/ckremm mode 0666, run
# tools/tests/dev/pressure_test (a root bystander holds 48 MiB while four
# unprivileged users create pools of up to 64 MiB until CREATE refuses
# them), unload.  Every refusal must be ENOMEM and the OOM killer must
# never run.
#
#   tools/vm/pressure-qemu.sh    -> last line "pressure-qemu: N passed, M failed"
#
# N and M count pressure_test's TAP results and the guest's own checks; M
# also counts one for each of: a guest that did not finish, an OOM killer
# line in the console, any other kernel report (tools/vm/logcheck.sh), no
# result at all.
#
# Knobs (environment):
#   CKREMM_VM_TIMEOUT      seconds the guest may run (default 300)
#   CKREMM_MODULE_SRC      build the module from another tree of the same
#                          layout (see tools/vm/build-module.sh)
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

stage=pressure-qemu
deb61_prepare "$stage"
# The module without its debug info: the guest's memory is what the test
# measures.
ko=$(mktemp)
commands=$(mktemp)
trap 'rm -f "$ko" "$commands"' EXIT
strip --strip-debug -o "$ko" "$build/ckremm.ko"
{
	# The shell and what it starts stay out of the OOM killer's reach, so
	# that a run that wakes it still reports; pressure_test's bystander
	# and users set themselves back to 0.
	cat <<'EOF'
echo -1000 >/proc/self/oom_score_adj
echo "ckremm-vm: $(grep -E '^(MemTotal|MemAvailable):' /proc/meminfo | tr -s ' \n' ' ')"
EOF
	# A quota no user reaches; the users are unprivileged.
	dev_test_commands "/ckremm.ko max_pools_per_user=1024" \
		/ckremm-bin/pressure_test pressure_test "" \
		'check "/dev/ckremm made mode 0666" chmod 0666 /dev/ckremm'
} >"$commands"

# Small enough that four users run it out of memory in seconds, large
# enough for Debian's kernel, the initramfs and a 48 MiB bystander.
failed=0
qemu_stage "$stage" "$vmlinuz" 2 256M "${CKREMM_VM_TIMEOUT:-300}" "$commands" \
	"$ko=/ckremm.ko" "$(static_tools pressure_test)" || failed=1
console=$(console_log "$stage")
# The OOM killer's report carries a "Call Trace:" that logcheck.sh fails
# on too; this says what it was.
oom=$(tr -d '\r' <"$console" |
	grep -E '^\[ *[0-9.]+\] .*(Out of memory|oom-kill|invoked oom-killer)' || true)
if [[ -n $oom ]]; then
	echo "$stage: the OOM killer ran:" >&2
	head -n 20 <<<"$oom" >&2
	failed=$((failed + 1))
fi
read -r p f < <(guest_counts "$stage" "$console")
stage_end "$stage" "$console" "$p" $((f + failed))
