#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# End-to-end test of /dev/ckremm under user-mode Linux (KASAN, UBSAN,
# lockdep): load ckremm.ko, check the device node, run tools' dev_test,
# unload, and check the kernel log.
#
#   tools/vm/dev-uml.sh     -> last line "dev-uml: N passed, M failed"
#
# N and M count dev_test's TAP results and the guest's own checks (module
# loads, node is a 0600 char device, dev_test exits 0, module unloads); M
# also counts one for a kernel report or a guest that did not finish.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

kdir=$("$CKREMM_ROOT/tools/vm/uml-kernel.sh" | tail -n1)
build=$CKREMM_CACHE/build-uml
logs=$CKREMM_CACHE/logs
mkdir -p "$logs"
console=$logs/dev-uml.console.log

"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$build" ARCH=um
# The guest runs the host's dynamically linked build straight from the
# checkout: hostfs shows it the host's libraries.
make -C "$CKREMM_ROOT/tools"
dev_test=$CKREMM_ROOT/tools/build/dev_test

commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
dev_test_commands "$build/ckremm.ko" "$dev_test" >"$commands"

extra_failed=0
vm_status=0
"$CKREMM_ROOT/tools/vm/uml-run.sh" "$kdir" "$commands" "$console" || vm_status=$?
if ((vm_status != 0)); then
	echo "dev-uml: the guest failed (status $vm_status)" >&2
	extra_failed=$((extra_failed + 1))
fi
"$CKREMM_ROOT/tools/vm/logcheck.sh" "$console" || extra_failed=$((extra_failed + 1))

read -r passed failed < <(dev_test_counts "$console")
if ((passed + failed == 0)); then
	echo "dev-uml: no test ran" >&2
	extra_failed=$((extra_failed + 1))
fi
failed=$((failed + extra_failed))
echo "dev-uml: $passed passed, $failed failed"
((failed == 0))
