// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* Host diagnostics and randomness for the ckremm port layer. */
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "ckremm_port.h"

unsigned long ckremm_host_warnings;
unsigned long ckremm_host_nowait_failures;
void (*ckremm_host_nowait_hook)(void *arg);
void *ckremm_host_nowait_arg;

void *ckremm_meta_zalloc_nowait(size_t size)
{
	unsigned long left;

	if (ckremm_host_nowait_hook)
		ckremm_host_nowait_hook(ckremm_host_nowait_arg);
	left = __atomic_load_n(&ckremm_host_nowait_failures, __ATOMIC_RELAXED);
	while (left) {
		if (__atomic_compare_exchange_n(&ckremm_host_nowait_failures,
						&left, left - 1, false,
						__ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return NULL;
	}
	return calloc(1, size);
}

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

/* splitmix64 over an atomic counter: no lock, no two callers alike. */
u32 ckremm_random_u32(void)
{
	static u64 counter;
	u64 z, seed = 0;

	if (!__atomic_load_n(&counter, __ATOMIC_RELAXED)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (u64)ts.tv_nsec ^ (u64)ts.tv_sec << 32 ^ (u64)getpid() << 16;
		__atomic_compare_exchange_n(&counter, &(u64){ 0 }, seed | 1, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
	z = __atomic_add_fetch(&counter, 0x9e3779b97f4a7c15ULL, __ATOMIC_RELAXED);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (u32)(z ^ (z >> 31));
}
