#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run a program built for an emulated board under QEMU: its output (over
# semihosting) on stdout, its exit status as ours.  ARGs reach its main()
# through semihosting, so a test program takes its usual options.
#
#   tools/mcu/run.sh BOARD IMAGE [ARG...]
#
# BOARD is cortex-m or rv32 (tools/mcu/boards/).  MCU_TIMEOUT (seconds,
# default 600) bounds the run: past it QEMU is killed and the status is
# 124.  MCU_QEMU_FLAGS adds QEMU options (the benchmarks add -icount).
set -euo pipefail

if (($# < 2)); then
	echo "usage: $0 BOARD IMAGE [ARG...]" >&2
	exit 2
fi
board=$1
image=$2
shift 2

case $board in
cortex-m) qemu=(qemu-system-arm -M mps2-an386) ;;
rv32) qemu=(qemu-system-riscv32 -M virt -m 32M -bios none) ;;
*)
	echo "$0: unknown board '$board' (cortex-m, rv32)" >&2
	exit 2
	;;
esac

# The arguments as semihosting passes them: one "arg=" each, a comma
# written twice; picolibc's start-up splits the line they make at spaces
# and names the program itself.  An empty one when there are none, or
# QEMU would pass the image's path.
semihosting=enable=on,target=native,chardev=out
for arg in "${@:-}"; do
	semihosting+=",arg=${arg//,/,,}"
done

timeout=${MCU_TIMEOUT:-600}
status=0
# shellcheck disable=SC2086 # MCU_QEMU_FLAGS is a list of options
timeout -k 10 "$timeout" "${qemu[@]}" -nographic -monitor none \
	-serial none -chardev stdio,id=out -semihosting-config "$semihosting" \
	${MCU_QEMU_FLAGS:-} -kernel "$image" </dev/null || status=$?
if ((status == 124)); then
	echo "# $(basename "$image"): timed out after $timeout s on $board"
fi
exit "$status"
