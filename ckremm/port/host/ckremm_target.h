/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm port for a hosted C library, POSIX and C11 atomics (see
 * ../ckremm_port.h for the interface).
 *
 * Used by the host tests, the fuzzers and the benchmarks: an arena is an
 * anonymous mapping; the lock is a test-and-set spinlock.
 */
#ifndef CKREMM_TARGET_HOST_H
#define CKREMM_TARGET_HOST_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Types, bit scans and overflow checks: the compiler's. */
#include "ckremm_builtins.h"

/*
 * glibc's <sys/cdefs.h> has __always_inline and __attribute_noinline__;
 * elsewhere inline is only a hint, and a slow path may be inlined.
 */
#ifndef __always_inline
#define __always_inline inline
#endif
#ifdef __attribute_noinline__
#define ckremm_noinline __attribute_noinline__
#else
#define ckremm_noinline
#endif

/* Nothing to export outside the kernel; keeps the declaration form. */
#define EXPORT_SYMBOL_NS_GPL(sym, ns) extern int ckremm_host_export_##sym##_##ns

#define CKREMM_PAGE_SIZE 4096UL

struct ckremm_lock {
	int taken;	/* accessed only through __atomic builtins */
};

static inline void ckremm_lock_init(struct ckremm_lock *l)
{
	__atomic_store_n(&l->taken, 0, __ATOMIC_RELAXED);
}

static inline unsigned long ckremm_lock(struct ckremm_lock *l)
{
	while (__atomic_exchange_n(&l->taken, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->taken, __ATOMIC_RELAXED))
			;
	return 0;
}

static inline void ckremm_unlock(struct ckremm_lock *l, unsigned long flags)
{
	(void)flags;
	__atomic_store_n(&l->taken, 0, __ATOMIC_RELEASE);
}

/*
 * Arenas are anonymous mappings of their own (port_host.c), so that their
 * pages are resident only once touched, and a purge gives them back to the
 * system with madvise(MADV_DONTNEED): they read as zeros afterwards.  A
 * page before the arena keeps the mapping's length.
 *
 * For tests: with ckremm_host_purge_protect set, purged pages are also made
 * inaccessible (PROT_NONE) until committed again, so that a pool touching
 * a page it did not commit faults at once; ckremm_host_commit_failures
 * makes the next that many commits fail; ckremm_host_purge_hook, if set,
 * runs with ckremm_host_purge_arg at the start of each purge (the pool
 * lock dropped).  ckremm_host_purged_bytes and
 * ckremm_host_committed_bytes count what the calls were asked for.
 */
#define CKREMM_ARENA_PURGES	1

/*
 * Test builds with CKREMM_HOST_ARENA_MOVES: arenas that change their
 * pages only by moving, as the Linux kernel's do, so that the paging
 * module's moves run on the host (tools/tests/paging/moves_cases.c).  An
 * arena is a memfd mapped shared; a move maps the file again elsewhere
 * (prepare), the new address becomes the arena's (install), and the old
 * mapping goes and purged pages are punched out of the file (finish).
 * A prepare of a commit fails while ckremm_host_commit_failures has
 * failures left, and making a view fails while ckremm_host_view_failures
 * has.  With ckremm_host_purge_protect, pages given back are PROT_NONE in
 * every view made after.
 */
#ifdef CKREMM_HOST_ARENA_MOVES
#define CKREMM_ARENA_MOVES	1

struct ckremm_host_arena;

struct ckremm_arena_move {
	struct ckremm_host_arena *arena;
	void *old_view;
	void *view;
	size_t offset;
	size_t len;
	bool commit;
	bool installed;
};

extern unsigned long ckremm_host_view_failures;
#else
void ckremm_arena_purge(void *arena, size_t offset, size_t len);
int ckremm_arena_commit(void *arena, size_t offset, size_t len);
#endif

void *ckremm_arena_alloc(size_t size);
void ckremm_arena_free(void *arena);
extern bool ckremm_host_purge_protect;
extern unsigned long ckremm_host_commit_failures;
extern void (*ckremm_host_purge_hook)(void *arg);
extern void *ckremm_host_purge_arg;
extern unsigned long ckremm_host_purged_bytes;
extern unsigned long ckremm_host_committed_bytes;

static inline void *ckremm_meta_zalloc(size_t size)
{
	return calloc(1, size);
}

/*
 * Tables that grow while the pool is in use.  Tests make it fail
 * (ckremm_host_nowait_failures: the next that many calls return NULL) and
 * run code of theirs inside it (ckremm_host_nowait_hook, called with
 * ckremm_host_nowait_arg before each allocation), e.g. a second call on a
 * pool whose lock the first one dropped to grow.
 */
extern unsigned long ckremm_host_nowait_failures;
extern void (*ckremm_host_nowait_hook)(void *arg);
extern void *ckremm_host_nowait_arg;
void *ckremm_meta_zalloc_nowait(size_t size);

static inline void ckremm_meta_free(void *p)
{
	free(p);
}

static inline void ckremm_might_sleep(void)
{
}

/* Thread-safe; seeded from the clock and the process id (port_host.c). */
u32 ckremm_random_u32(void);

/* The keyed hash of the ports that have none of their own. */
#include "ckremm_siphash.h"

/*
 * Every refused call is counted, so host tests can assert that misuse
 * was reported; printing is opt-in (CKREMM_VERBOSE=1) to keep long
 * randomized runs quiet.
 */
extern unsigned long ckremm_host_warnings;
void ckremm_host_warn(const char *fmt, ...);
#define ckremm_warn(fmt, ...) ckremm_host_warn("ckremm: " fmt, ##__VA_ARGS__)

#endif /* CKREMM_TARGET_HOST_H */
