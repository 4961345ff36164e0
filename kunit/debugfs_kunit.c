// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the pools in debugfs (ckremm/dev/debugfs.c): a pool made
 * by kernel code with a name shows its figures under
 * /sys/kernel/debug/ckremm/<name>/, and a file held open while its pool is
 * destroyed fails its reads instead of reaching freed memory.  The cases
 * read the files as userspace would, through the VFS; they are skipped if
 * debugfs is not mounted at /sys/kernel/debug.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/string.h>

#include <ckremm/h_pool.h>
#include <ckremm/t_pool.h>

#define DEBUGFS_DIR	"/sys/kernel/debug/ckremm/"
#define READ_MAX	1024

static struct file *open_pool_file(struct kunit *test, const char *pool,
				   const char *file)
{
	char *path = kunit_kzalloc(test, PATH_MAX, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, path);
	snprintf(path, PATH_MAX, DEBUGFS_DIR "%s/%s", pool, file);
	return filp_open(path, O_RDONLY, 0);
}

/* Read the start of @f from offset 0: the bytes read, or -errno. */
static ssize_t read_start(struct file *f, char *buf)
{
	loff_t pos = 0;
	ssize_t n = kernel_read(f, buf, READ_MAX - 1, &pos);

	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* The content of one of @pool's files, or NULL (and the case skipped). */
static char *read_pool_file(struct kunit *test, const char *pool,
			    const char *file)
{
	char *buf = kunit_kzalloc(test, READ_MAX, GFP_KERNEL);
	struct file *f;
	ssize_t n;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	f = open_pool_file(test, pool, file);
	if (IS_ERR(f))
		return NULL;
	n = read_start(f, buf);
	filp_close(f, NULL);
	KUNIT_EXPECT_GT(test, n, 0);
	return buf;
}

static void skip_without_debugfs(struct kunit *test)
{
	struct file *root = filp_open(DEBUGFS_DIR, O_RDONLY | O_DIRECTORY, 0);

	if (IS_ERR(root))
		kunit_skip(test, "debugfs is not mounted at /sys/kernel/debug");
	filp_close(root, NULL);
}

static void destroy_h_action(void *pool)
{
	destroy_h_pool(pool);
}

static void destroy_t_action(void *pool)
{
	destroy_t_pool(pool);
}

static void named_header_pool_shows_its_figures(struct kunit *test)
{
	struct h_pool *pool;
	char *text;
	int err;

	skip_without_debugfs(test);
	pool = h_pool_create_named(8192, 0, "kunit-header");
	KUNIT_ASSERT_NOT_NULL(test, pool);
	err = kunit_add_action_or_reset(test, destroy_h_action, pool);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_NOT_NULL(test, h_pool_alloc(pool, 100));
	KUNIT_ASSERT_NOT_NULL(test, h_pool_alloc(pool, 200));

	text = read_pool_file(test, "kunit-header", "stats");
	KUNIT_ASSERT_NOT_NULL(test, text);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "kind            header\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "arena_size      8192\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "used_blocks     2\n"));
	text = read_pool_file(test, "kunit-header", "validate");
	KUNIT_ASSERT_NOT_NULL(test, text);
	KUNIT_EXPECT_STREQ(test, text, "ok\n");
	/* Two blocks of 16 + 112 and 16 + 208 bytes, then the free rest. */
	text = read_pool_file(test, "kunit-header", "map");
	KUNIT_ASSERT_NOT_NULL(test, text);
	KUNIT_EXPECT_STREQ(test, text,
			   "0 128 used\n128 224 used\n352 7840 free\n");
}

static void named_table_pool_maps_its_handles(struct kunit *test)
{
	char want[64];
	struct t_pool *pool;
	char *text;
	int err;
	u64 h;

	skip_without_debugfs(test);
	pool = t_pool_create_named(4096, 0, "kunit-table");
	KUNIT_ASSERT_NOT_NULL(test, pool);
	err = kunit_add_action_or_reset(test, destroy_t_action, pool);
	KUNIT_ASSERT_EQ(test, err, 0);
	h = t_pool_alloc_handle(pool, 64, 0);
	KUNIT_ASSERT_NE(test, h, T_POOL_NO_HANDLE);
	KUNIT_ASSERT_NOT_NULL(test, t_pool_pin(pool, h));

	text = read_pool_file(test, "kunit-table", "map");
	KUNIT_ASSERT_NOT_NULL(test, text);
	snprintf(want, sizeof(want), "0 64 used %llu pinned\n64 4032 free\n", h);
	KUNIT_EXPECT_STREQ(test, text, want);
	text = read_pool_file(test, "kunit-table", "stats");
	KUNIT_ASSERT_NOT_NULL(test, text);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "pinned_blocks   1\n"));
	KUNIT_EXPECT_EQ(test, t_pool_unpin(pool, h), 0);
}

