#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# samples/ckremm_sample and debugfs under user-mode Linux (KASAN, UBSAN,
# lockdep): build the sample out of tree against the ckremm.ko built for
# the UML kernel (its Module.symvers), load ckremm and then the sample,
# check the sample's report and that ckremm cannot be unloaded under it,
# run tools/tests/dev/debugfs_test.sh (the sample's pools and pools made
# with ckremmctl, in /sys/kernel/debug/ckremm/) and
# tools/tests/dev/trace_test.sh (the pools' trace events read back through
# tracefs), unload both, and check the kernel log.
#
#   tools/vm/sample-uml.sh     -> last line "sample-uml: N passed, M failed"
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

stage="sample-uml"
records=64
slots=8
kdir=$("$CKREMM_ROOT/tools/vm/kernel.sh" uml | tail -n1)
build=$CKREMM_CACHE/build-uml
sample=$CKREMM_CACHE/build-sample-uml

"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$build" ARCH=um
"$CKREMM_ROOT/tools/vm/build-sample.sh" "$kdir" "$build" "$sample" ARCH=um
make -C "$CKREMM_ROOT/tools"

report="ckremm_sample: $records records stored, $((records / 2)) kept after compaction"
report="$report ([0-9]* bytes moved), $((3 * slots)) messages through a ring of $slots:"
report="$report all checked, pools valid"
commands=$(mktemp)
cat >"$commands" <<EOF
check "insmod ckremm.ko" insmod $build/ckremm.ko
check "insmod ckremm_sample.ko" insmod $sample/ckremm_sample.ko records=$records ring_slots=$slots
check "the sample reports its checks passed" sh -c 'dmesg | grep -q "$report"'
check "rmmod ckremm is refused while the sample uses it" sh -c '! rmmod ckremm 2>/dev/null'
check "ckremm is still loaded" test -c /dev/ckremm
run_tap debugfs_test sh $CKREMM_ROOT/tools/tests/dev/debugfs_test.sh $CKREMM_ROOT/tools/build/ckremmctl $records $slots
run_tap trace_test sh $CKREMM_ROOT/tools/tests/dev/trace_test.sh $CKREMM_ROOT/tools/build/ckremmctl
check "rmmod ckremm_sample" rmmod ckremm_sample
check "the sample reports its pools destroyed" sh -c 'dmesg | grep -q "ckremm_sample: pools destroyed"'
check "rmmod ckremm" rmmod ckremm
check "/sys/kernel/debug/ckremm is gone" test ! -e /sys/kernel/debug/ckremm
reprint debugfs_test ckremm-tap
reprint trace_test ckremm-tap
EOF
uml_guest_end "$stage" "$kdir" "$commands"
