// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckremmctl map: the arena drawn to scale from a walk of its extents, so
 * fragmentation can be seen before and after a reorder.  The counting and
 * drawing are libckremm's pure ckremm_map_*() functions; this file only
 * walks the pool and lays the picture out.
 *
 * A paged table pool's arena holds no memory in the run its pager gave
 * back, at the top of the arena below its last partial page: cells that
 * lie wholly inside that run are drawn as given back ('_', or a blank on
 * a UTF-8 terminal) rather than free.  A pool with a backing store also
 * holds blocks paged out of the arena: they have no extent, so a line
 * after the legend counts them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ckremmctl.h"

#define MAP_PURGED_ASCII	'_'
#define MAP_PURGED_UTF8		' '

#define MAP_WIDTH_DEFAULT	64
#define MAP_ROWS_DEFAULT	4
#define MAP_SIDE_MAX		4096	/* most cells in a row, most rows */
#define MAP_CELLS_MAX		(1U << 16)

static int add_extent(const struct ckremm_extent *e, void *ctx)
{
	ckremm_map_add(ctx, e);
	return 0;
}

/* UTF-8 output only to a terminal whose locale says UTF-8. */
static bool want_utf8(void)
{
	const char *vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };

	if (!isatty(STDOUT_FILENO))
		return false;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			return strcasestr(v, "UTF-8") || strcasestr(v, "utf8");
	}
	return false;
}

static unsigned int hex_digits(unsigned long long v)
{
	unsigned int n = 1;

	while (v >>= 4)
		n++;
	return n;
}

static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

/**
 * struct purged_run - the arena bytes a pager gave back
 * @start: first byte
 * @end: the byte after the last; @start == @end if none
 * @committed: bytes of the arena holding memory (STATS committed_bytes)
 * @store: whether the pool's pager has a store (and so the fields below)
 * @out_bytes: bytes of the blocks paged out (PAGER_STATS paged_out_bytes)
 * @out_blocks: blocks paged out
 * @zero_blocks: of them, blocks of zeros
 * @stored: bytes the store keeps for them
 */
struct purged_run {
	__u64 start;
	__u64 end;
	__u64 committed;
	bool store;
	__u64 out_bytes;
	__u64 out_blocks;
	__u64 zero_blocks;
	__u64 stored;
};

/* What @pool's store holds, if its pager has one. */
static void paged_out_of(struct ckremm_pool *pool, struct purged_run *run)
{
	struct ckremm_pager_figures f;

	run->store = false;
	run->out_bytes = run->out_blocks = run->zero_blocks = run->stored = 0;
	if (pool->kind != CKREMM_KIND_TABLE || ckremm_pager_stats(pool, &f) ||
	    !f.store_bytes)
		return;
	run->store = true;
	run->out_bytes = f.paged_out_bytes;
	run->out_blocks = f.paged_out_blocks;
	run->zero_blocks = f.zero_blocks;
	run->stored = f.stored_bytes;
}

/*
 * Where @pool's given-back run lies: its pages end at the arena's last
 * whole page, and there are arena_size - committed_bytes of them.
 */
static void purged_run_of(struct ckremm_pool *pool, struct purged_run *run)
{
	long page = sysconf(_SC_PAGESIZE);
	struct ckremm_stats st;
	__u64 gone;

	run->start = run->end = 0;
	run->committed = pool->arena_size;
	if (ckremm_stats(pool, &st) || st.committed_bytes >= st.arena_size)
		return;
	run->committed = st.committed_bytes;
	gone = st.arena_size - st.committed_bytes;
	run->end = st.arena_size & ~(__u64)(page > 0 ? page - 1 : 4095);
	run->start = gone <= run->end ? run->end - gone : 0;
}

/* Whether cell @i of @m lies wholly inside @run. */
static bool cell_purged(const struct ckremm_map *m, unsigned int i,
			const struct purged_run *run)
{
	__u64 end = i + 1 < m->ncells ? ckremm_map_cell_start(m, i + 1) :
					m->arena_size;

	return run->start < run->end &&
	       ckremm_map_cell_start(m, i) >= run->start && end <= run->end;
}

