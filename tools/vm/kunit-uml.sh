#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the KUnit suites under user-mode Linux with KASAN, UBSAN and lockdep:
# the suites run when ckremm_kunit.ko loads and print KTAP to the kernel
# log, which kunit.py parses.
#
#   tools/vm/kunit-uml.sh     -> last line "kunit-uml: N passed, M failed"
#
# N and M count KUnit cases as kunit.py does (each parameter of a
# parameterized case is one; skipped cases pass).  M also counts one for
# each of: a kernel report in the log, a guest that did not finish, a KTAP
# stream kunit.py could not parse, no test run at all.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

stage=kunit-uml
kdir=$("$CKREMM_ROOT/tools/vm/kernel.sh" uml | tail -n1)
build=$CKREMM_CACHE/build-uml
console=$(console_log "$stage")
ktap=$CKREMM_CACHE/logs/$stage.ktap.log
parsed=$CKREMM_CACHE/logs/$stage.parsed.log

"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$build" ARCH=um
[[ -f $build/ckremm_kunit.ko ]] ||
	stage_fail "$stage" "$build/ckremm_kunit.ko was not built (is CONFIG_KUNIT set?)"

# Unloading too: KASAN and lockdep then also see the module's exit paths.
commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
cat >"$commands" <<EOF
insmod $build/ckremm.ko
insmod $build/ckremm_kunit.ko
rmmod ckremm_kunit
rmmod ckremm
EOF

vm_status=0
"$CKREMM_ROOT/tools/vm/uml-run.sh" "$kdir" "$commands" "$console" || vm_status=$?

# The kernel prints an empty KTAP plan for its built-in suites at boot;
# parse only what follows init's first line, i.e. the module's suites.
sed -n '/^ckremm-vm: start/,$p' "$console" >"$ktap"
read -r passed failed < <(kunit_counts "$ktap" "$parsed")
cat "$parsed"
if ((passed + failed == 0)); then
	echo "$stage: no KUnit test ran" >&2
	failed=$((failed + 1))
fi
if ((vm_status != 0)); then
	echo "$stage: the guest failed (status $vm_status)" >&2
	failed=$((failed + 1))
fi
stage_end "$stage" "$console" "$passed" "$failed"
