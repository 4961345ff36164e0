// SPDX-License-Identifier: GPL-2.0-only
/*
 * xstore_cases.c - the external store (ckremm/paging/xstore.c) under a
 * pager, over a simulated region reached only through callbacks.
 *
 * The region is plain memory here; its callbacks check what a board's
 * would care about: every access inside the region, and, as flash, no
 * byte written twice without an erase between.  The cases check that
 * every byte of every block survives being paged out to the region and
 * back under a random run, that the region's granules in use are what the
 * pool says the store keeps, that flash is erased before it is written,
 * and the store's refusals.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ckremm_port.h"
#include <ckremm/paging.h>
#include <ckremm/t_pool.h>
#include <ckremm/xstore.h>

#include "ckremm_test.h"
#include "t_pool_model.h"

#define REGION		(128U << 10)
#define GRANULE		256U

struct region {
	u8 bytes[REGION];
	bool erased[REGION];	/* flash: erased since written */
	bool flash;
	bool fail;
	u64 reads, writes, erases;
};

static struct region *region_of(void *ctx)
{
	struct region *r = ctx;

	ASSERT_NONNULL(r);
	return r;
}

static int rg_read(void *ctx, u64 addr, void *dst, size_t len)
{
	struct region *r = region_of(ctx);

	ASSERT_LE(addr + len, REGION);
	if (r->fail)
		return -EIO;
	memcpy(dst, r->bytes + addr, len);
	r->reads++;
	return 0;
}

static int rg_write(void *ctx, u64 addr, const void *src, size_t len)
{
	struct region *r = region_of(ctx);
	size_t i;

	ASSERT_LE(addr + len, REGION);
	if (r->fail)
		return -EIO;
	for (i = 0; r->flash && i < len; i++) {
		ASSERT_TRUE(r->erased[addr + i], "flash written twice at %zu",
			    (size_t)(addr + i));
		r->erased[addr + i] = false;
	}
	memcpy(r->bytes + addr, src, len);
	r->writes++;
	return 0;
}

static int rg_erase(void *ctx, u64 addr, size_t len)
{
	struct region *r = region_of(ctx);

	ASSERT_EQ(addr % GRANULE, 0);
	ASSERT_EQ(len % GRANULE, 0);
	ASSERT_LE(addr + len, REGION);
	memset(r->bytes + addr, 0xff, len);
	memset(r->erased + addr, true, len);
	r->erases++;
	return 0;
}

static const struct ckremm_xstore_ops ram_ops = {
	.read = rg_read, .write = rg_write,
};

static const struct ckremm_xstore_ops flash_ops = {
	.read = rg_read, .write = rg_write, .erase = rg_erase,
};

static unsigned long map[REGION / GRANULE / (8 * sizeof(long))];

