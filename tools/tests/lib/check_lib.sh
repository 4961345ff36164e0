#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# libckremm as a shared library: its SONAME, that it exports exactly the
# calls libckremm.h declares (every one, and nothing of its own insides),
# each under its version node of libckremm.map (the collector's calls
# under LIBCKREMM_1.1, the pager's under LIBCKREMM_1.2, every other under
# LIBCKREMM_1.0), and that a program built
# with the pkg-config file's flags links and runs against it.
#
#   tools/tests/lib/check_lib.sh <tools build dir>
#     -> "lib: N passed, M failed"
set -uo pipefail

build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
header=$here/../../lib/libckremm.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=tools/tests/lib/check.sh
. "$here/check.sh"

so=$build/libckremm.so.1

soname() {
	objdump -p "$so" | awk '$1 == "SONAME" { print $2 }' | grep -qx libckremm.so.1
}

# What the header declares: an identifier starting ckremm_ followed by "(".
declared() {
	grep -o '\bckremm_[a-z0-9_]*(' "$header" | tr -d '(' | sort -u
}

exported() {
	nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u
}

same_calls() {
	declared >"$tmp/declared"
	exported >"$tmp/exported"
	diff -u "$tmp/declared" "$tmp/exported" >&2
}

# The node a call belongs to: the collector's calls came with 1.1, the
# pager's with 1.2.
all_versioned() {
	! objdump -T "$so" | awk '$4 == ".text" {
		want = "LIBCKREMM_1.0"
		if ($7 ~ /^ckremm_(ioc_)?gc_/)
			want = "LIBCKREMM_1.1"
		if ($7 ~ /^ckremm_(ioc_)?pager_/)
			want = "LIBCKREMM_1.2"
		if ($6 != want) { bad = 1; print }
	} END { exit !bad }' >&2
}

# A program built the way a user builds one: headers and flags from
# pkg-config (pointed at this build), run against the shared library.
pkgconfig_program() {
	mkdir -p "$tmp/include/ckremm" "$tmp/include/linux"
	cp "$header" "$tmp/include/ckremm/"
	cp "$here/../../../include/uapi/linux/ckremm.h" "$tmp/include/linux/"
	sed -e "s|^libdir=.*|libdir=$build|" -e "s|^includedir=.*|includedir=$tmp/include|" \
		"$build/libckremm.pc" >"$tmp/libckremm.pc"
	cat >"$tmp/prog.c" <<'PROG'
#include <errno.h>
#include <stdio.h>
#include <ckremm/libckremm.h>

int main(void)
{
	/* No device here: the call must fail cleanly, with an errno. */
	int fd = ckremm_dev_open("/nonexistent/ckremm");

	printf("%d %d\n", fd == -ENOENT, ckremm_name_valid("demo"));
	return 0;
}
PROG
	# shellcheck disable=SC2046 # pkg-config prints several words
	cc -Wall -Werror -o "$tmp/prog" "$tmp/prog.c" \
		$(PKG_CONFIG_PATH=$tmp pkg-config --cflags --libs libckremm) &&
		[[ $(LD_LIBRARY_PATH=$build "$tmp/prog") == "1 1" ]] &&
		# ldd's whole output, not a pipe into grep -q: grep stops at
		# its match, ldd dies of SIGPIPE, and pipefail fails the check.
		[[ $(LD_LIBRARY_PATH=$build ldd "$tmp/prog") == *"libckremm.so.1 => $build/"* ]]
}

check "libckremm.so.1 has SONAME libckremm.so.1" soname
check "it exports exactly the calls libckremm.h declares" same_calls
check "every export is in its version node (1.0, the collector's 1.1, the pager's 1.2)" all_versioned
check "a program built with pkg-config's flags runs against it" pkgconfig_program

check_end lib
