// SPDX-License-Identifier: GPL-2.0-only
/*
 * End-to-end tests of /dev/ckremm: every ioctl with good and bad input,
 * named pools across files, processes and users, and the mmap policy,
 * in the vocabulary of tools/tests/lib/ckremm_test.h.
 *
 * Run as root inside a VM with ckremm.ko loaded:
 *
 *	dev_test               every case, TAP, then "dev: N passed, M failed"
 *	dev_test --host-only   only the map renderer cases (map_cases.c, plain
 *	                       TESTs that need no device), ending "map: ..."
 *	dev_test -t NAME ...   only the named cases (--list names them all)
 *
 * The cases run one at a time (they share the module's per-user quotas),
 * 120 s each.  Every case here is a TEST_F of the fixture "dev": it starts
 * with self->fd open and self->pool an unnamed header pool of
 * FIXTURE_POOL_SIZE bytes, unless it is TEST_F_FLAGS(dev, name,
 * CASE_NO_POOL).  Cases name their named pools with fixture_name(), which
 * also arranges for them to be destroyed when the case ends, however it
 * ends.  The errno a refused request must give is the one
 * include/uapi/linux/ckremm.h documents; they are named once below so that a
 * change of contract is a change of one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckremm_test.h"
#include "common.h"
#include "libckremm.h"

#define FIXTURE_POOL_SIZE	(1U << 20)
#define FIXTURE_MAX_NAMES	32

/* The case needs the device but makes its own pools: no self->pool. */
#define CASE_NO_POOL	(1U << 0)

/* Every named pool this run makes starts with this (dev_test's pid). */
static char run_prefix[16];

/**
 * FIXTURE_DATA(dev) - what every case starts with
 * @fd: the device, open read-write
 * @pool: an unnamed header pool of FIXTURE_POOL_SIZE bytes in @fd
 * @names: named pools this case made, destroyed after it
 * @nnames: entries in @names
 */
FIXTURE(dev) {
	int fd;
	struct ckremm_pool pool;
	char names[FIXTURE_MAX_NAMES][CKREMM_NAME_LEN];
	int nnames;
};

FIXTURE_SETUP(dev)
{
	int ret;

	self->fd = ckremm_dev_open(NULL);
	ASSERT_GE(self->fd, 0, "open %s: %s (is the module loaded?)",
		  ckremm_dev_path(NULL), strerror(-self->fd));
	if (test_current()->flags & CASE_NO_POOL)
		return;
	ret = ckremm_pool_create(self->fd, CKREMM_KIND_HEADER,
				 FIXTURE_POOL_SIZE, NULL, 0, &self->pool);
	ASSERT_OK(ret, "fixture pool");
}

FIXTURE_TEARDOWN(dev)
{
	int fd;

	if (self->nnames) {
		fd = ckremm_dev_open(NULL);
		for (int i = 0; fd >= 0 && i < self->nnames; i++)
			ckremm_destroy_by_name(fd, self->names[i]);
		if (fd >= 0)
			ckremm_dev_close(fd);
	}
	if (self->fd >= 0)
		ckremm_dev_close(self->fd);
}

/* A case that crashed or timed out destroyed nothing. */
FIXTURE_TEARDOWN_PARENT(dev)
{
	int fd = ckremm_dev_open(NULL), swept;

	if (fd < 0)
		return;
	swept = destroy_named_pools(fd, run_prefix);
	ckremm_dev_close(fd);
	if (swept > 0)
		diag("%d named pool(s) left behind, destroyed", swept);
}

/*
 * A pool name for this run: the run's prefix, then @suffix.  The case's
 * teardown destroys the pool of that name if it exists.  Returns a pointer
 * into @self, valid for the case's life.
 */
static const char *fixture_name(FIXTURE_DATA(dev) *self, const char *suffix)
{
	char *name;

	if (self->nnames >= FIXTURE_MAX_NAMES) {
		test_fail_at(TEST_FILE, __LINE__,
			     "too many named pools in one case");
		return run_prefix;
	}
	name = self->names[self->nnames++];
	if ((size_t)snprintf(name, CKREMM_NAME_LEN, "%s%s", run_prefix,
			     suffix) >= CKREMM_NAME_LEN)
		test_fail_at(TEST_FILE, __LINE__,
			     "pool name suffix '%s' too long", suffix);
	return name;
}

/* What the device answers to each kind of refusal (include/uapi/linux/ckremm.h). */
#define E_BAD_REQUEST	EINVAL	/* a field out of range, reserved not zero */
#define E_NO_POOL	ENOENT	/* pool id not attached to this file */
#define E_NO_BLOCK	EINVAL	/* offset is not a live block, range outside */
#define E_NO_SPACE	ENOMEM	/* nothing free that fits */
#define E_TOO_BIG	E2BIG	/* arena above max_pool_size */
#define E_NO_NAME	ENOENT	/* no named pool of that name */
#define E_NAME_TAKEN	EEXIST	/* a named pool of that name exists */
#define E_NOT_ALLOWED	EACCES	/* the pool's mode keeps the caller out */
#define E_NOT_OWNER	EPERM	/* destroy by someone not the owner */
#define E_READ_ONLY	EBADF	/* change through a read-only attachment */
#define E_USER_LIMIT	EDQUOT	/* max_pools_per_user reached */
#define E_WRONG_KIND	EOPNOTSUPP	/* request only the other kind takes */
#define E_PINNED	EBUSY	/* FREE of a table pool's pinned block */
#define E_TOO_SMALL	ENOSPC	/* COPY into a smaller block */
#define E_NOT_PINNED	EINVAL	/* UNPIN without a pin of this attachment */
#define E_BAD_SIZE	EINVAL	/* _IOC_SIZE differs from the ABI's struct */
#define E_BAD_COMMAND	ENOTTY	/* unknown type, number or direction */
#define E_MAP_WRITE	EACCES	/* writable mapping of a header pool */
#define E_MAP_BAD	EINVAL	/* mmap of no attached pool, or past it */

#define PARAM_DIR	"/sys/module/ckremm/parameters/"

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* A module parameter as a number; false if it cannot be read. */
static bool module_param(const char *name, unsigned long long *value)
{
	char path[128], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	*value = strtoull(buf, NULL, 0);
	return true;
}

static void fill_pattern(unsigned char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8));
}

/* The usable size of the block at @off, via WALK; 0 on failure. */
static __u64 usable(struct ckremm_pool *p, __u64 off)
{
	__u64 size = 0;

	if (!EXPECT_OK(ckremm_block_size(p, off, &size)))
		return 0;
	return size;
}

/* The pool's stats; a failure is recorded and gives all-zero stats. */
static struct ckremm_stats stats_of(struct ckremm_pool *p)
{
	struct ckremm_stats s;

	if (!EXPECT_OK(ckremm_stats(p, &s)))
		memset(&s, 0, sizeof(s));
	return s;
}

/* used + free == arena, and the pool passes validation. */
static bool pool_consistent(struct ckremm_pool *p)
{
	struct ckremm_stats s = stats_of(p);
	struct ckremm_validate v;
	bool ok;

	ok = EXPECT_EQ(s.used_bytes + s.free_bytes, s.arena_size,
		       "used %llu + free %llu != arena %llu",
		       (unsigned long long)s.used_bytes,
		       (unsigned long long)s.free_bytes,
		       (unsigned long long)s.arena_size);
	ok &= EXPECT_OK(ckremm_validate(p, &v));
	return ok;
}

/* The allocation state of two snapshots is the same. */
static bool same_layout(const struct ckremm_stats *a,
			const struct ckremm_stats *b)
{
	return EXPECT_EQ(a->used_bytes, b->used_bytes) &
	       EXPECT_EQ(a->free_bytes, b->free_bytes) &
	       EXPECT_EQ(a->used_blocks, b->used_blocks) &
	       EXPECT_EQ(a->free_blocks, b->free_blocks) &
	       EXPECT_EQ(a->largest_free, b->largest_free);
}

/*
 * In a TEST(): @ioc on self->fd with a copy of the request @good in which
 * @field is @value must fail with -@err.  @good is not touched, so each
 * use spoils one field of a request that is otherwise accepted.
 */
#define EXPECT_REFUSED_WITH(ioc, good, field, value, err)		\
	({								\
		__typeof__(good) bad_ = (good);				\
									\
		bad_.field = (value);					\
		EXPECT_ERRNO(ioc(self->fd, &bad_), err, "%s with %s = %s", \
			     #ioc, #field, #value);			\
	})

/* A create request for a named header pool. */
static struct ckremm_create named_create(const char *name, __u64 size)
{
	struct ckremm_create c = {
		.kind = CKREMM_KIND_HEADER, .flags = CKREMM_CREATE_NAMED,
		.size = size,
	};

	memcpy(c.name, name, strnlen(name, sizeof(c.name)));
	return c;
}

/* ---- version and request numbers ------------------------------------- */

TEST_F(dev, version_reports_abi)
{
	struct ckremm_version v = { .abi = 12345 };

	ASSERT_OK(ckremm_ioc_version(self->fd, &v));
	EXPECT_EQ(v.abi, 2);
	EXPECT_EQ(v.reserved, 0);
	EXPECT_OK(ckremm_check_version(self->fd, NULL));
}

TEST_F(dev, unknown_ioctl_enotty)
{
	struct ckremm_version v = { 0 };
	char buf[256] = { 0 };

	EXPECT_ERRNO(ckremm_ioc_raw(self->fd, _IO(CKREMM_IOC_MAGIC, 0x7f), NULL),
		     ENOTTY);
	EXPECT_ERRNO(ckremm_ioc_raw(self->fd, _IOWR(CKREMM_IOC_MAGIC, 0x12,
						    struct ckremm_walk), buf),
		    ENOTTY);
	EXPECT_ERRNO(ckremm_ioc_raw(self->fd, _IOR('x', 0x00,
						   struct ckremm_version), &v),
		    ENOTTY);
}

TEST_F(dev, wrong_struct_size_refused)
{
	char buf[sizeof(struct ckremm_create) + 64] = { 0 };
	struct ckremm_create *c = (void *)buf;
	unsigned long smaller, larger, wrong_dir;

	c->kind = CKREMM_KIND_HEADER;
	c->size = 4096;
	smaller = _IOC(_IOC_READ | _IOC_WRITE, CKREMM_IOC_MAGIC, 0x01,
		       sizeof(struct ckremm_create) - 8);
	larger = _IOC(_IOC_READ | _IOC_WRITE, CKREMM_IOC_MAGIC, 0x01,
		      sizeof(struct ckremm_create) + 8);
	wrong_dir = _IOC(_IOC_WRITE, CKREMM_IOC_MAGIC, 0x01,
			 sizeof(struct ckremm_create));
	EXPECT_ERRNO(ckremm_ioc_raw(self->fd, smaller, buf), E_BAD_SIZE);
	EXPECT_ERRNO(ckremm_ioc_raw(self->fd, larger, buf), E_BAD_SIZE);
	EXPECT_ERRNO(ckremm_ioc_raw(self->fd, wrong_dir, buf), E_BAD_COMMAND);
	EXPECT_ERRNO(ckremm_ioc_raw(self->fd, _IOC(_IOC_READ, CKREMM_IOC_MAGIC,
						0x00, 4), buf),
		    E_BAD_SIZE);
	/* none of them made a pool: the only one is the fixture's */
	c->kind = CKREMM_KIND_HEADER;
	c->size = 4096;
	c->pool = 0;
	ASSERT_OK(ckremm_ioc_create(self->fd, c));
	EXPECT_EQ(c->pool, self->pool.id + 1);
}

TEST_F(dev, request_struct_unreachable)
{
	void *ro;
	struct ckremm_alloc *a;

	EXPECT_ERRNO(ckremm_ioc_raw(self->fd, CKREMM_IOC_STATS, (void *)16),
		     EFAULT);
	EXPECT_ERRNO(ckremm_ioc_raw(self->fd, CKREMM_IOC_VERSION, (void *)16),
		     EFAULT);
	/* A request whose result cannot be written back changes nothing. */
	ro = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(ro, MAP_FAILED, "mmap: %s", errno_name(errno));
	a = ro;
	a->pool = self->pool.id;
	a->size = 64;
	ASSERT_TRUE(!mprotect(ro, page_size(), PROT_READ), "mprotect");
	EXPECT_ERRNO(ckremm_ioc_alloc(self->fd, a), EFAULT);
	EXPECT_EQ(stats_of(&self->pool).used_blocks, 0);
	munmap(ro, page_size());
}

/* ---- create ----------------------------------------------------------- */

TEST_F(dev, create_header_pool)
{
	struct ckremm_create c = { .kind = CKREMM_KIND_HEADER, .size = 65536 };
	struct ckremm_stats s;
	struct ckremm_pool p;

	ASSERT_OK(ckremm_ioc_create(self->fd, &c));
	EXPECT_TRUE(c.arena_size > 0 && c.arena_size <= 65536,
		    "arena_size %llu for 65536 bytes asked",
		    (unsigned long long)c.arena_size);
	EXPECT_EQ(c.mmap_offset, (__u64)c.pool << CKREMM_MMAP_SHIFT);
	EXPECT_NE(c.pool, self->pool.id, "two pools share id %u", c.pool);
	p = self->pool;
	p.id = c.pool;
	ASSERT_OK(ckremm_stats(&p, &s));
	EXPECT_EQ(s.kind, CKREMM_KIND_HEADER);
	EXPECT_EQ(s.arena_size, c.arena_size);
	EXPECT_EQ(s.used_blocks, 0);
	EXPECT_EQ(s.free_blocks, 1);
	EXPECT_EQ(s.free_bytes, c.arena_size);
}

TEST_F(dev, create_too_small)
{
	__u64 sizes[] = { 0, 1, 16, 31, 32, CKREMM_POOL_MIN_SIZE - 1 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct ckremm_create c = {
			.kind = CKREMM_KIND_HEADER, .size = sizes[i],
		};

		EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_BAD_REQUEST,
			     "pool of %llu bytes", (unsigned long long)sizes[i]);
	}
}

TEST_F(dev, create_too_big)
{
	unsigned long long cap;
	struct ckremm_create c = { .kind = CKREMM_KIND_HEADER };

	c.size = ~0ULL;
	EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_TOO_BIG);
	c.size = 1ULL << 62;
	EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_TOO_BIG);
	/* The module always has the parameter (mode 0644). */
	ASSERT_TRUE(module_param("max_pool_size", &cap),
		    PARAM_DIR "max_pool_size not readable");
	c.size = cap + 1;
	EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_TOO_BIG);
	c.size = cap + page_size();
	EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_TOO_BIG);
	/* the smallest pool is always allowed */
	c.size = CKREMM_POOL_MIN_SIZE;
	EXPECT_OK(ckremm_ioc_create(self->fd, &c));
}

TEST_F(dev, create_odd_sizes)
{
	__u64 sizes[] = { 4096, 4097, 4111, 4112, 5000, 65535, 100003 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct ckremm_create c = {
			.kind = CKREMM_KIND_HEADER, .size = sizes[i],
		};
		struct ckremm_pool p = { .fd = self->fd };
		__u64 off;

		if (!EXPECT_OK(ckremm_ioc_create(self->fd, &c)))
			continue;
		/* The header pool rounds down to its 16-byte granule. */
		EXPECT_EQ(c.arena_size, sizes[i] & ~15ULL);
		p.id = c.pool;
		p.arena_size = c.arena_size;
		EXPECT_OK(ckremm_alloc(&p, 1, &off));
		pool_consistent(&p);
		EXPECT_OK(ckremm_pool_close(&p));
	}
}

TEST_F(dev, create_unknown_kind)
{
	__u32 kinds[] = { 0, 3, 0x100, 0xffffffff };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct ckremm_create c = { .kind = kinds[i], .size = 4096 };

		EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_BAD_REQUEST,
			     "kind %u not refused", kinds[i]);
	}
}

TEST_F(dev, create_unknown_flags)
{
	for (unsigned int bit = 1; bit < 32; bit++) {
		struct ckremm_create c = {
			.kind = CKREMM_KIND_HEADER, .size = 4096,
			.flags = 1U << bit,
		};

		EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_BAD_REQUEST,
			     "flag bit %u not refused", bit);
	}
}

TEST_F(dev, create_reserved_not_zero)
{
	struct ckremm_create c = { .kind = CKREMM_KIND_HEADER, .size = 4096 };

	EXPECT_REFUSED_WITH(ckremm_ioc_create, c, reserved[0], 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_create, c, reserved[1], 1ULL << 63,
			    E_BAD_REQUEST);
}

TEST_F(dev, out_fields_not_zero)
{
	struct ckremm_create c = { .kind = CKREMM_KIND_HEADER, .size = 4096 };
	struct ckremm_alloc a = { .pool = self->pool.id, .size = 16 };
	struct ckremm_block b = { .pool = self->pool.id };
	struct ckremm_realloc r = { .pool = self->pool.id, .size = 32 };
	struct ckremm_stats s = { .pool = self->pool.id };
	struct ckremm_open o = { 0 };
	__u64 off;

	EXPECT_REFUSED_WITH(ckremm_ioc_create, c, pool, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_create, c, arena_size, 4096,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_create, c, mmap_offset,
			    1ULL << CKREMM_MMAP_SHIFT, E_BAD_REQUEST);

	strcpy(o.name, fixture_name(self, "out"));
	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 4096, o.name,
				     0, &self->pool));
	o.kind = CKREMM_KIND_HEADER;
	EXPECT_ERRNO(ckremm_ioc_open(self->fd, &o), E_BAD_REQUEST);
	o.kind = 0;
	o.arena_size = 1;
	EXPECT_ERRNO(ckremm_ioc_open(self->fd, &o), E_BAD_REQUEST);

	a.pool = b.pool = r.pool = s.pool = self->pool.id;
	a.block = 16;
	EXPECT_ERRNO(ckremm_ioc_alloc(self->fd, &a), E_BAD_REQUEST);
	ASSERT_OK(ckremm_alloc(&self->pool, 16, &off));
	b.block = off;
	b.size = 16;
	EXPECT_ERRNO(ckremm_ioc_clean(self->fd, &b), E_BAD_REQUEST);
	EXPECT_ERRNO(ckremm_ioc_free(self->fd, &b), E_BAD_REQUEST);
	b.size = 0;
	b.offset = off;
	EXPECT_ERRNO(ckremm_ioc_clean(self->fd, &b), E_BAD_REQUEST);
	EXPECT_ERRNO(ckremm_ioc_free(self->fd, &b), E_BAD_REQUEST);
	r.block = off;
	r.new_block = off;
	EXPECT_ERRNO(ckremm_ioc_realloc(self->fd, &r), E_BAD_REQUEST);
	/* a stats request passed again, out fields filled in, is caught */
	ASSERT_OK(ckremm_ioc_stats(self->fd, &s));
	EXPECT_ERRNO(ckremm_ioc_stats(self->fd, &s), E_BAD_REQUEST);
	EXPECT_EQ(stats_of(&self->pool).used_blocks, 1);
}

TEST_F(dev, create_unnamed_with_name_or_mode)
{
	struct ckremm_create c = { .kind = CKREMM_KIND_HEADER, .size = 4096 };

	c.mode = 0600;
	EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_BAD_REQUEST);
	c.mode = 0;
	strcpy(c.name, "unnamed");
	EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_BAD_REQUEST);
	memset(c.name, 0, sizeof(c.name));
	c.name[CKREMM_NAME_LEN - 1] = 'x';	/* non-zero after the NUL */
	EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_BAD_REQUEST);
}

TEST_F(dev, create_named_bad_mode)
{
	const char *name = fixture_name(self, "mode");
	__u32 modes[] = { 01000, 02755, 04700, 0xffffffff };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct ckremm_create c = named_create(name, 4096);

		c.mode = modes[i];
		EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_BAD_REQUEST,
			     "mode %o not refused", modes[i]);
	}
}

TEST_F(dev, create_bad_names)
{
	static const char *const bad[] = {
		"", "a b", "a/b", "../x", "tab\tx", "semi;colon", "star*",
		"caf\xc3\xa9", "new\nline",
	};
	struct ckremm_create c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = named_create(bad[i], 4096);
		EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_BAD_REQUEST,
			     "name '%s' not refused", bad[i]);
	}
	/* 32 characters: no room for the NUL */
	c = named_create("", 4096);
	memset(c.name, 'a', sizeof(c.name));
	EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_BAD_REQUEST);
	/* garbage after the NUL */
	c = named_create("", 4096);
	strcpy(c.name, fixture_name(self, "g"));
	c.name[CKREMM_NAME_LEN - 2] = 'z';
	EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_BAD_REQUEST);
	/* a name without the NAMED flag was refused above; the flag
	 * without a name: */
	c = named_create("", 4096);
	EXPECT_ERRNO(ckremm_ioc_create(self->fd, &c), E_BAD_REQUEST);
}

