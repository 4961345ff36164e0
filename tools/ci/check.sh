#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Every test of the project, in order of cost: host tests, style gates,
# the pools' tests on two emulated boards (tools/mcu), KUnit under UML,
# /dev/ckremm under UML, /dev/ckremm on Debian's kernel under QEMU (also
# with its memory run out).  A failed stage does not stop the others.
#
#   tools/ci/check.sh   (make check)
#
# Each stage ends with "<stage>: N passed, M failed"; a stage that stops
# without that line counts as one failure.  The last line is the sum,
# "N passed, M failed", and the exit status is non-zero if M > 0.  Full
# logs are kept in $CKREMM_CACHE/logs/.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/../vm/lib.sh"

cd "$CKREMM_ROOT"
logs=$CKREMM_CACHE/logs
mkdir -p "$logs"

# Nothing else can run without the packages; stop here if they fail.
if ! tools/ci/deps.sh; then
	echo "deps: could not install the test dependencies"
	echo "0 passed, 1 failed"
	exit 1
fi

stages=(map doc lib host tpool gc fuzz coverage config bench-smoke style mcu-cortex-m mcu-rv32 kunit-uml dev-uml proofs-uml cli-uml sample-uml dev-qemu pressure-qemu admin-qemu rt-qemu smp-qemu kcsan-qemu)
declare -A command=(
	[map]="make -C tools check-map"
	[doc]="make -C tools check-doc"
	[lib]="make -C tools check-lib"
	[host]="make -C tools check-host"
	[tpool]="make -C tools check-tpool"
	[gc]="make -C tools check-gc"
	[fuzz]="make -C tools/fuzz check"
	[coverage]="tools/ci/coverage.sh"
	[config]="tools/ci/config.sh"
	[bench-smoke]="make -C tools/bench smoke"
	[style]="tools/ci/style.sh"
	[mcu-cortex-m]="make -C tools/mcu check BOARD=cortex-m"
	[mcu-rv32]="make -C tools/mcu check BOARD=rv32"
	[kunit-uml]="tools/vm/kunit-uml.sh"
	[dev-uml]="tools/vm/dev-uml.sh"
	[proofs-uml]="tools/vm/proofs-uml.sh"
	[cli-uml]="tools/vm/cli-uml.sh"
	[sample-uml]="tools/vm/sample-uml.sh"
	[dev-qemu]="tools/vm/dev-qemu.sh"
	[pressure-qemu]="tools/vm/pressure-qemu.sh"
	[admin-qemu]="tools/vm/admin-qemu.sh"
	[rt-qemu]="tools/vm/rt-qemu.sh"
	[smp-qemu]="tools/vm/smp-qemu.sh"
	[kcsan-qemu]="tools/vm/kcsan-qemu.sh"
)
declare -A summary
total_passed=0
total_failed=0

for stage in "${stages[@]}"; do
	log=$logs/$stage.log
	echo "== $stage: ${command[$stage]} (log: $log)"
	start=$SECONDS
	status=0
	${command[$stage]} </dev/null >"$log" 2>&1 || status=$?
	took=$((SECONDS - start))

	line=$(tr -d '\r' <"$log" |
		grep -E "^$stage: [0-9]+ passed, [0-9]+ failed" | tail -n1 || true)
	if [[ -n $line ]]; then
		read -r passed failed < <(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' <<<"$line")
	else
		passed=0 failed=0
	fi
	# A stage that exited non-zero failed something, whatever it printed.
	if ((status != 0 && failed == 0)); then
		failed=1
	fi
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))
	summary[$stage]=$(printf '%-10s %4d passed, %3d failed  (%d s, exit %d)' \
		"$stage:" "$passed" "$failed" "$took" "$status")
	echo "${summary[$stage]}"
	if ((failed)); then
		echo "-- last lines of $log:"
		tail -n 40 "$log" | sed 's/^/   /'
	fi
done

echo "== summary"
for stage in "${stages[@]}"; do
	echo "${summary[$stage]}"
done
echo "$total_passed passed, $total_failed failed"
((total_failed == 0))
