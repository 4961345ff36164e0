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

# The UML kernel has LZ4 built in, so the module has its codec and
# dev_test's store cases run here rather than skip, as on Debian's kernels.
uml_device_stage dev-uml "$CKREMM_ROOT/tools/build/dev_test" dev_test \
	'check "the module has its LZ4 codec" grep -q " ckremm_codec_lz4" /proc/kallsyms'