TEST_F(dev, create_name_of_31_characters)
{
	char name[CKREMM_NAME_LEN];
	const char *prefix = fixture_name(self, "");
	struct ckremm_pool p;

	/* fixture_name() registered the bare prefix; register the long name
	 * so teardown destroys it. */
	memset(name, 'n', CKREMM_NAME_LEN - 1);
	memcpy(name, prefix, strlen(prefix));
	name[CKREMM_NAME_LEN - 1] = '\0';
	strcpy(self->names[self->nnames - 1], name);
	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 4096, name, 0,
				     &p));
	EXPECT_TRUE(!memcmp(p.name, name, CKREMM_NAME_LEN), "name changed");
}

TEST_F(dev, create_duplicate_name)
{
	const char *name = fixture_name(self, "dup");
	struct ckremm_pool a, b;
	int fd2;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 4096, name, 0,
				     &a));
	EXPECT_ERRNO(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 4096, name,
					0, &b), E_NAME_TAKEN);
	fd2 = ckremm_dev_open(NULL);
	ASSERT_GE(fd2, 0, "second open: %s", errno_name(fd2));
	EXPECT_ERRNO(ckremm_pool_create(fd2, CKREMM_KIND_HEADER, 8192, name, 0,
					&b), E_NAME_TAKEN);
	ckremm_dev_close(fd2);
}

/* ---- open, close, destroy --------------------------------------------- */

TEST_F(dev, open_unknown_name)
{
	struct ckremm_pool p;

	EXPECT_ERRNO(ckremm_pool_open(self->fd, fixture_name(self, "nope"), 0, &p),
		     E_NO_NAME);
}

TEST_F(dev, open_bad_requests)
{
	const char *name = fixture_name(self, "openbad");
	struct ckremm_pool p;
	struct ckremm_open o;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 4096, name, 0,
				     &p));
	memset(&o, 0, sizeof(o));
	strcpy(o.name, name);
	EXPECT_REFUSED_WITH(ckremm_ioc_open, o, flags, 1U << 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_open, o, pad, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_open, o, reserved[1], 1, E_BAD_REQUEST);
	memset(o.name, 0, sizeof(o.name));
	EXPECT_ERRNO(ckremm_ioc_open(self->fd, &o), E_BAD_REQUEST);
	strcpy(o.name, "bad name");
	EXPECT_ERRNO(ckremm_ioc_open(self->fd, &o), E_BAD_REQUEST);
	memset(o.name, 'a', sizeof(o.name));
	EXPECT_ERRNO(ckremm_ioc_open(self->fd, &o), E_BAD_REQUEST);
	memset(o.name, 0, sizeof(o.name));
	strcpy(o.name, name);
	o.name[CKREMM_NAME_LEN - 1] = 'x';	/* garbage after the NUL */
	EXPECT_ERRNO(ckremm_ioc_open(self->fd, &o), E_BAD_REQUEST);
	o.name[CKREMM_NAME_LEN - 1] = '\0';
	EXPECT_OK(ckremm_ioc_open(self->fd, &o));
	EXPECT_EQ(o.kind, CKREMM_KIND_HEADER);
	EXPECT_EQ(o.arena_size, p.arena_size);
	EXPECT_EQ(o.mmap_offset, (__u64)o.pool << CKREMM_MMAP_SHIFT);
}

/*
 * A named header pool of @size bytes made through @fd, with one block
 * that holds @bytes (without their NUL).  Returns 0 or -errno.
 */
static int named_with_bytes(int fd, const char *name, __u64 size,
			    __u32 mode, const char *bytes,
			    struct ckremm_pool *p, __u64 *block)
{
	int ret = ckremm_pool_create(fd, CKREMM_KIND_HEADER, size, name, mode,
				     p);

	if (!ret)
		ret = ckremm_alloc(p, 64, block);
	if (!ret)
		ret = ckremm_write(p, *block, 0, bytes, strlen(bytes));
	return ret;
}

/* @block of @p starts with @bytes; a failure is recorded. */
static bool holds(struct ckremm_pool *p, __u64 block, const char *bytes)
{
	char buf[32] = { 0 };
	size_t len = strlen(bytes);

	return EXPECT_OK(ckremm_read(p, block, 0, buf, len)) &&
	       EXPECT_TRUE(!memcmp(buf, bytes, len), "read '%.*s', want '%s'",
			   (int)len, buf, bytes);
}

TEST_F(dev, open_named_from_another_file)
{
	const char *name = fixture_name(self, "share");
	struct ckremm_pool a, b;
	__u64 off;
	int fd2;

	ASSERT_OK(named_with_bytes(self->fd, name, 65536, 0640, "hello", &a,
				   &off));
	fd2 = ckremm_dev_open(NULL);
	ASSERT_GE(fd2, 0, "second open: %s", errno_name(fd2));
	if (EXPECT_OK(ckremm_pool_open(fd2, name, 0, &b))) {
		EXPECT_EQ(b.kind, CKREMM_KIND_HEADER);
		EXPECT_EQ(b.arena_size, a.arena_size);
		holds(&b, off, "hello");
		EXPECT_OK(ckremm_write(&b, off, 0, "HELLO", 5));
		holds(&a, off, "HELLO");
	}
	ckremm_dev_close(fd2);
}

TEST_F(dev, open_read_only_refuses_changes)
{
	const char *name = fixture_name(self, "ro");
	struct ckremm_pool w, r;
	struct ckremm_reorder ro;
	struct ckremm_stats s;
	struct ckremm_validate v;
	char buf[4];
	__u64 off, off2, size;

	ASSERT_OK(named_with_bytes(self->fd, name, 65536, 0, "abcd", &w, &off));
	ASSERT_OK(ckremm_pool_open(self->fd, name, CKREMM_OPEN_RDONLY, &r));
	EXPECT_NE(r.id, w.id, "both attachments got id %u", r.id);

	EXPECT_OK(ckremm_read(&r, off, 0, buf, 4));
	EXPECT_TRUE(!memcmp(buf, "abcd", 4), "read back differs");
	EXPECT_OK(ckremm_stats(&r, &s));
	EXPECT_OK(ckremm_validate(&r, &v));
	EXPECT_OK(ckremm_block_size(&r, off, &size));

	EXPECT_ERRNO(ckremm_alloc(&r, 16, &off2), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_write(&r, off, 0, "xxxx", 4), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_clean(&r, off, NULL, NULL), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_realloc(&r, off, 128, &off2), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_reorder(&r, &ro), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_free(&r, off), E_READ_ONLY);
	{
		__u64 batch[1] = { off };

		EXPECT_ERRNO(ckremm_free_batch(&r, batch, 1), E_READ_ONLY);
		EXPECT_ERRNO(ckremm_alloc_batch(&r, 16, 0, batch, 1),
			     E_READ_ONLY);
	}
	EXPECT_OK(ckremm_read(&w, off, 0, buf, 4));
	EXPECT_TRUE(!memcmp(buf, "abcd", 4), "a read-only attachment changed it");
	EXPECT_EQ(stats_of(&w).used_blocks, 1);
	/* mapping is reading */
	{
		const char *view;

		if (EXPECT_OK(ckremm_map_arena(&r, (const void **)&view))) {
			EXPECT_TRUE(!memcmp(view + off, "abcd", 4), "mapped bytes");
			ckremm_unmap_arena(&r, view);
		}
	}
	/* DESTROY is the owner's, whatever the attachment's mode */
	EXPECT_OK(ckremm_pool_destroy(&r));
	EXPECT_ERRNO(ckremm_pool_open(self->fd, name, 0, &r), E_NO_NAME);
}

TEST_F(dev, close_detaches_pool)
{
	struct ckremm_pool_ref ref = { .pool = self->pool.id };
	__u64 off;

	EXPECT_OK(ckremm_ioc_close(self->fd, &ref));
	EXPECT_ERRNO(ckremm_alloc(&self->pool, 16, &off), E_NO_POOL);
	EXPECT_ERRNO(ckremm_ioc_close(self->fd, &ref), E_NO_POOL);
}

TEST_F(dev, close_and_destroy_bad_requests)
{
	struct ckremm_pool_ref ref = { .pool = self->pool.id };

	EXPECT_REFUSED_WITH(ckremm_ioc_close, ref, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_destroy, ref, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_close, ref, reserved, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_destroy, ref, reserved, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_close, ref, pool, self->pool.id + 1000,
			    E_NO_POOL);
	EXPECT_REFUSED_WITH(ckremm_ioc_destroy, ref, pool, self->pool.id + 1000,
			    E_NO_POOL);
	pool_consistent(&self->pool);
}

TEST_F(dev, destroy_unnamed_is_close)
{
	struct ckremm_stats st;
	__u64 off;

	ASSERT_OK(ckremm_alloc(&self->pool, 64, &off));
	EXPECT_OK(ckremm_pool_destroy(&self->pool));
	EXPECT_ERRNO(ckremm_stats(&self->pool, &st), E_NO_POOL);
	EXPECT_ERRNO(ckremm_pool_destroy(&self->pool), E_NO_POOL);
}

TEST_F(dev, destroy_named_then_open_fails)
{
	const char *name = fixture_name(self, "gone");
	struct ckremm_pool p, q;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 4096, name, 0,
				     &p));
	EXPECT_OK(ckremm_pool_destroy(&p));
	EXPECT_ERRNO(ckremm_pool_open(self->fd, name, 0, &q), E_NO_NAME);
	/* the name is free again */
	EXPECT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 4096, name, 0,
				     &q));
}

TEST_F(dev, destroyed_pool_lives_while_attached)
{
	const char *name = fixture_name(self, "linger");
	struct ckremm_pool a, b;
	__u64 off;
	int fd2;

	ASSERT_OK(named_with_bytes(self->fd, name, 4096, 0, "still", &a, &off));
	fd2 = ckremm_dev_open(NULL);
	ASSERT_GE(fd2, 0, "second open: %s", errno_name(fd2));
	if (EXPECT_OK(ckremm_pool_open(fd2, name, 0, &b))) {
		EXPECT_OK(ckremm_pool_destroy(&a));
		EXPECT_ERRNO(ckremm_pool_open(self->fd, name, 0, &a), E_NO_NAME);
		holds(&b, off, "still");
		EXPECT_OK(ckremm_alloc(&b, 16, &off));
		pool_consistent(&b);
	}
	ckremm_dev_close(fd2);
}

TEST_F(dev, named_pool_outlives_its_creator)
{
	const char *name = fixture_name(self, "outlive");
	struct ckremm_pool p;
	__u64 off;
	int fd;

	fd = ckremm_dev_open(NULL);
	ASSERT_GE(fd, 0, "open: %s", errno_name(fd));
	ASSERT_OK(named_with_bytes(fd, name, 65536, 0, "kept", &p, &off));
	ckremm_dev_close(fd);

	ASSERT_OK(ckremm_pool_open(self->fd, name, 0, &p));
	holds(&p, off, "kept");
	EXPECT_EQ(stats_of(&p).used_blocks, 1);
}

/* In a child: attach the named pool @name through a file of its own. */
static bool attach_anew(const char *name, struct ckremm_pool *q)
{
	int fd = ckremm_dev_open(NULL);

	return fd >= 0 && !ckremm_pool_open(fd, name, 0, q);
}

/* The child @pid exits 0; a failure is recorded. */
static bool child_succeeds(pid_t pid)
{
	int status;

	return EXPECT_EQ(waitpid(pid, &status, 0), pid, "waitpid") &&
	       EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status),
			   "child saw status %d", status);
}

/* Wait for one byte from @fd; false on EOF or error. */
static bool wait_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

TEST_F(dev, two_processes_share_a_named_pool)
{
	const char *name = fixture_name(self, "fork");
	int to_child[2], to_parent[2];
	struct ckremm_pool p;
	char buf[16] = { 0 };
	__u64 off;
	pid_t pid;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 65536, name, 0,
				     &p));
	ASSERT_OK(ckremm_alloc(&p, 64, &off));
	ASSERT_TRUE(!pipe(to_child) && !pipe(to_parent), "pipe");
	pid = fork();
	ASSERT_GE(pid, 0, "fork");
	if (!pid) {
		/* A process of its own with a file of its own. */
		struct ckremm_pool q;
		int ok = attach_anew(name, &q) &&
			 !ckremm_write(&q, off, 0, "from child", 10);

		if (write(to_parent[1], "w", 1) != 1 || !wait_byte(to_child[0]))
			_exit(3);
		ok = ok && !ckremm_read(&q, off, 0, buf, 11) &&
		     !strcmp(buf, "from parent");
		_exit(ok ? 0 : 1);
	}
	EXPECT_TRUE(wait_byte(to_parent[0]), "child did not write");
	EXPECT_OK(ckremm_read(&p, off, 0, buf, 10));
	EXPECT_TRUE(!strcmp(buf, "from child"), "parent read '%s'", buf);
	EXPECT_OK(ckremm_write(&p, off, 0, "from parent", 11));
	EXPECT_EQ(write(to_child[1], "r", 1), 1, "pipe write");
	child_succeeds(pid);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/*
 * Fork a child that becomes uid/gid 65534 and exits with @fn(@fd, @arg)
 * (@fd stays the file root opened).  Returns that exit status, below 255,
 * or -1 if the child could not run or switch.
 */
static int as_nobody(int (*fn)(int fd, const void *arg), int fd,
		     const void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(255);
		_exit(fn(fd, arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}

struct open_try {
	const char *name;
	__u32 flags;
};

/*
 * OPEN as struct open_try says, and DESTROY if it opened: the errno of
 * OPEN in the low 7 bits, bit 7 set if DESTROY failed.
 */
static int open_and_destroy(int fd, const void *arg)
{
	const struct open_try *t = arg;
	struct ckremm_pool p;
	int o, d = 0;

	o = -ckremm_pool_open(fd, t->name, t->flags, &p);
	if (!o)
		d = -ckremm_pool_destroy(&p);
	return (o & 0x7f) | ((d & 0x7f) ? 0x80 : 0);
}

/* The errno of OPEN of @name with @flags by uid 65534, as above. */
static int open_as_nobody(int fd, const char *name, __u32 flags)
{
	struct open_try t = { .name = name, .flags = flags };

	return as_nobody(open_and_destroy, fd, &t);
}

TEST_F(dev, other_user_kept_out_by_mode)
{
	static const struct {
		__u32 mode;
		__u32 flags;	/* of the other user's OPEN */
		int err;	/* what it must get */
	} tries[] = {
		{ 0600, CKREMM_OPEN_RDONLY, E_NOT_ALLOWED },
		{ 0600, 0, E_NOT_ALLOWED },
		{ 0644, CKREMM_OPEN_RDONLY, 0 },
		{ 0644, 0, E_NOT_ALLOWED },
		{ 0666, 0, 0 },	/* last: its answer is checked on */
	};
	const char *name = NULL;
	struct ckremm_pool p;
	int r = 0;

	if (geteuid())
		SKIP("needs root to switch to a second uid");
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		char suffix[8];

		snprintf(suffix, sizeof(suffix), "m%o", tries[i].mode);
		if (!i || tries[i].mode != tries[i - 1].mode) {
			name = fixture_name(self, suffix);
			ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER,
						     4096, name, tries[i].mode,
						     &p));
		}
		r = open_as_nobody(self->fd, name, tries[i].flags);
		EXPECT_EQ(r & 0x7f, tries[i].err, "%04o %s open: got %s, want %s",
			  tries[i].mode,
			  tries[i].flags ? "read-only" : "read-write",
			  errno_name(r & 0x7f), errno_name(tries[i].err));
	}
	EXPECT_TRUE(r & 0x80, "a user not the owner destroyed a 0666 pool");
	/* it is still there */
	EXPECT_OK(ckremm_pool_open(self->fd, name, 0, &p));
}

/* Write a module parameter; false if it cannot be written. */
static bool set_module_param(const char *name, unsigned long long value)
{
	char path[128], buf[32];
	int fd, len;
	bool ok;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = snprintf(buf, sizeof(buf), "%llu\n", value);
	ok = write(fd, buf, (size_t)len) == len;
	close(fd);
	return ok;
}

/* CREATE of a pool of 4 KiB: its errno. */
static int create_small(int fd, const void *arg __attribute__((unused)))
{
	struct ckremm_pool p;

	return -ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096, NULL, 0, &p) &
	       0x7f;
}

/* CREATE by uid 65534 on @fd (opened by root): the positive errno, 0 on
 * success, -1 if the child could not run. */
static int create_as_nobody(int fd)
{
	return as_nobody(create_small, fd, NULL);
}

/*
 * How many more pools of 4 KiB @fd can make before its user reaches
 * max_pools_per_user (@cap); they stay attached to @fd.
 */
static unsigned int pools_that_fit(int fd, unsigned long long cap)
{
	struct ckremm_pool p;
	unsigned int made = 0;
	int ret = 0;

	while (made <= cap) {
		ret = ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096, NULL, 0,
					 &p);
		if (ret)
			break;
		made++;
	}
	EXPECT_ERRNO(ret, E_USER_LIMIT, "pool %u of a cap of %llu",
		     made + 1, cap);
	return made;
}

/*
 * Runs @body with max_pools_per_user low enough for a case to reach it,
 * lowering the parameter for the case if it must.
 */
static void with_reachable_cap(FIXTURE_DATA(dev) *self,
			       void (*body)(FIXTURE_DATA(dev) *self,
					    unsigned long long cap))
{
	unsigned long long cap, lowered = 8;

	/* The module always has the parameter (mode 0644). */
	ASSERT_TRUE(module_param("max_pools_per_user", &cap),
		    PARAM_DIR "max_pools_per_user not readable");
	if (cap <= 60) {
		body(self, cap);
		return;
	}
	/* Too many to make here: lower the cap for the case, then restore. */
	ASSERT_TRUE(set_module_param("max_pools_per_user", lowered),
		    "max_pools_per_user is %llu and cannot be lowered", cap);
	body(self, lowered);
	EXPECT_TRUE(set_module_param("max_pools_per_user", cap),
		    "could not restore max_pools_per_user to %llu", cap);
}

/*
 * An unnamed pool dies with its file.  What shows it: a pool counts
 * under max_pools_per_user until its memory is freed
 * (include/uapi/linux/ckremm.h, CREATE), so a new file of the same user must
 * make exactly as many pools as the closed one did.  (Pool ids cannot
 * show it: every file numbers its pools afresh.)
 */
static void pools_die_with_their_file(FIXTURE_DATA(dev) *self,
				      unsigned long long cap)
{
	unsigned int room;
	int fd;

	(void)self;
	fd = ckremm_dev_open(NULL);
	ASSERT_GE(fd, 0, "open: %s", errno_name(fd));
	room = pools_that_fit(fd, cap);
	ckremm_dev_close(fd);
	EXPECT_GT(room, 0, "no pool fits under a cap of %llu", cap);
	fd = ckremm_dev_open(NULL);
	ASSERT_GE(fd, 0, "reopen: %s", errno_name(fd));
	EXPECT_EQ(pools_that_fit(fd, cap), room);
	ckremm_dev_close(fd);
}

TEST_F_FLAGS(dev, unnamed_pool_dies_with_its_file, CASE_NO_POOL)
{
	with_reachable_cap(self, pools_die_with_their_file);
}

static void fill_up_to_cap(FIXTURE_DATA(dev) *self, unsigned long long cap)
{
	struct ckremm_pool p[64];
	unsigned int made = 0;
	int fd, ret = 0;

	fd = ckremm_dev_open(NULL);
	ASSERT_GE(fd, 0, "open: %s", errno_name(fd));
	/* The fixture's pool counts too: stop at the first refusal. */
	while (made <= cap + 1) {
		ret = ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096, NULL, 0,
					 &p[made]);
		if (ret)
			break;
		made++;
	}
	EXPECT_ERRNO(ret, E_USER_LIMIT, "pool %u of a cap of %llu",
		     made + 1, cap);
	EXPECT_LT(made, cap, "made %u pools beside the fixture's under a cap of %llu",
		  made, cap);
	/* named pools count the same */
	EXPECT_ERRNO(ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096,
				       fixture_name(self, "cap"), 0, &p[63]),
		    E_USER_LIMIT);
	/* the cap is per user: another uid still may */
	if (!geteuid())
		EXPECT_EQ(create_as_nobody(fd), 0,
			  "uid 65534 refused while root is at its cap");
	if (made) {
		/* Closing one makes room for one. */
		EXPECT_OK(ckremm_pool_close(&p[0]));
		EXPECT_OK(ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096, NULL,
					     0, &p[0]));
	}
	ckremm_dev_close(fd);
	/* All gone with the file: a new pool fits again. */
	fd = ckremm_dev_open(NULL);
	ASSERT_GE(fd, 0, "open: %s", errno_name(fd));
	EXPECT_OK(ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096, NULL, 0,
				     &p[0]));
	ckremm_dev_close(fd);
}

TEST_F(dev, pools_per_user_capped)
{
	with_reachable_cap(self, fill_up_to_cap);
}

/* ---- alloc ------------------------------------------------------------ */

