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

# The hostfs root is read-only: the script keeps its scratch files in /run.
uml_device_stage cli-uml \
	"env TMPDIR=/run sh $CKREMM_ROOT/tools/tests/dev/ckremmctl_test.sh $CKREMM_ROOT/tools/build/ckremmctl" \
	ckremmctl_test.sh
