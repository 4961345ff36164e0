// SPDX-License-Identifier: GPL-2.0-only
/*
 * End-to-end tests of /dev/ckremm: every ioctl with good and bad input,
 * named pools across files, processes and users, and the mmap policy.
 *
 * Run as root inside a VM with ckremm.ko loaded:
 *
 *	dev_test               every case, TAP, then "dev: N passed, M failed"
 *	dev_test --host-only   only the map renderer cases (no device needed)
 *	dev_test -t CASE ...   only the named cases (--list names them all)
 *
 * Each case starts with f->fd open and f->pool an unnamed header pool of
 * FIXTURE_POOL_SIZE bytes (see harness.h).  The errno a refused request
 * must give is the one include/uapi/ckremm.h documents; they are named
 * once below so that a change of contract is a change of one line.
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

#include "harness.h"

/* What the device answers to each kind of refusal (include/uapi/ckremm.h). */
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

	if (!CHECK_OK(ckremm_block_size(p, off, &size)))
		return 0;
	return size;
}

/* The pool's stats; a failure is recorded and gives all-zero stats. */
static struct ckremm_stats stats_of(struct ckremm_pool *p)
{
	struct ckremm_stats s;

	if (!CHECK_OK(ckremm_stats(p, &s)))
		memset(&s, 0, sizeof(s));
	return s;
}

/* used + free == arena, and the pool passes validation. */
static bool pool_consistent(struct ckremm_pool *p)
{
	struct ckremm_stats s = stats_of(p);
	struct ckremm_validate v;
	bool ok;

	ok = CHECK(s.used_bytes + s.free_bytes == s.arena_size,
		   "used %llu + free %llu != arena %llu",
		   (unsigned long long)s.used_bytes,
		   (unsigned long long)s.free_bytes,
		   (unsigned long long)s.arena_size);
	ok &= CHECK_OK(ckremm_validate(p, &v));
	return ok;
}

/* The allocation state of two snapshots is the same. */
static bool same_layout(const struct ckremm_stats *a,
			const struct ckremm_stats *b)
{
	return CHECK_EQ(a->used_bytes, b->used_bytes) &
	       CHECK_EQ(a->free_bytes, b->free_bytes) &
	       CHECK_EQ(a->used_blocks, b->used_blocks) &
	       CHECK_EQ(a->free_blocks, b->free_blocks) &
	       CHECK_EQ(a->largest_free, b->largest_free);
}

/*
 * In a TEST(): @ioc on f->fd with a copy of the request @good in which
 * @field is @value must fail with -@err.  @good is not touched, so each
 * use spoils one field of a request that is otherwise accepted.
 */
#define CHECK_REFUSED_WITH(ioc, good, field, value, err)		\
	({								\
		__typeof__(good) bad_ = (good);				\
		int ret_;						\
									\
		bad_.field = (value);					\
		ret_ = ioc(f->fd, &bad_);				\
		CHECK(ret_ == -(err), "%s with %s = %s: got %s, want %s", \
		      #ioc, #field, #value, errno_name(ret_),		\
		      errno_name(err));					\
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

TEST(version_reports_abi)
{
	struct ckremm_version v = { .abi = 12345 };

	ASSERT_OK(ckremm_ioc_version(f->fd, &v));
	CHECK_EQ(v.abi, 2);
	CHECK_EQ(v.reserved, 0);
	CHECK_OK(ckremm_check_version(f->fd, NULL));
}

TEST(unknown_ioctl_enotty)
{
	struct ckremm_version v = { 0 };
	char buf[256] = { 0 };

	CHECK_ERRNO(ckremm_ioc_raw(f->fd, _IO(CKREMM_IOC_MAGIC, 0x7f), NULL),
		    ENOTTY);
	CHECK_ERRNO(ckremm_ioc_raw(f->fd, _IOWR(CKREMM_IOC_MAGIC, 0x12,
						struct ckremm_walk), buf),
		    ENOTTY);
	CHECK_ERRNO(ckremm_ioc_raw(f->fd, _IOR('x', 0x00,
					       struct ckremm_version), &v),
		    ENOTTY);
}

TEST(wrong_struct_size_refused)
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
	CHECK_ERRNO(ckremm_ioc_raw(f->fd, smaller, buf), E_BAD_SIZE);
	CHECK_ERRNO(ckremm_ioc_raw(f->fd, larger, buf), E_BAD_SIZE);
	CHECK_ERRNO(ckremm_ioc_raw(f->fd, wrong_dir, buf), E_BAD_COMMAND);
	CHECK_ERRNO(ckremm_ioc_raw(f->fd, _IOC(_IOC_READ, CKREMM_IOC_MAGIC,
						0x00, 4), buf),
		    E_BAD_SIZE);
	/* none of them made a pool: the only one is the fixture's */
	c->kind = CKREMM_KIND_HEADER;
	c->size = 4096;
	c->pool = 0;
	ASSERT_OK(ckremm_ioc_create(f->fd, c));
	CHECK_EQ(c->pool, f->pool.id + 1);
}

TEST(request_struct_unreachable)
{
	void *ro;
	struct ckremm_alloc *a;

	CHECK_ERRNO(ckremm_ioc_raw(f->fd, CKREMM_IOC_STATS, (void *)16),
		    EFAULT);
	CHECK_ERRNO(ckremm_ioc_raw(f->fd, CKREMM_IOC_VERSION, (void *)16),
		    EFAULT);
	/* A request whose result cannot be written back changes nothing. */
	ro = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT(ro != MAP_FAILED, "mmap: %s", errno_name(errno));
	a = ro;
	a->pool = f->pool.id;
	a->size = 64;
	ASSERT(!mprotect(ro, page_size(), PROT_READ), "mprotect");
	CHECK_ERRNO(ckremm_ioc_alloc(f->fd, a), EFAULT);
	CHECK_EQ(stats_of(&f->pool).used_blocks, 0);
	munmap(ro, page_size());
}

/* ---- create ----------------------------------------------------------- */

TEST(create_header_pool)
{
	struct ckremm_create c = { .kind = CKREMM_KIND_HEADER, .size = 65536 };
	struct ckremm_stats s;
	struct ckremm_pool p;

	ASSERT_OK(ckremm_ioc_create(f->fd, &c));
	CHECK(c.arena_size > 0 && c.arena_size <= 65536,
	      "arena_size %llu for 65536 bytes asked",
	      (unsigned long long)c.arena_size);
	CHECK_EQ(c.mmap_offset, (__u64)c.pool << CKREMM_MMAP_SHIFT);
	CHECK(c.pool != f->pool.id, "two pools share id %u", c.pool);
	p = f->pool;
	p.id = c.pool;
	ASSERT_OK(ckremm_stats(&p, &s));
	CHECK_EQ(s.kind, CKREMM_KIND_HEADER);
	CHECK_EQ(s.arena_size, c.arena_size);
	CHECK_EQ(s.used_blocks, 0);
	CHECK_EQ(s.free_blocks, 1);
	CHECK_EQ(s.free_bytes, c.arena_size);
}

TEST(create_too_small)
{
	__u64 sizes[] = { 0, 1, 16, 31, 32, CKREMM_POOL_MIN_SIZE - 1 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct ckremm_create c = {
			.kind = CKREMM_KIND_HEADER, .size = sizes[i],
		};

		CHECK(ckremm_ioc_create(f->fd, &c) == -E_BAD_REQUEST,
		      "pool of %llu bytes not refused with %s",
		      (unsigned long long)sizes[i], errno_name(E_BAD_REQUEST));
	}
}

TEST(create_too_big)
{
	unsigned long long cap;
	struct ckremm_create c = { .kind = CKREMM_KIND_HEADER };

	c.size = ~0ULL;
	CHECK_ERRNO(ckremm_ioc_create(f->fd, &c), E_TOO_BIG);
	c.size = 1ULL << 62;
	CHECK_ERRNO(ckremm_ioc_create(f->fd, &c), E_TOO_BIG);
	/* The module always has the parameter (mode 0644). */
	ASSERT(module_param("max_pool_size", &cap),
	       PARAM_DIR "max_pool_size not readable");
	c.size = cap + 1;
	CHECK_ERRNO(ckremm_ioc_create(f->fd, &c), E_TOO_BIG);
	c.size = cap + page_size();
	CHECK_ERRNO(ckremm_ioc_create(f->fd, &c), E_TOO_BIG);
	/* the smallest pool is always allowed */
	c.size = CKREMM_POOL_MIN_SIZE;
	CHECK_OK(ckremm_ioc_create(f->fd, &c));
}

TEST(create_odd_sizes)
{
	__u64 sizes[] = { 4096, 4097, 4111, 4112, 5000, 65535, 100003 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct ckremm_create c = {
			.kind = CKREMM_KIND_HEADER, .size = sizes[i],
		};
		struct ckremm_pool p = { .fd = f->fd };
		__u64 off;

		if (!CHECK_OK(ckremm_ioc_create(f->fd, &c)))
			continue;
		/* The header pool rounds down to its 16-byte granule. */
		CHECK_EQ(c.arena_size, sizes[i] & ~15ULL);
		p.id = c.pool;
		p.arena_size = c.arena_size;
		CHECK_OK(ckremm_alloc(&p, 1, &off));
		pool_consistent(&p);
		CHECK_OK(ckremm_pool_close(&p));
	}
}

TEST(create_unknown_kind)
{
	__u32 kinds[] = { 0, 3, 0x100, 0xffffffff };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct ckremm_create c = { .kind = kinds[i], .size = 4096 };

		CHECK(ckremm_ioc_create(f->fd, &c) == -E_BAD_REQUEST,
		      "kind %u not refused", kinds[i]);
	}
}

TEST(create_unknown_flags)
{
	for (unsigned int bit = 1; bit < 32; bit++) {
		struct ckremm_create c = {
			.kind = CKREMM_KIND_HEADER, .size = 4096,
			.flags = 1U << bit,
		};

		CHECK(ckremm_ioc_create(f->fd, &c) == -E_BAD_REQUEST,
		      "flag bit %u not refused", bit);
	}
}

TEST(create_reserved_not_zero)
{
	struct ckremm_create c = { .kind = CKREMM_KIND_HEADER, .size = 4096 };

	CHECK_REFUSED_WITH(ckremm_ioc_create, c, reserved[0], 1,
			   E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_create, c, reserved[1], 1ULL << 63,
			   E_BAD_REQUEST);
}

TEST(out_fields_not_zero)
{
	struct ckremm_create c = { .kind = CKREMM_KIND_HEADER, .size = 4096 };
	struct ckremm_alloc a = { .pool = f->pool.id, .size = 16 };
	struct ckremm_block b = { .pool = f->pool.id };
	struct ckremm_realloc r = { .pool = f->pool.id, .size = 32 };
	struct ckremm_stats s = { .pool = f->pool.id };
	struct ckremm_open o = { 0 };
	__u64 off;

	CHECK_REFUSED_WITH(ckremm_ioc_create, c, pool, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_create, c, arena_size, 4096,
			   E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_create, c, mmap_offset,
			   1ULL << CKREMM_MMAP_SHIFT, E_BAD_REQUEST);

	strcpy(o.name, fixture_name(f, "out"));
	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 4096, o.name,
				     0, &f->pool));
	o.kind = CKREMM_KIND_HEADER;
	CHECK_ERRNO(ckremm_ioc_open(f->fd, &o), E_BAD_REQUEST);
	o.kind = 0;
	o.arena_size = 1;
	CHECK_ERRNO(ckremm_ioc_open(f->fd, &o), E_BAD_REQUEST);

	a.pool = b.pool = r.pool = s.pool = f->pool.id;
	a.block = 16;
	CHECK_ERRNO(ckremm_ioc_alloc(f->fd, &a), E_BAD_REQUEST);
	ASSERT_OK(ckremm_alloc(&f->pool, 16, &off));
	b.block = off;
	b.size = 16;
	CHECK_ERRNO(ckremm_ioc_clean(f->fd, &b), E_BAD_REQUEST);
	CHECK_ERRNO(ckremm_ioc_free(f->fd, &b), E_BAD_REQUEST);
	b.size = 0;
	b.offset = off;
	CHECK_ERRNO(ckremm_ioc_clean(f->fd, &b), E_BAD_REQUEST);
	CHECK_ERRNO(ckremm_ioc_free(f->fd, &b), E_BAD_REQUEST);
	r.block = off;
	r.new_block = off;
	CHECK_ERRNO(ckremm_ioc_realloc(f->fd, &r), E_BAD_REQUEST);
	/* a stats request passed again, out fields filled in, is caught */
	ASSERT_OK(ckremm_ioc_stats(f->fd, &s));
	CHECK_ERRNO(ckremm_ioc_stats(f->fd, &s), E_BAD_REQUEST);
	CHECK_EQ(stats_of(&f->pool).used_blocks, 1);
}