TEST_F(dev, alloc_zero_size)
{
	__u64 off;

	EXPECT_ERRNO(ckremm_alloc(&self->pool, 0, &off), E_BAD_REQUEST);
	EXPECT_EQ(stats_of(&self->pool).used_blocks, 0);
}

TEST_F(dev, alloc_align_not_power_of_two)
{
	__u64 aligns[] = { 3, 5, 24, 48, 100, 4095 };
	__u64 off;

	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++)
		EXPECT_ERRNO(ckremm_alloc_ex(&self->pool, 64, aligns[i], 0,
					     &off), E_BAD_REQUEST,
			     "align %llu", (unsigned long long)aligns[i]);
	EXPECT_EQ(stats_of(&self->pool).used_blocks, 0);
}

TEST_F(dev, alloc_align_above_page)
{
	__u64 off;

	EXPECT_ERRNO(ckremm_alloc_ex(&self->pool, 64, page_size() * 2, 0, &off),
		     E_BAD_REQUEST);
	EXPECT_ERRNO(ckremm_alloc_ex(&self->pool, 64, 1ULL << 40, 0, &off),
		     E_BAD_REQUEST);
	EXPECT_ERRNO(ckremm_alloc_ex(&self->pool, 64, 1ULL << 63, 0, &off),
		     E_BAD_REQUEST);
}

TEST_F(dev, alloc_aligned_blocks)
{
	for (__u64 align = 1; align <= page_size(); align <<= 1) {
		__u64 off, spacer;

		/* a small block first, so alignment is not free */
		ASSERT_OK(ckremm_alloc(&self->pool, 24, &spacer));
		if (!EXPECT_OK(ckremm_alloc_ex(&self->pool, 40, align, 0, &off)))
			continue;
		EXPECT_EQ(off % align, 0, "offset %llu not aligned to %llu",
			  (unsigned long long)off, (unsigned long long)align);
		EXPECT_EQ(off % 16, 0, "offset %llu below natural alignment",
			  (unsigned long long)off);
		EXPECT_GE(usable(&self->pool, off), 40, "block too small");
	}
	pool_consistent(&self->pool);
}

TEST_F(dev, alloc_huge_size)
{
	__u64 sizes[] = {
		FIXTURE_POOL_SIZE, FIXTURE_POOL_SIZE * 2ULL, 1ULL << 40,
		~0ULL - 4096, ~0ULL,
	};
	__u64 before = stats_of(&self->pool).failed_allocs, off;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int ret = ckremm_alloc(&self->pool, sizes[i], &off);

		EXPECT_ERRNO(ret, E_NO_SPACE, "alloc of %llu bytes: %s",
			     (unsigned long long)sizes[i], errno_name(ret));
	}
	/* At least the first two are plain lack of space. */
	EXPECT_GE(stats_of(&self->pool).failed_allocs, before + 2,
		  "failed_allocs did not count");
	EXPECT_EQ(stats_of(&self->pool).used_blocks, 0);
	pool_consistent(&self->pool);
}

TEST_F(dev, alloc_bad_requests)
{
	struct ckremm_alloc a = { .pool = self->pool.id, .size = 16 };

	/* bit 0 is CKREMM_ALLOC_REORDER, a table pool's (see below) */
	EXPECT_REFUSED_WITH(ckremm_ioc_alloc, a, flags, 1U << 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_alloc, a, flags, 1U << 31,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_alloc, a, reserved, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_alloc, a, pool, self->pool.id + 77,
			    E_NO_POOL);
	EXPECT_REFUSED_WITH(ckremm_ioc_alloc, a, pool, ~0U, E_NO_POOL);
	EXPECT_EQ(stats_of(&self->pool).used_blocks, 0);
}

TEST_F(dev, alloc_blocks_do_not_overlap)
{
	struct { __u64 off, size; } b[40];
	int n = 0;

	for (int i = 0; i < 40; i++) {
		__u64 size = 1 + (__u64)i * 37;

		if (!EXPECT_OK(ckremm_alloc(&self->pool, size, &b[n].off)))
			break;
		b[n].size = usable(&self->pool, b[n].off);
		EXPECT_GE(b[n].size, size, "usable %llu < %llu",
			  (unsigned long long)b[n].size, (unsigned long long)size);
		EXPECT_LE(b[n].off + b[n].size, self->pool.arena_size,
			  "block past the arena");
		n++;
	}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			EXPECT_TRUE(b[i].off + b[i].size <= b[j].off ||
				    b[j].off + b[j].size <= b[i].off,
				    "blocks %d and %d overlap", i, j);
	EXPECT_EQ(stats_of(&self->pool).used_blocks, n);
	pool_consistent(&self->pool);
}

/* ---- free ------------------------------------------------------------- */

TEST_F(dev, free_outside_arena)
{
	__u64 bad[] = {
		self->pool.arena_size, self->pool.arena_size + 16,
		1ULL << 40, ~0ULL, ~0ULL - 15,
	};
	__u64 off;

	ASSERT_OK(ckremm_alloc(&self->pool, 64, &off));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRNO(ckremm_free(&self->pool, bad[i]), E_NO_BLOCK,
			     "free at %llu not refused", (unsigned long long)bad[i]);
	EXPECT_EQ(stats_of(&self->pool).used_blocks, 1);
	pool_consistent(&self->pool);
}

TEST_F(dev, free_middle_of_block)
{
	struct ckremm_stats before, after;
	__u64 off;

	ASSERT_OK(ckremm_alloc(&self->pool, 256, &off));
	before = stats_of(&self->pool);
	EXPECT_ERRNO(ckremm_free(&self->pool, off + 1), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_free(&self->pool, off + 16), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_free(&self->pool, off + 128), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_free(&self->pool, off - 16), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_free(&self->pool, 0), E_NO_BLOCK);
	after = stats_of(&self->pool);
	same_layout(&before, &after);
	/* each refused call counts once */
	EXPECT_EQ(after.refused_calls, before.refused_calls + 5);
	EXPECT_OK(ckremm_free(&self->pool, off));
}

TEST_F(dev, free_twice)
{
	__u64 off, keep;

	ASSERT_OK(ckremm_alloc(&self->pool, 100, &off));
	ASSERT_OK(ckremm_alloc(&self->pool, 100, &keep));
	EXPECT_OK(ckremm_free(&self->pool, off));
	EXPECT_ERRNO(ckremm_free(&self->pool, off), E_NO_BLOCK);
	EXPECT_EQ(stats_of(&self->pool).used_blocks, 1);
	pool_consistent(&self->pool);
}

TEST_F(dev, free_bad_requests)
{
	struct ckremm_block b = { .pool = self->pool.id };
	__u64 off;

	ASSERT_OK(ckremm_alloc(&self->pool, 16, &off));
	b.block = off;
	EXPECT_REFUSED_WITH(ckremm_ioc_free, b, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_free, b, reserved, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_free, b, pool, self->pool.id + 5, E_NO_POOL);
	EXPECT_EQ(stats_of(&self->pool).used_blocks, 1);
	EXPECT_OK(ckremm_ioc_free(self->fd, &b));
	EXPECT_EQ(b.offset, 0);
	EXPECT_EQ(b.size, 0);
}

/* ---- batches, on both kinds -------------------------------------------- */

/*
 * Run @body on a fresh unnamed pool of @size bytes of each kind, made in
 * @self's file.  Stops at the first pool that cannot be made.
 */
static void on_each_kind(FIXTURE_DATA(dev) *self, __u64 size,
			 void (*body)(FIXTURE_DATA(dev) *self, struct ckremm_pool *p))
{
	static const __u32 kinds[] = { CKREMM_KIND_HEADER, CKREMM_KIND_TABLE };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct ckremm_pool p;

		if (!EXPECT_OK(ckremm_pool_create(self->fd, kinds[i], size, NULL, 0,
						  &p)))
			return;
		body(self, &p);
		ckremm_pool_close(&p);
	}
}

/*
 * A case whose body runs on a fresh pool @p of @size bytes of each kind,
 * through on_each_kind().
 */
#define KIND_TEST(name, size)						\
	static void name##_on(FIXTURE_DATA(dev) *self, struct ckremm_pool *p); \
	TEST_F(dev, name)						\
	{								\
		on_each_kind(self, size, name##_on);			\
	}								\
	static void name##_on(FIXTURE_DATA(dev) *self TEST_UNUSED,	\
			      struct ckremm_pool *p)

/* @n blocks of @size bytes, one request each. */
static int alloc_each(struct ckremm_pool *p, __u64 *block, int n, __u64 size)
{
	for (int i = 0; i < n; i++) {
		int ret = ckremm_alloc(p, size, &block[i]);

		if (ret)
			return ret;
	}
	return 0;
}

KIND_TEST(alloc_batch_distinct_blocks, FIXTURE_POOL_SIZE)
{
	__u64 b[CKREMM_BATCH_MAX];

	ASSERT_OK(ckremm_alloc_batch(p, 100, 0, b, CKREMM_BATCH_MAX));
	for (int i = 0; i < CKREMM_BATCH_MAX; i++) {
		if (!ckremm_pool_by_handle(p))
			EXPECT_TRUE(b[i] % 16 == 0 && b[i] < p->arena_size,
				    "offset %d: %llu", i, (unsigned long long)b[i]);
		EXPECT_GE(usable(p, b[i]), 100, "block %d too small", i);
		for (int j = 0; j < i; j++)
			EXPECT_NE(b[i], b[j], "blocks %d and %d equal", i, j);
	}
	EXPECT_EQ(stats_of(p).used_blocks, CKREMM_BATCH_MAX);
	EXPECT_OK(ckremm_free_batch(p, b, CKREMM_BATCH_MAX));
	EXPECT_EQ(stats_of(p).used_blocks, 0);
	pool_consistent(p);
}

TEST_F(dev, alloc_batch_aligned)
{
	__u64 off[16];

	ASSERT_OK(ckremm_alloc_batch(&self->pool, 10, 256, off, 16));
	for (int i = 0; i < 16; i++)
		EXPECT_EQ(off[i] % 256, 0, "offset %llu not 256-aligned",
			  (unsigned long long)off[i]);
}

/* On a pool of 4 KiB. */
KIND_TEST(alloc_batch_all_or_nothing, 4096)
{
	struct ckremm_stats before, after;
	__u64 b[CKREMM_BATCH_MAX], one;

	ASSERT_OK(ckremm_alloc(p, 100, &one));
	before = stats_of(p);
	/* 64 blocks of 256 bytes cannot fit in 4 KiB */
	memset(b, 0xa5, sizeof(b));
	EXPECT_ERRNO(ckremm_alloc_batch(p, 256, 0, b, CKREMM_BATCH_MAX),
		     E_NO_SPACE);
	after = stats_of(p);
	same_layout(&before, &after);
	if (!ckremm_pool_by_handle(p))
		EXPECT_EQ(after.peak_used, before.peak_used);
	pool_consistent(p);
	/* and a batch that fits still works */
	EXPECT_OK(ckremm_alloc_batch(p, 256, 0, b, 4));
	EXPECT_EQ(stats_of(p).used_blocks, 5);
}

/* What ALLOC_BATCH and FREE_BATCH refuse alike, on copies of @req. */
static void batch_fields_refused(FIXTURE_DATA(dev) *self,
				 int (*ioc)(int, struct ckremm_batch *),
				 struct ckremm_batch req)
{
	EXPECT_REFUSED_WITH(ioc, req, count, 0, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ioc, req, count, CKREMM_BATCH_MAX + 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ioc, req, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ioc, req, reserved0, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ioc, req, reserved, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ioc, req, pool, req.pool + 40, E_NO_POOL);
}

KIND_TEST(alloc_batch_bad_requests, FIXTURE_POOL_SIZE)
{
	__u64 b[CKREMM_BATCH_MAX + 1];
	struct ckremm_batch req = {
		.pool = p->id, .size = 16, .count = 1,
		.blocks = (__u64)(uintptr_t)b,
	};

	batch_fields_refused(self, ckremm_ioc_alloc_batch, req);
	EXPECT_REFUSED_WITH(ckremm_ioc_alloc_batch, req, size, 0, E_BAD_REQUEST);
	if (!ckremm_pool_by_handle(p))
		EXPECT_REFUSED_WITH(ckremm_ioc_alloc_batch, req, align, 3,
				    E_BAD_REQUEST);
	/* an unwritable blocks array: nothing may stay allocated */
	req.blocks = 16;
	req.count = 8;
	EXPECT_ERRNO(ckremm_ioc_alloc_batch(self->fd, &req), EFAULT);
	EXPECT_EQ(stats_of(p).used_blocks, 0);
	pool_consistent(p);
}

KIND_TEST(free_batch_frees_every_block, FIXTURE_POOL_SIZE)
{
	__u64 b[40];

	for (int i = 0; i < 40; i++)
		ASSERT_OK(ckremm_alloc(p, 8 + i * 16, &b[i]));
	EXPECT_OK(ckremm_free_batch(p, b, 40));
	EXPECT_EQ(stats_of(p).used_blocks, 0);
	if (!ckremm_pool_by_handle(p))
		EXPECT_EQ(stats_of(p).free_blocks, 1);
	for (int i = 0; i < 40; i++)
		EXPECT_ERRNO(ckremm_free(p, b[i]), E_NO_BLOCK);
	pool_consistent(p);
}

/*
 * FREE_BATCH of @batch[@n] must fail with -@err and change nothing: the
 * layout stays, and every block of @live[@nlive] still reads.
 */
static void free_batch_refused(struct ckremm_pool *p, const __u64 *batch,
			       unsigned int n, int err, const __u64 *live,
			       int nlive)
{
	struct ckremm_stats before = stats_of(p), after;
	char buf[4];

	EXPECT_ERRNO(ckremm_free_batch(p, batch, n), err);
	after = stats_of(p);
	same_layout(&before, &after);
	for (int i = 0; i < nlive; i++)
		EXPECT_OK(ckremm_read(p, live[i], 0, buf, sizeof(buf)));
}

KIND_TEST(free_batch_duplicate_changes_nothing, FIXTURE_POOL_SIZE)
{
	__u64 b[4], batch[5];

	ASSERT_OK(alloc_each(p, b, 4, 64));
	memcpy(batch, b, sizeof(b));
	batch[4] = b[1];
	free_batch_refused(p, batch, 5, E_NO_BLOCK, b, 4);
	/* and a batch without the duplicate succeeds */
	EXPECT_OK(ckremm_free_batch(p, batch, 4));
	EXPECT_EQ(stats_of(p).used_blocks, 0);
	pool_consistent(p);
}

KIND_TEST(free_batch_bad_offset_changes_nothing, FIXTURE_POOL_SIZE)
{
	__u64 b[3], batch[3];

	ASSERT_OK(alloc_each(p, b, 3, 64));
	ASSERT_OK(ckremm_free(p, b[2]));
	batch[0] = b[0];
	batch[1] = b[1];
	/* inside a block (header pool); never a handle (table pool) */
	batch[2] = ckremm_pool_by_handle(p) ? 0 : b[1] + 16;
	free_batch_refused(p, batch, 3, E_NO_BLOCK, b, 2);
	batch[2] = b[2];		/* already free */
	free_batch_refused(p, batch, 3, E_NO_BLOCK, b, 2);
	batch[2] = ~0ULL;		/* outside the arena; forged */
	free_batch_refused(p, batch, 3, E_NO_BLOCK, b, 2);
	pool_consistent(p);
}

/* A pinned block refuses the whole batch, whoever pinned it. */
TEST_F(dev, free_batch_pinned_refused_whole)
{
	const char *name = fixture_name(self, "bpin");
	struct ckremm_pool p, other;
	__u64 b[4];

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, 65536, name, 0,
				     &p));
	ASSERT_OK(ckremm_pool_open(self->fd, name, 0, &other));
	ASSERT_OK(alloc_each(&p, b, 4, 64));
	ASSERT_OK(ckremm_pin(&other, b[3], NULL, NULL));
	free_batch_refused(&p, b, 4, E_PINNED, b, 4);
	ASSERT_OK(ckremm_unpin(&other, b[3]));
	ASSERT_OK(ckremm_pin(&p, b[0], NULL, NULL));
	free_batch_refused(&p, b, 4, E_PINNED, b, 4);
	ASSERT_OK(ckremm_unpin(&p, b[0]));
	EXPECT_OK(ckremm_free_batch(&p, b, 4));
	EXPECT_EQ(stats_of(&p).used_blocks, 0);
	pool_consistent(&p);
}

KIND_TEST(free_batch_bad_requests, FIXTURE_POOL_SIZE)
{
	__u64 b[2];
	struct ckremm_batch req = { .pool = p->id, .count = 2 };

	ASSERT_OK(alloc_each(p, b, 2, 16));
	req.blocks = (__u64)(uintptr_t)b;
	batch_fields_refused(self, ckremm_ioc_free_batch, req);
	EXPECT_REFUSED_WITH(ckremm_ioc_free_batch, req, size, 16,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_free_batch, req, align, 16,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_free_batch, req, blocks, 16, EFAULT);
	EXPECT_EQ(stats_of(p).used_blocks, 2);
}

/* ---- read and write --------------------------------------------------- */

TEST_F(dev, read_write_round_trip)
{
	static const __u64 sizes[] = {
		1, 2, 15, 16, 17, 31, 100, 255, 4095, 4096, 4097, 10000, 65536,
		200000,
	};
	static unsigned char in[200016], out[200016], block[200016];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		__u64 off, size, pos[4];

		if (!EXPECT_OK(ckremm_alloc(&self->pool, sizes[i], &off)))
			break;
		size = usable(&self->pool, off);
		EXPECT_TRUE(size >= sizes[i] && size <= sizes[i] + 32,
			    "usable %llu for %llu", (unsigned long long)size,
			    (unsigned long long)sizes[i]);
		pos[0] = 0;
		pos[1] = 1;
		pos[2] = size / 2;
		pos[3] = size - 1;
		for (int p = 0; p < 4; p++) {
			__u64 len = size - pos[p];

			fill_pattern(in, len, (unsigned int)(i * 4 + p));
			if (!EXPECT_OK(ckremm_write(&self->pool, off, pos[p], in,
						    len)))
				continue;
			memcpy(block + pos[p], in, len);
			memset(out, 0, len);
			EXPECT_OK(ckremm_read(&self->pool, off, pos[p], out, len));
			EXPECT_TRUE(!memcmp(in, out, len),
				    "size %llu pos %llu: read back differs",
				    (unsigned long long)sizes[i],
				    (unsigned long long)pos[p]);
		}
		/* the whole block, through a separate read: every write */
		memset(out, 0, size);
		EXPECT_OK(ckremm_read(&self->pool, off, 0, out, size));
		EXPECT_TRUE(!memcmp(out, block, size),
			    "size %llu: the block is not what was written",
			    (unsigned long long)sizes[i]);
		EXPECT_OK(ckremm_free(&self->pool, off));
	}
	pool_consistent(&self->pool);
}

TEST_F(dev, read_write_bounds)
{
	unsigned char buf[512] = { 0 };
	__u64 off, size;

	ASSERT_OK(ckremm_alloc(&self->pool, 200, &off));
	size = usable(&self->pool, off);
	ASSERT_TRUE(size >= 200 && size < sizeof(buf), "usable %llu",
		    (unsigned long long)size);

	EXPECT_OK(ckremm_write(&self->pool, off, 0, buf, size));
	EXPECT_OK(ckremm_write(&self->pool, off, size - 1, buf, 1));
	EXPECT_ERRNO(ckremm_write(&self->pool, off, 0, buf, size + 1), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_write(&self->pool, off, size, buf, 1), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_write(&self->pool, off, 1, buf, size), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_read(&self->pool, off, 0, buf, size + 1), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_read(&self->pool, off, size, buf, 1), E_NO_BLOCK);
	/* overflowing pos + len */
	EXPECT_ERRNO(ckremm_read(&self->pool, off, ~0ULL, buf, 2), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_read(&self->pool, off, 2, buf, ~0ULL), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_write(&self->pool, off, ~0ULL - 1, buf, 4), E_NO_BLOCK);
	/* len 0 is a no-op anywhere inside, or at the end of, the block */
	EXPECT_OK(ckremm_read(&self->pool, off, 0, NULL, 0));
	EXPECT_OK(ckremm_write(&self->pool, off, size, NULL, 0));
	EXPECT_ERRNO(ckremm_write(&self->pool, off, size + 1, NULL, 0), E_NO_BLOCK);
	/* not a block */
	EXPECT_ERRNO(ckremm_read(&self->pool, off + 16, 0, buf, 1), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_write(&self->pool, self->pool.arena_size, 0, buf, 1),
		     E_NO_BLOCK);
	EXPECT_OK(ckremm_free(&self->pool, off));
	EXPECT_ERRNO(ckremm_read(&self->pool, off, 0, buf, 1), E_NO_BLOCK);
	pool_consistent(&self->pool);
}

