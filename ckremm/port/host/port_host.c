// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* Host arenas, diagnostics and randomness for the ckremm port layer. */
#include <stdarg.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ckremm_port.h"

unsigned long ckremm_host_warnings;
unsigned long ckremm_host_nowait_failures;
void (*ckremm_host_nowait_hook)(void *arg);
void *ckremm_host_nowait_arg;

bool ckremm_host_purge_protect;
unsigned long ckremm_host_commit_failures;
void (*ckremm_host_purge_hook)(void *arg);
void *ckremm_host_purge_arg;
unsigned long ckremm_host_purged_bytes;
unsigned long ckremm_host_committed_bytes;

/* Take one of @counter's failures, if it has any left. */
static bool ckremm_host_fail(unsigned long *counter)
{
	unsigned long left = __atomic_load_n(counter, __ATOMIC_RELAXED);

	while (left) {
		if (__atomic_compare_exchange_n(counter, &left, left - 1, false,
						__ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/*
 * The arena and, in the page before it, the mapping's length.  Untouched
 * pages of a private anonymous mapping read as zeros and take no memory.
 */
void *ckremm_arena_alloc(size_t size)
{
	size_t rounded, len;
	u8 *base;

	if (ckremm_add_overflow(size, CKREMM_PAGE_SIZE - 1, &rounded))
		return NULL;
	rounded &= ~(CKREMM_PAGE_SIZE - 1);
	if (ckremm_add_overflow(rounded, CKREMM_PAGE_SIZE, &len))
		return NULL;
	base = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	*(size_t *)base = len;
	return base + CKREMM_PAGE_SIZE;
}

void ckremm_arena_free(void *arena)
{
	u8 *base;

	if (!arena)
		return;
	base = (u8 *)arena - CKREMM_PAGE_SIZE;
	munmap(base, *(size_t *)base);
}

void ckremm_arena_purge(void *arena, size_t offset, size_t len)
{
	u8 *at = (u8 *)arena + offset;

	if (!len)
		return;
	if (ckremm_host_purge_hook)
		ckremm_host_purge_hook(ckremm_host_purge_arg);
	__atomic_fetch_add(&ckremm_host_purged_bytes, len, __ATOMIC_RELAXED);
	madvise(at, len, MADV_DONTNEED);
	if (ckremm_host_purge_protect)
		mprotect(at, len, PROT_NONE);
}

int ckremm_arena_commit(void *arena, size_t offset, size_t len)
{
	u8 *at = (u8 *)arena + offset;

	if (!len)
		return 0;
	if (ckremm_host_fail(&ckremm_host_commit_failures))
		return -ENOMEM;
	__atomic_fetch_add(&ckremm_host_committed_bytes, len, __ATOMIC_RELAXED);
	if (ckremm_host_purge_protect &&
	    mprotect(at, len, PROT_READ | PROT_WRITE))
		return -ENOMEM;
	return 0;
}

void *ckremm_meta_zalloc_nowait(size_t size)
{
	if (ckremm_host_nowait_hook)
		ckremm_host_nowait_hook(ckremm_host_nowait_arg);
	if (ckremm_host_fail(&ckremm_host_nowait_failures))
		return NULL;
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