TEST(create_unnamed_with_name_or_mode)
{
	struct ckremm_create c = { .kind = CKREMM_KIND_HEADER, .size = 4096 };

	c.mode = 0600;
	CHECK_ERRNO(ckremm_ioc_create(f->fd, &c), E_BAD_REQUEST);
	c.mode = 0;
	strcpy(c.name, "unnamed");
	CHECK_ERRNO(ckremm_ioc_create(f->fd, &c), E_BAD_REQUEST);
	memset(c.name, 0, sizeof(c.name));
	c.name[CKREMM_NAME_LEN - 1] = 'x';	/* non-zero after the NUL */
	CHECK_ERRNO(ckremm_ioc_create(f->fd, &c), E_BAD_REQUEST);
}

TEST(create_named_bad_mode)
{
	const char *name = fixture_name(f, "mode");
	__u32 modes[] = { 01000, 02755, 04700, 0xffffffff };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct ckremm_create c = named_create(name, 4096);

		c.mode = modes[i];
		CHECK(ckremm_ioc_create(f->fd, &c) == -E_BAD_REQUEST,
		      "mode %o not refused", modes[i]);
	}
}

TEST(create_bad_names)
{
	static const char *const bad[] = {
		"", "a b", "a/b", "../x", "tab\tx", "semi;colon", "star*",
		"caf\xc3\xa9", "new\nline",
	};
	struct ckremm_create c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = named_create(bad[i], 4096);
		CHECK(ckremm_ioc_create(f->fd, &c) == -E_BAD_REQUEST,
		      "name '%s' not refused", bad[i]);
	}
	/* 32 characters: no room for the NUL */
	c = named_create("", 4096);
	memset(c.name, 'a', sizeof(c.name));
	CHECK_ERRNO(ckremm_ioc_create(f->fd, &c), E_BAD_REQUEST);
	/* garbage after the NUL */
	c = named_create("", 4096);
	strcpy(c.name, fixture_name(f, "g"));
	c.name[CKREMM_NAME_LEN - 2] = 'z';
	CHECK_ERRNO(ckremm_ioc_create(f->fd, &c), E_BAD_REQUEST);
	/* a name without the NAMED flag was refused above; the flag
	 * without a name: */
	c = named_create("", 4096);
	CHECK_ERRNO(ckremm_ioc_create(f->fd, &c), E_BAD_REQUEST);
}

TEST(create_name_of_31_characters)
{
	char name[CKREMM_NAME_LEN];
	const char *prefix = fixture_name(f, "");
	struct ckremm_pool p;

	/* fixture_name() registered the bare prefix; register the long name
	 * so teardown destroys it. */
	memset(name, 'n', CKREMM_NAME_LEN - 1);
	memcpy(name, prefix, strlen(prefix));
	name[CKREMM_NAME_LEN - 1] = '\0';
	strcpy(f->names[f->nnames - 1], name);
	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 4096, name, 0,
				     &p));
	CHECK(!memcmp(p.name, name, CKREMM_NAME_LEN), "name changed");
}

TEST(create_duplicate_name)
{
	const char *name = fixture_name(f, "dup");
	struct ckremm_pool a, b;
	int fd2;

	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 4096, name, 0,
				     &a));
	CHECK_ERRNO(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 4096, name,
				       0, &b), E_NAME_TAKEN);
	fd2 = ckremm_dev_open(NULL);
	ASSERT(fd2 >= 0, "second open: %s", errno_name(fd2));
	CHECK_ERRNO(ckremm_pool_create(fd2, CKREMM_KIND_HEADER, 8192, name, 0,
				       &b), E_NAME_TAKEN);
	ckremm_dev_close(fd2);
}

/* ---- open, close, destroy --------------------------------------------- */

TEST(open_unknown_name)
{
	struct ckremm_pool p;

	CHECK_ERRNO(ckremm_pool_open(f->fd, fixture_name(f, "nope"), 0, &p),
		    E_NO_NAME);
}

TEST(open_bad_requests)
{
	const char *name = fixture_name(f, "openbad");
	struct ckremm_pool p;
	struct ckremm_open o;

	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 4096, name, 0,
				     &p));
	memset(&o, 0, sizeof(o));
	strcpy(o.name, name);
	CHECK_REFUSED_WITH(ckremm_ioc_open, o, flags, 1U << 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_open, o, pad, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_open, o, reserved[1], 1, E_BAD_REQUEST);
	memset(o.name, 0, sizeof(o.name));
	CHECK_ERRNO(ckremm_ioc_open(f->fd, &o), E_BAD_REQUEST);
	strcpy(o.name, "bad name");
	CHECK_ERRNO(ckremm_ioc_open(f->fd, &o), E_BAD_REQUEST);
	memset(o.name, 'a', sizeof(o.name));
	CHECK_ERRNO(ckremm_ioc_open(f->fd, &o), E_BAD_REQUEST);
	memset(o.name, 0, sizeof(o.name));
	strcpy(o.name, name);
	o.name[CKREMM_NAME_LEN - 1] = 'x';	/* garbage after the NUL */
	CHECK_ERRNO(ckremm_ioc_open(f->fd, &o), E_BAD_REQUEST);
	o.name[CKREMM_NAME_LEN - 1] = '\0';
	CHECK_OK(ckremm_ioc_open(f->fd, &o));
	CHECK_EQ(o.kind, CKREMM_KIND_HEADER);
	CHECK_EQ(o.arena_size, p.arena_size);
	CHECK_EQ(o.mmap_offset, (__u64)o.pool << CKREMM_MMAP_SHIFT);
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

	return CHECK_OK(ckremm_read(p, block, 0, buf, len)) &&
	       CHECK(!memcmp(buf, bytes, len), "read '%.*s', want '%s'",
		     (int)len, buf, bytes);
}

TEST(open_named_from_another_file)
{
	const char *name = fixture_name(f, "share");
	struct ckremm_pool a, b;
	__u64 off;
	int fd2;

	ASSERT_OK(named_with_bytes(f->fd, name, 65536, 0640, "hello", &a,
				   &off));
	fd2 = ckremm_dev_open(NULL);
	ASSERT(fd2 >= 0, "second open: %s", errno_name(fd2));
	if (CHECK_OK(ckremm_pool_open(fd2, name, 0, &b))) {
		CHECK_EQ(b.kind, CKREMM_KIND_HEADER);
		CHECK_EQ(b.arena_size, a.arena_size);
		holds(&b, off, "hello");
		CHECK_OK(ckremm_write(&b, off, 0, "HELLO", 5));
		holds(&a, off, "HELLO");
	}
	ckremm_dev_close(fd2);
}

TEST(open_read_only_refuses_changes)
{
	const char *name = fixture_name(f, "ro");
	struct ckremm_pool w, r;
	struct ckremm_reorder ro;
	struct ckremm_stats s;
	struct ckremm_validate v;
	char buf[4];
	__u64 off, off2, size;

	ASSERT_OK(named_with_bytes(f->fd, name, 65536, 0, "abcd", &w, &off));
	ASSERT_OK(ckremm_pool_open(f->fd, name, CKREMM_OPEN_RDONLY, &r));
	CHECK(r.id != w.id, "both attachments got id %u", r.id);

	CHECK_OK(ckremm_read(&r, off, 0, buf, 4));
	CHECK(!memcmp(buf, "abcd", 4), "read back differs");
	CHECK_OK(ckremm_stats(&r, &s));
	CHECK_OK(ckremm_validate(&r, &v));
	CHECK_OK(ckremm_block_size(&r, off, &size));

	CHECK_ERRNO(ckremm_alloc(&r, 16, &off2), E_READ_ONLY);
	CHECK_ERRNO(ckremm_write(&r, off, 0, "xxxx", 4), E_READ_ONLY);
	CHECK_ERRNO(ckremm_clean(&r, off, NULL, NULL), E_READ_ONLY);
	CHECK_ERRNO(ckremm_realloc(&r, off, 128, &off2), E_READ_ONLY);
	CHECK_ERRNO(ckremm_reorder(&r, &ro), E_READ_ONLY);
	CHECK_ERRNO(ckremm_free(&r, off), E_READ_ONLY);
	{
		__u64 batch[1] = { off };

		CHECK_ERRNO(ckremm_free_batch(&r, batch, 1), E_READ_ONLY);
		CHECK_ERRNO(ckremm_alloc_batch(&r, 16, 0, batch, 1),
			    E_READ_ONLY);
	}
	CHECK_OK(ckremm_read(&w, off, 0, buf, 4));
	CHECK(!memcmp(buf, "abcd", 4), "a read-only attachment changed it");
	CHECK_EQ(stats_of(&w).used_blocks, 1);
	/* mapping is reading */
	{
		const char *view;

		if (CHECK_OK(ckremm_map_arena(&r, (const void **)&view))) {
			CHECK(!memcmp(view + off, "abcd", 4), "mapped bytes");
			ckremm_unmap_arena(&r, view);
		}
	}
	/* DESTROY is the owner's, whatever the attachment's mode */
	CHECK_OK(ckremm_pool_destroy(&r));
	CHECK_ERRNO(ckremm_pool_open(f->fd, name, 0, &r), E_NO_NAME);
}

TEST(close_detaches_pool)
{
	struct ckremm_pool_ref ref = { .pool = f->pool.id };
	__u64 off;

	CHECK_OK(ckremm_ioc_close(f->fd, &ref));
	CHECK_ERRNO(ckremm_alloc(&f->pool, 16, &off), E_NO_POOL);
	CHECK_ERRNO(ckremm_ioc_close(f->fd, &ref), E_NO_POOL);
}

TEST(close_and_destroy_bad_requests)
{
	struct ckremm_pool_ref ref = { .pool = f->pool.id };

	CHECK_REFUSED_WITH(ckremm_ioc_close, ref, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_destroy, ref, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_close, ref, reserved, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_destroy, ref, reserved, 1,
			   E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_close, ref, pool, f->pool.id + 1000,
			   E_NO_POOL);
	CHECK_REFUSED_WITH(ckremm_ioc_destroy, ref, pool, f->pool.id + 1000,
			   E_NO_POOL);
	pool_consistent(&f->pool);
}

TEST(destroy_unnamed_is_close)
{
	struct ckremm_stats st;
	__u64 off;

	ASSERT_OK(ckremm_alloc(&f->pool, 64, &off));
	CHECK_OK(ckremm_pool_destroy(&f->pool));
	CHECK_ERRNO(ckremm_stats(&f->pool, &st), E_NO_POOL);
	CHECK_ERRNO(ckremm_pool_destroy(&f->pool), E_NO_POOL);
}

TEST(destroy_named_then_open_fails)
{
	const char *name = fixture_name(f, "gone");
	struct ckremm_pool p, q;

	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 4096, name, 0,
				     &p));
	CHECK_OK(ckremm_pool_destroy(&p));
	CHECK_ERRNO(ckremm_pool_open(f->fd, name, 0, &q), E_NO_NAME);
	/* the name is free again */
	CHECK_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 4096, name, 0,
				    &q));
}

TEST(destroyed_pool_lives_while_attached)
{
	const char *name = fixture_name(f, "linger");
	struct ckremm_pool a, b;
	__u64 off;
	int fd2;

	ASSERT_OK(named_with_bytes(f->fd, name, 4096, 0, "still", &a, &off));
	fd2 = ckremm_dev_open(NULL);
	ASSERT(fd2 >= 0, "second open: %s", errno_name(fd2));
	if (CHECK_OK(ckremm_pool_open(fd2, name, 0, &b))) {
		CHECK_OK(ckremm_pool_destroy(&a));
		CHECK_ERRNO(ckremm_pool_open(f->fd, name, 0, &a), E_NO_NAME);
		holds(&b, off, "still");
		CHECK_OK(ckremm_alloc(&b, 16, &off));
		pool_consistent(&b);
	}
	ckremm_dev_close(fd2);
}

