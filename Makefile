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
#   make install      the module (modules_install, depmod) and all of
#                      install-userspace; DESTDIR=, PREFIX= (/usr/local)
#   make install-userspace
#                      ckremmctl, libckremm (shared and static), headers,
#                      pkg-config file, man pages, udev rule, sysusers.d
#                      group, bash completion, example configuration
#   make install-dkms-source
#                      the module's source and dkms.conf in
#                      $(PREFIX)/src/ckremm-<version>, for "dkms add"
#   make deb           Debian packages in tools/build/deb/
#   make check-dkms    the admin stage with a second kernel's headers too
#   make check-mcu     the pools' tests on the emulated Cortex-M and RISC-V
#                      boards (BOARDS="cortex-m rv32"), as make check runs them
#   make clean
#
# Kernel trees, kernel builds and VM images live in $(CKREMM_CACHE),
# outside the checkout.

KVER		?= $(shell uname -r)
KDIR		?= /lib/modules/$(KVER)/build
CKREMM_CACHE	?= /var/cache/ckremm
export CKREMM_CACHE

VERSION		:= $(shell cat $(CURDIR)/VERSION)

# Where "make install" puts things.  udev and sysusers read /etc and
# /usr/lib only, so their defaults do not follow PREFIX; a package sets
# them (debian/rules).
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
DOCDIR		?= $(PREFIX)/share/doc/ckremm
SRCDIR		?= $(PREFIX)/src
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
UDEVRULESDIR	?= /etc/udev/rules.d
SYSUSERSDIR	?= /etc/sysusers.d
INSTALL		?= install

# What DKMS and "make install" build the module from, and the sample that
# an installed system's driver authors build against it.
MODULE_SRC	:= Kbuild VERSION ckremm.config dkms.conf dist/dkms-post-build.sh \
		   ckremm include kunit samples/ckremm_sample

.PHONY: all module sample tools run check bench style coverage fuzz stress clean \
	userspace install install-module install-userspace install-dkms-source \
	deb check-dkms check-mcu

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

userspace:
	$(MAKE) -C tools lib ckremmctl man

install: install-module install-userspace

# The module goes to updates/, ahead of any in-tree module of the same
# name, as DKMS puts it.  depmod runs on the installed tree: against
# DESTDIR when there is one (a staged install), else the live system.
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates DEPMOD=true modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

install-userspace: userspace
	$(MAKE) -C tools install DESTDIR=$(DESTDIR) BINDIR=$(BINDIR) \
		LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR) MANDIR=$(MANDIR) \
		BASHCOMPDIR=$(BASHCOMPDIR) PREFIX=$(PREFIX)
	$(INSTALL) -D -m 644 dist/60-ckremm.rules \
		$(DESTDIR)$(UDEVRULESDIR)/60-ckremm.rules
	$(INSTALL) -D -m 644 dist/ckremm.sysusers \
		$(DESTDIR)$(SYSUSERSDIR)/ckremm.conf
	$(INSTALL) -D -m 644 dist/modprobe.conf \
		$(DESTDIR)$(DOCDIR)/examples/modprobe.d/ckremm.conf
	$(INSTALL) -D -m 644 dist/modules-load.conf \
		$(DESTDIR)$(DOCDIR)/examples/modules-load.d/ckremm.conf

install-dkms-source:
	$(INSTALL) -d $(DESTDIR)$(SRCDIR)/ckremm-$(VERSION)
	tar -C $(CURDIR) -cf - $(MODULE_SRC) | \
		tar -C $(DESTDIR)$(SRCDIR)/ckremm-$(VERSION) -xf - --no-same-owner

deb:
	tools/ci/deps.sh
	tools/dist/deb.sh

# The admin stage of make check, plus a second kernel's headers installed
# afterwards and DKMS building for them: about 9 minutes more under
# emulation (tools/vm/admin-qemu.sh says where they go).
check-dkms:
	tools/ci/deps.sh
	CKREMM_ADMIN_SECOND_KERNEL=1 tools/vm/admin-qemu.sh

BOARDS		?= cortex-m rv32

check-mcu:
	tools/ci/deps.sh
	@status=0; for board in $(BOARDS); do \
		$(MAKE) -C tools/mcu check BOARD=$$board || status=1; \
	done; exit $$status

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	-$(MAKE) -C samples/ckremm_sample KDIR=$(KDIR) clean 2>/dev/null
	$(MAKE) -C tools clean
