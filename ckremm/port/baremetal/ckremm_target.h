/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ckremm port for single-core microcontrollers without an operating system
 * (see ../ckremm_port.h for the interface).
 *
 * The pools call nothing of a C library here but memcpy(), memmove() and
 * memset(), and take from its headers only errno.h's numbers and
 * sys/cdefs.h's attributes (newlib and picolibc have both); the rest comes
 * from the compiler (stdint.h, stddef.h, stdarg.h, stdbool.h and its
 * built-ins) and from four functions the board supplies:
 *
 *	void *ckremm_bm_alloc(size_t size);
 *		zeroed memory aligned to at least 8 bytes, or NULL; for pools
 *		made by h_pool_create() or t_pool_create() and for table pools'
 *		tables as they grow, which happens with the pool lock dropped
 *		but wherever the pool is used, interrupt handlers included.  A
 *		board with no heap returns NULL and makes its pools over
 *		memory of its own, h_pool_create_in() and t_pool_create_in(),
 *		which never call it.
 *	void ckremm_bm_free(void *p);
 *		takes back what ckremm_bm_alloc() gave.
 *	u32 ckremm_bm_seed(void);
 *		a seed for the pools' randomness (link salts, hash keys): a
 *		hardware generator, an ADC's noise, a unique ID and a counter.
 *	void ckremm_bm_vlog(const char *fmt, va_list ap);
 *		where the warnings about a caller's misuse go; may discard them
 *		(they are counted in ckremm_bm_warnings either way).
 *
 * The pool lock masks interrupts on the one core: PRIMASK on Arm M-profile
 * cores (ARMv6-M, ARMv7-M, ARMv8-M), mstatus.MIE in RISC-V machine mode.
 * On another CPU, or to mask only some interrupts (BASEPRI), define
 * CKREMM_BM_IRQ_HOOKS and supply
 *
 *	unsigned long ckremm_bm_irq_save(void);
 *	void ckremm_bm_irq_restore(unsigned long flags);
 *
 * Arena pages the paging module gives back (ckremm/paging/) stay where
 * they are unless the board can do something with them, such as power
 * down a RAM bank or a retention region that holds nothing live.  Such a
 * board defines CKREMM_BM_PAGE_HOOKS and supplies
 *
 *	void ckremm_bm_purge(void *at, size_t len);
 *		the bytes [at, at + len), CKREMM_PAGE_SIZE-aligned, hold
 *		nothing the pools need until committed again; called with
 *		interrupts enabled.
 *	int ckremm_bm_commit(void *at, size_t len);
 *		make them usable again (their contents may be anything);
 *		called with interrupts masked, so it must not wait long;
 *		0, or -ENOMEM to fail the allocation that needs them.
 *
 * Without the define, both do nothing, and the paging module refuses to
 * manage a pool (-EOPNOTSUPP).
 *
 * An interrupt mask excludes the core's own interrupt handlers, not a
 * second core: on a multi-core part, pools shared between cores need a
 * port whose lock is a spinlock too.
 */
#ifndef CKREMM_TARGET_BAREMETAL_H
#define CKREMM_TARGET_BAREMETAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
/* The BSD attribute spellings: __always_inline, __noinline, __printflike. */
#include <sys/cdefs.h>

/*
 * Code size over speed (CONFIG_CKREMM_SMALL in ckremm.config): the pools'
 * fast paths are no longer forced inline, and the compiler chooses, about
 * a quarter less code at -Os.
 */
#ifdef CONFIG_CKREMM_SMALL
#undef __always_inline
#define __always_inline inline
#endif

/* The errors the C library's errno.h lacks, numbered as Linux numbers them. */
#ifndef EOVERFLOW
#define EOVERFLOW	75
#endif
#ifndef EUCLEAN
#define EUCLEAN		117
#endif

/* Types, bit scans and overflow checks: the compiler's. */
#include "ckremm_builtins.h"

#define ckremm_noinline __noinline

/* Nothing to export without a kernel; keeps the declaration form. */
#define EXPORT_SYMBOL_NS_GPL(sym, ns) extern int ckremm_bm_export_##sym##_##ns

/*
 * The largest alignment a header pool allocation may ask for, and the
 * alignment of the arenas the port takes from ckremm_bm_alloc().  Small
 * parts rarely need more; a build may raise it.
 */
#ifndef CKREMM_PAGE_SIZE
#define CKREMM_PAGE_SIZE 256UL
#endif