static u64 rng_step(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * A random run over an arena of 32 KiB with up to three times as many
 * block bytes, all of them checked after every step.
 */
static void xstore_run(bool flash, u64 seed)
{
	static struct region r;
	static struct ckremm_xstore xs;
	static u8 buf[2048];
	const struct ckremm_paging_params p = {
		.decay_ticks = 1000, .free_target = 8192,
	};
	struct ckremm_paging_result res = { 0 };
	struct ckremm_pager pager;
	struct t_pool *pool = t_pool_create(32768, 512);
	struct t_pool_fault fault;
	struct t_pool_stats st;
	struct t_model m;
	unsigned int op, i;
	u64 rng = seed;
	u64 h;
	int ret;

	memset(&r, 0, sizeof(r));
	r.flash = flash;
	ASSERT_NONNULL(pool);
	ASSERT_EQ(ckremm_xstore_init(&xs, flash ? &flash_ops : &ram_ops, &r,
				     REGION, GRANULE, map, sizeof(map), 0), 0);
	ASSERT_EQ(ckremm_pager_init(&pager, pool, &p), 0);
	ASSERT_EQ(ckremm_pager_set_store(&pager, &xs.store), 0);
	ASSERT_EQ(t_model_init(&m, 512, seed), 0);
	for (op = 0; op < 3000; op++) {
		unsigned int pick = rng_step(&rng) % 10;
		size_t size = 1 + rng_step(&rng) % sizeof(buf);

		i = m.n ? rng_step(&rng) % m.n : 0;
		if (pick < 4 && m.used + size < 3 * 32768) {
			ret = t_pool_alloc_block(pool, size, 0, &h);
			if (ret == -ENOMEM) {
				ASSERT_EQ(ckremm_pager_page_out(&pager, size, &res), 0);
				ret = t_pool_alloc_block(pool, size, 0, &h);
			}
			if (ret)
				continue;
			ASSERT_NONNULL(t_model_add(&m, h, size));
			ASSERT_EQ(t_pool_write(pool, h, 0, m.b[m.n - 1].bytes,
					       m.b[m.n - 1].size), 0);
		} else if (pick < 6 && m.n) {
			ASSERT_EQ(t_pool_free(pool, m.b[i].h), 0);
			t_model_remove(&m, i);
		} else if (pick < 8 && m.n) {
			ret = t_pool_read(pool, m.b[i].h, 0, buf, 1);
			ASSERT_TRUE(ret == 0 || ret == -ENOMEM, "read: %d", ret);
			if (ret == -ENOMEM)
				ASSERT_EQ(ckremm_pager_page_in(&pager, m.b[i].h), 0);
			else
				ASSERT_EQ(buf[0], m.b[i].bytes[0]);
			t_model_fill(&m, i, 0, m.b[i].size);
			ASSERT_EQ(t_pool_write(pool, m.b[i].h, 0, m.b[i].bytes,
					       m.b[i].size), 0);
		} else {
			ASSERT_EQ(ckremm_pager_tick(&pager, &res), 0);
			t_pool_get_stats(pool, &st);
			/* Copies of freed blocks are dropped by the tick. */
			ASSERT_EQ((size_t)xs.used * GRANULE, st.stored_bytes);
		}
		ASSERT_EQ(t_pool_validate(pool, &fault), 0, "%s", fault.reason);
	}
	/* Every block, paged in from the region where it is out. */
	for (i = 0; i < m.n; i++) {
		ASSERT_EQ(ckremm_pager_page_in(&pager, m.b[i].h), 0);
		ASSERT_EQ(t_pool_read(pool, m.b[i].h, 0, buf, m.b[i].size), 0);
		ASSERT_EQ(t_model_diff(&m, i, buf, 0, m.b[i].size), m.b[i].size,
			  "block %u", i);
	}
	t_pool_get_stats(pool, &st);
	TH_LOG("%u blocks: %zu page-outs, %zu page-ins; region: %llu writes, %llu erases, %llu bytes written",
	       m.n, st.page_outs, st.page_ins, (unsigned long long)r.writes,
	       (unsigned long long)r.erases, (unsigned long long)xs.written);
	EXPECT_GT(st.page_outs, 300);
	EXPECT_GT(st.page_ins, 100);
	EXPECT_EQ(r.erases, flash ? r.writes : 0);
	ckremm_pager_exit(&pager);
	t_model_destroy(&m);
	EXPECT_TRUE(destroy_t_pool(pool));
	EXPECT_EQ(xs.used, 0, "granules left in use");
}

TEST(xstore_ram) { xstore_run(false, 0x1234567); }
TEST(xstore_flash) { xstore_run(true, 0x7654321); }

TEST(xstore_refusals)
{
	static struct region r;
	static struct ckremm_xstore xs;
	static const struct ckremm_paging_params p = { .decay_ticks = 1000 };
	struct ckremm_pager pager;
	struct t_pool *pool = t_pool_create(16384, 0);
	static u8 buf[4096];
	u64 h[3];

	ASSERT_NONNULL(pool);
	EXPECT_EQ(ckremm_xstore_init(&xs, &ram_ops, &r, REGION, 100, map,
				     sizeof(map), 0), -EINVAL);
	EXPECT_EQ(ckremm_xstore_init(&xs, &ram_ops, &r, REGION, GRANULE, map,
				     sizeof(map) - 1, 0), -EINVAL);
	EXPECT_EQ(ckremm_xstore_map_bytes(REGION, GRANULE), sizeof(map));
	/* A region of 2 granules: 512 bytes. */
	ASSERT_EQ(ckremm_xstore_init(&xs, &ram_ops, &r, 2 * GRANULE, GRANULE,
				     map, sizeof(map), 0), 0);
	ASSERT_EQ(ckremm_pager_init(&pager, pool, &p), 0);
	ASSERT_EQ(ckremm_pager_set_store(&pager, &xs.store), 0);
	memset(buf, 0x3c, sizeof(buf));
	ASSERT_EQ(t_pool_alloc_block(pool, 1024, 0, &h[0]), 0);
	ASSERT_EQ(t_pool_alloc_block(pool, 512, 0, &h[1]), 0);
	ASSERT_EQ(t_pool_alloc_block(pool, 512, 0, &h[2]), 0);
	ASSERT_EQ(t_pool_write(pool, h[0], 0, buf, 1024), 0);
	ASSERT_EQ(t_pool_write(pool, h[1], 0, buf, 512), 0);
	ASSERT_EQ(t_pool_write(pool, h[2], 0, buf, 512), 0);
	/* The 1 KiB block does not fit the region: kept; one 512 goes. */
	EXPECT_EQ(ckremm_pager_page_out(&pager, 16384, NULL), -ENOSPC);
	EXPECT_EQ(xs.used, 2);
	/* A region that fails: the block stays out, -EIO. */
	r.fail = true;
	EXPECT_EQ(t_pool_read(pool, h[1], 0, buf, 512) == -EIO ||
		  t_pool_read(pool, h[2], 0, buf, 512) == -EIO, true);
	r.fail = false;
	ckremm_pager_exit(&pager);
	EXPECT_TRUE(destroy_t_pool(pool));
	EXPECT_EQ(xs.used, 0);
}
