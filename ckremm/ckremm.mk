# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The portable core's sources for a build outside Linux's Kbuild, as
# ckremm.config selects them.  Set CKREMM_ROOT (the tree's top) and
# CKREMM_PORT (a folder of ckremm/port/: host, baremetal, or one of your
# own), include this file, and compile $(CKREMM_SRCS) with
# $(CKREMM_CPPFLAGS):
#
#	CKREMM_ROOT := path/to/ckremm
#	CKREMM_PORT := baremetal
#	include $(CKREMM_ROOT)/ckremm/ckremm.mk
#	app.elf: main.c $(CKREMM_SRCS)
#		$(CC) $(CFLAGS) $(CKREMM_CPPFLAGS) -o $@ $^
#
# Only the selected pools' files are compiled, so a build with one pool
# links only that pool.

CKREMM_PORT ?= host
include $(CKREMM_ROOT)/ckremm.config

ifeq ($(CONFIG_CKREMM_HPOOL)$(CONFIG_CKREMM_TPOOL),nn)
$(error ckremm.config: CONFIG_CKREMM_HPOOL and CONFIG_CKREMM_TPOOL are both n)
endif
# The collector and the paging module depend on the table pool: without
# it, there are none.
ifneq ($(CONFIG_CKREMM_TPOOL),y)
override CONFIG_CKREMM_GC := n
override CONFIG_CKREMM_PAGING := n
endif

CKREMM_SRCS-y :=
CKREMM_SRCS-$(CONFIG_CKREMM_HPOOL) += $(CKREMM_ROOT)/ckremm/hpool/h_pool.c \
				      $(CKREMM_ROOT)/ckremm/hpool/h_pool_check.c
CKREMM_SRCS-$(CONFIG_CKREMM_TPOOL) += $(CKREMM_ROOT)/ckremm/tpool/t_pool.c \
				      $(CKREMM_ROOT)/ckremm/tpool/t_pool_move.c \
				      $(CKREMM_ROOT)/ckremm/tpool/t_pool_check.c
CKREMM_SRCS-$(CONFIG_CKREMM_GC) += $(CKREMM_ROOT)/ckremm/gc/gc.c
CKREMM_SRCS-$(CONFIG_CKREMM_PAGING) += $(CKREMM_ROOT)/ckremm/paging/paging.c \
	$(CKREMM_ROOT)/ckremm/paging/store_pager.c \
	$(CKREMM_ROOT)/ckremm/paging/xstore.c
ifeq ($(CONFIG_CKREMM_HPOOL)$(CONFIG_CKREMM_PAGING),yy)
CKREMM_SRCS-y += $(CKREMM_ROOT)/ckremm/paging/h_paging.c \
		 $(CKREMM_ROOT)/ckremm/paging/zstore.c
endif
CKREMM_SRCS := $(CKREMM_SRCS-y) \
	       $(wildcard $(CKREMM_ROOT)/ckremm/port/$(CKREMM_PORT)/*.c)
# CONFIG_CKREMM_* are defined to 1 for the options set to y, as
# the Linux module's Kbuild defines them.
CKREMM_CPPFLAGS := -I$(CKREMM_ROOT)/include -I$(CKREMM_ROOT)/ckremm/port \
		   -I$(CKREMM_ROOT)/ckremm/port/$(CKREMM_PORT) \
		   -I$(CKREMM_ROOT)/ckremm/segfit
ifeq ($(CONFIG_CKREMM_HPOOL),y)
CKREMM_CPPFLAGS += -DCONFIG_CKREMM_HPOOL=1
endif
ifeq ($(CONFIG_CKREMM_TPOOL),y)
CKREMM_CPPFLAGS += -DCONFIG_CKREMM_TPOOL=1
endif
ifeq ($(CONFIG_CKREMM_GC),y)
CKREMM_CPPFLAGS += -DCONFIG_CKREMM_GC=1
endif
ifeq ($(CONFIG_CKREMM_PAGING),y)
CKREMM_CPPFLAGS += -DCONFIG_CKREMM_PAGING=1
endif
ifeq ($(CONFIG_CKREMM_HPOOL_LEAN),y)
CKREMM_CPPFLAGS += -DCONFIG_CKREMM_HPOOL_LEAN=1
endif
ifeq ($(CONFIG_CKREMM_SMALL),y)
CKREMM_CPPFLAGS += -DCONFIG_CKREMM_SMALL=1
endif
