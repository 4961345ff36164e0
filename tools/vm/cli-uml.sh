#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ckremmctl against /dev/ckremm under user-mode Linux (KASAN, UBSAN,
# lockdep): load ckremm.ko, run every verb through
# tools/tests/dev/ckremmctl_test.sh, unload, and check the kernel log.
#
#   tools/vm/cli-uml.sh     -> last line "cli-uml: N passed, M failed"
#
# N and M count the script's TAP results and the guest's own checks (module
# loads, node is a 0600 char device, the script exits 0, module unloads); M
# also counts one for a kernel report or a guest that did not finish.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

kdir=$("$CKREMM_ROOT/tools/vm/uml-kernel.sh" | tail -n1)
build=$CKREMM_CACHE/build-uml
logs=$CKREMM_CACHE/logs
mkdir -p "$logs"
console=$logs/cli-uml.console.log

"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$build" ARCH=um
# The guest runs the host's dynamically linked build straight from the
# checkout: hostfs shows it the host's libraries.
make -C "$CKREMM_ROOT/tools"
# The hostfs root is read-only: the script keeps its scratch files in /run.
cli_test="env TMPDIR=/run sh $CKREMM_ROOT/tools/tests/dev/ckremmctl_test.sh $CKREMM_ROOT/tools/build/ckremmctl"

commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
dev_test_commands "$build/ckremm.ko" "$cli_test" ckremmctl_test.sh >"$commands"

extra_failed=0
vm_status=0
"$CKREMM_ROOT/tools/vm/uml-run.sh" "$kdir" "$commands" "$console" || vm_status=$?
if ((vm_status != 0)); then
	echo "cli-uml: the guest failed (status $vm_status)" >&2
	extra_failed=$((extra_failed + 1))
fi
"$CKREMM_ROOT/tools/vm/logcheck.sh" "$console" || extra_failed=$((extra_failed + 1))

read -r passed failed < <(dev_test_counts "$console")
if ((passed + failed == 0)); then
	echo "cli-uml: no test ran" >&2
	extra_failed=$((extra_failed + 1))
fi
failed=$((failed + extra_failed))
echo "cli-uml: $passed passed, $failed failed"
((failed == 0))