TEST(named_pool_outlives_its_creator)
{
	const char *name = fixture_name(f, "outlive");
	struct ckremm_pool p;
	__u64 off;
	int fd;

	fd = ckremm_dev_open(NULL);
	ASSERT(fd >= 0, "open: %s", errno_name(fd));
	ASSERT_OK(named_with_bytes(fd, name, 65536, 0, "kept", &p, &off));
	ckremm_dev_close(fd);

	ASSERT_OK(ckremm_pool_open(f->fd, name, 0, &p));
	holds(&p, off, "kept");
	CHECK_EQ(stats_of(&p).used_blocks, 1);
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

	return CHECK(waitpid(pid, &status, 0) == pid, "waitpid") &&
	       CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
		     "child saw status %d", status);
}

/* Wait for one byte from @fd; false on EOF or error. */
static bool wait_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

TEST(two_processes_share_a_named_pool)
{
	const char *name = fixture_name(f, "fork");
	int to_child[2], to_parent[2];
	struct ckremm_pool p;
	char buf[16] = { 0 };
	__u64 off;
	pid_t pid;

	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 65536, name, 0,
				     &p));
	ASSERT_OK(ckremm_alloc(&p, 64, &off));
	ASSERT(!pipe(to_child) && !pipe(to_parent), "pipe");
	pid = fork();
	ASSERT(pid >= 0, "fork");
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
	CHECK(wait_byte(to_parent[0]), "child did not write");
	CHECK_OK(ckremm_read(&p, off, 0, buf, 10));
	CHECK(!strcmp(buf, "from child"), "parent read '%s'", buf);
	CHECK_OK(ckremm_write(&p, off, 0, "from parent", 11));
	CHECK(write(to_child[1], "r", 1) == 1, "pipe write");
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

TEST(other_user_kept_out_by_mode)
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
			name = fixture_name(f, suffix);
			ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER,
						     4096, name, tries[i].mode,
						     &p));
		}
		r = open_as_nobody(f->fd, name, tries[i].flags);
		CHECK((r & 0x7f) == tries[i].err, "%04o %s open: got %s, want %s",
		      tries[i].mode,
		      tries[i].flags ? "read-only" : "read-write",
		      errno_name(r & 0x7f), errno_name(tries[i].err));
	}
	CHECK(r & 0x80, "a user not the owner destroyed a 0666 pool");
	/* it is still there */
	CHECK_OK(ckremm_pool_open(f->fd, name, 0, &p));
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
	CHECK(ret == -E_USER_LIMIT, "pool %u of a cap of %llu: got %s, want %s",
	      made + 1, cap, errno_name(ret), errno_name(E_USER_LIMIT));
	return made;
}

/*
 * Runs @body with max_pools_per_user low enough for a case to reach it,
 * lowering the parameter for the case if it must.
 */
static void with_reachable_cap(struct fixture *f,
			       void (*body)(struct fixture *f,
					    unsigned long long cap))
{
	unsigned long long cap, lowered = 8;

	/* The module always has the parameter (mode 0644). */
	ASSERT(module_param("max_pools_per_user", &cap),
	       PARAM_DIR "max_pools_per_user not readable");
	if (cap <= 60) {
		body(f, cap);
		return;
	}
	/* Too many to make here: lower the cap for the case, then restore. */
	ASSERT(set_module_param("max_pools_per_user", lowered),
	       "max_pools_per_user is %llu and cannot be lowered", cap);
	body(f, lowered);
	CHECK(set_module_param("max_pools_per_user", cap),
	      "could not restore max_pools_per_user to %llu", cap);
}

/*
 * An unnamed pool dies with its file.  What shows it: a pool counts
 * under max_pools_per_user until its memory is freed
 * (include/uapi/ckremm.h, CREATE), so a new file of the same user must
 * make exactly as many pools as the closed one did.  (Pool ids cannot
 * show it: every file numbers its pools afresh.)
 */
static void pools_die_with_their_file(struct fixture *f,
				      unsigned long long cap)
{
	unsigned int room;
	int fd;

	(void)f;
	fd = ckremm_dev_open(NULL);
	ASSERT(fd >= 0, "open: %s", errno_name(fd));
	room = pools_that_fit(fd, cap);
	ckremm_dev_close(fd);
	CHECK(room > 0, "no pool fits under a cap of %llu", cap);
	fd = ckremm_dev_open(NULL);
	ASSERT(fd >= 0, "reopen: %s", errno_name(fd));
	CHECK_EQ(pools_that_fit(fd, cap), room);
	ckremm_dev_close(fd);
}

TEST(unnamed_pool_dies_with_its_file)
{
	with_reachable_cap(f, pools_die_with_their_file);
}

static void fill_up_to_cap(struct fixture *f, unsigned long long cap)
{
	struct ckremm_pool p[64];
	unsigned int made = 0;
	int fd, ret = 0;

	fd = ckremm_dev_open(NULL);
	ASSERT(fd >= 0, "open: %s", errno_name(fd));
	/* The fixture's pool counts too: stop at the first refusal. */
	while (made <= cap + 1) {
		ret = ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096, NULL, 0,
					 &p[made]);
		if (ret)
			break;
		made++;
	}
	CHECK(ret == -E_USER_LIMIT, "pool %u of a cap of %llu: got %s, want %s",
	      made + 1, cap, errno_name(ret), errno_name(E_USER_LIMIT));
	CHECK(made < cap, "made %u pools beside the fixture's under a cap of %llu",
	      made, cap);
	/* named pools count the same */
	CHECK_ERRNO(ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096,
				       fixture_name(f, "cap"), 0, &p[63]),
		    E_USER_LIMIT);
	/* the cap is per user: another uid still may */
	if (!geteuid())
		CHECK(create_as_nobody(fd) == 0,
		      "uid 65534 refused while root is at its cap");
	if (made) {
		/* Closing one makes room for one. */
		CHECK_OK(ckremm_pool_close(&p[0]));
		CHECK_OK(ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096, NULL,
					    0, &p[0]));
	}
	ckremm_dev_close(fd);
	/* All gone with the file: a new pool fits again. */
	fd = ckremm_dev_open(NULL);
	ASSERT(fd >= 0, "open: %s", errno_name(fd));
	CHECK_OK(ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096, NULL, 0,
				    &p[0]));
	ckremm_dev_close(fd);
}

TEST(pools_per_user_capped)
{
	with_reachable_cap(f, fill_up_to_cap);
}

/* ---- alloc ------------------------------------------------------------ */

TEST(alloc_zero_size)
{
	__u64 off;

	CHECK_ERRNO(ckremm_alloc(&f->pool, 0, &off), E_BAD_REQUEST);
	CHECK_EQ(stats_of(&f->pool).used_blocks, 0);
}

TEST(alloc_align_not_power_of_two)
{
	__u64 aligns[] = { 3, 5, 24, 48, 100, 4095 };
	__u64 off;

	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++)
		CHECK(ckremm_alloc_ex(&f->pool, 64, aligns[i], 0, &off) ==
		      -E_BAD_REQUEST, "align %llu not refused",
		      (unsigned long long)aligns[i]);
	CHECK_EQ(stats_of(&f->pool).used_blocks, 0);
}

TEST(alloc_align_above_page)
{
	__u64 off;

	CHECK_ERRNO(ckremm_alloc_ex(&f->pool, 64, page_size() * 2, 0, &off),
		    E_BAD_REQUEST);
	CHECK_ERRNO(ckremm_alloc_ex(&f->pool, 64, 1ULL << 40, 0, &off),
		    E_BAD_REQUEST);
	CHECK_ERRNO(ckremm_alloc_ex(&f->pool, 64, 1ULL << 63, 0, &off),
		    E_BAD_REQUEST);
}

TEST(alloc_aligned_blocks)
{
	for (__u64 align = 1; align <= page_size(); align <<= 1) {
		__u64 off, spacer;

		/* a small block first, so alignment is not free */
		ASSERT_OK(ckremm_alloc(&f->pool, 24, &spacer));
		if (!CHECK_OK(ckremm_alloc_ex(&f->pool, 40, align, 0, &off)))
			continue;
		CHECK(off % align == 0, "offset %llu not aligned to %llu",
		      (unsigned long long)off, (unsigned long long)align);
		CHECK(off % 16 == 0, "offset %llu below natural alignment",
		      (unsigned long long)off);
		CHECK(usable(&f->pool, off) >= 40, "block too small");
	}
	pool_consistent(&f->pool);
}

TEST(alloc_huge_size)
{
	__u64 sizes[] = {
		FIXTURE_POOL_SIZE, FIXTURE_POOL_SIZE * 2ULL, 1ULL << 40,
		~0ULL - 4096, ~0ULL,
	};
	__u64 before = stats_of(&f->pool).failed_allocs, off;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int ret = ckremm_alloc(&f->pool, sizes[i], &off);

		CHECK(ret == -E_NO_SPACE, "alloc of %llu bytes: %s",
		      (unsigned long long)sizes[i], errno_name(ret));
	}
	/* At least the first two are plain lack of space. */
	CHECK(stats_of(&f->pool).failed_allocs >= before + 2,
	      "failed_allocs did not count");
	CHECK_EQ(stats_of(&f->pool).used_blocks, 0);
	pool_consistent(&f->pool);
}

TEST(alloc_bad_requests)
{
	struct ckremm_alloc a = { .pool = f->pool.id, .size = 16 };

	/* bit 0 is CKREMM_ALLOC_REORDER, a table pool's (see below) */
	CHECK_REFUSED_WITH(ckremm_ioc_alloc, a, flags, 1U << 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_alloc, a, flags, 1U << 31,
			   E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_alloc, a, reserved, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_alloc, a, pool, f->pool.id + 77,
			   E_NO_POOL);
	CHECK_REFUSED_WITH(ckremm_ioc_alloc, a, pool, ~0U, E_NO_POOL);
	CHECK_EQ(stats_of(&f->pool).used_blocks, 0);
}

TEST(alloc_blocks_do_not_overlap)
{
	struct { __u64 off, size; } b[40];
	int n = 0;

	for (int i = 0; i < 40; i++) {
		__u64 size = 1 + (__u64)i * 37;

		if (!CHECK_OK(ckremm_alloc(&f->pool, size, &b[n].off)))
			break;
		b[n].size = usable(&f->pool, b[n].off);
		CHECK(b[n].size >= size, "usable %llu < %llu",
		      (unsigned long long)b[n].size, (unsigned long long)size);
		CHECK(b[n].off + b[n].size <= f->pool.arena_size,
		      "block past the arena");
		n++;
	}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			CHECK(b[i].off + b[i].size <= b[j].off ||
			      b[j].off + b[j].size <= b[i].off,
			      "blocks %d and %d overlap", i, j);
	CHECK_EQ(stats_of(&f->pool).used_blocks, n);
	pool_consistent(&f->pool);
}

/* ---- free ------------------------------------------------------------- */

TEST(free_outside_arena)
{
	__u64 bad[] = {
		f->pool.arena_size, f->pool.arena_size + 16,
		1ULL << 40, ~0ULL, ~0ULL - 15,
	};
	__u64 off;

	ASSERT_OK(ckremm_alloc(&f->pool, 64, &off));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(ckremm_free(&f->pool, bad[i]) == -E_NO_BLOCK,
		      "free at %llu not refused", (unsigned long long)bad[i]);
	CHECK_EQ(stats_of(&f->pool).used_blocks, 1);
	pool_consistent(&f->pool);
}

TEST(free_middle_of_block)
{
	struct ckremm_stats before, after;
	__u64 off;

	ASSERT_OK(ckremm_alloc(&f->pool, 256, &off));
	before = stats_of(&f->pool);
	CHECK_ERRNO(ckremm_free(&f->pool, off + 1), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_free(&f->pool, off + 16), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_free(&f->pool, off + 128), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_free(&f->pool, off - 16), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_free(&f->pool, 0), E_NO_BLOCK);
	after = stats_of(&f->pool);
	same_layout(&before, &after);
	/* each refused call counts once */
	CHECK_EQ(after.refused_calls, before.refused_calls + 5);
	CHECK_OK(ckremm_free(&f->pool, off));
}

TEST(free_twice)
{
	__u64 off, keep;

	ASSERT_OK(ckremm_alloc(&f->pool, 100, &off));
	ASSERT_OK(ckremm_alloc(&f->pool, 100, &keep));
	CHECK_OK(ckremm_free(&f->pool, off));
	CHECK_ERRNO(ckremm_free(&f->pool, off), E_NO_BLOCK);
	CHECK_EQ(stats_of(&f->pool).used_blocks, 1);
	pool_consistent(&f->pool);
}

