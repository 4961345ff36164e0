// SPDX-License-Identifier: GPL-2.0-only
/*
 * size_min.c - the least a program uses of one pool: make one, allocate,
 * free, destroy.  Linked with --gc-sections, it keeps of the pool's code
 * what those calls need (tools/mcu/bench.sh weighs it).
 */
#include <ckremm/h_pool.h>
#include <ckremm/t_pool.h>

int main(void)
{
#ifdef POOL_t_pool
	struct t_pool *pool = t_pool_create(4096, 0);
	u64 h = t_pool_alloc_handle(pool, 64, 0);

	t_pool_free(pool, h);
	destroy_t_pool(pool);
#else
	struct h_pool *pool = create_h_pool(4096);
	void *p = h_pool_alloc(pool, 64);

	h_pool_dealloc(pool, p);
	destroy_h_pool(pool);
#endif
	return 0;
}