TEST_F(dev, read_write_bad_buffer)
{
	unsigned char buf[64];
	__u64 off;

	ASSERT_OK(ckremm_alloc(&self->pool, 64, &off));
	memset(buf, 0x5a, sizeof(buf));
	ASSERT_OK(ckremm_write(&self->pool, off, 0, buf, 64));
	EXPECT_ERRNO(ckremm_read(&self->pool, off, 0, (void *)16, 64), EFAULT);
	EXPECT_ERRNO(ckremm_write(&self->pool, off, 0, (void *)16, 64), EFAULT);
	EXPECT_OK(ckremm_read(&self->pool, off, 0, buf, 64));
	for (int i = 0; i < 64; i++)
		if (!EXPECT_EQ(buf[i], 0x5a, "byte %d changed to %#x", i,
			       buf[i]))
			break;
}

TEST_F(dev, read_write_bad_requests)
{
	char buf[8] = { 0 };
	__u64 off;
	struct ckremm_rw rw = { .pool = self->pool.id, .len = 8 };

	ASSERT_OK(ckremm_alloc(&self->pool, 16, &off));
	rw.block = off;
	rw.buf = (__u64)(uintptr_t)buf;
	EXPECT_REFUSED_WITH(ckremm_ioc_read, rw, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_write, rw, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_read, rw, reserved, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_write, rw, reserved, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_read, rw, pool, self->pool.id + 9,
			    E_NO_POOL);
	EXPECT_OK(ckremm_ioc_read(self->fd, &rw));
}

/* ---- clean and realloc ------------------------------------------------- */

TEST_F(dev, clean_zeroes_block)
{
	unsigned char buf[5000];
	__u64 off, size, cleaned = 0, neighbour;

	ASSERT_OK(ckremm_alloc(&self->pool, 4500, &off));
	ASSERT_OK(ckremm_alloc(&self->pool, 16, &neighbour));
	size = usable(&self->pool, off);
	ASSERT_LE(size, sizeof(buf), "usable %llu", (unsigned long long)size);
	memset(buf, 0xee, sizeof(buf));
	ASSERT_OK(ckremm_write(&self->pool, off, 0, buf, size));
	ASSERT_OK(ckremm_write(&self->pool, neighbour, 0, buf, 16));
	EXPECT_OK(ckremm_clean(&self->pool, off, NULL, &cleaned));
	EXPECT_EQ(cleaned, size);
	ASSERT_OK(ckremm_read(&self->pool, off, 0, buf, size));
	for (__u64 i = 0; i < size; i++)
		if (!EXPECT_TRUE(!buf[i], "byte %llu is %#x after clean",
				 (unsigned long long)i, buf[i]))
			break;
	ASSERT_OK(ckremm_read(&self->pool, neighbour, 0, buf, 16));
	for (int i = 0; i < 16; i++)
		if (!EXPECT_EQ(buf[i], 0xee, "clean reached byte %d of the neighbour",
			       i))
			break;
}

TEST_F(dev, clean_bad_requests)
{
	struct ckremm_block b = { .pool = self->pool.id };
	__u64 off;

	ASSERT_OK(ckremm_alloc(&self->pool, 64, &off));
	EXPECT_ERRNO(ckremm_clean(&self->pool, off + 16, NULL, NULL), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_clean(&self->pool, ~0ULL, NULL, NULL), E_NO_BLOCK);
	b.block = off;
	EXPECT_REFUSED_WITH(ckremm_ioc_clean, b, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_clean, b, reserved, 1, E_BAD_REQUEST);
	EXPECT_OK(ckremm_free(&self->pool, off));
	EXPECT_ERRNO(ckremm_clean(&self->pool, off, NULL, NULL), E_NO_BLOCK);
}

TEST_F(dev, realloc_keeps_content)
{
	unsigned char in[3000], out[3000];
	__u64 off, blocker, grown, shrunk;

	ASSERT_OK(ckremm_alloc(&self->pool, 1000, &off));
	/* a used neighbour, so growing must move the block */
	ASSERT_OK(ckremm_alloc(&self->pool, 16, &blocker));
	fill_pattern(in, 1000, 9);
	ASSERT_OK(ckremm_write(&self->pool, off, 0, in, 1000));
	ASSERT_OK(ckremm_realloc(&self->pool, off, 3000, &grown));
	EXPECT_GE(usable(&self->pool, grown), 3000, "grown block too small");
	EXPECT_OK(ckremm_read(&self->pool, grown, 0, out, 1000));
	EXPECT_TRUE(!memcmp(in, out, 1000), "contents lost when growing");
	EXPECT_NE(grown, off, "grew in place over the used neighbour");
	EXPECT_ERRNO(ckremm_free(&self->pool, off), E_NO_BLOCK);

	ASSERT_OK(ckremm_realloc(&self->pool, grown, 100, &shrunk));
	EXPECT_EQ(shrunk, grown);	/* shrinking is in place */
	EXPECT_OK(ckremm_read(&self->pool, shrunk, 0, out, 100));
	EXPECT_TRUE(!memcmp(in, out, 100), "contents lost when shrinking");
	EXPECT_ERRNO(ckremm_read(&self->pool, shrunk, 0, out, 1000), E_NO_BLOCK);
	EXPECT_EQ(stats_of(&self->pool).used_blocks, 2);
	pool_consistent(&self->pool);
}

TEST_F(dev, realloc_keeps_alignment)
{
	__u64 align = page_size(), off, blocker, moved, spacer;

	ASSERT_OK(ckremm_alloc(&self->pool, 48, &spacer));
	ASSERT_OK(ckremm_alloc_ex(&self->pool, 100, align, 0, &off));
	ASSERT_OK(ckremm_alloc(&self->pool, 16, &blocker));
	ASSERT_OK(ckremm_write(&self->pool, off, 0, "aligned", 7));
	ASSERT_OK(ckremm_realloc(&self->pool, off, 3 * align, &moved));
	EXPECT_EQ(moved % align, 0, "moved to %llu, not %llu-aligned",
		  (unsigned long long)moved, (unsigned long long)align);
	ASSERT_OK(ckremm_realloc(&self->pool, moved, 10, &off));
	EXPECT_EQ(off % align, 0, "shrunk to %llu", (unsigned long long)off);
	pool_consistent(&self->pool);
}

TEST_F(dev, realloc_refusals)
{
	struct ckremm_realloc r = { .pool = self->pool.id, .size = 32 };
	struct ckremm_stats before;
	unsigned char buf[8];
	__u64 off, new_off;

	ASSERT_OK(ckremm_alloc(&self->pool, 64, &off));
	ASSERT_OK(ckremm_write(&self->pool, off, 0, "contents", 8));
	before = stats_of(&self->pool);
	EXPECT_ERRNO(ckremm_realloc(&self->pool, off, 0, &new_off), E_BAD_REQUEST);
	EXPECT_ERRNO(ckremm_realloc(&self->pool, off + 16, 32, &new_off),
		     E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_realloc(&self->pool, ~0ULL, 32, &new_off), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_realloc(&self->pool, off, 2ULL * FIXTURE_POOL_SIZE,
				    &new_off), E_NO_SPACE);
	r.block = off;
	EXPECT_REFUSED_WITH(ckremm_ioc_realloc, r, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_realloc, r, reserved, 1, E_BAD_REQUEST);
	{
		struct ckremm_stats after = stats_of(&self->pool);

		same_layout(&before, &after);
	}
	EXPECT_OK(ckremm_read(&self->pool, off, 0, buf, 8));
	EXPECT_TRUE(!memcmp(buf, "contents", 8), "refused realloc changed data");
}

/* ---- table pools: blocks by handle ------------------------------------- */

/* A table pool of @size bytes in @self's file; a failure is recorded. */
static int table_pool(FIXTURE_DATA(dev) *self, __u64 size, struct ckremm_pool *p)
{
	int ret = ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, size, NULL, 0, p);

	EXPECT_OK(ret);
	return ret;
}

/*
 * A second process opens a named table pool, compacts it and checks every
 * block by handle; the creator then finds the same bytes by the same
 * handles, and one free run.
 */
TEST_F(dev, two_processes_share_a_named_table_pool)
{
	const char *name = fixture_name(self, "tfork");
	unsigned char in[500], out[500];
	struct ckremm_pool p;
	__u64 h[16];
	pid_t pid;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, 65536, name, 0,
				     &p));
	for (int i = 0; i < 16; i++) {
		ASSERT_OK(ckremm_alloc(&p, sizeof(in), &h[i]));
		fill_pattern(in, sizeof(in), i);
		ASSERT_OK(ckremm_write(&p, h[i], 0, in, sizeof(in)));
	}
	for (int i = 0; i < 16; i += 2)
		ASSERT_OK(ckremm_free(&p, h[i]));
	pid = fork();
	ASSERT_GE(pid, 0, "fork");
	if (!pid) {
		struct ckremm_pool q;
		int ok = attach_anew(name, &q) && !ckremm_reorder(&q, NULL);

		for (int i = 1; ok && i < 16; i += 2) {
			fill_pattern(in, sizeof(in), i);
			ok = !ckremm_read(&q, h[i], 0, out, sizeof(out)) &&
			     !memcmp(in, out, sizeof(in));
		}
		_exit(ok ? 0 : 1);
	}
	child_succeeds(pid);
	for (int i = 1; i < 16; i += 2) {
		fill_pattern(in, sizeof(in), i);
		EXPECT_OK(ckremm_read(&p, h[i], 0, out, sizeof(out)));
		EXPECT_TRUE(!memcmp(in, out, sizeof(in)), "block %d changed", i);
	}
	EXPECT_EQ(stats_of(&p).free_blocks, 1);
	EXPECT_EQ(stats_of(&p).largest_free, stats_of(&p).free_bytes);
	pool_consistent(&p);
}

TEST_F(dev, table_pool_handles)
{
	unsigned char in[300], out[300];
	struct ckremm_pool p;
	__u64 h[4], off, size;

	if (table_pool(self, 65536, &p))
		return;
	EXPECT_EQ(stats_of(&p).kind, CKREMM_KIND_TABLE);
	for (int i = 0; i < 4; i++)
		ASSERT_OK(ckremm_alloc(&p, 300, &h[i]));
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < i; j++)
			EXPECT_NE(h[i], h[j], "handles %d and %d equal", i, j);
	ASSERT_OK(ckremm_locate(&p, h[2], &off, &size));
	EXPECT_TRUE(size >= 300 && off + size <= p.arena_size,
		    "block at %llu, %llu bytes", (unsigned long long)off,
		    (unsigned long long)size);
	fill_pattern(in, sizeof(in), 5);
	ASSERT_OK(ckremm_write(&p, h[2], 0, in, sizeof(in)));
	EXPECT_OK(ckremm_read(&p, h[2], 0, out, sizeof(out)));
	EXPECT_TRUE(!memcmp(in, out, sizeof(in)), "read back differs");
	EXPECT_ERRNO(ckremm_read(&p, h[2], size, out, 1), E_NO_BLOCK);
	EXPECT_OK(ckremm_clean(&p, h[2], NULL, NULL));
	memset(out, 0xa5, sizeof(out));
	EXPECT_OK(ckremm_read(&p, h[2], 0, out, sizeof(out)));
	for (size_t i = 0; i < sizeof(out); i++)
		if (!EXPECT_TRUE(!out[i], "clean left byte %zu: %#x", i, out[i]))
			break;
	/* a freed handle is refused for good */
	EXPECT_OK(ckremm_free(&p, h[2]));
	EXPECT_ERRNO(ckremm_free(&p, h[2]), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_read(&p, h[2], 0, out, 1), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_locate(&p, h[2], &off, &size), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_free(&p, 0), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_free(&p, ~0ULL), E_NO_BLOCK);
	EXPECT_EQ(stats_of(&p).used_blocks, 3);
	pool_consistent(&p);
}

/* ---- what only one kind of pool takes --------------------------------- */

TEST_F(dev, table_requests_refused_on_header_pool)
{
	struct ckremm_alloc a = {
		.pool = self->pool.id, .size = 64, .flags = CKREMM_ALLOC_REORDER,
	};
	struct ckremm_block b = { .pool = self->pool.id };
	struct ckremm_copy c = { .pool = self->pool.id };
	struct ckremm_stats before, after;
	__u64 off, other;

	ASSERT_OK(ckremm_alloc(&self->pool, 64, &off));
	ASSERT_OK(ckremm_alloc(&self->pool, 64, &other));
	before = stats_of(&self->pool);
	EXPECT_ERRNO(ckremm_ioc_alloc(self->fd, &a), E_WRONG_KIND);
	b.block = off;		/* a live block */
	EXPECT_ERRNO(ckremm_ioc_pin(self->fd, &b), E_WRONG_KIND);
	EXPECT_ERRNO(ckremm_ioc_unpin(self->fd, &b), E_WRONG_KIND);
	EXPECT_ERRNO(ckremm_ioc_locate(self->fd, &b), E_WRONG_KIND);
	c.dst = other;
	c.src = off;
	EXPECT_ERRNO(ckremm_ioc_copy(self->fd, &c), E_WRONG_KIND);
	after = stats_of(&self->pool);
	same_layout(&before, &after);
	EXPECT_EQ(after.pinned_blocks, 0);
	pool_consistent(&self->pool);
}

TEST_F(dev, header_requests_refused_on_table_pool)
{
	struct ckremm_stats before, after;
	struct ckremm_pool p;
	__u64 h, got, b[2];
	char buf[4];

	if (table_pool(self, 65536, &p))
		return;
	ASSERT_OK(ckremm_alloc(&p, 64, &h));
	ASSERT_OK(ckremm_write(&p, h, 0, "kept", 4));
	before = stats_of(&p);
	EXPECT_ERRNO(ckremm_realloc(&p, h, 128, &got), E_WRONG_KIND);
	EXPECT_ERRNO(ckremm_realloc(&p, h, 16, &got), E_WRONG_KIND);
	EXPECT_ERRNO(ckremm_alloc_ex(&p, 64, 16, 0, &got), E_WRONG_KIND);
	EXPECT_ERRNO(ckremm_alloc_ex(&p, 64, page_size(), 0, &got),
		     E_WRONG_KIND);
	EXPECT_ERRNO(ckremm_alloc_batch(&p, 64, 16, b, 2), E_WRONG_KIND);
	after = stats_of(&p);
	same_layout(&before, &after);
	EXPECT_OK(ckremm_read(&p, h, 0, buf, 4));
	EXPECT_TRUE(!memcmp(buf, "kept", 4), "a refused request changed the block");
}

TEST_F(dev, version_1_requests_answer_eproto)
{
	struct ckremm_pool t;
	__u64 off, h;

	if (table_pool(self, 65536, &t))
		return;
	ASSERT_OK(ckremm_alloc(&self->pool, 64, &off));
	ASSERT_OK(ckremm_alloc(&t, 64, &h));
	for (unsigned int i = 0; i < v1_request_count; i++) {
		bool table = v1_requests[i].name[0] == 'T';
		/* pool, flags, then a block or a size, as version 1 had */
		__u64 req[8] = { table ? t.id : self->pool.id, table ? h : off };

		EXPECT_ERRNO(ckremm_ioc_raw(self->fd, v1_requests[i].cmd, req), EPROTO,
			     "version 1 request %s not refused with EPROTO",
			     v1_requests[i].name);
	}
	EXPECT_EQ(stats_of(&self->pool).used_blocks, 1);
	EXPECT_EQ(stats_of(&t).used_blocks, 1);
	EXPECT_EQ(stats_of(&t).pinned_blocks, 0);
}

/* CLEAN, PIN and LOCATE say where the block is and its usable size. */
TEST_F(dev, clean_pin_locate_report_offset_and_size)
{
	struct ckremm_block b = { .pool = self->pool.id };
	struct ckremm_pool t;
	__u64 off, h, at, size, o2, s2;
	const char *view;

	ASSERT_OK(ckremm_alloc(&self->pool, 100, &off));
	b.block = off;
	ASSERT_OK(ckremm_ioc_clean(self->fd, &b));
	EXPECT_EQ(b.offset, off);
	EXPECT_EQ(b.size, usable(&self->pool, off));

	if (table_pool(self, 65536, &t))
		return;
	ASSERT_OK(ckremm_alloc(&t, 40, &h));	/* not at offset 0 */
	ASSERT_OK(ckremm_alloc(&t, 300, &h));
	ASSERT_OK(ckremm_write(&t, h, 0, "where", 5));
	ASSERT_OK(ckremm_locate(&t, h, &at, &size));
	EXPECT_TRUE(size >= 300 && at + size <= t.arena_size,
		    "block at %llu, %llu bytes", (unsigned long long)at,
		    (unsigned long long)size);
	ASSERT_OK(ckremm_map_arena(&t, (const void **)&view));
	EXPECT_TRUE(!memcmp(view + at, "where", 5), "LOCATE's offset is not the block");
	ASSERT_OK(ckremm_pin(&t, h, &o2, &s2));
	EXPECT_EQ(o2, at);
	EXPECT_EQ(s2, size);
	ASSERT_OK(ckremm_clean(&t, h, &o2, &s2));
	EXPECT_EQ(o2, at);
	EXPECT_EQ(s2, size);
	EXPECT_TRUE(!view[at], "CLEAN left the block's first byte");
	ckremm_unmap_arena(&t, view);
	/* UNPIN writes nothing back */
	b = (struct ckremm_block){ .pool = t.id, .block = h };
	EXPECT_OK(ckremm_ioc_unpin(self->fd, &b));
	EXPECT_EQ(b.offset, 0);
	EXPECT_EQ(b.size, 0);
}

/* Fields of the table pool's own requests, on a live block. */
TEST_F(dev, table_requests_bad_fields)
{
	struct ckremm_pool p;
	__u64 h, h2;

	if (table_pool(self, 65536, &p))
		return;
	ASSERT_OK(ckremm_alloc(&p, 64, &h));
	ASSERT_OK(ckremm_alloc(&p, 64, &h2));

	struct ckremm_alloc a = { .pool = p.id, .size = 64 };
	struct ckremm_block b = { .pool = p.id, .block = h };
	struct ckremm_rw rw = { .pool = p.id, .block = h };
	struct ckremm_copy c = { .pool = p.id, .dst = h2, .src = h };

	EXPECT_REFUSED_WITH(ckremm_ioc_alloc, a, flags, 1U << 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_alloc, a, size, 0, E_BAD_REQUEST);
	/* out fields */
	EXPECT_REFUSED_WITH(ckremm_ioc_alloc, a, block, 5, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_alloc, a, reserved, 1, E_BAD_REQUEST);

	EXPECT_REFUSED_WITH(ckremm_ioc_free, b, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_locate, b, flags, 1, E_BAD_REQUEST);
	/* out fields */
	EXPECT_REFUSED_WITH(ckremm_ioc_clean, b, offset, 16, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_pin, b, offset, 16, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_locate, b, size, 16, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_unpin, b, size, 16, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_free, b, reserved, 1, E_BAD_REQUEST);

	EXPECT_REFUSED_WITH(ckremm_ioc_read, rw, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_write, rw, reserved, 1, E_BAD_REQUEST);

	EXPECT_REFUSED_WITH(ckremm_ioc_copy, c, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_copy, c, reserved, 1, E_BAD_REQUEST);

	/* a pool id this file does not have */
	EXPECT_REFUSED_WITH(ckremm_ioc_alloc, a, pool, p.id + 50, E_NO_POOL);
	EXPECT_EQ(stats_of(&p).used_blocks, 2);
	EXPECT_EQ(stats_of(&p).pinned_blocks, 0);
}

TEST_F(dev, table_pool_reorder_compacts)
{
	struct ckremm_pool p;
	struct ckremm_reorder r;
	struct ckremm_stats s;
	__u64 h[32];

	if (table_pool(self, 65536, &p))
		return;
	for (int i = 0; i < 32; i++) {
		ASSERT_OK(ckremm_alloc(&p, 500, &h[i]));
		ASSERT_OK(ckremm_write(&p, h[i], 0, &i, sizeof(i)));
	}
	for (int i = 0; i < 32; i += 2)
		ASSERT_OK(ckremm_free(&p, h[i]));
	EXPECT_GT(stats_of(&p).free_blocks, 1, "no fragmentation to start with");
	ASSERT_OK(ckremm_reorder(&p, &r));
	s = stats_of(&p);
	EXPECT_TRUE(r.blocks_moved > 0 && r.bytes_moved > 0, "nothing moved");
	EXPECT_EQ(r.free_blocks, 1);
	EXPECT_EQ(s.free_blocks, 1);
	EXPECT_EQ(s.frag_permille, 0);
	EXPECT_EQ(r.largest_free, s.largest_free);
	/* every handle still names its block and its bytes */
	for (int i = 1; i < 32; i += 2) {
		int v = -1;

		EXPECT_OK(ckremm_read(&p, h[i], 0, &v, sizeof(v)));
		EXPECT_EQ(v, i, "block %d holds %d after reorder", i, v);
	}
	pool_consistent(&p);
}