TEST(free_bad_requests)
{
	struct ckremm_block b = { .pool = f->pool.id };
	__u64 off;

	ASSERT_OK(ckremm_alloc(&f->pool, 16, &off));
	b.block = off;
	CHECK_REFUSED_WITH(ckremm_ioc_free, b, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_free, b, reserved, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_free, b, pool, f->pool.id + 5, E_NO_POOL);
	CHECK_EQ(stats_of(&f->pool).used_blocks, 1);
	CHECK_OK(ckremm_ioc_free(f->fd, &b));
	CHECK_EQ(b.offset, 0);
	CHECK_EQ(b.size, 0);
}

/* ---- batches, on both kinds -------------------------------------------- */

/*
 * Run @body on a fresh unnamed pool of @size bytes of each kind, made in
 * @f's file.  Stops at the first pool that cannot be made.
 */
static void on_each_kind(struct fixture *f, __u64 size,
			 void (*body)(struct fixture *f, struct ckremm_pool *p))
{
	static const __u32 kinds[] = { CKREMM_KIND_HEADER, CKREMM_KIND_TABLE };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct ckremm_pool p;

		if (!CHECK_OK(ckremm_pool_create(f->fd, kinds[i], size, NULL, 0,
						 &p)))
			return;
		body(f, &p);
		ckremm_pool_close(&p);
	}
}

/*
 * A case whose body runs on a fresh pool @p of @size bytes of each kind,
 * through on_each_kind().
 */
#define KIND_TEST(name, size)						\
	static void name##_on(struct fixture *f, struct ckremm_pool *p); \
	TEST(name)							\
	{								\
		on_each_kind(f, size, name##_on);			\
	}								\
	static void name##_on(struct fixture *f __attribute__((unused)), \
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
			CHECK(b[i] % 16 == 0 && b[i] < p->arena_size,
			      "offset %d: %llu", i, (unsigned long long)b[i]);
		CHECK(usable(p, b[i]) >= 100, "block %d too small", i);
		for (int j = 0; j < i; j++)
			CHECK(b[i] != b[j], "blocks %d and %d equal", i, j);
	}
	CHECK_EQ(stats_of(p).used_blocks, CKREMM_BATCH_MAX);
	CHECK_OK(ckremm_free_batch(p, b, CKREMM_BATCH_MAX));
	CHECK_EQ(stats_of(p).used_blocks, 0);
	pool_consistent(p);
}

TEST(alloc_batch_aligned)
{
	__u64 off[16];

	ASSERT_OK(ckremm_alloc_batch(&f->pool, 10, 256, off, 16));
	for (int i = 0; i < 16; i++)
		CHECK(off[i] % 256 == 0, "offset %llu not 256-aligned",
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
	CHECK_ERRNO(ckremm_alloc_batch(p, 256, 0, b, CKREMM_BATCH_MAX),
		    E_NO_SPACE);
	after = stats_of(p);
	same_layout(&before, &after);
	if (!ckremm_pool_by_handle(p))
		CHECK_EQ(after.peak_used, before.peak_used);
	pool_consistent(p);
	/* and a batch that fits still works */
	CHECK_OK(ckremm_alloc_batch(p, 256, 0, b, 4));
	CHECK_EQ(stats_of(p).used_blocks, 5);
}

/* What ALLOC_BATCH and FREE_BATCH refuse alike, on copies of @req. */
static void batch_fields_refused(struct fixture *f,
				 int (*ioc)(int, struct ckremm_batch *),
				 struct ckremm_batch req)
{
	CHECK_REFUSED_WITH(ioc, req, count, 0, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ioc, req, count, CKREMM_BATCH_MAX + 1,
			   E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ioc, req, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ioc, req, reserved0, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ioc, req, reserved, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ioc, req, pool, req.pool + 40, E_NO_POOL);
}

KIND_TEST(alloc_batch_bad_requests, FIXTURE_POOL_SIZE)
{
	__u64 b[CKREMM_BATCH_MAX + 1];
	struct ckremm_batch req = {
		.pool = p->id, .size = 16, .count = 1,
		.blocks = (__u64)(uintptr_t)b,
	};

	batch_fields_refused(f, ckremm_ioc_alloc_batch, req);
	CHECK_REFUSED_WITH(ckremm_ioc_alloc_batch, req, size, 0, E_BAD_REQUEST);
	if (!ckremm_pool_by_handle(p))
		CHECK_REFUSED_WITH(ckremm_ioc_alloc_batch, req, align, 3,
				   E_BAD_REQUEST);
	/* an unwritable blocks array: nothing may stay allocated */
	req.blocks = 16;
	req.count = 8;
	CHECK_ERRNO(ckremm_ioc_alloc_batch(f->fd, &req), EFAULT);
	CHECK_EQ(stats_of(p).used_blocks, 0);
	pool_consistent(p);
}

KIND_TEST(free_batch_frees_every_block, FIXTURE_POOL_SIZE)
{
	__u64 b[40];

	for (int i = 0; i < 40; i++)
		ASSERT_OK(ckremm_alloc(p, 8 + i * 16, &b[i]));
	CHECK_OK(ckremm_free_batch(p, b, 40));
	CHECK_EQ(stats_of(p).used_blocks, 0);
	if (!ckremm_pool_by_handle(p))
		CHECK_EQ(stats_of(p).free_blocks, 1);
	for (int i = 0; i < 40; i++)
		CHECK_ERRNO(ckremm_free(p, b[i]), E_NO_BLOCK);
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

	CHECK_ERRNO(ckremm_free_batch(p, batch, n), err);
	after = stats_of(p);
	same_layout(&before, &after);
	for (int i = 0; i < nlive; i++)
		CHECK_OK(ckremm_read(p, live[i], 0, buf, sizeof(buf)));
}

KIND_TEST(free_batch_duplicate_changes_nothing, FIXTURE_POOL_SIZE)
{
	__u64 b[4], batch[5];

	ASSERT_OK(alloc_each(p, b, 4, 64));
	memcpy(batch, b, sizeof(b));
	batch[4] = b[1];
	free_batch_refused(p, batch, 5, E_NO_BLOCK, b, 4);
	/* and a batch without the duplicate succeeds */
	CHECK_OK(ckremm_free_batch(p, batch, 4));
	CHECK_EQ(stats_of(p).used_blocks, 0);
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
TEST(free_batch_pinned_refused_whole)
{
	const char *name = fixture_name(f, "bpin");
	struct ckremm_pool p, other;
	__u64 b[4];

	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_TABLE, 65536, name, 0,
				     &p));
	ASSERT_OK(ckremm_pool_open(f->fd, name, 0, &other));
	ASSERT_OK(alloc_each(&p, b, 4, 64));
	ASSERT_OK(ckremm_pin(&other, b[3], NULL, NULL));
	free_batch_refused(&p, b, 4, E_PINNED, b, 4);
	ASSERT_OK(ckremm_unpin(&other, b[3]));
	ASSERT_OK(ckremm_pin(&p, b[0], NULL, NULL));
	free_batch_refused(&p, b, 4, E_PINNED, b, 4);
	ASSERT_OK(ckremm_unpin(&p, b[0]));
	CHECK_OK(ckremm_free_batch(&p, b, 4));
	CHECK_EQ(stats_of(&p).used_blocks, 0);
	pool_consistent(&p);
}

KIND_TEST(free_batch_bad_requests, FIXTURE_POOL_SIZE)
{
	__u64 b[2];
	struct ckremm_batch req = { .pool = p->id, .count = 2 };

	ASSERT_OK(alloc_each(p, b, 2, 16));
	req.blocks = (__u64)(uintptr_t)b;
	batch_fields_refused(f, ckremm_ioc_free_batch, req);
	CHECK_REFUSED_WITH(ckremm_ioc_free_batch, req, size, 16,
			   E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_free_batch, req, align, 16,
			   E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_free_batch, req, blocks, 16, EFAULT);
	CHECK_EQ(stats_of(p).used_blocks, 2);
}

/* ---- read and write --------------------------------------------------- */

TEST(read_write_round_trip)
{
	static const __u64 sizes[] = {
		1, 2, 15, 16, 17, 31, 100, 255, 4095, 4096, 4097, 10000, 65536,
		200000,
	};
	static unsigned char in[200016], out[200016], block[200016];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		__u64 off, size, pos[4];

		if (!CHECK_OK(ckremm_alloc(&f->pool, sizes[i], &off)))
			break;
		size = usable(&f->pool, off);
		CHECK(size >= sizes[i] && size <= sizes[i] + 32,
		      "usable %llu for %llu", (unsigned long long)size,
		      (unsigned long long)sizes[i]);
		pos[0] = 0;
		pos[1] = 1;
		pos[2] = size / 2;
		pos[3] = size - 1;
		for (int p = 0; p < 4; p++) {
			__u64 len = size - pos[p];

			fill_pattern(in, len, (unsigned int)(i * 4 + p));
			if (!CHECK_OK(ckremm_write(&f->pool, off, pos[p], in,
						   len)))
				continue;
			memcpy(block + pos[p], in, len);
			memset(out, 0, len);
			CHECK_OK(ckremm_read(&f->pool, off, pos[p], out, len));
			CHECK(!memcmp(in, out, len),
			      "size %llu pos %llu: read back differs",
			      (unsigned long long)sizes[i],
			      (unsigned long long)pos[p]);
		}
		/* the whole block, through a separate read: every write */
		memset(out, 0, size);
		CHECK_OK(ckremm_read(&f->pool, off, 0, out, size));
		CHECK(!memcmp(out, block, size),
		      "size %llu: the block is not what was written",
		      (unsigned long long)sizes[i]);
		CHECK_OK(ckremm_free(&f->pool, off));
	}
	pool_consistent(&f->pool);
}

TEST(read_write_bounds)
{
	unsigned char buf[512] = { 0 };
	__u64 off, size;

	ASSERT_OK(ckremm_alloc(&f->pool, 200, &off));
	size = usable(&f->pool, off);
	ASSERT(size >= 200 && size < sizeof(buf), "usable %llu",
	       (unsigned long long)size);

	CHECK_OK(ckremm_write(&f->pool, off, 0, buf, size));
	CHECK_OK(ckremm_write(&f->pool, off, size - 1, buf, 1));
	CHECK_ERRNO(ckremm_write(&f->pool, off, 0, buf, size + 1), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_write(&f->pool, off, size, buf, 1), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_write(&f->pool, off, 1, buf, size), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_read(&f->pool, off, 0, buf, size + 1), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_read(&f->pool, off, size, buf, 1), E_NO_BLOCK);
	/* overflowing pos + len */
	CHECK_ERRNO(ckremm_read(&f->pool, off, ~0ULL, buf, 2), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_read(&f->pool, off, 2, buf, ~0ULL), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_write(&f->pool, off, ~0ULL - 1, buf, 4), E_NO_BLOCK);
	/* len 0 is a no-op anywhere inside, or at the end of, the block */
	CHECK_OK(ckremm_read(&f->pool, off, 0, NULL, 0));
	CHECK_OK(ckremm_write(&f->pool, off, size, NULL, 0));
	CHECK_ERRNO(ckremm_write(&f->pool, off, size + 1, NULL, 0), E_NO_BLOCK);
	/* not a block */
	CHECK_ERRNO(ckremm_read(&f->pool, off + 16, 0, buf, 1), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_write(&f->pool, f->pool.arena_size, 0, buf, 1),
		    E_NO_BLOCK);
	CHECK_OK(ckremm_free(&f->pool, off));
	CHECK_ERRNO(ckremm_read(&f->pool, off, 0, buf, 1), E_NO_BLOCK);
	pool_consistent(&f->pool);
}

TEST(read_write_bad_buffer)
{
	unsigned char buf[64];
	__u64 off;

	ASSERT_OK(ckremm_alloc(&f->pool, 64, &off));
	memset(buf, 0x5a, sizeof(buf));
	ASSERT_OK(ckremm_write(&f->pool, off, 0, buf, 64));
	CHECK_ERRNO(ckremm_read(&f->pool, off, 0, (void *)16, 64), EFAULT);
	CHECK_ERRNO(ckremm_write(&f->pool, off, 0, (void *)16, 64), EFAULT);
	CHECK_OK(ckremm_read(&f->pool, off, 0, buf, 64));
	for (int i = 0; i < 64; i++)
		if (!CHECK(buf[i] == 0x5a, "byte %d changed to %#x", i,
			   buf[i]))
			break;
}

