#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fail if a kernel log holds a report from any of the kernel's detectors:
# WARN, BUG, Oops, panic, KASAN, UBSAN, lockdep, kmemleak, hung tasks, RCU
# stalls.  Whatever the tests printed, such a log fails the run.
#
#   tools/vm/logcheck.sh <log>
set -euo pipefail

if (($# != 1)); then
	echo "usage: $0 <log>" >&2
	exit 2
fi
log=$1

# Each pattern is the fixed start of a report as the kernel prints it.
# KASAN and UBSAN are matched with their colon so that a KUnit case whose
# name merely mentions them does not count.
patterns=(
	'WARNING:'
	'BUG:'
	'kernel BUG'
	'Oops'
	'Kernel panic'
	'cut here'
	'Call Trace:'
	'KASAN:'
	'UBSAN:'
	'general protection fault'
	'Unable to handle'
	'possible circular locking'
	'possible recursive locking'
	'inconsistent lock state'
	'suspicious RCU usage'
	'lockdep is turned off'
	'DEBUG_LOCKS_WARN_ON'
	'unreferenced object'
	'kmemleak:'
	'blocked for more than'
	'self-detected stall'
	'detected stalls'
	'list_add corruption'
	'list_del corruption'
)
regex=$(IFS='|'; echo "${patterns[*]}")

# Not reports: ckremm's own rate-limited misuse messages ("ckremm: h_pool:
# ...", which a test may provoke on purpose) and KTAP result lines, whose
# text is a test's name.  Lines carry grep's "N:" prefix here.
ignore='^[0-9]+:(.*\] )?ckremm: [a-z_]+: |^[0-9]+:[[:space:]]*(\[[ 0-9.]+\][[:space:]]*)?(not )?ok [0-9]+ '
# Nor kmemleak's own notices that it is running; its reports ("unreferenced
# object", "new suspected memory leaks") still count.
ignore+='|^[0-9]+:(.*\] )?kmemleak: (Kernel memory leak detector initialized|Automatic memory scanning thread (started|ended))'

if [[ ! -s $log ]]; then
	echo "logcheck: $log is missing or empty" >&2
	exit 1
fi
hits=$(grep -n -E -- "$regex" "$log" | grep -v -E -- "$ignore" || true)
if [[ -n $hits ]]; then
	echo "logcheck: kernel reports in $log:" >&2
	head -n 60 <<<"$hits" >&2
	exit 1
fi
echo "logcheck: $log is clean"
