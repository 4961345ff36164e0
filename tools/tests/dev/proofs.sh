#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The userspace proofs over /dev/ckremm, run inside a guest as root with
# ckremm.ko loaded: processes sharing pools (share_stress), requests
# conflicting on one block (conflict_test), the ioctl fuzzer (ioctl_fuzz)
# and hostile users (hostile_test), merged into one TAP stream.
#
#   sh proofs.sh <bindir> [memcg]
#
# <bindir> holds the four programs (tools/build, or their .static builds
# copied without the suffix).  With "memcg", hostile_test also proves that
# a pool's memory is charged to its creator's memory cgroup (needs cgroup
# v2 with the memory controller).  Prints each program's output as TAP
# comments while it runs, then the plan "1..N" and every result,
# renumbered and prefixed with the program's name, plus one result per
# program that says it exited 0 with as many results as it planned, and
# one that says no file of /dev/ckremm is left open once all have exited.
# Exit status 0 only if every result passed.  Leaves the module loaded:
# the caller unloads it.  Arguments are sized for a slow emulated machine
# (QEMU without acceleration, KASAN): about two minutes in all.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ] || { [ $# = 2 ] && [ "$2" != memcg ]; }; then
	echo "usage: $0 <bindir> [memcg]" >&2
	exit 2
fi
bindir=$1
memcg=${2:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/proofs.XXXXXX")
results=$work/results
: >"$results"

# run <name> <args...>: run one program, keep its results.
run() {
	name=$1
	shift
	out=$work/$name.out
	echo "# proofs: $name $*"
	st=0
	"$bindir/$name" "$@" >"$out" 2>&1 || st=$?
	sed 's/^/#   /' "$out"
	# Its results, renamed; and whether it ran to its plan's end.
	awk -v name="$name" -v st="$st" -v res="$results" '
		/^1\.\.[0-9]+/ { split($1, p, "."); plan = p[3] + 0 }
		/^(not )?ok [0-9]+/ {
			n++
			ok = ($1 == "ok")
			line = $0
			sub(/^(not )?ok [0-9]+( -)? ?/, "", line)
			print (ok ? "ok" : "not ok") " - " name ": " line >> res
		}
		END {
			whole = (st == 0 && plan > 0 && n == plan)
			print (whole ? "ok" : "not ok") " - " name \
			      ": exits 0 after all " plan " planned results (status " \
			      st ", " n " results)" >> res
		}' "$out"
}

run share_stress -p 3 -n 600 -t 10 -s 1
run conflict_test -p 3 -n 3 -t 10 -s 1
run ioctl_fuzz -p 3 -n 4000 -t 20 -s 1
if [ -n "$memcg" ]; then
	run hostile_test --memcg
else
	run hostile_test
fi

# Every process above has exited: no file of the device may be left open,
# or the module could not be unloaded.
refcnt=$(cat /sys/module/ckremm/refcnt 2>/dev/null || echo missing)
if [ "$refcnt" = 0 ]; then
	echo "ok - /dev/ckremm: no file left open after every test exited (refcnt 0)" >>"$results"
else
	echo "not ok - /dev/ckremm: files left open after every test exited (refcnt $refcnt)" >>"$results"
fi

total=$(wc -l <"$results")
failed=$(grep -c '^not ok' "$results" || true)
echo "TAP version 13"
echo "1..$total"
awk '{ sub(/^ok - /, "ok " NR " - "); sub(/^not ok - /, "not ok " NR " - "); print }' \
	"$results"
echo "# proofs: $((total - failed)) passed, $failed failed"
rm -rf "$work"
[ "$failed" = 0 ]
