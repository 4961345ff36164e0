# SPDX-License-Identifier: GPL-2.0-only
#
# Arm Cortex-M4 on QEMU's mps2-an386 (Arm's MPS2 board with the AN386
# FPGA image): 4 MiB of code SSRAM at 0, 4 MiB of data SSRAM at
# 0x20000000.  Debian: gcc-arm-none-eabi, picolibc-arm-none-eabi,
# qemu-system-arm.

BOARD_CROSS	:= arm-none-eabi-
BOARD_CFLAGS	:= -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
# picolibc.ld places code and data by these symbols.
BOARD_LDFLAGS	:= -Wl,--defsym=__flash=0x00000000 \
		   -Wl,--defsym=__flash_size=0x00400000 \
		   -Wl,--defsym=__ram=0x20000000 \
		   -Wl,--defsym=__ram_size=0x00400000
BOARD_RAM	:= 4194304
