#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The SMP stress of tools/vm/smp-qemu.sh (KUnit stress, proofs.sh,
# dev_test) on the x86-kcsan kernel of tools/vm/kernel.sh, which
# watches for data races instead of memory errors.
#
#   tools/vm/kcsan-qemu.sh    -> last line "kcsan-qemu: N passed, M failed"
#
# A KCSAN report with ckremm code (ckremm.ko or ckremm_stress.ko) in it
# fails the stage, one failure per report.  A report entirely outside
# ckremm is a race inside the kernel itself, which ckremm neither causes
# nor can fix: such reports are counted, listed in the output and kept in
# $CKREMM_CACHE/logs/kcsan-qemu.kcsan.log, and do not fail the stage, so
# that it fails only for ckremm.  Same knobs as smp-qemu.sh.
set -euo pipefail

exec "$(dirname "$0")/smp-qemu.sh" --kcsan