/*
 * Pools made over memory of the caller's, arena and tables, work in it
 * and are listed like any other.
 */
static void pools_over_caller_memory_are_listed(struct kunit *test)
{
	size_t hmeta = h_pool_meta_size(8192, 0);
	size_t tmeta = t_pool_meta_size(8192, 64);
	u8 *harena = kunit_kzalloc(test, 8192, GFP_KERNEL);
	u8 *tarena = kunit_kzalloc(test, 8192, GFP_KERNEL);
	void *hm = kunit_kzalloc(test, hmeta, GFP_KERNEL);
	void *tm = kunit_kzalloc(test, tmeta, GFP_KERNEL);
	struct h_pool *h;
	struct t_pool *t;
	char *text;
	u8 *p;

	KUNIT_ASSERT_TRUE(test, harena && tarena && hm && tm);
	skip_without_debugfs(test);
	h = h_pool_create_in(harena, 8192, hm, hmeta, 0, "kunit-header-in");
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, destroy_h_action, h), 0);
	t = t_pool_create_in(tarena, 8192, 64, tm, tmeta, "kunit-table-in");
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, destroy_t_action, t), 0);

	p = h_pool_alloc(h, 100);
	KUNIT_EXPECT_TRUE(test, p >= harena && p + 100 <= harena + 8192);
	p = t_pool_pin(t, t_pool_alloc_handle(t, 100, 0));
	KUNIT_EXPECT_TRUE(test, p >= tarena && p + 100 <= tarena + 8192);

	text = read_pool_file(test, "kunit-header-in", "stats");
	KUNIT_ASSERT_NOT_NULL(test, text);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "arena_size      8192\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "used_blocks     1\n"));
	text = read_pool_file(test, "kunit-table-in", "stats");
	KUNIT_ASSERT_NOT_NULL(test, text);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "used_blocks     1\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "pinned_blocks   1\n"));
	text = read_pool_file(test, "kunit-table-in", "validate");
	KUNIT_ASSERT_NOT_NULL(test, text);
	KUNIT_EXPECT_STREQ(test, text, "ok\n");
}

static void file_open_across_destroy_fails_reads(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, READ_MAX, GFP_KERNEL);
	struct h_pool *pool;
	struct file *f;
	ssize_t n;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	skip_without_debugfs(test);
	pool = h_pool_create_named(4096, 0, "kunit-doomed");
	KUNIT_ASSERT_NOT_NULL(test, pool);
	f = open_pool_file(test, "kunit-doomed", "map");
	if (IS_ERR(f))
		destroy_h_pool(pool);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f));
	KUNIT_EXPECT_GT(test, read_start(f, buf), 0);

	KUNIT_EXPECT_TRUE(test, destroy_h_pool(pool));
	/*
	 * Our read finds no pool (-ENODEV) until the reaper's work item has
	 * removed the directory; from then on debugfs itself refuses reads
	 * of the files still open (-EIO).  Either way the read fails.
	 */
	n = read_start(f, buf);
	KUNIT_EXPECT_TRUE_MSG(test, n == -ENODEV || n == -EIO,
			      "read after destroy: %zd", n);
	filp_close(f, NULL);
}

static struct kunit_case ckremm_debugfs_cases[] = {
	KUNIT_CASE(named_header_pool_shows_its_figures),
	KUNIT_CASE(named_table_pool_maps_its_handles),
	KUNIT_CASE(pools_over_caller_memory_are_listed),
	KUNIT_CASE(file_open_across_destroy_fails_reads),
	{}
};

static struct kunit_suite ckremm_debugfs_suite = {
	.name = "ckremm_debugfs",
	.test_cases = ckremm_debugfs_cases,
};

kunit_test_suites(&ckremm_debugfs_suite);
