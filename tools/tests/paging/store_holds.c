// SPDX-License-Identifier: GPL-2.0-only
/*
 * store_holds.c - how long the pool lock is held by the store pager
 * (ckremm/paging/store_pager.c): the pool's and the pager's sources are
 * built with hold_timer.h, which times every hold and charges it to the
 * function that took the lock.  A pool of 1 MiB holds 4 MiB of blocks of
 * 16 bytes to 4 KiB and some of 64 KiB, in a copy store; random reads
 * and writes page blocks in at the access (a hold that copies the block
 * in), ticks page out to a free target (steps whose holds choose a victim
 * and complete it, the copy made with the lock dropped).
 *
 *   make -C tools/tests/paging holds    build and run; one line per
 *                                       function: holds, mean, quantiles
 *                                       and the longest
 *
 * Figures, not a test: nothing here fails on a slow machine.  The host
 * lock does not keep the scheduler away, so the longest holds include
 * preemptions; the high quantiles are the figure to quote.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckremm_port.h"
#include <ckremm/paging.h>
#include <ckremm/store.h>
#include <ckremm/t_pool.h>

const char *hold_fn;
u64 hold_t0;

#define SAMPLES	(1U << 20)

/* Every hold of each function that takes the lock, in ns. */
static struct {
	const char *fn;
	u64 holds, total;
	u32 *ns;
} holders[64];
static unsigned int nholders;
static bool timing;

void hold_done(const char *fn, u64 t0, u64 t1)
{
	unsigned int i;

	if (!timing)
		return;
	for (i = 0; i < nholders && holders[i].fn != fn; i++)
		;
	if (i == nholders) {
		if (nholders == 64)
			abort();
		holders[nholders].fn = fn;
		holders[nholders++].ns = calloc(SAMPLES, sizeof(u32));
	}
	if (holders[i].holds < SAMPLES)
		holders[i].ns[holders[i].holds] = (u32)(t1 - t0);
	holders[i].holds++;
	holders[i].total += t1 - t0;
}

static int by_ns(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* The @q quantile of @n sorted samples. */
static u32 quantile(const u32 *ns, u64 n, double q)
{
	return ns[(u64)((double)(n - 1) * q)];
}

/* A copy store: a malloc()ed copy per key. */
static int cs_put(struct ckremm_store *store, const void *src, size_t len,
		  u64 *key, size_t *stored)
{
	void *copy = malloc(len);

	(void)store;
	if (!copy)
		return -ENOSPC;
	memcpy(copy, src, len);
	*key = (u64)(uintptr_t)copy;
	*stored = len;
	return 0;
}

static int cs_get(struct ckremm_store *store, u64 key, void *dst, size_t len)
{
	(void)store;
	memcpy(dst, (void *)(uintptr_t)key, len);
	return 0;
}

static void cs_drop(struct ckremm_store *store, u64 key)
{
	(void)store;
	free((void *)(uintptr_t)key);
}

static const struct ckremm_store_ops cs_ops = {
	.put = cs_put, .get = cs_get, .drop = cs_drop,
};

static u64 rng = 88172645463325252ULL;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define ARENA	(1U << 20)
#define BLOCKS	4096

int main(void)
{
	static const struct ckremm_paging_params p = {
		.decay_ticks = 1000, .free_target = ARENA / 8,
	};
	static struct ckremm_store store = { .ops = &cs_ops };
	static u8 buf[65536];
	static u64 h[BLOCKS];
	struct ckremm_pager pager;
	struct t_pool *pool = t_pool_create(ARENA, BLOCKS);
	struct t_pool_stats st;
	unsigned int i, n = 0, op;
	size_t bytes = 0;

	if (!pool || ckremm_pager_init(&pager, pool, &p) ||
	    ckremm_pager_set_store(&pager, &store))
		return 1;
	memset(buf, 0x5a, sizeof(buf));
	while (bytes < 4 * ARENA && n < BLOCKS) {
		size_t size = rnd() % 64 ? 16 + rnd() % 4081 : 65536;

		if (t_pool_alloc_block(pool, size, 0, &h[n])) {
			ckremm_pager_page_out(&pager, size, NULL);
			continue;
		}
		t_pool_write(pool, h[n++], 0, buf, size);
		bytes += size;
	}
	timing = true;
	for (op = 0; op < 200000; op++) {
		u64 b = h[rnd() % n];
		size_t size = t_pool_size_of(pool, b);
		int ret = rnd() % 2 ? t_pool_read(pool, b, 0, buf, size) :
				      t_pool_write(pool, b, 0, buf, size);

		if (ret == -ENOMEM)
			ckremm_pager_page_in(&pager, b);
		if (op % 16 == 0)
			ckremm_pager_tick(&pager, NULL);
	}
	t_pool_get_stats(pool, &st);
	printf("# %u blocks, %zu bytes in a %u-byte arena: %zu page-outs, %zu page-ins\n",
	       n, bytes, ARENA, st.page_outs, st.page_ins);
	timing = false;
	printf("# function that held the lock: holds; mean, p50, p99, p99.99, longest (ns)\n");
	for (i = 0; i < nholders; i++) {
		u64 k = holders[i].holds < SAMPLES ? holders[i].holds : SAMPLES;

		qsort(holders[i].ns, k, sizeof(u32), by_ns);
		printf("%-22s %8llu  %6llu %6u %6u %8u %9u\n", holders[i].fn,
		       (unsigned long long)holders[i].holds,
		       (unsigned long long)(holders[i].total / holders[i].holds),
		       quantile(holders[i].ns, k, 0.5),
		       quantile(holders[i].ns, k, 0.99),
		       quantile(holders[i].ns, k, 0.9999),
		       holders[i].ns[k - 1]);
		free(holders[i].ns);
	}
	ckremm_pager_exit(&pager);
	destroy_t_pool(pool);
	return 0;
}