TEST(read_write_bad_requests)
{
	char buf[8] = { 0 };
	__u64 off;
	struct ckremm_rw rw = { .pool = f->pool.id, .len = 8 };

	ASSERT_OK(ckremm_alloc(&f->pool, 16, &off));
	rw.block = off;
	rw.buf = (__u64)(uintptr_t)buf;
	CHECK_REFUSED_WITH(ckremm_ioc_read, rw, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_write, rw, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_read, rw, reserved, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_write, rw, reserved, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_read, rw, pool, f->pool.id + 9,
			   E_NO_POOL);
	CHECK_OK(ckremm_ioc_read(f->fd, &rw));
}

/* ---- clean and realloc ------------------------------------------------- */

TEST(clean_zeroes_block)
{
	unsigned char buf[5000];
	__u64 off, size, cleaned = 0, neighbour;

	ASSERT_OK(ckremm_alloc(&f->pool, 4500, &off));
	ASSERT_OK(ckremm_alloc(&f->pool, 16, &neighbour));
	size = usable(&f->pool, off);
	ASSERT(size <= sizeof(buf), "usable %llu", (unsigned long long)size);
	memset(buf, 0xee, sizeof(buf));
	ASSERT_OK(ckremm_write(&f->pool, off, 0, buf, size));
	ASSERT_OK(ckremm_write(&f->pool, neighbour, 0, buf, 16));
	CHECK_OK(ckremm_clean(&f->pool, off, NULL, &cleaned));
	CHECK_EQ(cleaned, size);
	ASSERT_OK(ckremm_read(&f->pool, off, 0, buf, size));
	for (__u64 i = 0; i < size; i++)
		if (!CHECK(!buf[i], "byte %llu is %#x after clean",
			   (unsigned long long)i, buf[i]))
			break;
	ASSERT_OK(ckremm_read(&f->pool, neighbour, 0, buf, 16));
	for (int i = 0; i < 16; i++)
		if (!CHECK(buf[i] == 0xee, "clean reached byte %d of the neighbour",
			   i))
			break;
}

TEST(clean_bad_requests)
{
	struct ckremm_block b = { .pool = f->pool.id };
	__u64 off;

	ASSERT_OK(ckremm_alloc(&f->pool, 64, &off));
	CHECK_ERRNO(ckremm_clean(&f->pool, off + 16, NULL, NULL), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_clean(&f->pool, ~0ULL, NULL, NULL), E_NO_BLOCK);
	b.block = off;
	CHECK_REFUSED_WITH(ckremm_ioc_clean, b, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_clean, b, reserved, 1, E_BAD_REQUEST);
	CHECK_OK(ckremm_free(&f->pool, off));
	CHECK_ERRNO(ckremm_clean(&f->pool, off, NULL, NULL), E_NO_BLOCK);
}

TEST(realloc_keeps_content)
{
	unsigned char in[3000], out[3000];
	__u64 off, blocker, grown, shrunk;

	ASSERT_OK(ckremm_alloc(&f->pool, 1000, &off));
	/* a used neighbour, so growing must move the block */
	ASSERT_OK(ckremm_alloc(&f->pool, 16, &blocker));
	fill_pattern(in, 1000, 9);
	ASSERT_OK(ckremm_write(&f->pool, off, 0, in, 1000));
	ASSERT_OK(ckremm_realloc(&f->pool, off, 3000, &grown));
	CHECK(usable(&f->pool, grown) >= 3000, "grown block too small");
	CHECK_OK(ckremm_read(&f->pool, grown, 0, out, 1000));
	CHECK(!memcmp(in, out, 1000), "contents lost when growing");
	CHECK(grown != off, "grew in place over the used neighbour");
	CHECK_ERRNO(ckremm_free(&f->pool, off), E_NO_BLOCK);

	ASSERT_OK(ckremm_realloc(&f->pool, grown, 100, &shrunk));
	CHECK_EQ(shrunk, grown);	/* shrinking is in place */
	CHECK_OK(ckremm_read(&f->pool, shrunk, 0, out, 100));
	CHECK(!memcmp(in, out, 100), "contents lost when shrinking");
	CHECK_ERRNO(ckremm_read(&f->pool, shrunk, 0, out, 1000), E_NO_BLOCK);
	CHECK_EQ(stats_of(&f->pool).used_blocks, 2);
	pool_consistent(&f->pool);
}

TEST(realloc_keeps_alignment)
{
	__u64 align = page_size(), off, blocker, moved, spacer;

	ASSERT_OK(ckremm_alloc(&f->pool, 48, &spacer));
	ASSERT_OK(ckremm_alloc_ex(&f->pool, 100, align, 0, &off));
	ASSERT_OK(ckremm_alloc(&f->pool, 16, &blocker));
	ASSERT_OK(ckremm_write(&f->pool, off, 0, "aligned", 7));
	ASSERT_OK(ckremm_realloc(&f->pool, off, 3 * align, &moved));
	CHECK(moved % align == 0, "moved to %llu, not %llu-aligned",
	      (unsigned long long)moved, (unsigned long long)align);
	ASSERT_OK(ckremm_realloc(&f->pool, moved, 10, &off));
	CHECK(off % align == 0, "shrunk to %llu", (unsigned long long)off);
	pool_consistent(&f->pool);
}

TEST(realloc_refusals)
{
	struct ckremm_realloc r = { .pool = f->pool.id, .size = 32 };
	struct ckremm_stats before;
	unsigned char buf[8];
	__u64 off, new_off;

	ASSERT_OK(ckremm_alloc(&f->pool, 64, &off));
	ASSERT_OK(ckremm_write(&f->pool, off, 0, "contents", 8));
	before = stats_of(&f->pool);
	CHECK_ERRNO(ckremm_realloc(&f->pool, off, 0, &new_off), E_BAD_REQUEST);
	CHECK_ERRNO(ckremm_realloc(&f->pool, off + 16, 32, &new_off),
		    E_NO_BLOCK);
	CHECK_ERRNO(ckremm_realloc(&f->pool, ~0ULL, 32, &new_off), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_realloc(&f->pool, off, 2ULL * FIXTURE_POOL_SIZE,
				   &new_off), E_NO_SPACE);
	r.block = off;
	CHECK_REFUSED_WITH(ckremm_ioc_realloc, r, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_realloc, r, reserved, 1, E_BAD_REQUEST);
	{
		struct ckremm_stats after = stats_of(&f->pool);

		same_layout(&before, &after);
	}
	CHECK_OK(ckremm_read(&f->pool, off, 0, buf, 8));
	CHECK(!memcmp(buf, "contents", 8), "refused realloc changed data");
}

/* ---- table pools: blocks by handle ------------------------------------- */

/* A table pool of @size bytes in @f's file; a failure is recorded. */
static int table_pool(struct fixture *f, __u64 size, struct ckremm_pool *p)
{
	int ret = ckremm_pool_create(f->fd, CKREMM_KIND_TABLE, size, NULL, 0, p);

	CHECK_OK(ret);
	return ret;
}

/*
 * A second process opens a named table pool, compacts it and checks every
 * block by handle; the creator then finds the same bytes by the same
 * handles, and one free run.
 */
TEST(two_processes_share_a_named_table_pool)
{
	const char *name = fixture_name(f, "tfork");
	unsigned char in[500], out[500];
	struct ckremm_pool p;
	__u64 h[16];
	pid_t pid;

	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_TABLE, 65536, name, 0,
				     &p));
	for (int i = 0; i < 16; i++) {
		ASSERT_OK(ckremm_alloc(&p, sizeof(in), &h[i]));
		fill_pattern(in, sizeof(in), i);
		ASSERT_OK(ckremm_write(&p, h[i], 0, in, sizeof(in)));
	}
	for (int i = 0; i < 16; i += 2)
		ASSERT_OK(ckremm_free(&p, h[i]));
	pid = fork();
	ASSERT(pid >= 0, "fork");
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
		CHECK_OK(ckremm_read(&p, h[i], 0, out, sizeof(out)));
		CHECK(!memcmp(in, out, sizeof(in)), "block %d changed", i);
	}
	CHECK_EQ(stats_of(&p).free_blocks, 1);
	CHECK_EQ(stats_of(&p).largest_free, stats_of(&p).free_bytes);
	pool_consistent(&p);
}

TEST(table_pool_handles)
{
	unsigned char in[300], out[300];
	struct ckremm_pool p;
	__u64 h[4], off, size;

	if (table_pool(f, 65536, &p))
		return;
	CHECK_EQ(stats_of(&p).kind, CKREMM_KIND_TABLE);
	for (int i = 0; i < 4; i++)
		ASSERT_OK(ckremm_alloc(&p, 300, &h[i]));
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < i; j++)
			CHECK(h[i] != h[j], "handles %d and %d equal", i, j);
	ASSERT_OK(ckremm_locate(&p, h[2], &off, &size));
	CHECK(size >= 300 && off + size <= p.arena_size,
	      "block at %llu, %llu bytes", (unsigned long long)off,
	      (unsigned long long)size);
	fill_pattern(in, sizeof(in), 5);
	ASSERT_OK(ckremm_write(&p, h[2], 0, in, sizeof(in)));
	CHECK_OK(ckremm_read(&p, h[2], 0, out, sizeof(out)));
	CHECK(!memcmp(in, out, sizeof(in)), "read back differs");
	CHECK_ERRNO(ckremm_read(&p, h[2], size, out, 1), E_NO_BLOCK);
	CHECK_OK(ckremm_clean(&p, h[2], NULL, NULL));
	memset(out, 0xa5, sizeof(out));
	CHECK_OK(ckremm_read(&p, h[2], 0, out, sizeof(out)));
	for (size_t i = 0; i < sizeof(out); i++)
		if (!CHECK(!out[i], "clean left byte %zu: %#x", i, out[i]))
			break;
	/* a freed handle is refused for good */
	CHECK_OK(ckremm_free(&p, h[2]));
	CHECK_ERRNO(ckremm_free(&p, h[2]), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_read(&p, h[2], 0, out, 1), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_locate(&p, h[2], &off, &size), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_free(&p, 0), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_free(&p, ~0ULL), E_NO_BLOCK);
	CHECK_EQ(stats_of(&p).used_blocks, 3);
	pool_consistent(&p);
}

/* ---- what only one kind of pool takes --------------------------------- */

TEST(table_requests_refused_on_header_pool)
{
	struct ckremm_alloc a = {
		.pool = f->pool.id, .size = 64, .flags = CKREMM_ALLOC_REORDER,
	};
	struct ckremm_block b = { .pool = f->pool.id };
	struct ckremm_copy c = { .pool = f->pool.id };
	struct ckremm_stats before, after;
	__u64 off, other;

	ASSERT_OK(ckremm_alloc(&f->pool, 64, &off));
	ASSERT_OK(ckremm_alloc(&f->pool, 64, &other));
	before = stats_of(&f->pool);
	CHECK_ERRNO(ckremm_ioc_alloc(f->fd, &a), E_WRONG_KIND);
	b.block = off;		/* a live block */
	CHECK_ERRNO(ckremm_ioc_pin(f->fd, &b), E_WRONG_KIND);
	CHECK_ERRNO(ckremm_ioc_unpin(f->fd, &b), E_WRONG_KIND);
	CHECK_ERRNO(ckremm_ioc_locate(f->fd, &b), E_WRONG_KIND);
	c.dst = other;
	c.src = off;
	CHECK_ERRNO(ckremm_ioc_copy(f->fd, &c), E_WRONG_KIND);
	after = stats_of(&f->pool);
	same_layout(&before, &after);
	CHECK_EQ(after.pinned_blocks, 0);
	pool_consistent(&f->pool);
}

