#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# End-to-end test of /dev/ckremm on Debian's own distribution kernel (the
# one tools/ci/deps.sh fetched to match the installed linux-headers), booted
# under QEMU on two emulated CPUs from a busybox initramfs: dev_test, then
# conflict_test (requests of two CPUs racing for one block).
#
#   tools/vm/dev-qemu.sh    -> last line "dev-qemu: N passed, M failed"
#
# Counts as tools/vm/dev-uml.sh does, plus conflict_test's TAP results and
# a check that it exited 0.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

stage=dev-qemu
deb61_prepare "$stage"

# The fragment dev-uml.sh runs, then conflict_test with the module still
# loaded, its TAP kept apart.
commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
{
	dev_test_commands /ckremm.ko /ckremm-bin/dev_test dev_test \
		"run_tap conflict_test /ckremm-bin/conflict_test -p 3 -n 3 -t 10 -s 1"
	echo "reprint conflict_test ckremm-conflict"
} >"$commands"

# Two vCPUs, so that the module runs on an SMP kernel and conflict_test's
# requests really run at once.
failed=0
mapfile -t tools < <(static_tools dev_test conflict_test)
qemu_stage "$stage" "$vmlinuz" 2 512M "${CKREMM_VM_TIMEOUT:-300}" "$commands" \
	"$build/ckremm.ko=/ckremm.ko" "${tools[@]}" || failed=1
console=$(console_log "$stage")
read -r p f < <(guest_counts "$stage" "$console" ckremm-conflict)
stage_end "$stage" "$console" "$p" $((f + failed))