TEST_F(dev, table_pool_alloc_with_reorder)
{
	struct ckremm_pool p;
	__u64 h[64], big;
	int n = 0;

	if (table_pool(self, 16384, &p))
		return;
	/* fill the pool, then free every other block */
	while (n < 64 && !ckremm_alloc(&p, 240, &h[n]))
		n++;
	ASSERT_GT(n, 8, "only %d blocks fit", n);
	for (int i = 0; i < n; i += 2)
		ASSERT_OK(ckremm_free(&p, h[i]));
	/* half the pool is free, but only in small pieces */
	EXPECT_ERRNO(ckremm_alloc(&p, 2048, &big), E_NO_SPACE);
	EXPECT_OK(ckremm_alloc_ex(&p, 2048, 0, CKREMM_ALLOC_REORDER, &big));
	pool_consistent(&p);
}

TEST_F(dev, table_pool_copy)
{
	unsigned char in[200], out[200];
	struct ckremm_pool p;
	__u64 small, src, dst;

	if (table_pool(self, 65536, &p))
		return;
	ASSERT_OK(ckremm_alloc(&p, 64, &small));
	ASSERT_OK(ckremm_alloc(&p, 200, &src));
	ASSERT_OK(ckremm_alloc(&p, 400, &dst));
	fill_pattern(in, sizeof(in), 11);
	ASSERT_OK(ckremm_write(&p, src, 0, in, sizeof(in)));
	EXPECT_OK(ckremm_copy(&p, dst, src));
	EXPECT_OK(ckremm_read(&p, dst, 0, out, sizeof(out)));
	EXPECT_TRUE(!memcmp(in, out, sizeof(in)), "copy differs");
	EXPECT_ERRNO(ckremm_copy(&p, small, src), E_TOO_SMALL);
	EXPECT_ERRNO(ckremm_copy(&p, dst, 0), E_NO_BLOCK);
	EXPECT_OK(ckremm_free(&p, src));
	EXPECT_ERRNO(ckremm_copy(&p, dst, src), E_NO_BLOCK);
}

TEST_F(dev, table_pool_pins)
{
	struct ckremm_pool p;
	__u64 h[8], off, size, after, last, last_size;

	if (table_pool(self, 65536, &p))
		return;
	for (int i = 0; i < 8; i++)
		ASSERT_OK(ckremm_alloc(&p, 256, &h[i]));
	ASSERT_OK(ckremm_pin(&p, h[5], &off, &size));
	EXPECT_GE(size, 256, "pinned size %llu", (unsigned long long)size);
	EXPECT_EQ(stats_of(&p).pinned_blocks, 1);
	for (int i = 0; i < 7; i++)
		if (i != 5)
			ASSERT_OK(ckremm_free(&p, h[i]));
	EXPECT_ERRNO(ckremm_free(&p, h[5]), E_PINNED);
	ASSERT_OK(ckremm_locate(&p, h[7], &last, &last_size));
	/*
	 * A pinned block stays put; the block past the hole after it moves
	 * down against it.
	 */
	EXPECT_OK(ckremm_reorder(&p, NULL));
	ASSERT_OK(ckremm_locate(&p, h[5], &after, &size));
	EXPECT_EQ(after, off);
	ASSERT_OK(ckremm_locate(&p, h[7], &after, &last_size));
	EXPECT_TRUE(after == off + size && after < last,
		    "block after the pin at %llu, was %llu, pin ends at %llu",
		    (unsigned long long)after, (unsigned long long)last,
		    (unsigned long long)(off + size));
	/* pins nest */
	EXPECT_OK(ckremm_pin(&p, h[5], NULL, NULL));
	EXPECT_OK(ckremm_unpin(&p, h[5]));
	EXPECT_ERRNO(ckremm_free(&p, h[5]), E_PINNED);
	EXPECT_OK(ckremm_unpin(&p, h[5]));
	EXPECT_ERRNO(ckremm_unpin(&p, h[5]), E_NOT_PINNED);
	EXPECT_EQ(stats_of(&p).pinned_blocks, 0);
	EXPECT_OK(ckremm_free(&p, h[5]));
	pool_consistent(&p);
}

TEST_F(dev, table_pool_pins_belong_to_their_attachment)
{
	const char *name = fixture_name(self, "pins");
	struct ckremm_pool a, b, ro;
	struct ckremm_extent *ext;
	__u64 h, off;
	size_t n, pinned = 0;
	int ret;

	ret = ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, 65536, name, 0, &a);
	ASSERT_OK(ret);
	ASSERT_OK(ckremm_alloc(&a, 100, &h));
	ASSERT_OK(ckremm_pool_open(self->fd, name, 0, &b));
	ASSERT_OK(ckremm_pool_open(self->fd, name, CKREMM_OPEN_RDONLY, &ro));

	/* a read-only attachment neither pins nor unpins */
	EXPECT_ERRNO(ckremm_pin(&ro, h, NULL, NULL), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_unpin(&ro, h), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_write(&ro, h, 0, "x", 1), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_alloc(&ro, 16, &off), E_READ_ONLY);

	/* a pin through b holds against a free through a ... */
	ASSERT_OK(ckremm_pin(&b, h, &off, NULL));
	EXPECT_ERRNO(ckremm_free(&a, h), E_PINNED);
	/* ... cannot be undone through a ... */
	EXPECT_ERRNO(ckremm_unpin(&a, h), E_NOT_PINNED);
	/* ... shows in a walk ... */
	if (EXPECT_OK(ckremm_walk_all(&a, &ext, &n))) {
		for (size_t i = 0; i < n; i++) {
			EXPECT_EQ(ext[i].meta, 0);
			if (ext[i].flags & CKREMM_EXTENT_PINNED) {
				pinned++;
				EXPECT_EQ(ext[i].offset, off);
			}
		}
		free(ext);
	}
	EXPECT_EQ(pinned, 1);
	/* ... and goes with b */
	EXPECT_OK(ckremm_pool_close(&b));
	EXPECT_EQ(stats_of(&a).pinned_blocks, 0);
	EXPECT_OK(ckremm_free(&a, h));
}

TEST_F(dev, table_pool_maps_writable)
{
	struct ckremm_pool p;
	size_t len;
	__u64 h, off, size;
	void *view;

	if (table_pool(self, 65536, &p))
		return;
	ASSERT_OK(ckremm_alloc(&p, 64, &h));
	ASSERT_OK(ckremm_write(&p, h, 0, "table", 5));
	ASSERT_OK(ckremm_locate(&p, h, &off, &size));
	len = p.arena_size;
	view = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		    (off_t)p.mmap_offset);
	ASSERT_NE(view, MAP_FAILED, "writable mapping of a table pool: %s",
		  errno_name(errno));
	EXPECT_TRUE(!memcmp((char *)view + off, "table", 5), "mapped bytes");
	/* bytes written through the mapping are the block's */
	memcpy((char *)view + off, "TABLE", 5);
	{
		char buf[6] = { 0 };

		EXPECT_OK(ckremm_read(&p, h, 0, buf, 5));
		EXPECT_TRUE(!strcmp(buf, "TABLE"), "read '%s'", buf);
	}
	munmap(view, len);
}

/*
 * @p's attachment maps its arena read-only only: a writable shared
 * mapping is refused, and a read-only one cannot be made writable.
 */
static void maps_read_only_only(FIXTURE_DATA(dev) *self, struct ckremm_pool *p)
{
	size_t len = p->arena_size;
	void *view;

	view = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		    (off_t)p->mmap_offset);
	EXPECT_TRUE(view == MAP_FAILED && errno == E_MAP_WRITE,
		    "writable shared mapping: %s",
		    view == MAP_FAILED ? errno_name(errno) : "allowed");
	if (view != MAP_FAILED)
		munmap(view, len);
	view = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd,
		    (off_t)p->mmap_offset);
	ASSERT_NE(view, MAP_FAILED, "read-only mapping: %s", errno_name(errno));
	EXPECT_EQ(mprotect(view, len, PROT_READ | PROT_WRITE), -1,
		  "mprotect made a read-only mapping writable");
	munmap(view, len);
}

TEST_F(dev, table_pool_read_only_maps_read_only)
{
	const char *name = fixture_name(self, "tro");
	struct ckremm_pool p, ro;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, 65536, name, 0,
				     &p));
	ASSERT_OK(ckremm_pool_open(self->fd, name, CKREMM_OPEN_RDONLY, &ro));
	maps_read_only_only(self, &ro);
}

/* ---- reorder, stats, validate ------------------------------------------ */

/* Allocate @n blocks of @size and free every other one. */
static int fragment(struct ckremm_pool *p, __u64 *off, int n, __u64 size)
{
	for (int i = 0; i < n; i++) {
		int ret = ckremm_alloc(p, size, &off[i]);

		if (ret)
			return ret;
		ret = ckremm_write(p, off[i], 0, &i, sizeof(i));
		if (ret)
			return ret;
	}
	for (int i = 0; i < n; i += 2) {
		int ret = ckremm_free(p, off[i]);

		if (ret)
			return ret;
	}
	return 0;
}

TEST_F(dev, reorder_header_pool)
{
	struct ckremm_stats before, after;
	struct ckremm_reorder r;
	__u64 off[32];

	ASSERT_OK(fragment(&self->pool, off, 32, 200));
	before = stats_of(&self->pool);
	EXPECT_GT(before.frag_permille, 0, "no fragmentation to start with");
	ASSERT_OK(ckremm_reorder(&self->pool, &r));
	/* a header pool never moves used blocks */
	EXPECT_EQ(r.bytes_moved, 0);
	EXPECT_EQ(r.blocks_moved, 0);
	after = stats_of(&self->pool);
	EXPECT_EQ(r.largest_free, after.largest_free);
	EXPECT_EQ(r.free_blocks, after.free_blocks);
	EXPECT_EQ(after.used_blocks, 16);
	EXPECT_EQ(after.used_bytes, before.used_bytes);
	for (int i = 1; i < 32; i += 2) {
		int v = -1;

		EXPECT_OK(ckremm_read(&self->pool, off[i], 0, &v, sizeof(v)));
		EXPECT_EQ(v, i, "block %d holds %d after reorder", i, v);
	}
	pool_consistent(&self->pool);
}

TEST_F(dev, reorder_bad_requests)
{
	struct ckremm_reorder r = { .pool = self->pool.id };

	EXPECT_REFUSED_WITH(ckremm_ioc_reorder, r, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_reorder, r, reserved[1], 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_reorder, r, pool, self->pool.id + 3,
			    E_NO_POOL);
}

TEST_F(dev, stats_track_operations)
{
	struct ckremm_stats s0, s1, s2;
	__u64 off[10], bad;

	s0 = stats_of(&self->pool);
	EXPECT_EQ(s0.used_bytes, 0);
	EXPECT_EQ(s0.free_bytes, s0.arena_size);
	EXPECT_EQ(s0.arena_size, self->pool.arena_size);
	EXPECT_EQ(s0.largest_free + 16, s0.arena_size);
	EXPECT_EQ(s0.frag_permille, 0);
	EXPECT_EQ(s0.table_capacity, 0);
	for (int i = 0; i < 10; i++)
		ASSERT_OK(ckremm_alloc(&self->pool, 100, &off[i]));
	s1 = stats_of(&self->pool);
	EXPECT_EQ(s1.used_blocks, 10);
	EXPECT_GE(s1.used_bytes, 10 * (100 + 16), "used_bytes %llu",
		  (unsigned long long)s1.used_bytes);
	EXPECT_EQ(s1.meta_bytes, 16 * (s1.used_blocks + s1.free_blocks));
	EXPECT_EQ(s1.peak_used, s1.used_bytes);
	for (int i = 0; i < 10; i += 2)
		ASSERT_OK(ckremm_free(&self->pool, off[i]));
	EXPECT_ERRNO(ckremm_free(&self->pool, off[0]), E_NO_BLOCK);
	EXPECT_ERRNO(ckremm_alloc(&self->pool, 4 * FIXTURE_POOL_SIZE, &bad),
		     E_NO_SPACE);
	s2 = stats_of(&self->pool);
	EXPECT_EQ(s2.used_blocks, 5);
	EXPECT_EQ(s2.peak_used, s1.peak_used);
	EXPECT_EQ(s2.failed_allocs, s1.failed_allocs + 1);
	EXPECT_EQ(s2.refused_calls, s1.refused_calls + 1);
	EXPECT_GT(s2.frag_permille, 0, "frag_permille 0 with 6 free blocks");
	EXPECT_LT(s2.largest_free, s2.free_bytes, "largest_free");
	pool_consistent(&self->pool);
}

TEST_F(dev, stats_bad_requests)
{
	struct ckremm_stats s = { .pool = self->pool.id };

	EXPECT_REFUSED_WITH(ckremm_ioc_stats, s, committed_bytes, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_stats, s, commit_failures, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_stats, s, pad, 1, E_BAD_REQUEST);
	/* an out field */
	EXPECT_REFUSED_WITH(ckremm_ioc_stats, s, pinned_blocks, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_stats, s, pool, self->pool.id + 4,
			    E_NO_POOL);
}

struct walk_totals {
	__u64 next;		/* where the next extent must start */
	__u64 used, free, used_blocks, free_blocks, largest_free;
	bool gap;
};

static int add_up(const struct ckremm_extent *e, void *ctx)
{
	struct walk_totals *t = ctx;

	if (e->offset != t->next)
		t->gap = true;
	t->next = e->offset + e->size;
	if (e->flags & CKREMM_EXTENT_USED) {
		t->used += e->size;
		t->used_blocks++;
	} else {
		t->free += e->size;
		t->free_blocks++;
		if (e->size - e->meta > t->largest_free)
			t->largest_free = e->size - e->meta;
	}
	return 0;
}

TEST_F(dev, walk_matches_stats)
{
	struct walk_totals t = { 0 };
	struct ckremm_map_cell cells[64];
	struct ckremm_extent *ext;
	struct ckremm_stats s;
	struct ckremm_map m;
	__u64 off[50];
	size_t n;

	ASSERT_OK(fragment(&self->pool, off, 50, 300));
	ASSERT_OK(ckremm_walk(&self->pool, add_up, &t));
	s = stats_of(&self->pool);
	EXPECT_TRUE(!t.gap, "extents leave a gap or overlap");
	EXPECT_EQ(t.next, s.arena_size);
	EXPECT_EQ(t.used, s.used_bytes);
	EXPECT_EQ(t.free, s.free_bytes);
	EXPECT_EQ(t.used_blocks, s.used_blocks);
	EXPECT_EQ(t.free_blocks, s.free_blocks);
	EXPECT_EQ(t.largest_free, s.largest_free);

	/* the map renderer agrees with the module's fragmentation */
	ASSERT_OK(ckremm_walk_all(&self->pool, &ext, &n));
	ckremm_map_init(&m, s.arena_size, cells, 64);
	for (size_t i = 0; i < n; i++)
		ckremm_map_add(&m, &ext[i]);
	free(ext);
	EXPECT_EQ(ckremm_map_frag_permille(&m), s.frag_permille);
	EXPECT_EQ(m.used_bytes, s.used_bytes);
	/* every live block is one used extent, payload after its header */
	for (int i = 1; i < 50; i += 2)
		EXPECT_GE(usable(&self->pool, off[i]), 300, "block %d", i);
}

TEST_F(dev, walk_in_small_steps)
{
	struct ckremm_extent one, all[64];
	__u64 off[20], cursor = 0;
	size_t n = 0, total;
	struct ckremm_extent *ext;

	ASSERT_OK(fragment(&self->pool, off, 20, 64));
	ASSERT_OK(ckremm_walk_all(&self->pool, &ext, &total));
	ASSERT_LE(total, 64, "%zu extents", total);
	memcpy(all, ext, total * sizeof(*ext));
	free(ext);
	do {
		struct ckremm_walk w = {
			.pool = self->pool.id, .count = 1, .cursor = cursor,
			.entries = (__u64)(uintptr_t)&one,
		};

		ASSERT_OK(ckremm_ioc_walk(self->fd, &w));
		ASSERT_LE(w.count, 1, "wrote %u extents into room for 1",
			  w.count);
		if (w.count) {
			ASSERT_LT(n, total, "more extents one at a time");
			EXPECT_TRUE(!memcmp(&one, &all[n], sizeof(one)),
				    "extent %zu differs", n);
			n++;
		}
		cursor = w.cursor;
	} while (cursor != CKREMM_WALK_END);
	EXPECT_EQ(n, total);
}

TEST_F(dev, walk_bad_requests)
{
	struct ckremm_extent e[8];
	struct ckremm_walk w = {
		.pool = self->pool.id, .entries = (__u64)(uintptr_t)e,
	};

	EXPECT_REFUSED_WITH(ckremm_ioc_walk, w, count, 0, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_walk, w, count, 4097, E_BAD_REQUEST);
	w.count = 8;
	EXPECT_REFUSED_WITH(ckremm_ioc_walk, w, reserved, 1, E_BAD_REQUEST);
	/* past the arena */
	EXPECT_REFUSED_WITH(ckremm_ioc_walk, w, cursor,
			   self->pool.arena_size + 16, E_BAD_REQUEST);
	w.cursor = CKREMM_WALK_END;		/* a finished walk */
	EXPECT_OK(ckremm_ioc_walk(self->fd, &w));
	EXPECT_EQ(w.count, 0);
	w.count = 8;
	w.cursor = 0;
	w.entries = 16;
	EXPECT_ERRNO(ckremm_ioc_walk(self->fd, &w), EFAULT);
	w.entries = (__u64)(uintptr_t)e;
	w.pool = self->pool.id + 2;
	EXPECT_ERRNO(ckremm_ioc_walk(self->fd, &w), E_NO_POOL);
}

TEST_F(dev, walk_from_any_cursor)
{
	struct ckremm_extent e[4], *all;
	__u64 off[6];
	size_t n;

	ASSERT_OK(fragment(&self->pool, off, 6, 100));
	ASSERT_OK(ckremm_walk_all(&self->pool, &all, &n));
	/*
	 * Any arena offset is a valid cursor: the walk resumes at the first
	 * block at or after it (include/uapi/linux/ckremm.h, struct ckremm_walk),
	 * and goes on from there as a walk from the start does.  Cursors
	 * from inside the first blocks, then across the one free block.
	 */
	for (__u64 cursor = 8; cursor < self->pool.arena_size;
	     cursor += cursor < 2048 ? 40 : 1000) {
		struct ckremm_walk w = {
			.pool = self->pool.id, .count = 4, .cursor = cursor,
			.entries = (__u64)(uintptr_t)e,
		};
		size_t first = 0;

		while (first < n && all[first].offset < cursor)
			first++;
		if (!EXPECT_OK(ckremm_ioc_walk(self->fd, &w)))
			break;
		EXPECT_EQ(w.count, n - first < 4 ? n - first : 4);
		for (__u32 i = 0; i < w.count && first + i < n; i++)
			EXPECT_TRUE(!memcmp(&e[i], &all[first + i], sizeof(e[i])),
				    "cursor %llu: extent %u differs from the walk's %zu",
				    (unsigned long long)cursor, i, first + i);
		if (first + w.count >= n)
			EXPECT_EQ(w.cursor, CKREMM_WALK_END);
		else
			EXPECT_EQ(w.cursor, all[first + w.count].offset);
	}
	free(all);
}

TEST_F(dev, validate_reports_consistent)
{
	struct ckremm_validate v;
	__u64 off[30];

	memset(&v, 0xff, sizeof(v));
	EXPECT_OK(ckremm_validate(&self->pool, &v));
	EXPECT_EQ(v.status, 0);
	ASSERT_OK(fragment(&self->pool, off, 30, 77));
	EXPECT_OK(ckremm_validate(&self->pool, &v));
	EXPECT_EQ(v.status, 0);
}

TEST_F(dev, validate_bad_requests)
{
	struct ckremm_validate v = { .pool = self->pool.id };

	EXPECT_REFUSED_WITH(ckremm_ioc_validate, v, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_validate, v, reserved, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_validate, v, pool, self->pool.id + 6,
			    E_NO_POOL);
}

/* ---- list ------------------------------------------------------------- */

static const struct ckremm_list_entry *
find_entry(const struct ckremm_list_entry *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(e[i].name, name, CKREMM_NAME_LEN))
			return &e[i];
	return NULL;
}

