// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The bare-metal port's out-of-line parts: arenas aligned within the
 * board's memory, randomness from the board's seed, and warnings counted
 * and handed to the board.
 */
#include "ckremm_port.h"

unsigned long ckremm_bm_warnings;

/*
 * An arena aligned to CKREMM_PAGE_SIZE inside a block of the board's, which
 * guarantees only 8 bytes: the block's address is kept in the word before
 * the arena.
 */
void *ckremm_arena_alloc(size_t size)
{
	size_t room;
	uintptr_t at;
	u8 *block;

	if (ckremm_add_overflow(size, (size_t)CKREMM_PAGE_SIZE, &room))
		return NULL;
	block = ckremm_bm_alloc(room);
	if (!block)
		return NULL;
	at = ((uintptr_t)block + sizeof(void *) + CKREMM_PAGE_SIZE - 1) &
	     ~(uintptr_t)(CKREMM_PAGE_SIZE - 1);
	((void **)at)[-1] = block;
	return (void *)at;
}

void ckremm_arena_free(void *arena)
{
	if (arena)
		ckremm_bm_free(((void **)arena)[-1]);
}

/* splitmix64: the state steps by a constant, the output is mixed. */
u32 ckremm_random_u32(void)
{
	static u64 state;
	static bool seeded;
	unsigned long flags;
	u64 z;

	flags = ckremm_bm_irq_save();
	if (!seeded) {
		state = (u64)ckremm_bm_seed() << 32 | 0x5bd1e995U;
		seeded = true;
	}
	state += 0x9e3779b97f4a7c15ULL;
	z = state;
	ckremm_bm_irq_restore(flags);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (u32)(z ^ (z >> 31));
}

void ckremm_bm_warn(const char *fmt, ...)
{
	unsigned long flags;
	va_list ap;

	flags = ckremm_bm_irq_save();
	ckremm_bm_warnings++;
	ckremm_bm_irq_restore(flags);
	va_start(ap, fmt);
	ckremm_bm_vlog(fmt, ap);
	va_end(ap);
}
