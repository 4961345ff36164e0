// SPDX-License-Identifier: GPL-2.0-only
/* Host diagnostics for the ckremm port layer. */
#include <stdarg.h>

#include "ckremm_port.h"

unsigned long ckremm_host_warnings;

void ckremm_host_warn(const char *fmt, ...)
{
	static int verbose = -1;
	va_list ap;

	__atomic_fetch_add(&ckremm_host_warnings, 1, __ATOMIC_RELAXED);
	if (verbose < 0) {
		const char *v = getenv("CKREMM_VERBOSE");

		verbose = v && *v == '1';
	}
	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