/* Cells @first.. of one row into @line, given-back cells as such. */
static void draw_row(const struct ckremm_map *m, unsigned int first,
		     unsigned int count, bool utf8,
		     const struct purged_run *run, char *line, size_t size)
{
	size_t len = 0;
	int n;

	line[0] = '\0';
	for (unsigned int i = first; i < first + count && i < m->ncells; i++) {
		if (cell_purged(m, i, run)) {
			if (len + 1 >= size)
				break;
			line[len++] = utf8 ? MAP_PURGED_UTF8 : MAP_PURGED_ASCII;
			line[len] = '\0';
			continue;
		}
		n = ckremm_map_draw(m, i, 1, utf8, line + len, size - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
}

static void print_legend(const struct ckremm_map *m, bool utf8,
			 const struct purged_run *run)
{
	unsigned int frag = ckremm_map_frag_permille(m);
	char a[32], b[32], c[32];

	if (utf8)
		printf("\u2588 used  \u2593 mostly used  \u2592 mostly free  \u2591 free%s\n",
		       run->start < run->end ? "  (blank) given back" : "");
	else
		printf("# used  + used and free  . free%s\n",
		       run->start < run->end ? "  _ given back" : "");
	printf("used %llu bytes (%s) in %llu block%s",
	       (unsigned long long)m->used_bytes,
	       fmt_bytes(m->used_bytes, a, sizeof(a)),
	       (unsigned long long)m->used_blocks, plural(m->used_blocks));
	if (m->pinned_blocks)
		printf(" (%llu pinned)", (unsigned long long)m->pinned_blocks);
	printf("; free %llu bytes (%s) in %llu block%s\n",
	       (unsigned long long)m->free_bytes,
	       fmt_bytes(m->free_bytes, b, sizeof(b)),
	       (unsigned long long)m->free_blocks, plural(m->free_blocks));
	printf("largest free block %llu bytes (%s), %llu usable; fragmentation %u.%u%%\n",
	       (unsigned long long)m->largest_free,
	       fmt_bytes(m->largest_free, c, sizeof(c)),
	       (unsigned long long)m->largest_free_payload,
	       frag / 10, frag % 10);
	if (run->start < run->end)
		printf("committed %llu bytes (%s); given back %llu bytes (%s) at 0x%llx-0x%llx\n",
		       (unsigned long long)run->committed,
		       fmt_bytes(run->committed, a, sizeof(a)),
		       (unsigned long long)(run->end - run->start),
		       fmt_bytes(run->end - run->start, b, sizeof(b)),
		       (unsigned long long)run->start,
		       (unsigned long long)run->end);
	if (run->store)
		printf("paged out %llu bytes (%s) in %llu block%s (%llu of zeros), not in the arena; stored in %llu bytes\n",
		       (unsigned long long)run->out_bytes,
		       fmt_bytes(run->out_bytes, a, sizeof(a)),
		       (unsigned long long)run->out_blocks,
		       plural(run->out_blocks),
		       (unsigned long long)run->zero_blocks,
		       (unsigned long long)run->stored);
}

int verb_map(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "width", required_argument, NULL, 'w' },
		{ "rows", required_argument, NULL, 'r' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "utf8", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int width = MAP_WIDTH_DEFAULT, rows = MAP_ROWS_DEFAULT;
	int utf8_choice = -1;	/* -1: decide from the terminal */
	struct ckremm_map_cell *cells;
	struct purged_run run;
	struct ckremm_pool pool;
	struct ckremm_map map;
	unsigned int ncells, digits;
	size_t line_size;
	bool utf8;
	char *line;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1) {
		switch (c) {
		case 'w':
			width = (unsigned int)arg_range(ctl, "--width", optarg,
							1, MAP_SIDE_MAX);
			break;
		case 'r':
			rows = (unsigned int)arg_range(ctl, "--rows", optarg,
						       1, MAP_SIDE_MAX);
			break;
		case 'a':
			utf8_choice = 0;
			break;
		case 'u':
			utf8_choice = 1;
			break;
		}
	}
	if (width * rows > MAP_CELLS_MAX)
		ctl_usage(ctl, "--width x --rows is above %u cells",
			  MAP_CELLS_MAX);
	ret = ctl_open_pool_arg(ctl, argc, argv, true, &pool);
	if (ret)
		return ret;

	/* A cell narrower than a byte would draw nothing real. */
	ncells = width * rows;
	if (pool.arena_size < ncells)
		ncells = (unsigned int)pool.arena_size;
	if (!ncells)
		return ctl_fail(0, NULL, "pool '%s' has an empty arena",
				pool.name);
	cells = calloc(ncells, sizeof(*cells));
	line_size = (size_t)width * 4 + 1;	/* 4 bytes a cell at most */
	line = malloc(line_size);
	if (!cells || !line) {
		free(cells);
		free(line);
		return ctl_fail(-ENOMEM, NULL, "map");
	}
	ckremm_map_init(&map, pool.arena_size, cells, ncells);
	ret = ckremm_walk(&pool, add_extent, &map);
	if (ret) {
		free(cells);
		free(line);
		return pool_fail(&pool, ret, NULL, "walk");
	}
	purged_run_of(&pool, &run);
	paged_out_of(&pool, &run);

	utf8 = !ctl->json && (utf8_choice < 0 ? want_utf8() : utf8_choice);
	digits = hex_digits(pool.arena_size);
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64("arena_size", pool.arena_size);
		json_u64("cells", ncells);
		json_u64("width", width);
		json_array_begin("rows");
	} else {
		char human[32];

		printf("%s: %s pool, arena %llu bytes, %u cells of %s\n",
		       pool.name, ckremm_kind_name(pool.kind),
		       (unsigned long long)pool.arena_size, ncells,
		       fmt_bytes(pool.arena_size / ncells, human,
				 sizeof(human)));
	}
	for (unsigned int first = 0; first < ncells; first += width) {
		draw_row(&map, first, width, utf8, &run, line, line_size);
		if (ctl->json)
			json_str(NULL, line);
		else
			printf("0x%0*llx |%s|\n", (int)digits,
			       (unsigned long long)ckremm_map_cell_start(&map, first),
			       line);
	}
	if (ctl->json) {
		json_array_end();
		json_u64("used_bytes", map.used_bytes);
		json_u64("free_bytes", map.free_bytes);
		json_u64("used_blocks", map.used_blocks);
		json_u64("free_blocks", map.free_blocks);
		json_u64("pinned_blocks", map.pinned_blocks);
		json_u64("largest_free", map.largest_free);
		json_u64("largest_free_usable", map.largest_free_payload);
		json_u64("frag_permille", ckremm_map_frag_permille(&map));
		json_u64("committed_bytes", run.committed);
		json_u64("purged_start", run.start);
		json_u64("purged_end", run.end);
		json_bool("store", run.store);
		json_u64("paged_out_bytes", run.out_bytes);
		json_u64("paged_out_blocks", run.out_blocks);
		json_u64("zero_blocks", run.zero_blocks);
		json_u64("stored_bytes", run.stored);
		json_end();
	} else {
		print_legend(&map, utf8, &run);
	}
	free(cells);
	free(line);
	return EXIT_OK;
}
