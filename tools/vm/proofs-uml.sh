#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The userspace proofs over /dev/ckremm under user-mode Linux (KASAN,
# UBSAN, lockdep): load ckremm.ko, run tools/tests/dev/proofs.sh (several
# processes sharing pools of both kinds, the ioctl fuzzer, hostile users),
# unload, and check the kernel log.
#
#   tools/vm/proofs-uml.sh     -> last line "proofs-uml: N passed, M failed"
#
# N and M count proofs.sh's TAP results and the guest's own checks (module
# loads, node is a 0600 char device, proofs.sh exits 0, module unloads); M
# also counts one for a kernel report or a guest that did not finish.  The
# UML kernel has no memory cgroups, so the memcg case does not run here.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

uml_device_stage proofs-uml \
	"sh $CKREMM_ROOT/tools/tests/dev/proofs.sh $CKREMM_ROOT/tools/build" \
	proofs.sh