TEST(header_requests_refused_on_table_pool)
{
	struct ckremm_stats before, after;
	struct ckremm_pool p;
	__u64 h, got, b[2];
	char buf[4];

	if (table_pool(f, 65536, &p))
		return;
	ASSERT_OK(ckremm_alloc(&p, 64, &h));
	ASSERT_OK(ckremm_write(&p, h, 0, "kept", 4));
	before = stats_of(&p);
	CHECK_ERRNO(ckremm_realloc(&p, h, 128, &got), E_WRONG_KIND);
	CHECK_ERRNO(ckremm_realloc(&p, h, 16, &got), E_WRONG_KIND);
	CHECK_ERRNO(ckremm_alloc_ex(&p, 64, 16, 0, &got), E_WRONG_KIND);
	CHECK_ERRNO(ckremm_alloc_ex(&p, 64, page_size(), 0, &got),
		    E_WRONG_KIND);
	CHECK_ERRNO(ckremm_alloc_batch(&p, 64, 16, b, 2), E_WRONG_KIND);
	after = stats_of(&p);
	same_layout(&before, &after);
	CHECK_OK(ckremm_read(&p, h, 0, buf, 4));
	CHECK(!memcmp(buf, "kept", 4), "a refused request changed the block");
}

TEST(version_1_requests_answer_eproto)
{
	struct ckremm_pool t;
	__u64 off, h;

	if (table_pool(f, 65536, &t))
		return;
	ASSERT_OK(ckremm_alloc(&f->pool, 64, &off));
	ASSERT_OK(ckremm_alloc(&t, 64, &h));
	for (unsigned int i = 0; i < v1_request_count; i++) {
		bool table = v1_requests[i].name[0] == 'T';
		/* pool, flags, then a block or a size, as version 1 had */
		__u64 req[8] = { table ? t.id : f->pool.id, table ? h : off };

		CHECK(ckremm_ioc_raw(f->fd, v1_requests[i].cmd, req) == -EPROTO,
		      "version 1 request %s not refused with EPROTO",
		      v1_requests[i].name);
	}
	CHECK_EQ(stats_of(&f->pool).used_blocks, 1);
	CHECK_EQ(stats_of(&t).used_blocks, 1);
	CHECK_EQ(stats_of(&t).pinned_blocks, 0);
}

/* CLEAN, PIN and LOCATE say where the block is and its usable size. */
TEST(clean_pin_locate_report_offset_and_size)
{
	struct ckremm_block b = { .pool = f->pool.id };
	struct ckremm_pool t;
	__u64 off, h, at, size, o2, s2;
	const char *view;

	ASSERT_OK(ckremm_alloc(&f->pool, 100, &off));
	b.block = off;
	ASSERT_OK(ckremm_ioc_clean(f->fd, &b));
	CHECK_EQ(b.offset, off);
	CHECK_EQ(b.size, usable(&f->pool, off));

	if (table_pool(f, 65536, &t))
		return;
	ASSERT_OK(ckremm_alloc(&t, 40, &h));	/* not at offset 0 */
	ASSERT_OK(ckremm_alloc(&t, 300, &h));
	ASSERT_OK(ckremm_write(&t, h, 0, "where", 5));
	ASSERT_OK(ckremm_locate(&t, h, &at, &size));
	CHECK(size >= 300 && at + size <= t.arena_size,
	      "block at %llu, %llu bytes", (unsigned long long)at,
	      (unsigned long long)size);
	ASSERT_OK(ckremm_map_arena(&t, (const void **)&view));
	CHECK(!memcmp(view + at, "where", 5), "LOCATE's offset is not the block");
	ASSERT_OK(ckremm_pin(&t, h, &o2, &s2));
	CHECK_EQ(o2, at);
	CHECK_EQ(s2, size);
	ASSERT_OK(ckremm_clean(&t, h, &o2, &s2));
	CHECK_EQ(o2, at);
	CHECK_EQ(s2, size);
	CHECK(!view[at], "CLEAN left the block's first byte");
	ckremm_unmap_arena(&t, view);
	/* UNPIN writes nothing back */
	b = (struct ckremm_block){ .pool = t.id, .block = h };
	CHECK_OK(ckremm_ioc_unpin(f->fd, &b));
	CHECK_EQ(b.offset, 0);
	CHECK_EQ(b.size, 0);
}

/* Fields of the table pool's own requests, on a live block. */
TEST(table_requests_bad_fields)
{
	struct ckremm_pool p;
	__u64 h, h2;

	if (table_pool(f, 65536, &p))
		return;
	ASSERT_OK(ckremm_alloc(&p, 64, &h));
	ASSERT_OK(ckremm_alloc(&p, 64, &h2));

	struct ckremm_alloc a = { .pool = p.id, .size = 64 };
	struct ckremm_block b = { .pool = p.id, .block = h };
	struct ckremm_rw rw = { .pool = p.id, .block = h };
	struct ckremm_copy c = { .pool = p.id, .dst = h2, .src = h };

	CHECK_REFUSED_WITH(ckremm_ioc_alloc, a, flags, 1U << 1,
			   E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_alloc, a, size, 0, E_BAD_REQUEST);
	/* out fields */
	CHECK_REFUSED_WITH(ckremm_ioc_alloc, a, block, 5, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_alloc, a, reserved, 1, E_BAD_REQUEST);

	CHECK_REFUSED_WITH(ckremm_ioc_free, b, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_locate, b, flags, 1, E_BAD_REQUEST);
	/* out fields */
	CHECK_REFUSED_WITH(ckremm_ioc_clean, b, offset, 16, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_pin, b, offset, 16, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_locate, b, size, 16, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_unpin, b, size, 16, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_free, b, reserved, 1, E_BAD_REQUEST);

	CHECK_REFUSED_WITH(ckremm_ioc_read, rw, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_write, rw, reserved, 1, E_BAD_REQUEST);

	CHECK_REFUSED_WITH(ckremm_ioc_copy, c, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_copy, c, reserved, 1, E_BAD_REQUEST);

	/* a pool id this file does not have */
	CHECK_REFUSED_WITH(ckremm_ioc_alloc, a, pool, p.id + 50, E_NO_POOL);
	CHECK_EQ(stats_of(&p).used_blocks, 2);
	CHECK_EQ(stats_of(&p).pinned_blocks, 0);
}

TEST(table_pool_reorder_compacts)
{
	struct ckremm_pool p;
	struct ckremm_reorder r;
	struct ckremm_stats s;
	__u64 h[32];

	if (table_pool(f, 65536, &p))
		return;
	for (int i = 0; i < 32; i++) {
		ASSERT_OK(ckremm_alloc(&p, 500, &h[i]));
		ASSERT_OK(ckremm_write(&p, h[i], 0, &i, sizeof(i)));
	}
	for (int i = 0; i < 32; i += 2)
		ASSERT_OK(ckremm_free(&p, h[i]));
	CHECK(stats_of(&p).free_blocks > 1, "no fragmentation to start with");
	ASSERT_OK(ckremm_reorder(&p, &r));
	s = stats_of(&p);
	CHECK(r.blocks_moved > 0 && r.bytes_moved > 0, "nothing moved");
	CHECK_EQ(r.free_blocks, 1);
	CHECK_EQ(s.free_blocks, 1);
	CHECK_EQ(s.frag_permille, 0);
	CHECK_EQ(r.largest_free, s.largest_free);
	/* every handle still names its block and its bytes */
	for (int i = 1; i < 32; i += 2) {
		int v = -1;

		CHECK_OK(ckremm_read(&p, h[i], 0, &v, sizeof(v)));
		CHECK(v == i, "block %d holds %d after reorder", i, v);
	}
	pool_consistent(&p);
}

TEST(table_pool_alloc_with_reorder)
{
	struct ckremm_pool p;
	__u64 h[64], big;
	int n = 0;

	if (table_pool(f, 16384, &p))
		return;
	/* fill the pool, then free every other block */
	while (n < 64 && !ckremm_alloc(&p, 240, &h[n]))
		n++;
	ASSERT(n > 8, "only %d blocks fit", n);
	for (int i = 0; i < n; i += 2)
		ASSERT_OK(ckremm_free(&p, h[i]));
	/* half the pool is free, but only in small pieces */
	CHECK_ERRNO(ckremm_alloc(&p, 2048, &big), E_NO_SPACE);
	CHECK_OK(ckremm_alloc_ex(&p, 2048, 0, CKREMM_ALLOC_REORDER, &big));
	pool_consistent(&p);
}

TEST(table_pool_copy)
{
	unsigned char in[200], out[200];
	struct ckremm_pool p;
	__u64 small, src, dst;

	if (table_pool(f, 65536, &p))
		return;
	ASSERT_OK(ckremm_alloc(&p, 64, &small));
	ASSERT_OK(ckremm_alloc(&p, 200, &src));
	ASSERT_OK(ckremm_alloc(&p, 400, &dst));
	fill_pattern(in, sizeof(in), 11);
	ASSERT_OK(ckremm_write(&p, src, 0, in, sizeof(in)));
	CHECK_OK(ckremm_copy(&p, dst, src));
	CHECK_OK(ckremm_read(&p, dst, 0, out, sizeof(out)));
	CHECK(!memcmp(in, out, sizeof(in)), "copy differs");
	CHECK_ERRNO(ckremm_copy(&p, small, src), E_TOO_SMALL);
	CHECK_ERRNO(ckremm_copy(&p, dst, 0), E_NO_BLOCK);
	CHECK_OK(ckremm_free(&p, src));
	CHECK_ERRNO(ckremm_copy(&p, dst, src), E_NO_BLOCK);
}

TEST(table_pool_pins)
{
	struct ckremm_pool p;
	__u64 h[8], off, size, after, last, last_size;

	if (table_pool(f, 65536, &p))
		return;
	for (int i = 0; i < 8; i++)
		ASSERT_OK(ckremm_alloc(&p, 256, &h[i]));
	ASSERT_OK(ckremm_pin(&p, h[5], &off, &size));
	CHECK(size >= 256, "pinned size %llu", (unsigned long long)size);
	CHECK_EQ(stats_of(&p).pinned_blocks, 1);
	for (int i = 0; i < 7; i++)
		if (i != 5)
			ASSERT_OK(ckremm_free(&p, h[i]));
	CHECK_ERRNO(ckremm_free(&p, h[5]), E_PINNED);
	ASSERT_OK(ckremm_locate(&p, h[7], &last, &last_size));
	/*
	 * A pinned block stays put; the block past the hole after it moves
	 * down against it.
	 */
	CHECK_OK(ckremm_reorder(&p, NULL));
	ASSERT_OK(ckremm_locate(&p, h[5], &after, &size));
	CHECK_EQ(after, off);
	ASSERT_OK(ckremm_locate(&p, h[7], &after, &last_size));
	CHECK(after == off + size && after < last,
	      "block after the pin at %llu, was %llu, pin ends at %llu",
	      (unsigned long long)after, (unsigned long long)last,
	      (unsigned long long)(off + size));
	/* pins nest */
	CHECK_OK(ckremm_pin(&p, h[5], NULL, NULL));
	CHECK_OK(ckremm_unpin(&p, h[5]));
	CHECK_ERRNO(ckremm_free(&p, h[5]), E_PINNED);
	CHECK_OK(ckremm_unpin(&p, h[5]));
	CHECK_ERRNO(ckremm_unpin(&p, h[5]), E_NOT_PINNED);
	CHECK_EQ(stats_of(&p).pinned_blocks, 0);
	CHECK_OK(ckremm_free(&p, h[5]));
	pool_consistent(&p);
}

TEST(table_pool_pins_belong_to_their_attachment)
{
	const char *name = fixture_name(f, "pins");
	struct ckremm_pool a, b, ro;
	struct ckremm_extent *ext;
	__u64 h, off;
	size_t n, pinned = 0;
	int ret;

	ret = ckremm_pool_create(f->fd, CKREMM_KIND_TABLE, 65536, name, 0, &a);
	ASSERT_OK(ret);
	ASSERT_OK(ckremm_alloc(&a, 100, &h));
	ASSERT_OK(ckremm_pool_open(f->fd, name, 0, &b));
	ASSERT_OK(ckremm_pool_open(f->fd, name, CKREMM_OPEN_RDONLY, &ro));

	/* a read-only attachment neither pins nor unpins */
	CHECK_ERRNO(ckremm_pin(&ro, h, NULL, NULL), E_READ_ONLY);
	CHECK_ERRNO(ckremm_unpin(&ro, h), E_READ_ONLY);
	CHECK_ERRNO(ckremm_write(&ro, h, 0, "x", 1), E_READ_ONLY);
	CHECK_ERRNO(ckremm_alloc(&ro, 16, &off), E_READ_ONLY);

	/* a pin through b holds against a free through a ... */
	ASSERT_OK(ckremm_pin(&b, h, &off, NULL));
	CHECK_ERRNO(ckremm_free(&a, h), E_PINNED);
	/* ... cannot be undone through a ... */
	CHECK_ERRNO(ckremm_unpin(&a, h), E_NOT_PINNED);
	/* ... shows in a walk ... */
	if (CHECK_OK(ckremm_walk_all(&a, &ext, &n))) {
		for (size_t i = 0; i < n; i++) {
			CHECK_EQ(ext[i].meta, 0);
			if (ext[i].flags & CKREMM_EXTENT_PINNED) {
				pinned++;
				CHECK_EQ(ext[i].offset, off);
			}
		}
		free(ext);
	}
	CHECK_EQ(pinned, 1);
	/* ... and goes with b */
	CHECK_OK(ckremm_pool_close(&b));
	CHECK_EQ(stats_of(&a).pinned_blocks, 0);
	CHECK_OK(ckremm_free(&a, h));
}

