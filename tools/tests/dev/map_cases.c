// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cases for the arena map renderer (libckremm's ckremm_map_*()): pure
 * functions from extents to cells, checked without a device.
 */
#include <errno.h>
#include <string.h>

#include "ckremm_test.h"
#include "libckremm.h"

#define USED	CKREMM_EXTENT_USED
#define FREE	0

/* A map over @n cells of @arena bytes, fed @count extents. */
static void build(struct ckremm_map *m, struct ckremm_map_cell *cells,
		  unsigned int n, __u64 arena,
		  const struct ckremm_extent *e, size_t count)
{
	ckremm_map_init(m, arena, cells, n);
	for (size_t i = 0; i < count; i++)
		ckremm_map_add(m, &e[i]);
}

static bool drawn_as(const struct ckremm_map *m, const char *want, bool utf8)
{
	char line[256];
	int len = ckremm_map_draw(m, 0, m->ncells, utf8, line, sizeof(line));

	return EXPECT_TRUE(len == (int)strlen(want) && !strcmp(line, want),
			   "drawn '%s', want '%s'", len < 0 ? "(error)" : line, want);
}

TEST(map_one_free_extent)
{
	struct ckremm_extent e[] = { { 0, 4096, FREE, 16 } };
	struct ckremm_map_cell cells[8];
	struct ckremm_map m;

	build(&m, cells, 8, 4096, e, 1);
	drawn_as(&m, "........", false);
	EXPECT_EQ(m.free_bytes, 4096);
	EXPECT_EQ(m.free_blocks, 1);
	EXPECT_EQ(m.used_blocks, 0);
	EXPECT_EQ(m.largest_free, 4096);
	EXPECT_EQ(m.largest_free_payload, 4096 - 16);
	EXPECT_EQ(ckremm_map_frag_permille(&m), 0);
}

TEST(map_counts_pinned_blocks)
{
	struct ckremm_extent e[] = {
		{ 0, 64, USED | CKREMM_EXTENT_PINNED, 0 }, { 64, 64, USED, 0 },
		{ 128, 64, FREE, 0 }, { 192, 64, USED | CKREMM_EXTENT_PINNED, 0 },
	};
	struct ckremm_map_cell cells[4];
	struct ckremm_map m;

	build(&m, cells, 4, 256, e, 4);
	EXPECT_EQ(m.used_blocks, 3);
	EXPECT_EQ(m.pinned_blocks, 2);
	drawn_as(&m, "##.#", false);
}

TEST(map_all_used)
{
	struct ckremm_extent e[] = {
		{ 0, 1024, USED, 16 }, { 1024, 3072, USED, 16 },
	};
	struct ckremm_map_cell cells[4];
	struct ckremm_map m;

	build(&m, cells, 4, 4096, e, 2);
	drawn_as(&m, "####", false);
	EXPECT_EQ(m.used_bytes, 4096);
	EXPECT_EQ(m.used_blocks, 2);
	EXPECT_EQ(m.free_bytes, 0);
	EXPECT_EQ(ckremm_map_frag_permille(&m), 0);
}

TEST(map_cell_states_at_boundaries)
{
	/* 4 cells of 16 bytes: used | free | free+used | used */
	struct ckremm_extent e[] = {
		{ 0, 16, USED, 0 }, { 16, 24, FREE, 0 }, { 40, 24, USED, 0 },
	};
	struct ckremm_map_cell cells[4];
	struct ckremm_map m;

	build(&m, cells, 4, 64, e, 3);
	EXPECT_EQ(ckremm_map_cell_state(&m, 0), CKREMM_CELL_USED);
	EXPECT_EQ(ckremm_map_cell_state(&m, 1), CKREMM_CELL_FREE);
	EXPECT_EQ(ckremm_map_cell_state(&m, 2), CKREMM_CELL_MIXED);
	EXPECT_EQ(ckremm_map_cell_state(&m, 3), CKREMM_CELL_USED);
	EXPECT_EQ(cells[2].free, 8);
	EXPECT_EQ(cells[2].used, 8);
	drawn_as(&m, "#.+#", false);
}

