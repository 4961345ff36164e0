# SPDX-License-Identifier: GPL-2.0-only
#
# 32-bit RISC-V (rv32imac, machine mode) on QEMU's virt board, with the
# memory of a large microcontroller: 1 MiB for code and 4 MiB of RAM,
# both in the board's DRAM (the rest of it, where QEMU puts the device
# tree, is left alone).  Debian: gcc-riscv64-unknown-elf,
# picolibc-riscv64-unknown-elf, qemu-system-misc.

BOARD_CROSS	:= riscv64-unknown-elf-
BOARD_CFLAGS	:= -march=rv32imac -mabi=ilp32 -mcmodel=medany
BOARD_LDFLAGS	:= -Wl,--defsym=__flash=0x80000000 \
		   -Wl,--defsym=__flash_size=0x00100000 \
		   -Wl,--defsym=__ram=0x80100000 \
		   -Wl,--defsym=__ram_size=0x00400000
BOARD_RAM	:= 4194304
