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

src=$(kernel_source)
kdir=$("$CKREMM_ROOT/tools/vm/kernel.sh" uml | tail -n1)
build=$CKREMM_CACHE/build-uml
logs=$CKREMM_CACHE/logs
mkdir -p "$logs"
console=$logs/kunit-uml.console.log
parsed=$logs/kunit-uml.parsed.log

"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$build" ARCH=um
if [[ ! -f $build/ckremm_kunit.ko ]]; then
	echo "kunit-uml: $build/ckremm_kunit.ko was not built (is CONFIG_KUNIT set?)" >&2
	echo "kunit-uml: 0 passed, 1 failed"
	exit 1
fi

# Unloading too: KASAN and lockdep then also see the module's exit paths.
commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
cat >"$commands" <<EOF
insmod $build/ckremm.ko
insmod $build/ckremm_kunit.ko
rmmod ckremm_kunit
rmmod ckremm
EOF

extra_failed=0
vm_status=0
"$CKREMM_ROOT/tools/vm/uml-run.sh" "$kdir" "$commands" "$console" || vm_status=$?
if ((vm_status != 0)); then
	echo "kunit-uml: the guest failed (status $vm_status)" >&2
	extra_failed=$((extra_failed + 1))
fi
"$CKREMM_ROOT/tools/vm/logcheck.sh" "$console" || extra_failed=$((extra_failed + 1))

# The kernel prints an empty KTAP plan for its built-in suites at boot;
# parse only what follows init's first line, i.e. the module's suites.
sed -n '/^ckremm-vm: start/,$p' "$console" |
	python3 "$src/tools/testing/kunit/kunit.py" parse >"$parsed" 2>&1 || true
cat "$parsed"

# "Testing complete. Ran 12 tests: passed: 11, failed: 1"
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$parsed" | grep 'Testing complete' | tail -n1 || true)
count() {
	local n
	n=$(sed -n "s/.*[ ,]$1: \([0-9]*\).*/\1/p" <<<"$summary" | head -n1)
	echo "${n:-0}"
}
passed=$(($(count passed) + $(count skipped)))
failed=$(($(count failed) + $(count crashed)))
errors=$(count errors)
if ((errors > 0)); then
	echo "kunit-uml: kunit.py reported $errors parse errors" >&2
	extra_failed=$((extra_failed + 1))
fi
if ((passed + failed == 0)); then
	echo "kunit-uml: no KUnit test ran" >&2
	extra_failed=$((extra_failed + 1))
fi

failed=$((failed + extra_failed))
echo "kunit-uml: $passed passed, $failed failed"
((failed == 0))
