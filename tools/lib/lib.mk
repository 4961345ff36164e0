# SPDX-License-Identifier: GPL-2.0-only
#
# libckremm as a shared library (SONAME libckremm.so.1, the exports of
# libckremm.map), its pkg-config file and its installation; included by
# tools/Makefile, which builds the static archive the tools and tests link.
#
# The library's version is its own, not the tree's: LIB_MAJOR changes only
# when a call changes or goes away (and then the SONAME with it).

LIB_MAJOR	:= 1
LIB_VERSION	:= $(LIB_MAJOR).2.0
LIB_SONAME	:= libckremm.so.$(LIB_MAJOR)
LIB_PIC_OBJS	:= $(patsubst %.c,$(BUILD)/pic/%.o,$(LIB_SRCS))
LIB_SHARED	:= $(BUILD)/libckremm.so.$(LIB_VERSION)

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
INSTALL		?= install

.PHONY: lib ckremmctl install check-lib

lib: $(BUILD)/libckremm.a $(LIB_SHARED) $(BUILD)/libckremm.pc
ckremmctl: $(BUILD)/ckremmctl

$(BUILD)/pic/%.o: $(TOOLS)/%.c | $(HEADERS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC $(DEPFLAGS) -c -o $@ $<

$(LIB_SHARED): $(LIB_PIC_OBJS) $(TOOLS)/lib/libckremm.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=$(TOOLS)/lib/libckremm.map \
		-Wl,--no-undefined -o $@ $(LIB_PIC_OBJS)
	ln -sf $(@F) $(BUILD)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(BUILD)/libckremm.so

$(BUILD)/libckremm.pc: $(TOOLS)/lib/libckremm.pc.in $(TOOLS)/../VERSION
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(shell cat $(TOOLS)/../VERSION)|' \
	    $< >$@

# The shared library exports the calls of libckremm.h and nothing else, and
# a program built against it (pkg-config's flags) runs from it.
check-lib: lib
	$(TOOLS)/tests/lib/check_lib.sh $(BUILD)

install: lib ckremmctl man
	$(INSTALL) -D -m 755 $(BUILD)/ckremmctl $(DESTDIR)$(BINDIR)/ckremmctl
	$(INSTALL) -D -m 644 $(LIB_SHARED) \
		$(DESTDIR)$(LIBDIR)/libckremm.so.$(LIB_VERSION)
	ln -sf libckremm.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libckremm.so
	$(INSTALL) -D -m 644 $(BUILD)/libckremm.a $(DESTDIR)$(LIBDIR)/libckremm.a
	$(INSTALL) -D -m 644 $(BUILD)/libckremm.pc \
		$(DESTDIR)$(LIBDIR)/pkgconfig/libckremm.pc
	$(INSTALL) -D -m 644 $(TOOLS)/lib/libckremm.h \
		$(DESTDIR)$(INCLUDEDIR)/ckremm/libckremm.h
	$(INSTALL) -D -m 644 $(TOOLS)/../include/uapi/linux/ckremm.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/ckremm.h
	$(INSTALL) -D -m 644 $(BUILD)/man/ckremmctl.8 \
		$(DESTDIR)$(MANDIR)/man8/ckremmctl.8
	$(INSTALL) -D -m 644 $(BUILD)/man/ckremm.4 $(DESTDIR)$(MANDIR)/man4/ckremm.4
	$(INSTALL) -D -m 644 $(BUILD)/man/libckremm.3 \
		$(DESTDIR)$(MANDIR)/man3/libckremm.3
	$(INSTALL) -D -m 644 $(TOOLS)/ckremmctl/ckremmctl.bash \
		$(DESTDIR)$(BASHCOMPDIR)/ckremmctl

# ckremmctl --version prints the tree's VERSION.
$(BUILD)/obj/ckremmctl/main.o: $(TOOLS)/../VERSION
