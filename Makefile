# SPDX-License-Identifier: GPL-2.0-only
#
# ckremm top-level Makefile.
#
#   make               build ckremm.ko for the running kernel and the tools
#   make module        build ckremm.ko (KDIR=<kernel build dir> to choose)
#   make sample        build ckremm.ko and samples/ckremm_sample against it
#   make tools         build ckremmctl, libckremm and the test programs
#   make run           boot UML with ckremm loaded and demonstrate the pools
#   make check         every test; ends with "N passed, N failed"
#   make bench         benchmarks against glibc, kmalloc and genalloc: a table,
#                      tools/build/bench/results.csv and SVG charts
#   make style         checkpatch --strict on ckremm/, include/, kunit/
#   make fuzz          the libFuzzer harnesses of both pools, 10 minutes each
#   make stress        the SMP stress under lockdep/KASAN/kmemleak and under
#                      KCSAN for SECONDS (600) each
#   make coverage      line coverage of the portable core by the host tests
#                      (fails below 95%)
#   make clean
#
# Kernel trees, kernel builds and VM images live in $(CKREMM_CACHE),
# outside the checkout.

KVER		?= $(shell uname -r)
KDIR		?= /lib/modules/$(KVER)/build
CKREMM_CACHE	?= /var/cache/ckremm
export CKREMM_CACHE

.PHONY: all module sample tools run check bench style coverage fuzz stress clean

all: module tools

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

sample: module
	$(MAKE) -C samples/ckremm_sample KDIR=$(KDIR) \
		CKREMM_SYMVERS=$(CURDIR)/Module.symvers

tools:
	$(MAKE) -C tools

run:
	tools/ci/deps.sh
	tools/vm/run-demo.sh

check:
	tools/ci/check.sh

bench:
	tools/ci/deps.sh
	$(MAKE) -C tools/bench run

style:
	tools/ci/deps.sh
	tools/ci/style.sh

coverage:
	tools/ci/coverage.sh

fuzz:
	tools/ci/deps.sh
	$(MAKE) -C tools/fuzz fuzz

stress:
	tools/ci/deps.sh
	CKREMM_STRESS_SECONDS=$(or $(SECONDS),600) tools/vm/smp-qemu.sh; s=$$?; \
	CKREMM_STRESS_SECONDS=$(or $(SECONDS),600) tools/vm/kcsan-qemu.sh && exit $$s

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	-$(MAKE) -C samples/ckremm_sample KDIR=$(KDIR) clean 2>/dev/null
	$(MAKE) -C tools clean
