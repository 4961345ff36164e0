# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh disable=SC2034,SC2154 # counters and $planned are the sourcing script's
#
# TAP for the guest's shell tests (ckremmctl_test.sh, debugfs_test.sh,
# trace_test.sh), sourced
# after the script has made its scratch directory $TMP.  Each check is a
# shell condition followed by "ok NAME", which reports the condition's
# status; the script ends with "tap_end NAME", which prints
# "NAME: N passed, M failed" and fails unless all $planned checks ran and
# passed (a check added or lost without the plan following counts as one
# failure).

n=0
passed=0
failed=0

# ok NAME: one TAP result, from the status of the condition just before;
# a failure shows the files the checks compared (those in $TMP).
ok() {
	result=$?
	n=$((n + 1))
	if [ "$result" -eq 0 ]; then
		echo "ok $n - $1"
		passed=$((passed + 1))
	else
		echo "not ok $n - $1"
		for f in "$TMP"/*; do
			[ -f "$f" ] || continue
			echo "# ${f##*/}:"
			sed 's/^/#   /' "$f"
		done
		failed=$((failed + 1))
	fi
}

tap_end() {
	if [ "$n" -ne "$planned" ]; then
		echo "# ran $n checks, planned $planned"
		failed=$((failed + 1))
	fi
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
