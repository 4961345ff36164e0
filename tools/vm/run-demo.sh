#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make run: boot user-mode Linux with ckremm loaded and show a header pool
# being fragmented and defragmented with ckremmctl.
#
#   tools/vm/run-demo.sh
#
# The first run builds the UML kernel (several minutes).  The kernel log is
# limited to warnings and errors so the demonstration stays readable; the
# whole console is kept in $CKREMM_CACHE/logs/run-demo.console.log.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

echo "run-demo: preparing the UML kernel (built once, then reused)" >&2
kdir=$("$CKREMM_ROOT/tools/vm/uml-kernel.sh" | tail -n1)
build=$CKREMM_CACHE/build-uml
"$CKREMM_ROOT/tools/vm/build-module.sh" "$kdir" "$build" ARCH=um >&2
make -C "$CKREMM_ROOT/tools" >&2
ctl=$CKREMM_ROOT/tools/build/ckremmctl
logs=$CKREMM_CACHE/logs
mkdir -p "$logs"

commands=$(mktemp)
trap 'rm -f "$commands"' EXIT
cat >"$commands" <<EOF
ctl=$ctl
# Show each command before its output; keep going if one fails so the
# rest of the story is still told.
run() {
	echo
	echo "\\$ ckremmctl \$*"
	"\$ctl" "\$@" || echo "(exit status \$?)"
}
insmod $build/ckremm.ko
run create demo --size 1M --kind header

echo
echo "# A mixed workload: 192 blocks of assorted sizes and alignments..."
offsets=""
i=0
for round in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	for spec in 24 200 1K 64:64 3000 512:256 96:32 4K:4096 700 128:128 16K 9000:1024; do
		size=\${spec%%:*}
		align=
		[ "\$size" != "\$spec" ] && align="--align \${spec#*:}"
		off=\$("\$ctl" alloc demo \$size \$align) || continue
		offsets="\$offsets \$off"
		i=\$((i + 1))
	done
done
echo "#   allocated \$i blocks"

echo "# ...then free two of every three, leaving runs of free neighbours"
echo "# and used blocks pinned between them."
n=0
to_free=""
for off in \$offsets; do
	[ \$((n % 3)) -ne 2 ] && to_free="\$to_free \$off"
	n=\$((n + 1))
done
run free demo \$to_free

run stats demo
run map demo
run reorder demo
run map demo
run stats demo
run validate demo
run destroy demo
rmmod ckremm
EOF

status=0
CKREMM_UML_APPEND="loglevel=5" "$CKREMM_ROOT/tools/vm/uml-run.sh" \
	"$kdir" "$commands" "$logs/run-demo.console.log" || status=$?
"$CKREMM_ROOT/tools/vm/logcheck.sh" "$logs/run-demo.console.log" >&2 || status=1
exit "$status"
