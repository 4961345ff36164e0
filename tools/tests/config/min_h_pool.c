// SPDX-License-Identifier: GPL-2.0-only
/*
 * The least a firmware does with a header pool, over memory of its own:
 * make it, allocate, free, destroy.  Linked with --gc-sections for a
 * Cortex-M4 by tools/ci/config.sh, which measures the pool's code that
 * comes along, and never run.  The board's hooks do nothing.
 */
#include "ckremm_port.h"
#include <ckremm/h_pool.h>

static u64 arena[2048 / 8];
static u64 meta[2400 / 8];

void *ckremm_bm_alloc(size_t size)
{
	(void)size;
	return NULL;
}

void ckremm_bm_free(void *p)
{
	(void)p;
}

u32 ckremm_bm_seed(void)
{
	return 1;
}

void ckremm_bm_vlog(const char *fmt, va_list ap)
{
	(void)fmt;
	(void)ap;
}

int main(void)
{
	struct h_pool *pool = h_pool_create_in(arena, sizeof(arena), meta,
					       sizeof(meta), 0, NULL);
	void *block = h_pool_alloc(pool, 100);

	return h_pool_free(pool, block) || !destroy_h_pool(pool);
}