/* What the board supplies. */
void *ckremm_bm_alloc(size_t size);
void ckremm_bm_free(void *p);
u32 ckremm_bm_seed(void);
void ckremm_bm_vlog(const char *fmt, va_list ap);

/* ---- the lock: an interrupt mask ------------------------------------------ */

#if defined(CKREMM_BM_IRQ_HOOKS)
unsigned long ckremm_bm_irq_save(void);
void ckremm_bm_irq_restore(unsigned long flags);
#elif defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
static inline unsigned long ckremm_bm_irq_save(void)
{
	unsigned long primask;

	__asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask) : : "memory");
	return primask;
}

static inline void ckremm_bm_irq_restore(unsigned long flags)
{
	__asm__ volatile("msr primask, %0" : : "r"(flags) : "memory");
}
#elif defined(__riscv)
/*
 * Machine mode: clear mstatus.MIE (bit 3), and set it again if it was.
 * The CSR instructions are Zicsr's, which -march=rv32imac alone does not
 * name for the assembler.
 */
static inline unsigned long ckremm_bm_irq_save(void)
{
	unsigned long mstatus;

	__asm__ volatile(".option push\n\t.option arch, +zicsr\n\t"
			 "csrrci %0, mstatus, 8\n\t.option pop"
			 : "=r"(mstatus) : : "memory");
	return mstatus & 8;
}

static inline void ckremm_bm_irq_restore(unsigned long flags)
{
	__asm__ volatile(".option push\n\t.option arch, +zicsr\n\t"
			 "csrs mstatus, %0\n\t.option pop"
			 : : "r"(flags) : "memory");
}
#else
#error "ckremm: no interrupt mask known for this CPU; define CKREMM_BM_IRQ_HOOKS"
#endif

struct ckremm_lock {
	char unused;	/* the mask is the core's, not the pool's */
};

static inline void ckremm_lock_init(struct ckremm_lock *l)
{
	(void)l;
}

static inline unsigned long ckremm_lock(struct ckremm_lock *l)
{
	(void)l;
	return ckremm_bm_irq_save();
}

static inline void ckremm_unlock(struct ckremm_lock *l, unsigned long flags)
{
	(void)l;
	ckremm_bm_irq_restore(flags);
}

/* ---- memory ------------------------------------------------------------------ */

/* Aligned to CKREMM_PAGE_SIZE within a larger block (port_baremetal.c). */
void *ckremm_arena_alloc(size_t size);
void ckremm_arena_free(void *arena);

#ifdef CKREMM_BM_PAGE_HOOKS
#define CKREMM_ARENA_PURGES	1

void ckremm_bm_purge(void *at, size_t len);
int ckremm_bm_commit(void *at, size_t len);

static inline void ckremm_arena_purge(void *arena, size_t offset, size_t len)
{
	ckremm_bm_purge((u8 *)arena + offset, len);
}

static inline int ckremm_arena_commit(void *arena, size_t offset, size_t len)
{
	return ckremm_bm_commit((u8 *)arena + offset, len);
}
#else
#define CKREMM_ARENA_PURGES	0

static inline void ckremm_arena_purge(void *arena, size_t offset, size_t len)
{
	(void)arena;
	(void)offset;
	(void)len;
}

static inline int ckremm_arena_commit(void *arena, size_t offset, size_t len)
{
	(void)arena;
	(void)offset;
	(void)len;
	return 0;
}
#endif

static inline void *ckremm_meta_zalloc(size_t size)
{
	return ckremm_bm_alloc(size);
}

static inline void *ckremm_meta_zalloc_nowait(size_t size)
{
	return ckremm_bm_alloc(size);
}

static inline void ckremm_meta_free(void *p)
{
	if (p)
		ckremm_bm_free(p);
}

static inline void ckremm_might_sleep(void)
{
}

/* ---- randomness and the keyed hash -------------------------------------------- */

/* splitmix64 from ckremm_bm_seed(), stepped with interrupts masked. */
u32 ckremm_random_u32(void);

#include "ckremm_siphash.h"

/* ---- diagnostics --------------------------------------------------------------- */

extern unsigned long ckremm_bm_warnings;
void ckremm_bm_warn(const char *fmt, ...) __printflike(1, 2);
#define ckremm_warn(fmt, ...) ckremm_bm_warn("ckremm: " fmt, ##__VA_ARGS__)

#endif /* CKREMM_TARGET_BAREMETAL_H */