TEST_F(dev, list_shows_named_pools)
{
	const char *a = fixture_name(self, "lista");
	const char *b = fixture_name(self, "listb");
	const struct ckremm_list_entry *ea, *eb;
	struct ckremm_list_entry *e;
	struct ckremm_pool pa, pb;
	__u64 off;
	size_t n;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 8192, a, 0640,
				     &pa));
	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 16384, b, 0,
				     &pb));
	ASSERT_OK(ckremm_alloc(&pb, 100, &off));
	ASSERT_OK(ckremm_list(self->fd, &e, &n));
	ea = find_entry(e, n, a);
	eb = find_entry(e, n, b);
	if (EXPECT_TRUE(ea, "%s not listed", a)) {
		EXPECT_EQ(ea->kind, CKREMM_KIND_HEADER);
		EXPECT_EQ(ea->mode, 0640);
		EXPECT_EQ(ea->uid, geteuid());
		EXPECT_EQ(ea->gid, getegid());
		EXPECT_EQ(ea->arena_size, pa.arena_size);
		EXPECT_EQ(ea->used_bytes, 0);
	}
	if (EXPECT_TRUE(eb, "%s not listed", b)) {
		EXPECT_EQ(eb->mode, 0600);	/* 0 means 0600 */
		EXPECT_EQ(eb->used_bytes, stats_of(&pb).used_bytes);
	}
	free(e);

	/* a destroyed pool leaves the list */
	EXPECT_OK(ckremm_pool_destroy(&pa));
	ASSERT_OK(ckremm_list(self->fd, &e, &n));
	EXPECT_TRUE(!find_entry(e, n, a), "%s still listed", a);
	free(e);
}

TEST_F(dev, list_with_little_room)
{
	struct ckremm_list_entry one[2];
	struct ckremm_list l = { 0 };
	struct ckremm_pool p;
	__u32 total;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 4096,
				     fixture_name(self, "room1"), 0, &p));
	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 4096,
				     fixture_name(self, "room2"), 0, &p));
	/* no room: just the count */
	ASSERT_OK(ckremm_ioc_list(self->fd, &l));
	total = l.count;
	EXPECT_GE(total, 2, "count %u with two named pools", total);
	/* room for one: one written, the full count returned */
	memset(one, 0xcc, sizeof(one));
	l.count = 1;
	l.entries = (__u64)(uintptr_t)one;
	ASSERT_OK(ckremm_ioc_list(self->fd, &l));
	EXPECT_EQ(l.count, total);
	EXPECT_NE(one[0].name[0], (char)0xcc, "first entry not written");
	EXPECT_EQ(one[1].name[0], (char)0xcc, "wrote past the room given");
}

TEST_F(dev, list_bad_requests)
{
	struct ckremm_list_entry e[4];
	struct ckremm_list l = { .count = 4, .entries = (__u64)(uintptr_t)e };
	struct ckremm_pool p;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_HEADER, 4096,
				     fixture_name(self, "lbad"), 0, &p));
	EXPECT_REFUSED_WITH(ckremm_ioc_list, l, flags, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_list, l, reserved, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_list, l, entries, 16, EFAULT);
}

/* ---- mmap ------------------------------------------------------------- */

TEST_F(dev, mmap_shows_block_contents)
{
	unsigned char data[300];
	const unsigned char *view;
	__u64 off;

	ASSERT_OK(ckremm_alloc(&self->pool, sizeof(data), &off));
	fill_pattern(data, sizeof(data), 42);
	ASSERT_OK(ckremm_write(&self->pool, off, 0, data, sizeof(data)));
	ASSERT_OK(ckremm_map_arena(&self->pool, (const void **)&view));
	EXPECT_TRUE(!memcmp(view + off, data, sizeof(data)),
		    "mapping differs from what was written");
	/* a later write shows through the same mapping */
	ASSERT_OK(ckremm_write(&self->pool, off, 10, "LIVE", 4));
	EXPECT_TRUE(!memcmp(view + off + 10, "LIVE", 4), "mapping is not live");

	/* a window that starts a page into the arena */
	{
		size_t page = page_size();
		const unsigned char *part;

		part = mmap(NULL, page, PROT_READ, MAP_SHARED, self->fd,
			    (off_t)(self->pool.mmap_offset + page));
		if (EXPECT_NE(part, MAP_FAILED, "mmap of page 1: %s",
			      errno_name(errno))) {
			EXPECT_TRUE(!memcmp(part, view + page, page),
				    "page 1 differs from the whole mapping");
			munmap((void *)part, page);
		}
		part = mmap(NULL, page, PROT_READ, MAP_SHARED, self->fd,
			    (off_t)(self->pool.mmap_offset + self->pool.arena_size +
				    page));
		EXPECT_TRUE(part == MAP_FAILED && errno == E_MAP_BAD,
			    "window past the arena: %s",
			    part == MAP_FAILED ? errno_name(errno) : "allowed");
	}
	EXPECT_OK(ckremm_unmap_arena(&self->pool, view));
}

TEST_F(dev, mmap_write_refused)
{
	maps_read_only_only(self, &self->pool);
}

TEST_F(dev, mmap_unknown_pool_refused)
{
	size_t len = page_size();
	__u64 offsets[] = {
		(__u64)(self->pool.id + 100) << CKREMM_MMAP_SHIFT,
		(__u64)0xfff << CKREMM_MMAP_SHIFT,
	};

	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd,
			       (off_t)offsets[i]);

		EXPECT_TRUE(p == MAP_FAILED && errno == E_MAP_BAD,
			    "mmap at %#llx: %s", (unsigned long long)offsets[i],
			    p == MAP_FAILED ? errno_name(errno) : "allowed");
		if (p != MAP_FAILED)
			munmap(p, len);
	}
}

TEST_F(dev, mmap_past_arena_refused)
{
	size_t len = self->pool.arena_size + 2 * page_size();
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd,
		       (off_t)self->pool.mmap_offset);

	EXPECT_TRUE(p == MAP_FAILED && errno == E_MAP_BAD,
		    "mapping past the arena: %s",
		    p == MAP_FAILED ? errno_name(errno) : "allowed");
	if (p != MAP_FAILED)
		munmap(p, len);
}

TEST_F(dev, mmap_outlives_pool_close)
{
	const unsigned char *view;
	struct ckremm_pool_ref ref = { .pool = self->pool.id };
	__u64 off;

	ASSERT_OK(ckremm_alloc(&self->pool, 64, &off));
	ASSERT_OK(ckremm_write(&self->pool, off, 0, "mapped", 6));
	ASSERT_OK(ckremm_map_arena(&self->pool, (const void **)&view));
	/* the mapping holds the pool: reading it after close is safe */
	EXPECT_OK(ckremm_ioc_close(self->fd, &ref));
	EXPECT_TRUE(!memcmp(view + off, "mapped", 6), "mapping lost its pool");
	EXPECT_OK(ckremm_unmap_arena(&self->pool, view));
}

/* ---- the program ----------------------------------------------------- */

/* ---- the garbage collector of a table pool -------------------------- */

#define E_NO_COLLECTOR	ENODEV	/* GC request on a pool without one */
#define E_COLLECTED	EEXIST	/* GC_ATTACH of a pool that has one */
#define E_NOT_EMPTY	EBUSY	/* GC_ATTACH of a pool with blocks */

/* A table pool of 64 KiB in self->fd, named @suffix if not NULL. */
static bool gc_table_pool(FIXTURE_DATA(dev) *self, const char *suffix,
			  struct ckremm_pool *p)
{
	return EXPECT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, 65536,
					    suffix ? fixture_name(self, suffix) :
						     NULL, 0, p));
}

/* A collector that collects only when asked. */
static int attach_manual(struct ckremm_pool *p)
{
	struct ckremm_gc_setup g = { .flags = CKREMM_GC_ATTACH_MANUAL };

	return ckremm_gc_attach(p, &g);
}

/* The collector's figures; a failure is recorded and gives zeroes. */
static struct ckremm_gc_figures gc_figures_of(struct ckremm_pool *p)
{
	struct ckremm_gc_figures f;

	if (!EXPECT_OK(ckremm_gc_stats(p, &f)))
		memset(&f, 0, sizeof(f));
	return f;
}

/* Store @ref as word @word of object @obj. */
static int store_ref(struct ckremm_pool *p, __u64 obj, unsigned int word,
		     __u64 ref)
{
	return ckremm_write(p, obj, word * 8ULL, &ref, sizeof(ref));
}

/* Whether @h names a live object: READ of its first byte succeeds. */
static bool alive(struct ckremm_pool *p, __u64 h)
{
	char c;

	return !ckremm_read(p, h, 0, &c, 1);
}

TEST_F(dev, gc_attach_refusals)
{
	struct ckremm_gc_setup good = { 0 };
	struct ckremm_pool t, busy, ro;
	struct ckremm_gc_figures f;
	const char *name;
	__u64 h;

	/* header pools have no collector */
	EXPECT_ERRNO(ckremm_gc_attach(&self->pool, NULL), E_WRONG_KIND);
	EXPECT_ERRNO(ckremm_gc_stats(&self->pool, &f), E_WRONG_KIND);

	ASSERT_TRUE(gc_table_pool(self, "gca", &t));
	name = self->names[self->nnames - 1];
	EXPECT_ERRNO(ckremm_gc_stats(&t, &f), E_NO_COLLECTOR);
	EXPECT_ERRNO(ckremm_gc_collect(&t, NULL), E_NO_COLLECTOR);
	EXPECT_ERRNO(ckremm_gc_alloc(&t, 16, 0, CKREMM_GC_ALLOC_PIN, 0, &h),
		     E_NO_COLLECTOR);

	/* fields the ABI bounds */
	good.pool = t.id;
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_attach, good, flags, 1U << 7,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_attach, good, reserved[1], 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_attach, good, max_types, 2,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_attach, good, max_types,
			    CKREMM_GC_TYPES_MAX + 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_attach, good, max_pins, 65536,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_attach, good, roots, 65537,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_attach, good, step_budget,
			    CKREMM_GC_BUDGET_MAX + 1, E_BAD_REQUEST);

	/* a read-only attachment cannot attach one */
	ASSERT_OK(ckremm_pool_open(self->fd, name, CKREMM_OPEN_RDONLY, &ro));
	EXPECT_ERRNO(ckremm_gc_attach(&ro, NULL), E_READ_ONLY);

	/* once, and only on an empty pool */
	EXPECT_OK(ckremm_gc_attach(&t, NULL));
	EXPECT_ERRNO(ckremm_gc_attach(&t, NULL), E_COLLECTED);
	f = gc_figures_of(&ro);
	EXPECT_EQ(f.phase, CKREMM_GC_PHASE_IDLE);
	EXPECT_EQ(f.objects, 0);
	EXPECT_TRUE(f.meta_bytes > 0, "no bookkeeping counted");
	ASSERT_TRUE(gc_table_pool(self, NULL, &busy));
	ASSERT_OK(ckremm_alloc(&busy, 16, &h));
	EXPECT_ERRNO(ckremm_gc_attach(&busy, NULL), E_NOT_EMPTY);
	EXPECT_OK(ckremm_free(&busy, h));
	EXPECT_OK(ckremm_gc_attach(&busy, NULL));
}

TEST_F(dev, gc_requests_bad_fields)
{
	struct ckremm_gc_object obj = { .size = 16,
					.flags = CKREMM_GC_ALLOC_ROOT };
	struct ckremm_gc_layout lay = { .words = 1 };
	struct ckremm_gc_work work = { 0 };
	struct ckremm_gc_slot slot = { 0 };
	struct ckremm_gc_figures fig = { 0 };
	struct ckremm_pool t, ro;
	__u64 map = 1, h;

	ASSERT_TRUE(gc_table_pool(self, "gcb", &t));
	ASSERT_OK(ckremm_gc_attach(&t, NULL));
	ASSERT_OK(ckremm_pool_open(self->fd, self->names[self->nnames - 1],
				   CKREMM_OPEN_RDONLY, &ro));
	obj.pool = lay.pool = work.pool = slot.pool = fig.pool = t.id;
	lay.map = (__u64)(uintptr_t)&map;

	EXPECT_REFUSED_WITH(ckremm_ioc_gc_type, lay, words, 0, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_type, lay, words,
			    CKREMM_GC_MAP_WORDS_MAX + 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_type, lay, flags, 2, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_type, lay, type, 5, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_type, lay, reserved, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_type, lay, map, 8, EFAULT);

	/* an object must be rooted, and by a slot that exists */
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_alloc, obj, flags, 0, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_alloc, obj, flags, 4, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_alloc, obj, size, 0, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_alloc, obj, slot, 16, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_alloc, obj, type, 2, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_alloc, obj, handle, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_alloc, obj, reserved, 1,
			    E_BAD_REQUEST);
	EXPECT_ERRNO(ckremm_gc_alloc(&t, 16, 0, CKREMM_GC_ALLOC_PIN, 3, &h),
		     E_BAD_REQUEST, "a slot without ALLOC_ROOT");
	EXPECT_ERRNO(ckremm_gc_alloc(&t, 1ULL << 40, 0, CKREMM_GC_ALLOC_ROOT,
				     0, &h), E_NO_SPACE);

	EXPECT_REFUSED_WITH(ckremm_ioc_gc_root_set, slot, slot, 16,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_root_set, slot, handle, 12345,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_root_set, slot, pad, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_root_get, slot, handle, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_root_get, slot, flags, 1,
			    E_BAD_REQUEST);

	EXPECT_REFUSED_WITH(ckremm_ioc_gc_step, work, budget,
			    CKREMM_GC_BUDGET_MAX + 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_step, work, work, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_step, work, phase, 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_collect, work, budget, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_collect, work, reserved, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_stats, fig, cycles, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_gc_stats, fig, reserved[3], 1,
			    E_BAD_REQUEST);

	/* a read-only attachment reads roots and figures, changes nothing */
	EXPECT_ERRNO(ckremm_gc_alloc(&ro, 16, 0, CKREMM_GC_ALLOC_ROOT, 0, &h),
		     E_READ_ONLY);
	EXPECT_ERRNO(ckremm_gc_root_set(&ro, 0, 0), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_gc_step(&ro, 0, NULL), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_gc_collect(&ro, NULL), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_gc_type(&ro, &map, 1, 0, (__u32 *)&h),
		     E_READ_ONLY);
	EXPECT_OK(ckremm_gc_root_get(&ro, 0, &h));
	EXPECT_EQ(h, 0);
	EXPECT_EQ(gc_figures_of(&t).objects, 0);
}

TEST_F(dev, gc_collects_what_no_root_reaches)
{
	struct ckremm_gc_work w;
	struct ckremm_pool t;
	__u64 parent, child, junk, got, word;

	ASSERT_TRUE(gc_table_pool(self, NULL, &t));
	ASSERT_OK(attach_manual(&t));
	ASSERT_OK(ckremm_gc_alloc(&t, 64, CKREMM_GC_TYPE_WORDS,
				  CKREMM_GC_ALLOC_ROOT, 0, &parent));
	ASSERT_OK(ckremm_gc_alloc(&t, 32, CKREMM_GC_TYPE_LEAF,
				  CKREMM_GC_ALLOC_ROOT, 1, &child));
	ASSERT_OK(ckremm_gc_alloc(&t, 48, CKREMM_GC_TYPE_WORDS,
				  CKREMM_GC_ALLOC_ROOT, 2, &junk));
	/* objects are zeroed and rooted */
	EXPECT_OK(ckremm_read(&t, parent, 8, &word, sizeof(word)));
	EXPECT_EQ(word, 0);
	EXPECT_OK(ckremm_gc_root_get(&t, 1, &got));
	EXPECT_EQ(got, child);
	EXPECT_EQ(gc_figures_of(&t).pinned, 0, "ROOT alone keeps no pin");

	/* the child moves from its slot into the parent; junk loses its */
	ASSERT_OK(store_ref(&t, parent, 3, child));
	EXPECT_OK(ckremm_gc_root_set(&t, 1, 0));
	EXPECT_OK(ckremm_gc_root_set(&t, 2, 0));
	ASSERT_OK(ckremm_gc_collect(&t, &w));
	EXPECT_EQ(w.phase, CKREMM_GC_PHASE_IDLE);
	EXPECT_TRUE(w.cycles_done >= 1, "cycles_done %u", w.cycles_done);
	EXPECT_EQ(w.freed_objects, 1);
	EXPECT_EQ(w.freed_bytes, 48);
	EXPECT_TRUE(alive(&t, parent), "the rooted parent died");
	EXPECT_TRUE(alive(&t, child), "the child its parent holds died");
	EXPECT_FALSE(alive(&t, junk), "unreachable object survived");
	EXPECT_ERRNO(ckremm_gc_root_set(&t, 2, junk), E_NO_BLOCK,
		     "a dead handle as a root");
	EXPECT_EQ(gc_figures_of(&t).objects, 2);
	EXPECT_EQ(stats_of(&t).used_blocks, 2);

	/* cut the parent's slot: both go */
	EXPECT_OK(ckremm_gc_root_set(&t, 0, 0));
	ASSERT_OK(ckremm_gc_collect(&t, &w));
	EXPECT_EQ(w.freed_objects, 2);
	EXPECT_FALSE(alive(&t, child), "child outlived its parent");
	EXPECT_EQ(stats_of(&t).used_blocks, 0);
	EXPECT_TRUE(gc_figures_of(&t).cycles >= 2, "cycles not counted");
	pool_consistent(&t);
}

TEST_F(dev, gc_type_map_says_which_words_are_references)
{
	struct ckremm_pool t;
	__u64 map = 0x2, obj, a, b, arr, e[4];
	__u32 type, repeat;

	ASSERT_TRUE(gc_table_pool(self, NULL, &t));
	ASSERT_OK(attach_manual(&t));
	/* word 1 holds a handle, word 0 does not */
	ASSERT_OK(ckremm_gc_type(&t, &map, 2, 0, &type));
	EXPECT_TRUE(type > CKREMM_GC_TYPE_LEAF, "type id %u", type);
	map = 0x1;
	ASSERT_OK(ckremm_gc_type(&t, &map, 1, CKREMM_GC_LAYOUT_REPEAT,
				 &repeat));
	EXPECT_TRUE(repeat != type, "two types, one id");

	ASSERT_OK(ckremm_gc_alloc(&t, 32, type, CKREMM_GC_ALLOC_ROOT, 0, &obj));
	ASSERT_OK(ckremm_gc_alloc(&t, 16, 0, CKREMM_GC_ALLOC_PIN, 0, &a));
	ASSERT_OK(ckremm_gc_alloc(&t, 16, 0, CKREMM_GC_ALLOC_PIN, 0, &b));
	ASSERT_OK(store_ref(&t, obj, 0, a));
	ASSERT_OK(store_ref(&t, obj, 1, b));
	/* an array whose every word is a reference */
	ASSERT_OK(ckremm_gc_alloc(&t, 32, repeat, CKREMM_GC_ALLOC_ROOT, 1,
				  &arr));
	for (int i = 0; i < 4; i++) {
		ASSERT_OK(ckremm_gc_alloc(&t, 16, CKREMM_GC_TYPE_LEAF,
					  CKREMM_GC_ALLOC_PIN, 0, &e[i]));
		ASSERT_OK(store_ref(&t, arr, i, e[i]));
	}
	/* from now on only the objects reach them */
	EXPECT_OK(ckremm_unpin(&t, a));
	EXPECT_OK(ckremm_unpin(&t, b));
	for (int i = 0; i < 4; i++)
		EXPECT_OK(ckremm_unpin(&t, e[i]));
	EXPECT_EQ(gc_figures_of(&t).pinned, 0);
	ASSERT_OK(ckremm_gc_collect(&t, NULL));
	EXPECT_FALSE(alive(&t, a), "word 0 is not a reference of the type");
	EXPECT_TRUE(alive(&t, b), "word 1 is a reference of the type");
	for (int i = 0; i < 4; i++)
		EXPECT_TRUE(alive(&t, e[i]), "element %d of the array died", i);
	pool_consistent(&t);
}

TEST_F(dev, gc_alloc_pins_belong_to_the_attachment)
{
	const char *name = fixture_name(self, "gcp");
	struct ckremm_pool t, other;
	__u64 mine, theirs, big, word = 0;
	unsigned char buf[256];
	int fd;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, 1 << 20,
				     name, 0, &t));
	ASSERT_OK(attach_manual(&t));
	ASSERT_OK(ckremm_gc_alloc(&t, 16, 0, CKREMM_GC_ALLOC_PIN, 0, &mine));
	fd = ckremm_dev_open(NULL);
	ASSERT_GE(fd, 0);
	ASSERT_OK(ckremm_pool_open(fd, name, 0, &other));
	ASSERT_OK(ckremm_gc_alloc(&other, 16, 0, CKREMM_GC_ALLOC_PIN, 0,
				  &theirs));
	EXPECT_EQ(gc_figures_of(&t).pinned, 2);
	/* a pin of GC_ALLOC is undone by UNPIN of its attachment only */
	EXPECT_ERRNO(ckremm_unpin(&t, theirs), E_NOT_PINNED);
	EXPECT_ERRNO(ckremm_free(&t, theirs), E_PINNED);
	ASSERT_OK(ckremm_gc_collect(&t, NULL));
	EXPECT_TRUE(alive(&t, mine) && alive(&t, theirs), "a pinned object died");

	/* the other file goes, and its pin with it */
	ckremm_dev_close(fd);
	EXPECT_EQ(gc_figures_of(&t).pinned, 1);
	ASSERT_OK(ckremm_gc_collect(&t, NULL));
	EXPECT_FALSE(alive(&t, theirs), "the closed file's pin kept it");
	EXPECT_TRUE(alive(&t, mine), "this file's pin did not keep it");
	EXPECT_OK(ckremm_unpin(&t, mine));
	ASSERT_OK(ckremm_gc_collect(&t, NULL));
	EXPECT_FALSE(alive(&t, mine), "unpinned object survived");

	/* a large object is zeroed too, even over bytes a dead one left */
	ASSERT_OK(ckremm_gc_alloc(&t, 65536, CKREMM_GC_TYPE_LEAF,
				  CKREMM_GC_ALLOC_PIN, 0, &big));
	memset(buf, 0xa5, sizeof(buf));
	for (unsigned int pos = 0; pos < 65536; pos += sizeof(buf))
		ASSERT_OK(ckremm_write(&t, big, pos, buf, sizeof(buf)));
	EXPECT_OK(ckremm_unpin(&t, big));
	ASSERT_OK(ckremm_gc_collect(&t, NULL));
	ASSERT_OK(ckremm_gc_alloc(&t, 65536, CKREMM_GC_TYPE_WORDS,
				  CKREMM_GC_ALLOC_ROOT | CKREMM_GC_ALLOC_PIN,
				  0, &big));
	for (unsigned int pos = 0; pos < 65536; pos += 4096) {
		EXPECT_OK(ckremm_read(&t, big, pos + 8, &word, sizeof(word)));
		EXPECT_EQ(word, 0, "byte %u of a new object", pos + 8);
	}
	pool_consistent(&t);
}