TEST(table_pool_maps_writable)
{
	struct ckremm_pool p;
	size_t len;
	__u64 h, off, size;
	void *view;

	if (table_pool(f, 65536, &p))
		return;
	ASSERT_OK(ckremm_alloc(&p, 64, &h));
	ASSERT_OK(ckremm_write(&p, h, 0, "table", 5));
	ASSERT_OK(ckremm_locate(&p, h, &off, &size));
	len = p.arena_size;
	view = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd,
		    (off_t)p.mmap_offset);
	ASSERT(view != MAP_FAILED, "writable mapping of a table pool: %s",
	       errno_name(errno));
	CHECK(!memcmp((char *)view + off, "table", 5), "mapped bytes");
	/* bytes written through the mapping are the block's */
	memcpy((char *)view + off, "TABLE", 5);
	{
		char buf[6] = { 0 };

		CHECK_OK(ckremm_read(&p, h, 0, buf, 5));
		CHECK(!strcmp(buf, "TABLE"), "read '%s'", buf);
	}
	munmap(view, len);
}

/*
 * @p's attachment maps its arena read-only only: a writable shared
 * mapping is refused, and a read-only one cannot be made writable.
 */
static void maps_read_only_only(struct fixture *f, struct ckremm_pool *p)
{
	size_t len = p->arena_size;
	void *view;

	view = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd,
		    (off_t)p->mmap_offset);
	CHECK(view == MAP_FAILED && errno == E_MAP_WRITE,
	      "writable shared mapping: %s",
	      view == MAP_FAILED ? errno_name(errno) : "allowed");
	if (view != MAP_FAILED)
		munmap(view, len);
	view = mmap(NULL, len, PROT_READ, MAP_SHARED, f->fd,
		    (off_t)p->mmap_offset);
	ASSERT(view != MAP_FAILED, "read-only mapping: %s", errno_name(errno));
	CHECK(mprotect(view, len, PROT_READ | PROT_WRITE) == -1,
	      "mprotect made a read-only mapping writable");
	munmap(view, len);
}

TEST(table_pool_read_only_maps_read_only)
{
	const char *name = fixture_name(f, "tro");
	struct ckremm_pool p, ro;

	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_TABLE, 65536, name, 0,
				     &p));
	ASSERT_OK(ckremm_pool_open(f->fd, name, CKREMM_OPEN_RDONLY, &ro));
	maps_read_only_only(f, &ro);
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

TEST(reorder_header_pool)
{
	struct ckremm_stats before, after;
	struct ckremm_reorder r;
	__u64 off[32];

	ASSERT_OK(fragment(&f->pool, off, 32, 200));
	before = stats_of(&f->pool);
	CHECK(before.frag_permille > 0, "no fragmentation to start with");
	ASSERT_OK(ckremm_reorder(&f->pool, &r));
	/* a header pool never moves used blocks */
	CHECK_EQ(r.bytes_moved, 0);
	CHECK_EQ(r.blocks_moved, 0);
	after = stats_of(&f->pool);
	CHECK_EQ(r.largest_free, after.largest_free);
	CHECK_EQ(r.free_blocks, after.free_blocks);
	CHECK_EQ(after.used_blocks, 16);
	CHECK_EQ(after.used_bytes, before.used_bytes);
	for (int i = 1; i < 32; i += 2) {
		int v = -1;

		CHECK_OK(ckremm_read(&f->pool, off[i], 0, &v, sizeof(v)));
		CHECK(v == i, "block %d holds %d after reorder", i, v);
	}
	pool_consistent(&f->pool);
}

TEST(reorder_bad_requests)
{
	struct ckremm_reorder r = { .pool = f->pool.id };

	CHECK_REFUSED_WITH(ckremm_ioc_reorder, r, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_reorder, r, reserved[1], 1,
			   E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_reorder, r, pool, f->pool.id + 3,
			   E_NO_POOL);
}

TEST(stats_track_operations)
{
	struct ckremm_stats s0, s1, s2;
	__u64 off[10], bad;

	s0 = stats_of(&f->pool);
	CHECK_EQ(s0.used_bytes, 0);
	CHECK_EQ(s0.free_bytes, s0.arena_size);
	CHECK_EQ(s0.arena_size, f->pool.arena_size);
	CHECK_EQ(s0.largest_free + 16, s0.arena_size);
	CHECK_EQ(s0.frag_permille, 0);
	CHECK_EQ(s0.table_capacity, 0);
	for (int i = 0; i < 10; i++)
		ASSERT_OK(ckremm_alloc(&f->pool, 100, &off[i]));
	s1 = stats_of(&f->pool);
	CHECK_EQ(s1.used_blocks, 10);
	CHECK(s1.used_bytes >= 10 * (100 + 16), "used_bytes %llu",
	      (unsigned long long)s1.used_bytes);
	CHECK_EQ(s1.meta_bytes, 16 * (s1.used_blocks + s1.free_blocks));
	CHECK_EQ(s1.peak_used, s1.used_bytes);
	for (int i = 0; i < 10; i += 2)
		ASSERT_OK(ckremm_free(&f->pool, off[i]));
	CHECK_ERRNO(ckremm_free(&f->pool, off[0]), E_NO_BLOCK);
	CHECK_ERRNO(ckremm_alloc(&f->pool, 4 * FIXTURE_POOL_SIZE, &bad),
		    E_NO_SPACE);
	s2 = stats_of(&f->pool);
	CHECK_EQ(s2.used_blocks, 5);
	CHECK_EQ(s2.peak_used, s1.peak_used);
	CHECK_EQ(s2.failed_allocs, s1.failed_allocs + 1);
	CHECK_EQ(s2.refused_calls, s1.refused_calls + 1);
	CHECK(s2.frag_permille > 0, "frag_permille 0 with 6 free blocks");
	CHECK(s2.largest_free < s2.free_bytes, "largest_free");
	pool_consistent(&f->pool);
}

TEST(stats_bad_requests)
{
	struct ckremm_stats s = { .pool = f->pool.id };

	CHECK_REFUSED_WITH(ckremm_ioc_stats, s, reserved[2], 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_stats, s, pad, 1, E_BAD_REQUEST);
	/* an out field */
	CHECK_REFUSED_WITH(ckremm_ioc_stats, s, pinned_blocks, 1,
			   E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_stats, s, pool, f->pool.id + 4,
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

TEST(walk_matches_stats)
{
	struct walk_totals t = { 0 };
	struct ckremm_map_cell cells[64];
	struct ckremm_extent *ext;
	struct ckremm_stats s;
	struct ckremm_map m;
	__u64 off[50];
	size_t n;

	ASSERT_OK(fragment(&f->pool, off, 50, 300));
	ASSERT_OK(ckremm_walk(&f->pool, add_up, &t));
	s = stats_of(&f->pool);
	CHECK(!t.gap, "extents leave a gap or overlap");
	CHECK_EQ(t.next, s.arena_size);
	CHECK_EQ(t.used, s.used_bytes);
	CHECK_EQ(t.free, s.free_bytes);
	CHECK_EQ(t.used_blocks, s.used_blocks);
	CHECK_EQ(t.free_blocks, s.free_blocks);
	CHECK_EQ(t.largest_free, s.largest_free);

	/* the map renderer agrees with the module's fragmentation */
	ASSERT_OK(ckremm_walk_all(&f->pool, &ext, &n));
	ckremm_map_init(&m, s.arena_size, cells, 64);
	for (size_t i = 0; i < n; i++)
		ckremm_map_add(&m, &ext[i]);
	free(ext);
	CHECK_EQ(ckremm_map_frag_permille(&m), s.frag_permille);
	CHECK_EQ(m.used_bytes, s.used_bytes);
	/* every live block is one used extent, payload after its header */
	for (int i = 1; i < 50; i += 2)
		CHECK(usable(&f->pool, off[i]) >= 300, "block %d", i);
}

TEST(walk_in_small_steps)
{
	struct ckremm_extent one, all[64];
	__u64 off[20], cursor = 0;
	size_t n = 0, total;
	struct ckremm_extent *ext;

	ASSERT_OK(fragment(&f->pool, off, 20, 64));
	ASSERT_OK(ckremm_walk_all(&f->pool, &ext, &total));
	ASSERT(total <= 64, "%zu extents", total);
	memcpy(all, ext, total * sizeof(*ext));
	free(ext);
	do {
		struct ckremm_walk w = {
			.pool = f->pool.id, .count = 1, .cursor = cursor,
			.entries = (__u64)(uintptr_t)&one,
		};

		ASSERT_OK(ckremm_ioc_walk(f->fd, &w));
		ASSERT(w.count <= 1, "wrote %u extents into room for 1",
		       w.count);
		if (w.count) {
			ASSERT(n < total, "more extents one at a time");
			CHECK(!memcmp(&one, &all[n], sizeof(one)),
			      "extent %zu differs", n);
			n++;
		}
		cursor = w.cursor;
	} while (cursor != CKREMM_WALK_END);
	CHECK_EQ(n, total);
}

TEST(walk_bad_requests)
{
	struct ckremm_extent e[8];
	struct ckremm_walk w = {
		.pool = f->pool.id, .entries = (__u64)(uintptr_t)e,
	};

	CHECK_REFUSED_WITH(ckremm_ioc_walk, w, count, 0, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_walk, w, count, 4097, E_BAD_REQUEST);
	w.count = 8;
	CHECK_REFUSED_WITH(ckremm_ioc_walk, w, reserved, 1, E_BAD_REQUEST);
	/* past the arena */
	CHECK_REFUSED_WITH(ckremm_ioc_walk, w, cursor,
			   f->pool.arena_size + 16, E_BAD_REQUEST);
	w.cursor = CKREMM_WALK_END;		/* a finished walk */
	CHECK_OK(ckremm_ioc_walk(f->fd, &w));
	CHECK_EQ(w.count, 0);
	w.count = 8;
	w.cursor = 0;
	w.entries = 16;
	CHECK_ERRNO(ckremm_ioc_walk(f->fd, &w), EFAULT);
	w.entries = (__u64)(uintptr_t)e;
	w.pool = f->pool.id + 2;
	CHECK_ERRNO(ckremm_ioc_walk(f->fd, &w), E_NO_POOL);
}

TEST(walk_from_any_cursor)
{
	struct ckremm_extent e[4], *all;
	__u64 off[6];
	size_t n;

	ASSERT_OK(fragment(&f->pool, off, 6, 100));
	ASSERT_OK(ckremm_walk_all(&f->pool, &all, &n));
	/*
	 * Any arena offset is a valid cursor: the walk resumes at the first
	 * block at or after it (include/uapi/ckremm.h, struct ckremm_walk),
	 * and goes on from there as a walk from the start does.  Cursors
	 * from inside the first blocks, then across the one free block.
	 */
	for (__u64 cursor = 8; cursor < f->pool.arena_size;
	     cursor += cursor < 2048 ? 40 : 1000) {
		struct ckremm_walk w = {
			.pool = f->pool.id, .count = 4, .cursor = cursor,
			.entries = (__u64)(uintptr_t)e,
		};
		size_t first = 0;

		while (first < n && all[first].offset < cursor)
			first++;
		if (!CHECK_OK(ckremm_ioc_walk(f->fd, &w)))
			break;
		CHECK_EQ(w.count, n - first < 4 ? n - first : 4);
		for (__u32 i = 0; i < w.count && first + i < n; i++)
			CHECK(!memcmp(&e[i], &all[first + i], sizeof(e[i])),
			      "cursor %llu: extent %u differs from the walk's %zu",
			      (unsigned long long)cursor, i, first + i);
		if (first + w.count >= n)
			CHECK_EQ(w.cursor, CKREMM_WALK_END);
		else
			CHECK_EQ(w.cursor, all[first + w.count].offset);
	}
	free(all);
}

TEST(validate_reports_consistent)
{
	struct ckremm_validate v;
	__u64 off[30];

	memset(&v, 0xff, sizeof(v));
	CHECK_OK(ckremm_validate(&f->pool, &v));
	CHECK_EQ(v.status, 0);
	ASSERT_OK(fragment(&f->pool, off, 30, 77));
	CHECK_OK(ckremm_validate(&f->pool, &v));
	CHECK_EQ(v.status, 0);
}

TEST(validate_bad_requests)
{
	struct ckremm_validate v = { .pool = f->pool.id };

	CHECK_REFUSED_WITH(ckremm_ioc_validate, v, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_validate, v, reserved, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_validate, v, pool, f->pool.id + 6,
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

TEST(list_shows_named_pools)
{
	const char *a = fixture_name(f, "lista");
	const char *b = fixture_name(f, "listb");
	const struct ckremm_list_entry *ea, *eb;
	struct ckremm_list_entry *e;
	struct ckremm_pool pa, pb;
	__u64 off;
	size_t n;

	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 8192, a, 0640,
				     &pa));
	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 16384, b, 0,
				     &pb));
	ASSERT_OK(ckremm_alloc(&pb, 100, &off));
	ASSERT_OK(ckremm_list(f->fd, &e, &n));
	ea = find_entry(e, n, a);
	eb = find_entry(e, n, b);
	if (CHECK(ea, "%s not listed", a)) {
		CHECK_EQ(ea->kind, CKREMM_KIND_HEADER);
		CHECK_EQ(ea->mode, 0640);
		CHECK_EQ(ea->uid, geteuid());
		CHECK_EQ(ea->gid, getegid());
		CHECK_EQ(ea->arena_size, pa.arena_size);
		CHECK_EQ(ea->used_bytes, 0);
	}
	if (CHECK(eb, "%s not listed", b)) {
		CHECK_EQ(eb->mode, 0600);	/* 0 means 0600 */
		CHECK_EQ(eb->used_bytes, stats_of(&pb).used_bytes);
	}
	free(e);

	/* a destroyed pool leaves the list */
	CHECK_OK(ckremm_pool_destroy(&pa));
	ASSERT_OK(ckremm_list(f->fd, &e, &n));
	CHECK(!find_entry(e, n, a), "%s still listed", a);
	free(e);
}

