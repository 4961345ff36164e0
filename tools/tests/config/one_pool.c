// SPDX-License-Identifier: GPL-2.0-only
/*
 * A program built through ckremm/ckremm.mk with the modules ckremm.config
 * selects (CONFIG_CKREMM_HPOOL, _TPOOL, _GC, _PAGING): it uses each one
 * built in, so that the link proves the selected modules complete and
 * tools/ci/config.sh can see that nothing of the others came along.  Exit
 * status 0 if every call did what it should.
 */
#include <stdio.h>

#include "ckremm_port.h"
#ifdef CONFIG_CKREMM_HPOOL
#include <ckremm/h_pool.h>
#endif
#ifdef CONFIG_CKREMM_TPOOL
#include <ckremm/t_pool.h>
#endif
#ifdef CONFIG_CKREMM_GC
#include <ckremm/gc.h>
#endif
#ifdef CONFIG_CKREMM_PAGING
#include <ckremm/paging.h>
#endif

int main(void)
{
	int failed = 0;

#ifdef CONFIG_CKREMM_HPOOL_LEAN
	/* A lean header pool has neither keyed headers nor a front cache. */
	if (h_pool_create(4096, H_POOL_KEYED) ||
	    h_pool_create(65536, H_POOL_CACHE))
		failed = 1;
	else
		puts("lean header pool: H_POOL_KEYED and H_POOL_CACHE refused");
#endif
#ifdef CONFIG_CKREMM_HPOOL
	{
		struct h_pool *h = h_pool_create(4096, 0);
		void *p = h ? h_pool_alloc(h, 100) : NULL;

		failed |= !p || h_pool_free(h, p) || !destroy_h_pool(h);
		puts("header pool: alloc, free, destroy");
	}
#endif
#ifdef CONFIG_CKREMM_TPOOL
	{
		struct t_pool *t = t_pool_create(4096, 0);
		u64 handle = t ? t_pool_alloc_handle(t, 100, 0) : T_POOL_NO_HANDLE;

		failed |= handle == T_POOL_NO_HANDLE || t_pool_free(t, handle) ||
			  !destroy_t_pool(t);
		puts("table pool: alloc, free, destroy");
	}
#endif
#ifdef CONFIG_CKREMM_GC
	{
		struct t_pool *t = t_pool_create(4096, 0);
		struct ckremm_gc *gc = t ? ckremm_gc_create(t, NULL) : NULL;
		struct ckremm_gc_scope scope;
		u64 slots[2], kept = 0, lost = 0;
		int bad = !gc;

		if (gc) {
			ckremm_gc_scope_init(gc, &scope, slots, 2);
			bad = ckremm_gc_alloc(gc, 32, CKREMM_GC_WORDS, 0,
					      &scope, &kept) ||
			      ckremm_gc_alloc(gc, 32, CKREMM_GC_LEAF, 0,
					      NULL, &lost) ||
			      ckremm_gc_collect(gc) ||
			      !t_pool_size_of(t, kept) ||
			      t_pool_size_of(t, lost);
			ckremm_gc_scope_exit(gc, &scope);
			ckremm_gc_destroy(gc);
		}
		bad |= !t || !destroy_t_pool(t);
		failed |= bad;
		/* Said only when it held: config.sh greps for it. */
		if (!bad)
			puts("collector: alloc, collect, destroy");
	}
#endif
#ifdef CONFIG_CKREMM_PAGING
	{
		const struct ckremm_paging_params params = { .decay_ticks = 1 };
		struct t_pool *t = t_pool_create(1 << 20, 0);
		struct ckremm_paging_result res = { 0 };
		struct ckremm_pager pager;
		struct t_pool_stats st;

		failed |= !t || ckremm_pager_init(&pager, t, &params) ||
			  ckremm_pager_tick(&pager, &res);
		t_pool_get_stats(t, &st);
		failed |= !res.purged || st.committed_bytes != 0;
		ckremm_pager_exit(&pager);
		failed |= !destroy_t_pool(t);
		puts("paging: an empty pool's pages given back");
	}
#endif
	return failed;
}