TEST_F(dev, gc_steps_are_bounded)
{
	struct ckremm_gc_setup g = { .flags = CKREMM_GC_ATTACH_MANUAL,
				     .step_budget = 16 };
	struct ckremm_gc_work w = { 0 };
	struct ckremm_gc_figures f;
	struct ckremm_pool t;
	__u64 head = 0, h;
	int steps = 0;

	ASSERT_TRUE(gc_table_pool(self, NULL, &t));
	ASSERT_OK(ckremm_gc_attach(&t, &g));
	/* a list of 64 cells from slot 0, and 64 dead cells */
	for (int i = 0; i < 64; i++) {
		ASSERT_OK(ckremm_gc_alloc(&t, 16, 0, CKREMM_GC_ALLOC_ROOT, 0,
					  &h));
		ASSERT_OK(store_ref(&t, h, 0, head));
		head = h;
		ASSERT_OK(ckremm_gc_alloc(&t, 16, 0, CKREMM_GC_ALLOC_ROOT, 1,
					  &h));
	}
	EXPECT_OK(ckremm_gc_root_set(&t, 1, 0));
	do {
		ASSERT_OK(ckremm_gc_step(&t, 0, &w));
		EXPECT_TRUE(w.work <= 16 + 64 || steps == 0,
			    "step %d did %llu work", steps,
			    (unsigned long long)w.work);
		if (steps == 0)
			EXPECT_EQ(w.phase, CKREMM_GC_PHASE_MARK,
				  "one small step does not finish marking");
	} while (!w.cycles_done && ++steps < 10000);
	EXPECT_TRUE(steps > 4, "a cycle of 128 objects in %d steps", steps);
	f = gc_figures_of(&t);
	EXPECT_EQ(f.cycles, 1);
	EXPECT_EQ(f.freed_objects, 64);
	EXPECT_EQ(f.objects, 64);
	EXPECT_TRUE(f.max_step_work <= 16 + 64, "max step %llu",
		    (unsigned long long)f.max_step_work);
	for (h = head; h; ) {
		ASSERT_TRUE(alive(&t, h), "a cell of the list died");
		ASSERT_OK(ckremm_read(&t, h, 0, &h, sizeof(h)));
	}
	pool_consistent(&t);
}

/*
 * Two processes on one collected pool: each roots objects the other
 * reaches through the shared slots, collects, and finds what the other
 * left; the child's pins go with it.
 */
TEST_F(dev, gc_two_processes_share_a_collected_pool)
{
	const char *name = fixture_name(self, "gcfork");
	unsigned char in[200], out[200];
	int to_child[2], to_parent[2];
	struct ckremm_pool p;
	__u64 list = 0, h, pinned_by_child;
	pid_t pid;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, 1 << 20,
				     name, 0, &p));
	ASSERT_OK(ckremm_gc_attach(&p, NULL));
	ASSERT_OK(pipe(to_child) | pipe(to_parent));
	pid = fork();
	ASSERT_GE(pid, 0, "fork");
	if (!pid) {
		struct ckremm_pool q;
		__u64 head = 0, n, junk;
		int ok = attach_anew(name, &q);

		close(to_child[1]);
		close(to_parent[0]);
		/* a list of 8 objects from slot 1, each with its bytes */
		for (int i = 0; ok && i < 8; i++) {
			ok = !ckremm_gc_alloc(&q, sizeof(in) + 8, 0,
					      CKREMM_GC_ALLOC_ROOT, 1, &n) &&
			     !store_ref(&q, n, 0, head);
			fill_pattern(in, sizeof(in), i);
			ok = ok && !ckremm_write(&q, n, 8, in, sizeof(in));
			head = n;
		}
		/* garbage, and an object only the child's pin keeps */
		ok = ok && !ckremm_gc_alloc(&q, 64, 0, CKREMM_GC_ALLOC_ROOT, 2,
					    &junk) &&
		     !ckremm_gc_root_set(&q, 2, 0) &&
		     !ckremm_gc_alloc(&q, 64, 0, CKREMM_GC_ALLOC_PIN, 0, &n) &&
		     write(to_parent[1], &n, sizeof(n)) == sizeof(n);
		/* the parent collects while the child's pin holds */
		ok = ok && wait_byte(to_child[0]) && alive(&q, n) &&
		     !alive(&q, junk);
		/* and the child collects what the parent let go */
		ok = ok && !ckremm_gc_collect(&q, NULL) &&
		     !ckremm_gc_root_get(&q, 0, &n) && n == 0;
		_exit(ok ? 0 : 1);
	}
	close(to_child[0]);
	close(to_parent[1]);
	ASSERT_OK(ckremm_gc_alloc(&p, 32, 0, CKREMM_GC_ALLOC_ROOT, 0, &h));
	ASSERT_EQ(read(to_parent[0], &pinned_by_child, sizeof(h)), sizeof(h));
	ASSERT_OK(ckremm_gc_collect(&p, NULL));
	EXPECT_TRUE(alive(&p, pinned_by_child), "the child's pin did not hold");
	EXPECT_OK(ckremm_gc_root_set(&p, 0, 0));
	ASSERT_EQ(write(to_child[1], "x", 1), 1);
	child_succeeds(pid);
	close(to_child[1]);
	close(to_parent[0]);

	/* the parent's object went in the child's collection */
	EXPECT_FALSE(alive(&p, h), "the object the parent let go survived");
	/* the child's list is still there, byte for byte, after compaction */
	ASSERT_OK(ckremm_gc_collect(&p, NULL));
	EXPECT_FALSE(alive(&p, pinned_by_child), "the child's pin outlived it");
	ASSERT_OK(ckremm_gc_root_get(&p, 1, &list));
	for (int i = 7; i >= 0; i--) {
		ASSERT_TRUE(list && alive(&p, list), "list cell %d died", i);
		fill_pattern(in, sizeof(in), i);
		EXPECT_OK(ckremm_read(&p, list, 8, out, sizeof(out)));
		EXPECT_TRUE(!memcmp(in, out, sizeof(in)), "cell %d changed", i);
		ASSERT_OK(ckremm_read(&p, list, 0, &list, sizeof(list)));
	}
	EXPECT_EQ(list, 0);
	EXPECT_EQ(gc_figures_of(&p).objects, 8);
	EXPECT_EQ(stats_of(&p).free_blocks, 1, "not compacted");
	pool_consistent(&p);
}

/*
 * A reference moved while marking runs: the cycle keeps what was
 * reachable when it began.  B is reached only through A when a cycle
 * starts (one step of budget 1 shades the roots and scans nothing); then
 * C, made during the cycle and so black, takes the reference and A loses
 * it, by WRITE (which scans A before it changes it) or through a mapping
 * of pinned objects (a pin scans its object first).  Without those scans
 * the cycle frees B while C holds it.
 */
TEST_F(dev, gc_moved_reference_survives_the_cycle)
{
	struct ckremm_gc_work w;
	struct ckremm_pool t;
	__u64 a, b, c, off_a, off_c;
	char *m;

	ASSERT_TRUE(gc_table_pool(self, NULL, &t));
	ASSERT_OK(attach_manual(&t));
	m = mmap(NULL, t.arena_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, (off_t)t.mmap_offset);
	ASSERT_TRUE(m != MAP_FAILED, "map the pool writable");
	for (int via_map = 0; via_map < 2; via_map++) {
		ASSERT_OK(ckremm_gc_alloc(&t, 16, 0, CKREMM_GC_ALLOC_ROOT, 0, &a));
		ASSERT_OK(ckremm_gc_alloc(&t, 16, 0, CKREMM_GC_ALLOC_ROOT, 2, &b));
		ASSERT_OK(store_ref(&t, a, 0, b));
		ASSERT_OK(ckremm_gc_root_set(&t, 2, 0));
		ASSERT_OK(ckremm_gc_step(&t, 1, &w));
		ASSERT_EQ(w.phase, CKREMM_GC_PHASE_MARK, "a cycle is marking");
		/* allocated while marking: black, never scanned again */
		ASSERT_OK(ckremm_gc_alloc(&t, 16, 0, CKREMM_GC_ALLOC_ROOT, 1, &c));
		if (via_map) {
			__u64 zero = 0;

			ASSERT_OK(ckremm_pin(&t, a, &off_a, NULL));
			ASSERT_OK(ckremm_pin(&t, c, &off_c, NULL));
			memcpy(m + off_c, &b, sizeof(b));
			memcpy(m + off_a, &zero, sizeof(zero));
			EXPECT_OK(ckremm_unpin(&t, a));
			EXPECT_OK(ckremm_unpin(&t, c));
		} else {
			ASSERT_OK(store_ref(&t, c, 0, b));
			ASSERT_OK(store_ref(&t, a, 0, 0));
		}
		ASSERT_OK(ckremm_gc_collect(&t, NULL));
		EXPECT_TRUE(alive(&t, b), "%s: the moved reference's object died",
			    via_map ? "a mapping of pinned objects" : "WRITE");
		/* and once C lets go, B goes */
		ASSERT_OK(store_ref(&t, c, 0, 0));
		ASSERT_OK(ckremm_gc_collect(&t, NULL));
		EXPECT_FALSE(alive(&t, b), "an object nothing reaches survived");
	}
	munmap(m, t.arena_size);
	pool_consistent(&t);
}

/*
 * In a child: build a list of @cells (64 or more) cells from root slot
 * @slot of the collected pool @name, each new cell pinned until the slot
 * holds it, cutting the list back to its 8 newest cells every 64, while
 * others collect; then walk it.  Returns whether every cell holds its
 * number.
 */
static bool gc_mutator(const char *name, unsigned int slot,
		       unsigned int cells)
{
	__u64 head = 0, cell, n, cut;
	struct ckremm_pool q;
	unsigned int i, k;

	if (!attach_anew(name, &q))
		return false;
	for (i = 0; i < cells; i++) {
		n = (__u64)slot << 32 | i;
		if (ckremm_gc_alloc(&q, 32, CKREMM_GC_TYPE_WORDS,
				    CKREMM_GC_ALLOC_PIN, 0, &cell) ||
		    store_ref(&q, cell, 0, head) ||
		    ckremm_write(&q, cell, 8, &n, sizeof(n)) ||
		    ckremm_gc_root_set(&q, slot, cell) || ckremm_unpin(&q, cell))
			return false;
		head = cell;
		if (i % 64 != 63)
			continue;
		/* cut after the 8th cell: the rest is garbage now */
		for (k = 0, cut = head; k < 7; k++)
			if (ckremm_read(&q, cut, 0, &cut, sizeof(cut)))
				return false;
		if (store_ref(&q, cut, 0, 0) || ckremm_gc_step(&q, 64, NULL))
			return false;
	}
	/* newest first: i - 1, i - 2, ... down to the last cut */
	for (cell = head, k = 0; cell; k++) {
		if (ckremm_read(&q, cell, 8, &n, sizeof(n)) ||
		    n != ((__u64)slot << 32 | (cells - 1 - k)) ||
		    ckremm_read(&q, cell, 0, &cell, sizeof(cell)))
			return false;
	}
	return k == cells % 64 + 8;
}

/*
 * Two processes build and cut lists in one collected pool while a third
 * steps and collects: what the lists reach survives every cycle, what
 * they cut goes.
 */
TEST_F(dev, gc_concurrent_mutators_and_collector)
{
	const char *name = fixture_name(self, "gcrace");
	struct ckremm_gc_figures f;
	struct ckremm_pool p;
	unsigned int rounds = 0;
	pid_t pid[2];
	int done = 0, status;

	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, 1 << 20,
				     name, 0, &p));
	ASSERT_OK(ckremm_gc_attach(&p, &(struct ckremm_gc_setup){
					.step_budget = 64 }));
	for (int c = 0; c < 2; c++) {
		pid[c] = fork();
		ASSERT_GE(pid[c], 0, "fork");
		if (!pid[c])
			_exit(gc_mutator(name, (unsigned int)c, 1000 + c) ? 0 : 1);
	}
	while (done < 2) {
		/* steps, and now and then a whole collection */
		EXPECT_OK(++rounds % 16 ? ckremm_gc_step(&p, 0, NULL) :
					  ckremm_gc_collect(&p, NULL));
		for (int c = 0; c < 2; c++) {
			if (pid[c] > 0 && waitpid(pid[c], &status, WNOHANG) == pid[c]) {
				EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status),
					    "mutator %d saw status %d", c, status);
				pid[c] = 0;
				done++;
			}
		}
	}
	ASSERT_OK(ckremm_gc_collect(&p, NULL));
	f = gc_figures_of(&p);
	/* 1000 % 64 + 8 and 1001 % 64 + 8 cells */
	EXPECT_EQ(f.objects, 1000 % 64 + 8 + 1001 % 64 + 8);
	EXPECT_EQ(f.pinned, 0);
	EXPECT_TRUE(f.cycles > 2, "%llu cycles", (unsigned long long)f.cycles);
	pool_consistent(&p);
}

TEST_F_FLAGS(dev, gc_collector_goes_with_its_pool, CASE_NO_POOL)
{
	const char *name = fixture_name(self, "gcgo");
	struct ckremm_pool t, u;
	__u64 h;
	int fd;

	/* an unnamed pool's collector goes when its file closes */
	fd = ckremm_dev_open(NULL);
	ASSERT_GE(fd, 0);
	ASSERT_OK(ckremm_pool_create(fd, CKREMM_KIND_TABLE, 65536, NULL, 0,
				     &u));
	ASSERT_OK(ckremm_gc_attach(&u, NULL));
	for (int i = 0; i < 16; i++)
		ASSERT_OK(ckremm_gc_alloc(&u, 100, 0, CKREMM_GC_ALLOC_ROOT |
					  CKREMM_GC_ALLOC_PIN, i, &h));
	ckremm_dev_close(fd);

	/* a named one's when its last attachment lets go after DESTROY */
	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, 65536, name,
				     0, &t));
	ASSERT_OK(ckremm_gc_attach(&t, NULL));
	fd = ckremm_dev_open(NULL);
	ASSERT_GE(fd, 0);
	ASSERT_OK(ckremm_pool_open(fd, name, 0, &u));
	ASSERT_OK(ckremm_gc_alloc(&u, 100, 0, CKREMM_GC_ALLOC_PIN, 0, &h));
	ASSERT_OK(ckremm_pool_destroy(&t));
	EXPECT_TRUE(alive(&u, h), "DESTROY cut the collector short");
	EXPECT_OK(ckremm_gc_collect(&u, NULL));
	EXPECT_TRUE(alive(&u, h), "pinned object died");
	ckremm_dev_close(fd);
	/* the name is free again, for a pool without a collector */
	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, 65536, name,
				     0, &t));
	EXPECT_ERRNO(ckremm_gc_step(&t, 0, NULL), E_NO_COLLECTOR);
}

/* ---- the pager of a table pool --------------------------------------- */

#define E_NO_PAGER	ENODEV	/* PAGER request on a pool without one */
#define E_PAGED		EEXIST	/* PAGER_ATTACH of a pool that has one */
#define E_PURGE_BUSY	EBUSY	/* PAGER_PURGE while a block is pinned */

#define PAGER_POOL_SIZE	(1U << 20)
#define PAGER_BLOCK	8192U
#define PAGER_BLOCKS	96U

/* A table pool of PAGER_POOL_SIZE bytes in self->fd, named @suffix. */
static bool pager_table_pool(FIXTURE_DATA(dev) *self, const char *suffix,
			     struct ckremm_pool *p)
{
	return EXPECT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE,
					    PAGER_POOL_SIZE,
					    fixture_name(self, suffix), 0, p));
}

/* A pager that looks every @period_ms and lets pages go after @decay. */
static int attach_pager(struct ckremm_pool *p, __u32 period_ms, __u32 decay)
{
	struct ckremm_pager_setup s = {
		.period_ms = period_ms, .decay_ticks = decay,
	};

	return ckremm_pager_attach(p, &s);
}

/* Fill @n blocks of PAGER_BLOCK bytes, each with its own pattern. */
static bool pager_fill(struct ckremm_pool *p, __u64 *h, unsigned int n,
		       unsigned int seed)
{
	unsigned char buf[PAGER_BLOCK];
	bool ok = true;

	for (unsigned int i = 0; i < n && ok; i++) {
		fill_pattern(buf, sizeof(buf), seed + i);
		ok = EXPECT_OK(ckremm_alloc(p, sizeof(buf), &h[i]),
			       "block %u of %u", i, n) &&
		     EXPECT_OK(ckremm_write(p, h[i], 0, buf, sizeof(buf)));
	}
	return ok;
}

/* Whether every block of @h still holds the pattern pager_fill() wrote. */
static bool pager_intact(struct ckremm_pool *p, const __u64 *h,
			 unsigned int n, unsigned int seed)
{
	unsigned char want[PAGER_BLOCK], got[PAGER_BLOCK];
	unsigned int bad = 0;

	for (unsigned int i = 0; i < n; i++) {
		fill_pattern(want, sizeof(want), seed + i);
		if (ckremm_read(p, h[i], 0, got, sizeof(got)) ||
		    memcmp(want, got, sizeof(got)))
			bad++;
	}
	return EXPECT_EQ(bad, 0, "%u of %u blocks lost their bytes", bad, n);
}

/*
 * Poll @p's STATS every 10 ms, up to @ms, until its committed bytes are
 * at most @most; its last committed bytes.
 */
static __u64 committed_within(struct ckremm_pool *p, __u64 most,
			      unsigned int ms)
{
	struct ckremm_stats s = stats_of(p);

	for (unsigned int t = 0; t < ms && s.committed_bytes > most; t += 10) {
		usleep(10000);
		s = stats_of(p);
	}
	return s.committed_bytes;
}

TEST_F(dev, pager_attach_refusals)
{
	struct ckremm_pager_setup good = { 0 };
	struct ckremm_pager_purge purge = { 0 };
	struct ckremm_pager_figures fig = { 0 };
	struct ckremm_pool t, ro;
	__u64 purged;

	/* header pools are not paged: their blocks never move */
	EXPECT_ERRNO(ckremm_pager_attach(&self->pool, NULL), E_WRONG_KIND);
	EXPECT_ERRNO(ckremm_pager_detach(&self->pool), E_WRONG_KIND);
	EXPECT_ERRNO(ckremm_pager_purge(&self->pool, 0, 0, &purged),
		     E_WRONG_KIND);
	EXPECT_ERRNO(ckremm_pager_stats(&self->pool, &fig), E_WRONG_KIND);

	ASSERT_TRUE(pager_table_pool(self, "pga", &t));
	EXPECT_ERRNO(ckremm_pager_detach(&t), E_NO_PAGER);
	EXPECT_ERRNO(ckremm_pager_purge(&t, 0, 0, &purged), E_NO_PAGER);
	EXPECT_ERRNO(ckremm_pager_stats(&t, &fig), E_NO_PAGER);

	/* fields the ABI bounds */
	good.pool = purge.pool = fig.pool = t.id;
	EXPECT_REFUSED_WITH(ckremm_ioc_pager_attach, good, flags, 1U << 5,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_pager_attach, good, free_target, 4096,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_pager_attach, good, store_bytes,
			    CKREMM_PAGER_STORE_MIN - 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_pager_attach, good, period_ms,
			    CKREMM_PAGER_PERIOD_MAX + 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_pager_attach, good, decay_ticks,
			    CKREMM_PAGER_DECAY_MAX + 1, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_pager_attach, good, reorder_bytes,
			    4096, E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_pager_purge, purge, flags, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_pager_purge, purge, purged_bytes, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_pager_purge, purge, reserved, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_pager_stats, fig, ticks, 1,
			    E_BAD_REQUEST);
	EXPECT_REFUSED_WITH(ckremm_ioc_pager_stats, fig, reserved[2], 1,
			    E_BAD_REQUEST);

	/* a read-only attachment reads the figures and changes nothing */
	ASSERT_OK(ckremm_pool_open(self->fd, self->names[self->nnames - 1],
				   CKREMM_OPEN_RDONLY, &ro));
	EXPECT_ERRNO(ckremm_pager_attach(&ro, NULL), E_READ_ONLY);

	/* once; detach, then attach again */
	EXPECT_OK(attach_pager(&t, 1000, 4));
	EXPECT_ERRNO(ckremm_pager_attach(&t, NULL), E_PAGED);
	EXPECT_ERRNO(ckremm_pager_detach(&ro), E_READ_ONLY);
	EXPECT_ERRNO(ckremm_pager_purge(&ro, 0, 0, &purged), E_READ_ONLY);
	EXPECT_OK(ckremm_pager_stats(&ro, &fig));
	EXPECT_EQ(fig.period_ms, 1000);
	EXPECT_EQ(fig.decay_ticks, 4);
	EXPECT_EQ(fig.flags, 0);
	EXPECT_OK(ckremm_pager_detach(&t));
	EXPECT_ERRNO(ckremm_pager_detach(&t), E_NO_PAGER);
	EXPECT_OK(ckremm_pager_attach(&t, NULL));
	EXPECT_OK(ckremm_pager_stats(&t, &fig));
	EXPECT_EQ(fig.period_ms, 100, "the default period");
	EXPECT_EQ(fig.decay_ticks, 10, "the default decay");
}