TEST(map_uneven_cells_cover_arena)
{
	/* 10 bytes in 3 cells: [0,3) [3,6) [6,10) */
	struct ckremm_extent e[] = { { 0, 10, FREE, 0 } };
	struct ckremm_map_cell cells[3];
	struct ckremm_map m;

	build(&m, cells, 3, 10, e, 1);
	EXPECT_EQ(ckremm_map_cell_start(&m, 0), 0);
	EXPECT_EQ(ckremm_map_cell_start(&m, 1), 3);
	EXPECT_EQ(ckremm_map_cell_start(&m, 2), 6);
	EXPECT_EQ(ckremm_map_cell_start(&m, 3), 10);
	EXPECT_EQ(cells[0].free + cells[1].free + cells[2].free, 10);
	EXPECT_EQ(cells[2].free, 4);
}

TEST(map_one_byte_used_shows)
{
	struct ckremm_extent e[] = {
		{ 0, 5000, FREE, 0 }, { 5000, 1, USED, 0 },
		{ 5001, 3191, FREE, 0 },
	};
	struct ckremm_map_cell cells[8];
	struct ckremm_map m;

	build(&m, cells, 8, 8192, e, 3);
	/* byte 5000 is in cell 4 ([4096, 5120)) */
	drawn_as(&m, "....+...", false);
	EXPECT_EQ(m.free_blocks, 2);
	EXPECT_EQ(m.largest_free, 5000);
	/* 1000 - 1000 * 5000 / 8191 = 1000 - 610 */
	EXPECT_EQ(ckremm_map_frag_permille(&m), 390);
}

TEST(map_extent_order_does_not_matter)
{
	struct ckremm_extent fwd[] = {
		{ 0, 100, USED, 16 }, { 100, 300, FREE, 16 },
		{ 400, 50, USED, 16 }, { 450, 574, FREE, 16 },
	};
	struct ckremm_extent rev[] = { fwd[3], fwd[1], fwd[2], fwd[0] };
	struct ckremm_map_cell a_cells[16], b_cells[16];
	struct ckremm_map a, b;

	build(&a, a_cells, 16, 1024, fwd, 4);
	build(&b, b_cells, 16, 1024, rev, 4);
	EXPECT_TRUE(!memcmp(a_cells, b_cells, sizeof(a_cells)), "cells differ");
	EXPECT_EQ(a.used_bytes, b.used_bytes);
	EXPECT_EQ(a.largest_free, b.largest_free);
	EXPECT_EQ(a.largest_free, 574);
}

TEST(map_extent_past_end_is_clipped)
{
	struct ckremm_extent e[] = {
		{ 0, 48, USED, 0 }, { 48, 32, FREE, 0 }, { 100, 10, USED, 0 },
	};
	struct ckremm_map_cell cells[4];
	struct ckremm_map m;

	build(&m, cells, 4, 64, e, 3);
	EXPECT_EQ(m.outside_bytes, 16 + 10);
	EXPECT_EQ(cells[3].free, 16);
	drawn_as(&m, "###.", false);
}

TEST(map_uncovered_cells_are_blank)
{
	struct ckremm_extent e[] = { { 0, 16, USED, 0 } };
	struct ckremm_map_cell cells[4];
	struct ckremm_map m;

	build(&m, cells, 4, 64, e, 1);
	EXPECT_EQ(ckremm_map_cell_state(&m, 1), CKREMM_CELL_NONE);
	drawn_as(&m, "#   ", false);
}

TEST(map_fragmentation_permille)
{
	struct ckremm_extent e[] = {
		{ 0, 100, FREE, 0 }, { 100, 100, USED, 0 },
		{ 200, 300, FREE, 0 }, { 500, 12, USED, 0 },
	};
	struct ckremm_map_cell cells[1];
	struct ckremm_map m;

	build(&m, cells, 1, 512, e, 4);
	/* largest 300 of 400 free bytes */
	EXPECT_EQ(ckremm_map_frag_permille(&m), 250);
	EXPECT_EQ(ckremm_map_cell_state(&m, 0), CKREMM_CELL_MIXED);

	build(&m, cells, 1, 512, e, 0);
	EXPECT_EQ(ckremm_map_frag_permille(&m), 0);
}

TEST(map_draw_utf8_shades)
{
	/* cells of 100 bytes: all used, mostly used, mostly free, free */
	struct ckremm_extent e[] = {
		{ 0, 170, USED, 0 }, { 170, 30, FREE, 0 },
		{ 200, 10, USED, 0 }, { 210, 190, FREE, 0 },
	};
	struct ckremm_map_cell cells[4];
	struct ckremm_map m;

	build(&m, cells, 4, 400, e, 4);
	drawn_as(&m, "\u2588\u2593\u2592\u2591", true);
	drawn_as(&m, "#++.", false);
}

