// SPDX-License-Identifier: GPL-2.0-only
/* tp_check.c - shared checks for the table pool tests (see tp_check.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tp_check.h"

void tp_pattern_fill(void *buf, size_t len, uint64_t tag, size_t from)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = tp_pattern_byte(tag, from + i);
}

long tp_pattern_mismatch(const void *buf, size_t len, uint64_t tag,
			 size_t from)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != tp_pattern_byte(tag, from + i))
			return (long)i;
	return -1;
}

bool tp_block_equals(struct t_pool *pool, uint64_t handle,
		     const void *expect, size_t len)
{
	size_t size = t_pool_size_of(pool, handle);
	unsigned char *buf;
	bool ok = true;
	size_t i;

	if (!EXPECT_EQ(size, len))
		return false;
	buf = malloc(size);
	ASSERT_TRUE(buf);
	memset(buf, 0xa5, size);
	ok = EXPECT_EQ(t_pool_read(pool, handle, 0, buf, size), 0);
	for (i = 0; ok && i < size; i++) {
		if (buf[i] != ((const unsigned char *)expect)[i]) {
			test_fail_at(__FILE__, __LINE__,
				     "block %#llx byte %zu of %zu is %#x, expected %#x",
				     (unsigned long long)handle, i, size, buf[i],
				     ((const unsigned char *)expect)[i]);
			ok = false;
		}
	}
	free(buf);
	return ok;
}

/*
 * Write the pattern @tag over the whole block @handle, or (@write false)
 * read the block and compare it with the pattern; false if anything
 * failed, reported.
 */
static bool pattern_in_block(struct t_pool *pool, uint64_t handle,
			     uint64_t tag, bool write)
{
	size_t size = t_pool_size_of(pool, handle);
	unsigned char *pattern;
	bool ok;

	if (!EXPECT_TRUE(size > 0, "handle %#llx", (unsigned long long)handle))
		return false;
	pattern = malloc(size);
	ASSERT_TRUE(pattern);
	tp_pattern_fill(pattern, size, tag, 0);
	if (write)
		ok = EXPECT_EQ(t_pool_write(pool, handle, 0, pattern, size), 0);
	else
		ok = tp_block_equals(pool, handle, pattern, size);
	free(pattern);
	return ok;
}

bool tp_fill_block(struct t_pool *pool, uint64_t handle, uint64_t tag)
{
	return pattern_in_block(pool, handle, tag, true);
}

bool tp_block_has(struct t_pool *pool, uint64_t handle, uint64_t tag)
{
	return pattern_in_block(pool, handle, tag, false);
}

bool tp_valid_at(struct t_pool *pool, const char *file, int line)
{
	struct t_pool_fault fault = { 0, NULL };
	int ret = t_pool_validate(pool, &fault);

	test_checked();
	if (ret)
		test_fail_at(file, line, "t_pool_validate() = %d at offset %zu: %s",
			     ret, fault.offset, fault.reason ? fault.reason : "?");
	return ret == 0;
}

unsigned int tp_walk_all(struct t_pool *pool, struct t_pool_extent *ext,
			 unsigned int max)
{
	size_t cursor = 0;
	unsigned int n = 0, got;

	do {
		got = t_pool_walk(pool, &cursor, ext + n, max - n);
		n += got;
	} while (got && n < max);
	return n;
}

bool tp_same_extents(const struct t_pool_extent *a,
		     const struct t_pool_extent *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (a[i].offset != b[i].offset || a[i].size != b[i].size ||
		    a[i].handle != b[i].handle || a[i].pinned != b[i].pinned)
			return false;
	return true;
}

void tp_snap(struct t_pool *pool, struct tp_snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
	t_pool_get_stats(pool, &snap->stats);
	snap->next = tp_walk_all(pool, snap->ext, ARRAY_LEN(snap->ext));
}

bool tp_unchanged_at(struct t_pool *pool, const struct tp_snapshot *before,
		     size_t refused, const char *file, int line)
{
	struct tp_snapshot *now = malloc(sizeof(*now));
	const struct t_pool_stats *b = &before->stats, *a;
	bool ok = true;

	ASSERT_TRUE(now);
	if (!tp_valid_at(pool, file, line))
		ok = false;
	tp_snap(pool, now);
	a = &now->stats;
	if (a->arena_size != b->arena_size || a->used_bytes != b->used_bytes ||
	    a->free_bytes != b->free_bytes ||
	    a->largest_free != b->largest_free ||
	    a->used_blocks != b->used_blocks ||
	    a->free_blocks != b->free_blocks ||
	    a->pinned_blocks != b->pinned_blocks ||
	    a->peak_used != b->peak_used ||
	    a->failed_allocs != b->failed_allocs ||
	    a->refused_calls != b->refused_calls + refused ||
	    a->table_capacity != b->table_capacity ||
	    a->meta_bytes != b->meta_bytes || a->reorders != b->reorders ||
	    a->bytes_moved != b->bytes_moved ||
	    a->frag_permille != b->frag_permille) {
		test_fail_at(file, line,
			     "statistics changed: refused %zu -> %zu (expected +%zu), used %zu -> %zu, blocks %zu -> %zu, failed %zu -> %zu",
			     before->stats.refused_calls, now->stats.refused_calls,
			     refused, before->stats.used_bytes,
			     now->stats.used_bytes, before->stats.used_blocks,
			     now->stats.used_blocks, before->stats.failed_allocs,
			     now->stats.failed_allocs);
		ok = false;
	}
	if (now->next != before->next ||
	    !tp_same_extents(now->ext, before->ext, now->next)) {
		test_fail_at(file, line, "layout changed (%u extents, was %u)",
			     now->next, before->next);
		ok = false;
	}
	free(now);
	return ok;
}

struct t_pool *tp_new(size_t size, unsigned int capacity)
{
	struct t_pool *pool = t_pool_create(size, capacity);

	ASSERT_TRUE(pool, "t_pool_create(%zu, %u)", size, capacity);
	return pool;
}