TEST_F(dev, pager_gives_back_what_stays_free_and_takes_it_again)
{
	__u64 h[PAGER_BLOCKS], h2[PAGER_BLOCKS], kept_end, low, again;
	unsigned int keep = PAGER_BLOCKS / 10;
	struct ckremm_pager_figures fig;
	struct ckremm_stats full, s;
	struct ckremm_pool t;

	ASSERT_TRUE(pager_table_pool(self, "pgb", &t));
	ASSERT_OK(attach_pager(&t, 10, 2));
	ASSERT_TRUE(pager_fill(&t, h, PAGER_BLOCKS, 1));
	full = stats_of(&t);
	EXPECT_GE(full.committed_bytes, full.used_bytes);

	/* free the top 90%: the free run at the top goes back */
	for (unsigned int i = keep; i < PAGER_BLOCKS; i++)
		ASSERT_OK(ckremm_free(&t, h[i]));
	kept_end = (__u64)keep * PAGER_BLOCK;
	low = committed_within(&t, kept_end + 16384, 5000);
	diag("committed %llu bytes full, %llu after freeing %u of %u blocks",
	     (unsigned long long)full.committed_bytes,
	     (unsigned long long)low, PAGER_BLOCKS - keep, PAGER_BLOCKS);
	EXPECT_LE(low, kept_end + 16384,
		  "the free run above %llu bytes was not given back",
		  (unsigned long long)kept_end);
	s = stats_of(&t);
	EXPECT_GE(s.purged_bytes, full.committed_bytes - low);
	/* the pager's own figures count a step when it ends */
	ASSERT_OK(ckremm_pager_stats(&t, &fig));
	for (unsigned int ms = 0; ms < 5000 &&
	     fig.purged_bytes < full.committed_bytes - low; ms += 10) {
		usleep(10000);
		ASSERT_OK(ckremm_pager_stats(&t, &fig));
	}
	EXPECT_GT(fig.ticks, 0);
	EXPECT_GE(fig.purged_bytes, full.committed_bytes - low);
	EXPECT_TRUE(pager_intact(&t, h, keep, 1));
	pool_consistent(&t);

	/* a refill takes pages again; every byte is the refill's */
	ASSERT_TRUE(pager_fill(&t, h2, PAGER_BLOCKS - keep, 1000));
	again = stats_of(&t).committed_bytes;
	EXPECT_GE(again, low + (PAGER_BLOCKS - keep) * PAGER_BLOCK - 16384,
		  "committed %llu after the refill, %llu before",
		  (unsigned long long)again, (unsigned long long)low);
	EXPECT_TRUE(pager_intact(&t, h, keep, 1));
	EXPECT_TRUE(pager_intact(&t, h2, PAGER_BLOCKS - keep, 1000));
	pool_consistent(&t);
}

TEST_F(dev, pager_purge_now)
{
	__u64 h[PAGER_BLOCKS], purged = 0, off, size, budget = 4096;
	struct ckremm_stats before, after;
	struct ckremm_pool t;

	ASSERT_TRUE(pager_table_pool(self, "pgc", &t));
	/* a pager that would wait a minute and more: the purges are ours */
	ASSERT_OK(attach_pager(&t, CKREMM_PAGER_PERIOD_MAX,
			       CKREMM_PAGER_DECAY_MAX));
	ASSERT_TRUE(pager_fill(&t, h, PAGER_BLOCKS, 7));
	for (unsigned int i = PAGER_BLOCKS / 2; i < PAGER_BLOCKS; i++)
		ASSERT_OK(ckremm_free(&t, h[i]));

	/* no address may move while a block is pinned: nothing goes back */
	ASSERT_OK(ckremm_pin(&t, h[0], &off, &size));
	before = stats_of(&t);
	EXPECT_ERRNO(ckremm_pager_purge(&t, 0, 0, &purged), E_PURGE_BUSY);
	EXPECT_EQ(stats_of(&t).committed_bytes, before.committed_bytes);
	ASSERT_OK(ckremm_unpin(&t, h[0]));

	/* a budget of one page gives back one page */
	ASSERT_OK(ckremm_pager_purge(&t, 0, budget, &purged));
	EXPECT_EQ(purged, budget);
	after = stats_of(&t);
	EXPECT_EQ(after.committed_bytes, before.committed_bytes - budget);

	/* keep_bytes stay; the rest of the free run goes */
	ASSERT_OK(ckremm_pager_purge(&t, 65536, 0, &purged));
	after = stats_of(&t);
	EXPECT_GT(purged, 0);
	EXPECT_LE(after.committed_bytes,
		  (PAGER_BLOCKS / 2) * PAGER_BLOCK + 65536 + 4096);
	EXPECT_GE(after.committed_bytes, (PAGER_BLOCKS / 2) * PAGER_BLOCK +
					 65536);
	EXPECT_EQ(after.purged_bytes, before.committed_bytes -
				      after.committed_bytes);
	ASSERT_OK(ckremm_pager_purge(&t, 0, 0, &purged));
	EXPECT_GT(purged, 0);
	ASSERT_OK(ckremm_pager_purge(&t, 0, 0, &purged));
	EXPECT_EQ(purged, 0, "nothing is left to give back");
	EXPECT_TRUE(pager_intact(&t, h, PAGER_BLOCKS / 2, 7));

	/* detached, every page is the pool's again */
	ASSERT_OK(ckremm_pager_detach(&t));
	EXPECT_EQ(stats_of(&t).committed_bytes, t.arena_size);
	EXPECT_TRUE(pager_fill(&t, h + PAGER_BLOCKS / 2, PAGER_BLOCKS / 2, 9));
	EXPECT_TRUE(pager_intact(&t, h, PAGER_BLOCKS / 2, 7));
}

TEST_F(dev, pager_goes_with_its_pool)
{
	struct ckremm_pool t;
	struct ckremm_pool_ref ref;
	__u64 h[8];

	/* an unnamed pool closed with a busy pager, and a named destroyed */
	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE,
				     PAGER_POOL_SIZE, NULL, 0, &t));
	ASSERT_OK(attach_pager(&t, 1, 1));
	ASSERT_TRUE(pager_fill(&t, h, 8, 3));
	ref = (struct ckremm_pool_ref){ .pool = t.id };
	EXPECT_OK(ckremm_ioc_close(self->fd, &ref));
	ASSERT_TRUE(pager_table_pool(self, "pgd", &t));
	ASSERT_OK(attach_pager(&t, 1, 1));
	ASSERT_TRUE(pager_fill(&t, h, 8, 3));
	usleep(20000);
	EXPECT_OK(ckremm_destroy_by_name(self->fd,
					 self->names[self->nnames - 1]));
	ref = (struct ckremm_pool_ref){ .pool = t.id };
	EXPECT_OK(ckremm_ioc_close(self->fd, &ref));
}

/* ---- a paged table pool with a compressed store ---------------------- */

#define E_STORE_BUSY	EBUSY	/* a store on a pool with a block, or the
				 * detach of a pool with a store */
#define E_NO_CODEC	EOPNOTSUPP	/* a store from a module without LZ4 */
#define E_STORE_CAP	E2BIG	/* a store beyond max_pool_size */

#define STORE_ARENA	(256U << 10)
#define STORE_BYTES	(1U << 20)
#define STORE_TARGET	(64U << 10)
#define STORE_BLOCK	8192U
#define STORE_BLOCKS	96U	/* 768 KiB: three arenas */

/*
 * Block @seed's bytes: text that compresses, each line naming the block,
 * or zeros for every fourth block (the store keeps nothing for those).
 */
static void store_pattern(unsigned char *buf, size_t len, unsigned int seed)
{
	char line[32];

	memset(buf, 0, len);
	if (seed % 4 == 0)
		return;
	for (size_t at = 0; at < len; at += 24) {
		snprintf(line, sizeof(line), "block %07u row %06zu\n", seed,
			 at / 24);
		memcpy(buf + at, line, len - at < 24 ? len - at : 24);
	}
}

/* A pager with a store of @store_bytes and a free target of @target. */
static int attach_store(struct ckremm_pool *p, __u64 store_bytes,
			__u64 target)
{
	struct ckremm_pager_setup s = {
		.period_ms = 10, .decay_ticks = CKREMM_PAGER_DECAY_MAX,
		.store_bytes = store_bytes, .free_target = target,
	};

	return ckremm_pager_attach(p, &s);
}

TEST_F(dev, pager_store_refusals)
{
	struct ckremm_pager_setup s = { .store_bytes = STORE_BYTES };
	struct ckremm_pager_figures fig;
	bool lz4 = module_has_lz4();
	struct ckremm_pool t, u;
	__u64 h;

	diag("the module %s a codec", lz4 ? "has" : "has no");
	ASSERT_TRUE(pager_table_pool(self, "sta", &t));
	/* a free target beyond the arena, or no bigger than a page store */
	s.pool = t.id;
	s.free_target = t.arena_size + 1;
	EXPECT_ERRNO(ckremm_ioc_pager_attach(self->fd, &s), E_BAD_REQUEST);
	s.free_target = 0;
	s.store_bytes = 1ULL << 40;
	EXPECT_ERRNO(ckremm_ioc_pager_attach(self->fd, &s),
		     lz4 ? E_STORE_CAP : E_NO_CODEC);
	EXPECT_ERRNO(ckremm_pager_stats(&t, &fig), E_NO_PAGER,
		     "a refused attach leaves no pager");

	/* a pool with a block takes no store, and stays without a pager */
	ASSERT_OK(ckremm_alloc(&t, 64, &h));
	EXPECT_ERRNO(attach_store(&t, STORE_BYTES, 0),
		     lz4 ? E_STORE_BUSY : E_NO_CODEC);
	EXPECT_ERRNO(ckremm_pager_stats(&t, &fig), E_NO_PAGER);
	EXPECT_OK(ckremm_free(&t, h));

	/* an empty one does, where the module has a codec, for good */
	ASSERT_TRUE(pager_table_pool(self, "stb", &u));
	if (!lz4) {
		EXPECT_ERRNO(attach_store(&u, STORE_BYTES, STORE_TARGET),
			     E_NO_CODEC);
		EXPECT_ERRNO(ckremm_pager_stats(&u, &fig), E_NO_PAGER);
		return;
	}
	ASSERT_OK(attach_store(&u, STORE_BYTES, STORE_TARGET));
	EXPECT_ERRNO(attach_store(&u, STORE_BYTES, 0), E_PAGED);
	EXPECT_ERRNO(ckremm_pager_detach(&u), E_STORE_BUSY);
	ASSERT_OK(ckremm_pager_stats(&u, &fig));
	EXPECT_EQ(fig.store_bytes, STORE_BYTES);
	EXPECT_EQ(fig.free_target, STORE_TARGET);
	EXPECT_EQ(fig.paged_out_blocks, 0);
	EXPECT_EQ(fig.resident_bytes, 0);
	/* a pager without a store still detaches */
	ASSERT_OK(attach_pager(&t, 1000, 4));
	ASSERT_OK(ckremm_pager_stats(&t, &fig));
	EXPECT_EQ(fig.store_bytes, 0);
	EXPECT_OK(ckremm_pager_detach(&t));
}

/* Whether every block of @h holds what store_pattern() gives it. */
static bool store_intact(struct ckremm_pool *p, const __u64 *h,
			 unsigned int n)
{
	unsigned char want[STORE_BLOCK], got[STORE_BLOCK];
	unsigned int bad = 0;
	int err;

	for (unsigned int i = 0; i < n; i++) {
		store_pattern(want, sizeof(want), i);
		err = ckremm_read(p, h[i], 0, got, sizeof(got));
		if (err || memcmp(want, got, sizeof(got))) {
			if (!bad)
				diag("block %u: %s", i,
				     err ? errno_name(-err) : "bytes differ");
			bad++;
		}
	}
	return EXPECT_EQ(bad, 0, "%u of %u blocks lost their bytes", bad, n);
}

TEST_F(dev, pager_store_holds_more_than_its_arena)
{
	unsigned char buf[STORE_BLOCK], want[STORE_BLOCK];
	struct ckremm_pager_figures f;
	__u64 h[STORE_BLOCKS], off, size;
	struct ckremm_stats s;
	struct ckremm_pool t;
	unsigned char *view;

	/*
	 * CONFIG_CKREMM_LZ4=auto builds the codec only where the kernel has
	 * LZ4 built in (UML here); Debian's kernels have it as a module.
	 */
	if (!module_has_lz4())
		SKIP("the module was built without a codec; pager_store_refusals checks its refusal");
	ASSERT_OK(ckremm_pool_create(self->fd, CKREMM_KIND_TABLE, STORE_ARENA,
				     fixture_name(self, "stc"), 0, &t));
	ASSERT_OK(attach_store(&t, STORE_BYTES, STORE_TARGET));

	/* three arenas of blocks: allocations page out to make room */
	for (unsigned int i = 0; i < STORE_BLOCKS; i++) {
		store_pattern(buf, sizeof(buf), i);
		ASSERT_OK(ckremm_alloc(&t, sizeof(buf), &h[i]), "block %u", i);
		ASSERT_OK(ckremm_write(&t, h[i], 0, buf, sizeof(buf)),
			  "block %u", i);
	}
	s = stats_of(&t);
	ASSERT_OK(ckremm_pager_stats(&t, &f));
	diag("%llu bytes in %llu blocks over an arena of %llu: %llu resident, %llu paged out (%llu blocks, %llu of zeros) in %llu bytes of store",
	     (unsigned long long)s.used_bytes,
	     (unsigned long long)s.used_blocks,
	     (unsigned long long)s.arena_size,
	     (unsigned long long)f.resident_bytes,
	     (unsigned long long)f.paged_out_bytes,
	     (unsigned long long)f.paged_out_blocks,
	     (unsigned long long)f.zero_blocks,
	     (unsigned long long)f.stored_bytes);
	EXPECT_GT(s.used_bytes, s.arena_size, "more blocks than arena");
	EXPECT_EQ(s.used_blocks, STORE_BLOCKS);
	EXPECT_EQ(f.resident_bytes + f.paged_out_bytes, s.used_bytes,
		  "resident and paged out add up to the pool's used bytes");
	EXPECT_EQ(f.resident_blocks + f.paged_out_blocks, s.used_blocks);
	EXPECT_LE(f.resident_bytes, s.arena_size);
	EXPECT_GT(f.paged_out_blocks, 0);
	EXPECT_GT(f.zero_blocks, 0);
	EXPECT_LT(f.zero_blocks, f.paged_out_blocks);
	EXPECT_GT(f.stored_bytes, 0);
	EXPECT_LT(f.stored_bytes, f.paged_out_bytes, "compressed");
	EXPECT_LE(f.stored_bytes, f.store_used);
	EXPECT_LE(f.store_used, f.store_bytes);
	EXPECT_GE(f.page_outs, f.paged_out_blocks);
	EXPECT_GE(f.store_written, f.stored_bytes);

	/* every byte reads back, each read paging in and others out */
	EXPECT_TRUE(store_intact(&t, h, STORE_BLOCKS));
	ASSERT_OK(ckremm_pager_stats(&t, &f));
	EXPECT_GT(f.page_ins, 0);

	/* COPY and CLEAN of early blocks, which the reads paged out again */
	ASSERT_OK(ckremm_copy(&t, h[STORE_BLOCKS - 1], h[1]));
	store_pattern(want, sizeof(want), 1);
	ASSERT_OK(ckremm_read(&t, h[STORE_BLOCKS - 1], 0, buf, sizeof(buf)));
	EXPECT_TRUE(!memcmp(want, buf, sizeof(buf)), "the copy's bytes");
	ASSERT_OK(ckremm_clean(&t, h[2], &off, &size));
	ASSERT_OK(ckremm_read(&t, h[2], 0, buf, sizeof(buf)));
	memset(want, 0, sizeof(want));
	EXPECT_TRUE(!memcmp(want, buf, sizeof(buf)), "the cleaned block");

	/* a block read through a mapping is pinned first: PIN pages it in */
	view = mmap(NULL, t.arena_size, PROT_READ, MAP_SHARED, self->fd,
		    (off_t)t.mmap_offset);
	ASSERT_NE(view, MAP_FAILED, "%s", errno_name(errno));
	for (unsigned int i = 3; i < 8; i++) {
		store_pattern(want, sizeof(want), i);
		ASSERT_OK(ckremm_pin(&t, h[i], &off, &size), "block %u", i);
		EXPECT_TRUE(size >= STORE_BLOCK && off + size <= t.arena_size);
		EXPECT_TRUE(!memcmp(view + off, want, sizeof(want)),
			    "block %u through the mapping", i);
		EXPECT_OK(ckremm_unpin(&t, h[i]));
	}
	munmap(view, t.arena_size);

	/* the ticks keep free_target of the arena free */
	for (unsigned int ms = 0; ms < 5000; ms += 10) {
		s = stats_of(&t);
		ASSERT_OK(ckremm_pager_stats(&t, &f));
		if (t.arena_size - f.resident_bytes >= STORE_TARGET)
			break;
		usleep(10000);
	}
	EXPECT_GE(t.arena_size - f.resident_bytes, STORE_TARGET,
		  "free target kept by the ticks");
	{
		struct ckremm_validate v;

		EXPECT_OK(ckremm_validate(&t, &v));
	}

	/* freed blocks leave the store; the pool goes with its store */
	for (unsigned int i = 0; i < STORE_BLOCKS; i++)
		EXPECT_OK(ckremm_free(&t, h[i]));
	for (unsigned int ms = 0; ms < 2000; ms += 10) {
		ASSERT_OK(ckremm_pager_stats(&t, &f));
		if (!f.paged_out_blocks && !f.store_used)
			break;
		usleep(10000);
	}
	EXPECT_EQ(f.paged_out_blocks, 0);
	EXPECT_EQ(f.stored_bytes, 0);
	EXPECT_EQ(f.store_used, 0, "the store dropped every copy");
}

static void say_device(void)
{
	int fd = ckremm_dev_open(NULL);

	if (fd < 0) {
		diag("%s: %s (is the module loaded? try: insmod ckremm.ko); every case that needs it fails",
		     ckremm_dev_path(NULL), strerror(-fd));
		return;
	}
	ckremm_dev_close(fd);
	diag("device %s, pools named %s*", ckremm_dev_path(NULL), run_prefix);
}

int main(int argc, char **argv)
{
	struct test_config config = {
		.suite = "dev",
		.jobs = 1,		/* cases share the module's quotas */
		.timeout_s = 120,	/* UML can be slow */
		.started = say_device,
	};
	char **args = calloc((size_t)argc + 2, sizeof(*args));
	int n = 0, status;

	if (!args)
		return 2;
	snprintf(run_prefix, sizeof(run_prefix), "dt%d-", (int)getpid());
	/* --host-only: the plain TESTs, no device, under the label "map". */
	for (int i = 0; i < argc; i++) {
		if (i == 0 || strcmp(argv[i], "--host-only")) {
			args[n++] = argv[i];
			continue;
		}
		args[n++] = "-f";
		args[n++] = "global";
		config.suite = "map";
		config.started = NULL;
	}
	status = test_main(n, args, &config);
	for (int i = 1; i < n; i++)
		if (!strcmp(args[i], "-h") || !strcmp(args[i], "--help"))
			puts("--host-only is -f global, the map renderer's cases, which need no\n"
			     "device, with the summary line \"map: N passed, M failed\".");
	free(args);
	return status;
}