TEST(map_draw_refuses_short_buffer)
{
	struct ckremm_extent e[] = { { 0, 64, USED, 0 } };
	struct ckremm_map_cell cells[4];
	struct ckremm_map m;
	char out[4];

	build(&m, cells, 4, 64, e, 1);
	EXPECT_EQ(ckremm_map_draw(&m, 0, 4, false, out, sizeof(out)), -ENOSPC);
	EXPECT_EQ(ckremm_map_draw(&m, 0, 3, false, out, sizeof(out)), 3);
	EXPECT_TRUE(!strcmp(out, "###"), "drew '%s'", out);
	/* one cell in UTF-8 is 3 bytes and the NUL: exactly room */
	EXPECT_EQ(ckremm_map_draw(&m, 0, 1, true, out, sizeof(out)), 3);
	EXPECT_TRUE(!strcmp(out, "\u2588"), "drew '%s'", out);
}

TEST(map_draw_row_slice)
{
	struct ckremm_extent e[] = { { 0, 512, USED, 0 }, { 512, 512, FREE, 0 } };
	struct ckremm_map_cell cells[16];
	struct ckremm_map m;
	char out[32];

	build(&m, cells, 16, 1024, e, 2);
	EXPECT_EQ(ckremm_map_draw(&m, 4, 8, false, out, sizeof(out)), 8);
	EXPECT_TRUE(!strcmp(out, "####...."), "drew '%s'", out);
	/* a slice running past the last cell stops there */
	EXPECT_EQ(ckremm_map_draw(&m, 12, 8, false, out, sizeof(out)), 4);
	EXPECT_TRUE(!strcmp(out, "...."), "drew '%s'", out);
}

TEST(map_huge_arena_no_overflow)
{
	__u64 arena = (~(__u64)0 >> 1) + 12345;	/* past 2^63 */
	struct ckremm_extent e[] = {
		{ 0, arena / 2, USED, 16 }, { arena / 2, arena - arena / 2, FREE, 16 },
	};
	struct ckremm_map_cell cells[256];
	struct ckremm_map m;
	__u64 sum = 0, prev = 0;

	build(&m, cells, 256, arena, e, 2);
	for (unsigned int i = 0; i <= 256; i++) {
		__u64 start = ckremm_map_cell_start(&m, i);

		EXPECT_GE(start, prev, "cell %u starts before cell %u", i, i - 1);
		prev = start;
	}
	EXPECT_EQ(ckremm_map_cell_start(&m, 256), arena);
	for (unsigned int i = 0; i < 256; i++)
		sum += cells[i].used + cells[i].free;
	EXPECT_EQ(sum, arena);
	EXPECT_EQ(ckremm_map_cell_state(&m, 0), CKREMM_CELL_USED);
	EXPECT_EQ(ckremm_map_cell_state(&m, 255), CKREMM_CELL_FREE);
	EXPECT_EQ(ckremm_map_frag_permille(&m), 0);
}

TEST(map_cells_sum_to_their_width)
{
	/* A deterministic tiling of 100000 bytes into uneven extents. */
	struct ckremm_extent e[200];
	struct ckremm_map_cell cells[77];
	struct ckremm_map m;
	__u64 off = 0, x = 12345, sum = 0;
	size_t n = 0;

	while (off < 100000 && n < 200) {
		__u64 len;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		len = 16 + (x >> 33) % 2000;
		if (off + len > 100000 || n == 199)
			len = 100000 - off;
		e[n].offset = off;
		e[n].size = len;
		e[n].flags = n % 3 ? USED : FREE;
		e[n].meta = 16;
		off += len;
		n++;
	}
	build(&m, cells, 77, 100000, e, n);
	EXPECT_EQ(m.used_bytes + m.free_bytes, 100000);
	EXPECT_EQ(m.used_blocks + m.free_blocks, n);
	for (unsigned int i = 0; i < 77; i++) {
		EXPECT_EQ(cells[i].used + cells[i].free,
			  ckremm_map_cell_start(&m, i + 1) -
			  ckremm_map_cell_start(&m, i));
		sum += cells[i].used + cells[i].free;
	}
	/* and the widths cover the arena, no byte twice */
	EXPECT_EQ(ckremm_map_cell_start(&m, 0), 0);
	EXPECT_EQ(ckremm_map_cell_start(&m, 77), 100000);
	EXPECT_EQ(sum, 100000);
}

