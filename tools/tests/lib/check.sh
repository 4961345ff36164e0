# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Results for the bash test scripts that run on the host; sourced.
#   check <what> <command...>   runs the command: "ok - <what>" if it
#                               succeeds, else "not ok - <what>"
#   check_end <suite>           prints "<suite>: N passed, M failed" and
#                               fails if M > 0

passed=0
failed=0

check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		passed=$((passed + 1))
	else
		echo "not ok - $what"
		failed=$((failed + 1))
	fi
}

check_end() {
	echo "$1: $passed passed, $failed failed"
	((failed == 0))
}