TEST(list_with_little_room)
{
	struct ckremm_list_entry one[2];
	struct ckremm_list l = { 0 };
	struct ckremm_pool p;
	__u32 total;

	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 4096,
				     fixture_name(f, "room1"), 0, &p));
	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 4096,
				     fixture_name(f, "room2"), 0, &p));
	/* no room: just the count */
	ASSERT_OK(ckremm_ioc_list(f->fd, &l));
	total = l.count;
	CHECK(total >= 2, "count %u with two named pools", total);
	/* room for one: one written, the full count returned */
	memset(one, 0xcc, sizeof(one));
	l.count = 1;
	l.entries = (__u64)(uintptr_t)one;
	ASSERT_OK(ckremm_ioc_list(f->fd, &l));
	CHECK_EQ(l.count, total);
	CHECK(one[0].name[0] != (char)0xcc, "first entry not written");
	CHECK(one[1].name[0] == (char)0xcc, "wrote past the room given");
}

TEST(list_bad_requests)
{
	struct ckremm_list_entry e[4];
	struct ckremm_list l = { .count = 4, .entries = (__u64)(uintptr_t)e };
	struct ckremm_pool p;

	ASSERT_OK(ckremm_pool_create(f->fd, CKREMM_KIND_HEADER, 4096,
				     fixture_name(f, "lbad"), 0, &p));
	CHECK_REFUSED_WITH(ckremm_ioc_list, l, flags, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_list, l, reserved, 1, E_BAD_REQUEST);
	CHECK_REFUSED_WITH(ckremm_ioc_list, l, entries, 16, EFAULT);
}

/* ---- mmap ------------------------------------------------------------- */

TEST(mmap_shows_block_contents)
{
	unsigned char data[300];
	const unsigned char *view;
	__u64 off;

	ASSERT_OK(ckremm_alloc(&f->pool, sizeof(data), &off));
	fill_pattern(data, sizeof(data), 42);
	ASSERT_OK(ckremm_write(&f->pool, off, 0, data, sizeof(data)));
	ASSERT_OK(ckremm_map_arena(&f->pool, (const void **)&view));
	CHECK(!memcmp(view + off, data, sizeof(data)),
	      "mapping differs from what was written");
	/* a later write shows through the same mapping */
	ASSERT_OK(ckremm_write(&f->pool, off, 10, "LIVE", 4));
	CHECK(!memcmp(view + off + 10, "LIVE", 4), "mapping is not live");

	/* a window that starts a page into the arena */
	{
		size_t page = page_size();
		const unsigned char *part;

		part = mmap(NULL, page, PROT_READ, MAP_SHARED, f->fd,
			    (off_t)(f->pool.mmap_offset + page));
		if (CHECK(part != MAP_FAILED, "mmap of page 1: %s",
			  errno_name(errno))) {
			CHECK(!memcmp(part, view + page, page),
			      "page 1 differs from the whole mapping");
			munmap((void *)part, page);
		}
		part = mmap(NULL, page, PROT_READ, MAP_SHARED, f->fd,
			    (off_t)(f->pool.mmap_offset + f->pool.arena_size +
				    page));
		CHECK(part == MAP_FAILED && errno == E_MAP_BAD,
		      "window past the arena: %s",
		      part == MAP_FAILED ? errno_name(errno) : "allowed");
	}
	CHECK_OK(ckremm_unmap_arena(&f->pool, view));
}

TEST(mmap_write_refused)
{
	maps_read_only_only(f, &f->pool);
}

TEST(mmap_unknown_pool_refused)
{
	size_t len = page_size();
	__u64 offsets[] = {
		(__u64)(f->pool.id + 100) << CKREMM_MMAP_SHIFT,
		(__u64)0xfff << CKREMM_MMAP_SHIFT,
	};

	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, f->fd,
			       (off_t)offsets[i]);

		CHECK(p == MAP_FAILED && errno == E_MAP_BAD,
		      "mmap at %#llx: %s", (unsigned long long)offsets[i],
		      p == MAP_FAILED ? errno_name(errno) : "allowed");
		if (p != MAP_FAILED)
			munmap(p, len);
	}
}

TEST(mmap_past_arena_refused)
{
	size_t len = f->pool.arena_size + 2 * page_size();
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, f->fd,
		       (off_t)f->pool.mmap_offset);

	CHECK(p == MAP_FAILED && errno == E_MAP_BAD,
	      "mapping past the arena: %s",
	      p == MAP_FAILED ? errno_name(errno) : "allowed");
	if (p != MAP_FAILED)
		munmap(p, len);
}

TEST(mmap_outlives_pool_close)
{
	const unsigned char *view;
	struct ckremm_pool_ref ref = { .pool = f->pool.id };
	__u64 off;

	ASSERT_OK(ckremm_alloc(&f->pool, 64, &off));
	ASSERT_OK(ckremm_write(&f->pool, off, 0, "mapped", 6));
	ASSERT_OK(ckremm_map_arena(&f->pool, (const void **)&view));
	/* the mapping holds the pool: reading it after close is safe */
	CHECK_OK(ckremm_ioc_close(f->fd, &ref));
	CHECK(!memcmp(view + off, "mapped", 6), "mapping lost its pool");
	CHECK_OK(ckremm_unmap_arena(&f->pool, view));
}

const struct test_case dev_cases[] = {
	CASE(version_reports_abi, 0),
	CASE(unknown_ioctl_enotty, 0),
	CASE(wrong_struct_size_refused, 0),
	CASE(request_struct_unreachable, 0),
	CASE(create_header_pool, 0),
	CASE(create_too_small, 0),
	CASE(create_too_big, 0),
	CASE(create_odd_sizes, 0),
	CASE(create_unknown_kind, 0),
	CASE(create_unknown_flags, 0),
	CASE(create_reserved_not_zero, 0),
	CASE(out_fields_not_zero, 0),
	CASE(create_unnamed_with_name_or_mode, 0),
	CASE(create_named_bad_mode, 0),
	CASE(create_bad_names, 0),
	CASE(create_name_of_31_characters, 0),
	CASE(create_duplicate_name, 0),
	CASE(open_unknown_name, 0),
	CASE(open_bad_requests, 0),
	CASE(open_named_from_another_file, 0),
	CASE(open_read_only_refuses_changes, 0),
	CASE(close_detaches_pool, 0),
	CASE(close_and_destroy_bad_requests, 0),
	CASE(destroy_unnamed_is_close, 0),
	CASE(destroy_named_then_open_fails, 0),
	CASE(destroyed_pool_lives_while_attached, 0),
	CASE(unnamed_pool_dies_with_its_file, CASE_NO_POOL),
	CASE(named_pool_outlives_its_creator, 0),
	CASE(two_processes_share_a_named_pool, 0),
	CASE(other_user_kept_out_by_mode, 0),
	CASE(pools_per_user_capped, 0),
	CASE(alloc_zero_size, 0),
	CASE(alloc_align_not_power_of_two, 0),
	CASE(alloc_align_above_page, 0),
	CASE(alloc_aligned_blocks, 0),
	CASE(alloc_huge_size, 0),
	CASE(alloc_bad_requests, 0),
	CASE(alloc_blocks_do_not_overlap, 0),
	CASE(free_outside_arena, 0),
	CASE(free_middle_of_block, 0),
	CASE(free_twice, 0),
	CASE(free_bad_requests, 0),
	CASE(alloc_batch_distinct_blocks, 0),
	CASE(alloc_batch_aligned, 0),
	CASE(alloc_batch_all_or_nothing, 0),
	CASE(alloc_batch_bad_requests, 0),
	CASE(free_batch_frees_every_block, 0),
	CASE(free_batch_duplicate_changes_nothing, 0),
	CASE(free_batch_bad_offset_changes_nothing, 0),
	CASE(free_batch_pinned_refused_whole, 0),
	CASE(free_batch_bad_requests, 0),
	CASE(read_write_round_trip, 0),
	CASE(read_write_bounds, 0),
	CASE(read_write_bad_buffer, 0),
	CASE(read_write_bad_requests, 0),
	CASE(clean_zeroes_block, 0),
	CASE(clean_bad_requests, 0),
	CASE(realloc_keeps_content, 0),
	CASE(realloc_keeps_alignment, 0),
	CASE(realloc_refusals, 0),
	CASE(table_pool_handles, 0),
	CASE(two_processes_share_a_named_table_pool, 0),
	CASE(table_requests_refused_on_header_pool, 0),
	CASE(header_requests_refused_on_table_pool, 0),
	CASE(version_1_requests_answer_eproto, 0),
	CASE(clean_pin_locate_report_offset_and_size, 0),
	CASE(table_requests_bad_fields, 0),
	CASE(table_pool_reorder_compacts, 0),
	CASE(table_pool_alloc_with_reorder, 0),
	CASE(table_pool_copy, 0),
	CASE(table_pool_pins, 0),
	CASE(table_pool_pins_belong_to_their_attachment, 0),
	CASE(table_pool_maps_writable, 0),
	CASE(table_pool_read_only_maps_read_only, 0),
	CASE(reorder_header_pool, 0),
	CASE(reorder_bad_requests, 0),
	CASE(stats_track_operations, 0),
	CASE(stats_bad_requests, 0),
	CASE(walk_matches_stats, 0),
	CASE(walk_in_small_steps, 0),
	CASE(walk_bad_requests, 0),
	CASE(walk_from_any_cursor, 0),
	CASE(validate_reports_consistent, 0),
	CASE(validate_bad_requests, 0),
	CASE(list_shows_named_pools, 0),
	CASE(list_with_little_room, 0),
	CASE(list_bad_requests, 0),
	CASE(mmap_shows_block_contents, 0),
	CASE(mmap_write_refused, 0),
	CASE(mmap_unknown_pool_refused, 0),
	CASE(mmap_past_arena_refused, 0),
	CASE(mmap_outlives_pool_close, 0),
	{ NULL, NULL, 0 },
};
