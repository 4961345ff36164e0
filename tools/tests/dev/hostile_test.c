// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile users of /dev/ckremm: what an unprivileged uid can and cannot
 * do to root's named pools and to the machine, and what holds the module.
 *
 *	hostile_test [--memcg] [-l] [-t NAME]... [NAME...]
 *
 * Run as root inside a guest with ckremm.ko loaded.  The second users are
 * uids no account has (54321, 54322): a child process sets its groups,
 * gid and uid, which drops every capability (checked), and gets from root
 * a freshly opened file of the device, as a launcher would hand it out
 * (the node itself is mode 0600, checked too).
 *
 *   - a 0600 pool: no request on any pool id of the other user's file
 *     reaches it, nor does mmap(); module parameters and unloading are
 *     root's
 *   - 0644 and 0640 (by group): read, map read-only, nothing more; no
 *     writable mapping, no mprotect(), no write through /proc/self/mem
 *   - 0666: read and write, pins that hold the owner's block until the
 *     other user's file goes, but no DESTROY
 *   - collected table pools: a read-only user reads root slots and the
 *     collector's figures and changes nothing; a writer can fill the pin
 *     set, only while its file lives
 *   - max_pool_size and max_pools_per_user hold for the other user: named
 *     pools keep counting after their creator exits, a mapping keeps its
 *     pool counted, and the cap is per user
 *   - rmmod is refused while a file or a mapping is held, and the
 *     module's reference count returns once they go
 *   - with --memcg: a pool's memory is charged to its creator's memory
 *     cgroup, stays charged after the creator exits while the pool is
 *     named, and is returned when it is destroyed (needs cgroup v2 with
 *     the memory controller; mounted at /sys/fs/cgroup if it is not); and
 *     a paged table pool's charge falls by most of what a burst of frees
 *     left (after a reorder and a few of its pager's periods) and rises
 *     again when it refills, memory.current printed at each step
 *
 * Each of those is a case of tools/tests/lib/ckremm_test.h on the fixture
 * "hostile" (root, with the device open, and the two uids unused), run one
 * at a time in the order above; a check made in the other user's process
 * fails that process, and so the case.  Prints TAP; exit status 0 only if
 * every case passed.  Cases that lower a module parameter restore it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ckremm_test.h"
#include "common.h"
#include "libckremm.h"

#define OTHER_UID	54321
#define THIRD_UID	54322
#define PARAM_DIR	"/sys/module/ckremm/parameters/"
#define REFCNT		"/sys/module/ckremm/refcnt"
#define CGROUP_ROOT	"/sys/fs/cgroup"
#define SECRET		"root's secret bytes"

static char prefix[16];
static size_t page;
static bool memcg;

static bool param(const char *name, unsigned long long *v)
{
	char path[128];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	return read_ull(path, v);
}

static bool set_param(const char *name, unsigned long long v)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	snprintf(buf, sizeof(buf), "%llu\n", v);
	return !write_str(path, buf);
}

static unsigned long long refcnt(void)
{
	unsigned long long v = ~0ULL;

	read_ull(REFCNT, &v);
	return v;
}

static int delete_module(void)
{
	return syscall(SYS_delete_module, "ckremm", O_NONBLOCK) ? -errno : 0;
}

static const char *name_of(const char *suffix)
{
	static char names[16][CKREMM_NAME_LEN];
	static int next;
	char *n = names[next++ % 16];

	snprintf(n, CKREMM_NAME_LEN, "%s%s", prefix, suffix);
	return n;
}

/* True if no line of @path names @id as its third field. */
static bool id_unused(const char *path, unsigned int id)
{
	char line[512], want[32];
	FILE *f = fopen(path, "r");
	bool unused = true;

	if (!f)
		return true;
	snprintf(want, sizeof(want), ":%u:", id);
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (p && (p = strchr(p + 1, ':')) && !strncmp(p, want,
							     strlen(want)))
			unused = false;
	}
	fclose(f);
	return unused;
}

/* In a child: become @uid/@gid with @ngroups supplementary groups. */
static bool become(uid_t uid, gid_t gid, size_t ngroups, const gid_t *groups)
{
	if (setgroups(ngroups, groups) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    /* so that /proc/self is its own again, for /proc/self/mem */
	    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
	{
		test_fail_at(TEST_FILE, __LINE__, "switch to uid %u: %s",
			     (unsigned int)uid, strerror(errno));
		return false;
	}
	return geteuid() == uid && cap_eff() == 0;
}

typedef void (*user_fn)(int fd, void *arg);

/*
 * Start @fn as @uid in a child, with a fresh file of the device opened by
 * root.  Returns the child's pid, or -1.
 */
static pid_t start_user(uid_t uid, size_t ngroups, const gid_t *groups,
			user_fn fn, void *arg, const char *who)
{
	int fd = ckremm_dev_open(NULL);
	pid_t pid;

	if (!EXPECT_TRUE(fd >= 0, "%s: root opens a file to hand over", who))
		return -1;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		if (!EXPECT_TRUE(become(uid, uid, ngroups, groups),
				 "%s: runs as uid %u with no capability", who,
				 (unsigned int)uid))
			_exit(1);
		fn(fd, arg);
		fflush(stdout);
		/* A check that failed here fails the case through end_user(). */
		_exit(test_failed() ? 1 : 0);
	}
	close(fd);
	return pid;
}

/* Wait for a child of start_user(); it must have ended well. */
static void end_user(pid_t pid, const char *who)
{
	int status;

	EXPECT_TRUE(pid > 0 && waitpid(pid, &status, 0) == pid &&
		    WIFEXITED(status) && !WEXITSTATUS(status),
		    "%s: the other user's process ended well", who);
}

static void as_user(uid_t uid, size_t ngroups, const gid_t *groups,
		    user_fn fn, void *arg, const char *who)
{
	end_user(start_user(uid, ngroups, groups, fn, arg, who), who);
}

/* A pool of root's with SECRET in a block, named and mode @mode. */
struct target {
	struct ckremm_pool pool;
	__u64 block;
	const char *name;
};

static bool make_target(int fd, struct target *t, __u32 kind, __u32 mode,
			const char *suffix)
{
	int ret;

	t->name = name_of(suffix);
	ret = ckremm_pool_create(fd, kind, 16384, t->name, mode, &t->pool);
	if (!ret)
		ret = ckremm_alloc(&t->pool, 64, &t->block);
	if (!ret)
		ret = ckremm_write(&t->pool, t->block, 0, SECRET,
				   sizeof(SECRET));
	return EXPECT_TRUE(!ret, "root makes pool %s (mode %04o): %s", t->name,
			   mode, errno_name(ret));
}

/* Root's view after the other user is done: the bytes are as written. */
static void target_intact(struct target *t, const char *after)
{
	char buf[sizeof(SECRET)] = { 0 };
	struct ckremm_pool p;
	int fd = ckremm_dev_open(NULL), ret;

	ret = fd < 0 ? fd : ckremm_pool_open(fd, t->name, 0, &p);
	if (!ret)
		ret = ckremm_read(&p, t->block, 0, buf, sizeof(buf));
	EXPECT_TRUE(!ret && !memcmp(buf, SECRET, sizeof(buf)),
		    "%s: pool %s still there, bytes unchanged (%s)", after, t->name,
		    errno_name(ret));
	if (fd >= 0)
		close(fd);
}

/* ---- the device node, 0600 pools, parameters, unloading ----------- */

static void node_kept_out(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	EXPECT_TRUE(open("/dev/ckremm", O_RDWR) < 0 && errno == EACCES,
		    "other user: open(/dev/ckremm) refused by the node's mode 0600");
	EXPECT_TRUE(!access(PARAM_DIR "max_pools_per_user", R_OK) &&
		    write_str(PARAM_DIR "max_pools_per_user", "1000\n") == -EACCES &&
		    write_str(PARAM_DIR "max_pool_size", "1073741824\n") == -EACCES,
		    "other user: module parameters readable, not writable");
	EXPECT_ERRNO(delete_module(), EPERM, "other user: delete_module(ckremm)");
}

static void private_unreachable(int fd, void *arg)
{
	struct target *t = arg;
	struct ckremm_pool p, q;
	char buf[64];
	__u64 off;

	for (int i = 0; i < 2; i++) {
		EXPECT_ERRNO(ckremm_pool_open(fd, t[i].name, 0, &p), EACCES,
			     "other user: OPEN of a 0600 pool");
		EXPECT_ERRNO(ckremm_pool_open(fd, t[i].name, CKREMM_OPEN_RDONLY,
					      &p), EACCES,
			  "other user: OPEN read-only of a 0600 pool");
	}
	/* No id of this file names root's pools, whatever it guesses. */
	for (__u32 id = 0; id <= 8; id++) {
		struct ckremm_pool_ref r = { .pool = id };
		struct ckremm_stats s = { .pool = id };
		void *m;

		q = (struct ckremm_pool){ .fd = fd, .id = id,
					  .kind = CKREMM_KIND_HEADER };
		EXPECT_TRUE(ckremm_ioc_stats(fd, &s) == -ENOENT &&
			    ckremm_read(&q, 16, 0, buf, 1) == -ENOENT &&
			    ckremm_read(&q, 1, 0, buf, 1) == -ENOENT &&
			    ckremm_ioc_destroy(fd, &r) == -ENOENT &&
			    ckremm_alloc(&q, 16, &off) == -ENOENT,
			    "other user: pool id %u of its own file reaches nothing",
			    id);
		m = mmap(NULL, page, PROT_READ, MAP_SHARED, fd,
			 (off_t)((__u64)id << CKREMM_MMAP_SHIFT));
		EXPECT_TRUE(m == MAP_FAILED && errno == EINVAL,
			    "other user: mmap of pool id %u refused", id);
	}
}

/* ---- read grants --------------------------------------------------- */

/* A write through /proc/self/mem into a read-only mapping must fail. */
static bool proc_mem_write_refused(void *addr)
{
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		test_fail_at(TEST_FILE, __LINE__, "open /proc/self/mem: %s",
			     strerror(errno));
		return false;
	}
	n = pwrite(fd, "forged", 6, (off_t)(uintptr_t)addr);
	close(fd);
	return n < 0;
}

static void read_only_use(int fd, void *arg)
{
	struct target *t = arg;

	for (int i = 0; i < 2; i++) {
		bool table = t[i].pool.kind == CKREMM_KIND_TABLE;
		struct ckremm_pool p;
		char buf[sizeof(SECRET)] = { 0 };
		__u64 x;
		void *m;
		int ret;

		EXPECT_ERRNO(ckremm_pool_open(fd, t[i].name, 0, &p), EACCES,
			     "other user: read-write OPEN of a 0644 pool");
		ret = ckremm_pool_open(fd, t[i].name, CKREMM_OPEN_RDONLY, &p);
		if (!EXPECT_ERRNO(ret, 0, "other user: read-only OPEN of a 0644 pool"))
			continue;
		ret = ckremm_read(&p, t[i].block, 0, buf, sizeof(buf));
		EXPECT_TRUE(!ret && !memcmp(buf, SECRET, sizeof(buf)),
			    "other user: reads the bytes (%s)", errno_name(ret));
		m = mmap(NULL, p.arena_size, PROT_READ, MAP_SHARED, fd,
			 (off_t)p.mmap_offset);
		if (EXPECT_TRUE(m != MAP_FAILED, "other user: maps it read-only")) {
			__u64 off = t[i].block;

			if (table)
				ckremm_locate(&p, t[i].block, &off, &x);
			EXPECT_TRUE(!memcmp((char *)m + off, SECRET, sizeof(SECRET)),
				    "other user: the mapping shows the bytes");
			EXPECT_TRUE(mprotect(m, p.arena_size, PROT_READ | PROT_WRITE) &&
				    errno == EACCES,
				    "other user: mprotect() cannot make it writable");
			EXPECT_TRUE(proc_mem_write_refused((char *)m + off),
				    "other user: no write through /proc/self/mem");
			munmap(m, p.arena_size);
		}
		for (int f = 0; f < 2; f++) {
			m = mmap(NULL, p.arena_size, PROT_READ | PROT_WRITE,
				 f ? MAP_PRIVATE : MAP_SHARED, fd,
				 (off_t)p.mmap_offset);
			EXPECT_TRUE(m == MAP_FAILED && errno == EACCES,
				    "other user: %s writable mapping refused",
				    f ? "private" : "shared");
		}
		EXPECT_ERRNO(ckremm_write(&p, t[i].block, 0, "x", 1), EBADF,
			     "other user: WRITE read-only");
		EXPECT_ERRNO(ckremm_free(&p, t[i].block), EBADF,
			     "other user: FREE read-only");
		EXPECT_ERRNO(ckremm_alloc(&p, 16, &x), EBADF,
			     "other user: ALLOC read-only");
		/* and what only its kind of pool takes */
		if (table)
			EXPECT_ERRNO(ckremm_pin(&p, t[i].block, &x, &x), EBADF,
				     "other user: PIN read-only");
		else
			EXPECT_ERRNO(ckremm_realloc(&p, t[i].block, 8, &x), EBADF,
				     "other user: REALLOC read-only");
		EXPECT_ERRNO(ckremm_reorder(&p, NULL), EBADF,
			     "other user: REORDER read-only");
		EXPECT_ERRNO(ckremm_pool_destroy(&p), EPERM,
			     "other user: DESTROY of root's pool");
	}
}

static void group_read(int fd, void *arg)
{
	struct target *t = arg;
	struct ckremm_pool p;

	EXPECT_ERRNO(ckremm_pool_open(fd, t->name, CKREMM_OPEN_RDONLY, &p), 0,
		     "other user in the pool's group: read-only OPEN of 0640");
	EXPECT_ERRNO(ckremm_pool_open(fd, t->name, 0, &p), EACCES,
		     "other user in the pool's group: read-write OPEN of 0640");
}

static void no_group_read(int fd, void *arg)
{
	struct target *t = arg;
	struct ckremm_pool p;

	EXPECT_ERRNO(ckremm_pool_open(fd, t->name, CKREMM_OPEN_RDONLY, &p), EACCES,
		     "other user outside the pool's group: read-only OPEN of 0640");
}

/* ---- write grants and pins ----------------------------------------- */

struct pin_sync {
	struct target *t;
	int to_parent[2], to_child[2];
	__u64 pinned_at;
};

static void write_and_pin(int fd, void *arg)
{
	struct pin_sync *s = arg;
	struct target *t = s->t;
	struct ckremm_pool p;
	__u64 size;
	char c = 0, *m;
	int ret;

	ret = ckremm_pool_open(fd, t->name, 0, &p);
	if (!EXPECT_ERRNO(ret, 0, "other user: read-write OPEN of a 0666 pool"))
		goto out;
	EXPECT_ERRNO(ckremm_write(&p, t->block, 0, SECRET, sizeof(SECRET)), 0,
		     "other user: WRITE into a 0666 pool");
	EXPECT_ERRNO(ckremm_pool_destroy(&(struct ckremm_pool){ .fd = fd,
							   .id = p.id }),
		  EPERM, "other user: DESTROY of a 0666 pool");
	ret = ckremm_pool_open(fd, t->name, 0, &p);
	EXPECT_ERRNO(ckremm_pin(&p, t->block, &s->pinned_at, &size), 0,
		     "other user: PIN of root's block");
	m = mmap(NULL, p.arena_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)p.mmap_offset);
	if (EXPECT_TRUE(m != MAP_FAILED, "other user: maps a 0666 table pool writable")) {
		memcpy(m + s->pinned_at, "mapped", 6);
		munmap(m, p.arena_size);
	}
out:
	/* Tell root the pin is held; wait until root is done. */
	if (write(s->to_parent[1], &s->pinned_at, sizeof(s->pinned_at)) < 0 ||
	    read(s->to_child[0], &c, 1) != 1)
		test_fail_at(TEST_FILE, __LINE__, "other user: lost touch with root");
}

/* ---- caps ---------------------------------------------------------- */

struct cap_case {
	unsigned long long max_size, cap;
	int fd2;		/* a second file handed over */
	int made;		/* pools the other user made */
	int expect_room;	/* what a later process must fit */
};

static void size_capped(int fd, void *arg)
{
	struct cap_case *c = arg;
	struct ckremm_pool p;

	EXPECT_ERRNO(ckremm_pool_create(fd, CKREMM_KIND_HEADER, c->max_size + 1,
					NULL, 0, &p), E2BIG,
		  "other user: a pool of max_pool_size + 1 bytes");
	EXPECT_ERRNO(ckremm_pool_create(fd, CKREMM_KIND_TABLE, c->max_size + 4096,
					name_of("big"), 0, &p), E2BIG,
		  "other user: a named pool above max_pool_size");
	EXPECT_ERRNO(ckremm_pool_create(fd, CKREMM_KIND_HEADER, c->max_size,
					NULL, 0, &p), 0,
		  "other user: a pool of exactly max_pool_size bytes");
}

/* Named pools until refused; they outlive this process. */
static void fill_named(int fd, void *arg)
{
	struct cap_case *c = arg;
	struct ckremm_pool p;
	char suffix[16];
	int ret = 0;

	c->made = 0;
	while ((unsigned long long)c->made <= c->cap) {
		snprintf(suffix, sizeof(suffix), "u%d", c->made);
		ret = ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096,
					 name_of(suffix), 0, &p);
		if (ret)
			break;
		c->made++;
	}
	EXPECT_TRUE(ret == -EDQUOT && (unsigned long long)c->made == c->cap,
		    "other user: made %d named pools under a cap of %llu, then %s",
		    c->made, c->cap, errno_name(ret));
	EXPECT_ERRNO(ckremm_pool_create(fd, CKREMM_KIND_TABLE, 4096, NULL, 0, &p),
		     EDQUOT, "other user at its cap: an unnamed pool");
}

/* How many pools a new process of the user can make now. */
static void room_left(int fd, void *arg)
{
	struct cap_case *c = arg;
	struct ckremm_pool p;
	int n = 0;

	while ((unsigned long long)n <= c->cap &&
	       !ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096, NULL, 0, &p))
		n++;
	EXPECT_TRUE(n == c->expect_room,
		    "other user, a new process: %d pools fit, want %d", n,
		    c->expect_room);
}

/*
 * A mapping keeps its pool, and the pool's charge, after the file goes:
 * with one pool mapped and its file closed, the user has room for one
 * pool fewer until it unmaps.  @c->fd2 is a second file root handed over.
 */
static int count_room(int fd, unsigned long long cap, int *why)
{
	struct ckremm_pool p[64];
	int n = 0;

	*why = 0;
	while ((unsigned long long)n <= cap && n < 64 &&
	       !(*why = ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096, NULL,
					   0, &p[n])))
		n++;
	for (int i = 0; i < n; i++)
		ckremm_pool_close(&p[i]);
	return n;
}

static void mapping_keeps_charge(int fd, void *arg)
{
	struct cap_case *c = arg;
	struct ckremm_pool p;
	int mapped, unmapped, why_mapped, why_unmapped;
	void *m;

	if (!EXPECT_ERRNO(ckremm_pool_create(fd, CKREMM_KIND_TABLE, 4096, NULL, 0,
					     &p), 0, "other user: a pool to map"))
		return;
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)p.mmap_offset);
	close(fd);
	if (!EXPECT_TRUE(m != MAP_FAILED, "other user: maps the pool, closes the file"))
		return;
	memcpy(m, "still here", 10);
	mapped = count_room(c->fd2, c->cap, &why_mapped);
	EXPECT_TRUE(!memcmp(m, "still here", 10), "other user: the mapping lives on");
	munmap(m, 4096);
	unmapped = count_room(c->fd2, c->cap, &why_unmapped);
	EXPECT_TRUE((unsigned long long)mapped + 1 == c->cap &&
		    (unsigned long long)unmapped == c->cap,
		    "other user: %d pools fit while a closed pool is mapped, %d after munmap (cap %llu; the next CREATE answered %s, then %s)",
		    mapped, unmapped, c->cap, errno_name(why_mapped),
		    errno_name(why_unmapped));
}

/* ---- unloading ----------------------------------------------------- */

static void rmmod_refused(void)
{
	unsigned long long base = refcnt();
	struct ckremm_pool p;
	int fd, ret, status, hold[2];
	char c;
	pid_t pid;
	void *m;

	EXPECT_TRUE(base != ~0ULL, "module reference count readable (%llu)", base);
	fd = ckremm_dev_open(NULL);
	if (!EXPECT_TRUE(fd >= 0, "root opens the device"))
		return;
	ret = delete_module();
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EBUSY,
		    "rmmod refused while a file is open: %s", errno_name(ret));
	ret = ckremm_pool_create(fd, CKREMM_KIND_TABLE, 16384, NULL, 0, &p);
	m = ret ? MAP_FAILED : mmap(NULL, 16384, PROT_READ | PROT_WRITE,
				    MAP_SHARED, fd, (off_t)p.mmap_offset);
	EXPECT_TRUE(m != MAP_FAILED, "root maps a pool");
	close(fd);
	EXPECT_TRUE(refcnt() > base, "the mapping still holds the module (%llu > %llu)",
		    refcnt(), base);
	ret = delete_module();
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EBUSY,
		    "rmmod refused while only a mapping is held: %s", errno_name(ret));
	if (m != MAP_FAILED) {
		memset(m, 0x5a, 16384);
		munmap(m, 16384);
	}
	EXPECT_TRUE(refcnt() == base, "the module's reference returns after munmap (%llu)",
		    refcnt());

	/* A file held by another process, until told to let go. */
	fd = ckremm_dev_open(NULL);
	if (!EXPECT_TRUE(fd >= 0 && !pipe(hold), "root opens the device"))
		return;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		close(hold[1]);
		_exit(read(hold[0], &c, 1) < 0);
	}
	close(fd);
	close(hold[0]);
	ret = delete_module();
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EBUSY,
		    "rmmod refused while another process holds a file: %s",
		    errno_name(ret));
	close(hold[1]);
	waitpid(pid, &status, 0);
	EXPECT_TRUE(refcnt() == base, "the module's reference returns when it exits (%llu)",
		    refcnt());

	/* A named pool holds no file: the module could go. */
	fd = ckremm_dev_open(NULL);
	ret = fd < 0 ? fd : ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096,
					       name_of("alive"), 0, &p);
	if (fd >= 0)
		close(fd);
	EXPECT_TRUE(!ret && refcnt() == base,
		    "a named pool alive holds no reference (%llu)", refcnt());
	fd = ckremm_dev_open(NULL);
	EXPECT_TRUE(fd >= 0 && !ckremm_destroy_by_name(fd, name_of("alive")),
		    "root destroys it");
	if (fd >= 0)
		close(fd);
}

/* ---- memory cgroups ----------------------------------------------- */

static bool cg_read(const char *cg, const char *file, unsigned long long *v)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return read_ull(path, v);
}

/*
 * A memory cgroup of this run's, @suffix after its prefix, with cgroup v2
 * mounted and its memory controller enabled for children first; its path
 * goes to @cg.  False, and a failed check, if it cannot be made.
 */
static bool memcg_make(const char *suffix, char *cg, size_t size)
{
	int ret;

	if (access(CGROUP_ROOT "/cgroup.controllers", R_OK) &&
	    mount("cgroup2", CGROUP_ROOT, "cgroup2", 0, NULL)) {
		test_fail_at(TEST_FILE, __LINE__, "memcg: mount cgroup2 on " CGROUP_ROOT ": %s",
			     strerror(errno));
		return false;
	}
	ret = write_str(CGROUP_ROOT "/cgroup.subtree_control", "+memory");
	if (!EXPECT_TRUE(!ret, "memcg: memory controller enabled for children (%s)",
			 errno_name(ret)))
		return false;
	snprintf(cg, size, CGROUP_ROOT "/%s%s", prefix, suffix);
	ret = mkdir(cg, 0755) ? -errno : 0;
	return EXPECT_TRUE(!ret, "memcg: make cgroup %s (%s)", cg,
			   errno_name(ret));
}

/* In a child: move this process into cgroup @cg; 0 or -errno. */
static int memcg_enter(const char *cg)
{
	char path[160], buf[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	return write_str(path, buf);
}

static void memcg_charge(void)
{
	const unsigned long long size = 8ULL << 20;
	unsigned long long base, made, after_exit, after_destroy;
	int to_child[2], to_parent[2], fd, status, ret;
	const char *name = name_of("memcg");
	char cg[128], c;
	pid_t pid;

	if (!memcg_make("memcg", cg, sizeof(cg)))
		return;
	if (pipe(to_child) || pipe(to_parent))
		return;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		struct ckremm_pool p;

		ret = memcg_enter(cg);
		if (write(to_parent[1], &ret, sizeof(ret)) < 0 ||
		    read(to_child[0], &c, 1) != 1)
			_exit(1);
		fd = ckremm_dev_open(NULL);
		ret = fd < 0 ? fd : ckremm_pool_create(fd, CKREMM_KIND_HEADER,
						       size, name, 0600, &p);
		if (write(to_parent[1], &ret, sizeof(ret)) < 0 ||
		    read(to_child[0], &c, 1) != 1)
			_exit(1);
		_exit(0);	/* the named pool outlives this process */
	}
	if (read(to_parent[0], &ret, sizeof(ret)) != sizeof(ret) ||
	    !EXPECT_TRUE(!ret, "memcg: the creator moves into %s (%s)", cg,
			 errno_name(ret)))
		goto out;
	cg_read(cg, "memory.current", &base);
	if (write(to_child[1], "c", 1) != 1 ||
	    read(to_parent[0], &ret, sizeof(ret)) != sizeof(ret) ||
	    !EXPECT_TRUE(!ret, "memcg: the creator makes an 8 MiB pool (%s)",
			 errno_name(ret)))
		goto out;
	cg_read(cg, "memory.current", &made);
	EXPECT_TRUE(made >= base + size - size / 16 && made <= base + size * 3 / 2,
		    "memcg: memory.current grew by about the pool's size: %llu -> %llu",
		    base, made);
	if (write(to_child[1], "x", 1) != 1)
		goto out;
	waitpid(pid, &status, 0);
	pid = -1;
	cg_read(cg, "memory.current", &after_exit);
	EXPECT_TRUE(after_exit >= base + size - size / 16,
		    "memcg: still charged after the creator exits: %llu", after_exit);
	fd = ckremm_dev_open(NULL);
	ret = fd < 0 ? fd : ckremm_destroy_by_name(fd, name);
	if (fd >= 0)
		close(fd);
	EXPECT_TRUE(!ret, "memcg: root (outside the cgroup) destroys it (%s)",
		    errno_name(ret));
	cg_read(cg, "memory.current", &after_destroy);
	EXPECT_TRUE(after_destroy + size - size / 16 <= after_exit &&
		    after_destroy <= base + size / 8,
		    "memcg: memory.current falls back after DESTROY: %llu -> %llu (was %llu)",
		    after_exit, after_destroy, base);
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	fd = ckremm_dev_open(NULL);
	if (fd >= 0) {
		ckremm_destroy_by_name(fd, name);
		close(fd);
	}
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	ret = rmdir(cg) ? -errno : 0;
	EXPECT_TRUE(!ret, "memcg: cgroup removed (%s)", errno_name(ret));
}

/*
 * A paged table pool's charge, as its creator in its own cgroup sees it:
 * memory.current when the pool is made, when it is full, once most of it
 * is freed and the pager had a few periods, and after it refills.
 */
#define PG_POOL_SIZE	(16ULL << 20)
#define PG_BLOCK	(64ULL << 10)
#define PG_BLOCKS	(PG_POOL_SIZE / PG_BLOCK - 1)
#define PG_PERIOD_MS	20
#define PG_DECAY	2
#define PG_WAIT_MS	10000

struct pager_charge {
	int err;
	char what[128];
	unsigned long long made, full, low, high;
	unsigned long long freed, refilled;
	unsigned long long committed_low, committed_high;
	unsigned int waited_ms;
	double t_fill, t_refill;
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* In the child: record the first failure, as -errno and what failed. */
static bool pc_ok(struct pager_charge *pc, int err, const char *what)
{
	if (err && !pc->err) {
		pc->err = err;
		snprintf(pc->what, sizeof(pc->what), "%s", what);
	}
	return !err;
}

/* After a failed allocation: what the pool said of itself. */
static void pc_where(struct pager_charge *pc, struct ckremm_pool *p)
{
	struct ckremm_stats st = { 0 };
	size_t len = strlen(pc->what);

	ckremm_stats(p, &st);
	snprintf(pc->what + len, sizeof(pc->what) - len,
		 " (%llu bytes committed, %llu commit failures)",
		 (unsigned long long)st.committed_bytes,
		 (unsigned long long)st.commit_failures);
}

/*
 * In the child, inside cgroup @cg: make the pool, page it, fill it, free
 * 90% at random, reorder, wait until the charge falls (a few periods at
 * least), refill.
 */
static void pager_charge_run(const char *cg, struct pager_charge *pc)
{
	/* One step a purge: each moves the whole arena. */
	struct ckremm_pager_setup s = {
		.period_ms = PG_PERIOD_MS, .decay_ticks = PG_DECAY,
		.step_bytes = PG_POOL_SIZE,
	};
	static __u64 h[PG_BLOCKS];
	unsigned long long now;
	struct ckremm_stats st;
	struct ckremm_pool p;
	unsigned int i, n = 0;
	__u64 rng = 0x9e3779b97f4a7c15ULL;
	int fd;

	fd = ckremm_dev_open(NULL);
	if (!pc_ok(pc, fd < 0 ? fd : 0, "open the device") ||
	    !pc_ok(pc, ckremm_pool_create(fd, CKREMM_KIND_TABLE, PG_POOL_SIZE,
					  NULL, 0, &p), "create a table pool") ||
	    !pc_ok(pc, ckremm_pager_attach(&p, &s), "attach a pager"))
		return;
	cg_read(cg, "memory.current", &pc->made);
	/* in batches: each commit moves the whole arena, so a few */
	pc->t_fill = mono();
	if (!pc_ok(pc, ckremm_alloc_many(&p, PG_BLOCK, 0, h, PG_BLOCKS),
		   "fill")) {
		pc_where(pc, &p);
		return;
	}
	cg_read(cg, "memory.current", &pc->full);
	pc->t_fill = mono() - pc->t_fill;

	/* 90% of the blocks, chosen at random, go */
	for (i = PG_BLOCKS; i > 1; i--) {
		unsigned int j;
		__u64 t;

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		j = (unsigned int)((rng >> 33) % i);
		t = h[i - 1];
		h[i - 1] = h[j];
		h[j] = t;
	}
	for (i = 0; i < PG_BLOCKS * 9 / 10; i++, n++)
		if (!pc_ok(pc, ckremm_free(&p, h[i]), "free"))
			return;
	pc->freed = n * PG_BLOCK;
	if (!pc_ok(pc, ckremm_reorder(&p, NULL), "reorder"))
		return;

	/* a few periods, and until the charge fell by 3/4 of what went */
	do {
		usleep(PG_PERIOD_MS * 1000);
		pc->waited_ms += PG_PERIOD_MS;
		cg_read(cg, "memory.current", &now);
	} while (pc->waited_ms < PG_WAIT_MS &&
		 (pc->waited_ms < 4 * PG_DECAY * PG_PERIOD_MS ||
		  now + pc->freed / 4 * 3 > pc->full));
	pc->low = now;
	if (!pc_ok(pc, ckremm_stats(&p, &st), "stats"))
		return;
	pc->committed_low = st.committed_bytes;

	pc->t_refill = mono();
	if (!pc_ok(pc, ckremm_alloc_many(&p, PG_BLOCK, 0, h, n), "refill")) {
		pc_where(pc, &p);
		return;
	}
	pc->refilled = n * PG_BLOCK;
	pc->t_refill = mono() - pc->t_refill;
	cg_read(cg, "memory.current", &pc->high);
	if (pc_ok(pc, ckremm_stats(&p, &st), "stats"))
		pc->committed_high = st.committed_bytes;
	close(fd);
}

static void memcg_pager(void)
{
	struct pager_charge *pc = mmap(NULL, sizeof(*pc), PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status, ret;
	char cg[128];
	pid_t pid;

	if (!EXPECT_TRUE(pc != MAP_FAILED, "memcg pager: shared results") ||
	    !memcg_make("memcg-pager", cg, sizeof(cg)))
		return;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		if (pc_ok(pc, memcg_enter(cg), "enter the cgroup"))
			pager_charge_run(cg, pc);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (EXPECT_TRUE(pid > 0 && WIFEXITED(status) && !pc->err,
			"memcg pager: the creator in %s: %s: %s", cg,
			pc->what[0] ? pc->what : "ran", errno_name(pc->err))) {
		diag("memory.current: %llu made, %llu full, %llu after freeing %llu bytes (%u ms), %llu after refilling %llu",
		     pc->made, pc->full, pc->low, pc->freed, pc->waited_ms,
		     pc->high, pc->refilled);
		diag("the pool's committed bytes: %llu low, %llu refilled; fill %.2f s, refill %.2f s",
		     pc->committed_low, pc->committed_high, pc->t_fill,
		     pc->t_refill);
		EXPECT_TRUE(pc->low + pc->freed / 4 * 3 <= pc->full,
			    "memcg pager: memory.current fell by %lld of the %llu bytes freed (at least 3/4)",
			    (long long)(pc->full - pc->low), pc->freed);
		EXPECT_TRUE(pc->high >= pc->low + pc->refilled / 4 * 3,
			    "memcg pager: memory.current rose by %lld of the %llu bytes refilled (at least 3/4)",
			    (long long)(pc->high - pc->low), pc->refilled);
	}
	munmap(pc, sizeof(*pc));
	ret = rmdir(cg) ? -errno : 0;
	EXPECT_TRUE(!ret, "memcg pager: cgroup removed (%s)", errno_name(ret));
}

/* ---- the run ------------------------------------------------------- */

/* Named pools in @e whose names start with this run's prefix. */
static int remaining(struct ckremm_list_entry *e, size_t n)
{
	int found = 0;

	for (size_t i = 0; i < n; i++)
		found += !strncmp(e[i].name, prefix, strlen(prefix));
	return found;
}

static void pins_hold_until_the_file_goes(int fd)
{
	struct pin_sync s = { 0 };
	struct target w;
	char buf[8] = { 0 };
	__u64 at = ~0ULL, off, size;
	pid_t pid;

	if (!make_target(fd, &w, CKREMM_KIND_TABLE, 0666, "w666"))
		return;
	s.t = &w;
	if (pipe(s.to_parent) || pipe(s.to_child))
		return;
	pid = start_user(OTHER_UID, 0, NULL, write_and_pin, &s, "0666");
	if (read(s.to_parent[0], &at, sizeof(at)) != sizeof(at))
		test_fail_at(TEST_FILE, __LINE__, "0666: the other user did not report its pin");
	EXPECT_ERRNO(ckremm_free(&w.pool, w.block), EBUSY,
		     "root: FREE of its block pinned by the other user");
	EXPECT_ERRNO(ckremm_reorder(&w.pool, NULL), 0, "root: REORDER");
	EXPECT_TRUE(!ckremm_locate(&w.pool, w.block, &off, &size) && off == at,
		    "root: the other user's pin kept the block at %#llx",
		    (unsigned long long)at);
	EXPECT_TRUE(!ckremm_read(&w.pool, w.block, 0, buf, 6) &&
		    !memcmp(buf, "mapped", 6),
		    "root: sees what the other user wrote through its mapping");
	if (write(s.to_child[1], "d", 1) != 1)
		test_fail_at(TEST_FILE, __LINE__, "0666: lost touch with the other user");
	end_user(pid, "0666");
	EXPECT_ERRNO(ckremm_free(&w.pool, w.block), 0,
		     "root: FREE once the other user's file is gone");
	close(s.to_parent[0]);
	close(s.to_parent[1]);
	close(s.to_child[0]);
	close(s.to_child[1]);
}

static void caps_hold(int fd)
{
	struct cap_case *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long long size0, cap0;
	struct ckremm_list_entry *e;
	struct ckremm_pool p;
	char suffix[16];
	size_t n;
	int owned = 0;

	if (!EXPECT_TRUE(c != MAP_FAILED && param("max_pool_size", &size0) &&
			 param("max_pools_per_user", &cap0),
			 "max_pool_size and max_pools_per_user readable"))
		return;
	/* Small enough to reach here; restored at the end. */
	c->max_size = size0 > (4U << 20) ? 1U << 20 : size0;
	c->cap = cap0 > 32 ? 8 : cap0;
	if (!EXPECT_TRUE(set_param("max_pool_size", c->max_size) &&
			 set_param("max_pools_per_user", c->cap),
			 "caps set to %llu bytes and %llu pools for the case",
			 c->max_size, c->cap))
		return;

	as_user(OTHER_UID, 0, NULL, size_capped, c, "max_pool_size");
	as_user(OTHER_UID, 0, NULL, fill_named, c, "fill to the cap");
	c->expect_room = 0;
	as_user(OTHER_UID, 0, NULL, room_left, c,
		"named pools keep counting after their creator exits");
	if (!ckremm_list(fd, &e, &n)) {
		for (size_t i = 0; i < n; i++)
			owned += e[i].uid == OTHER_UID;
		free(e);
	}
	EXPECT_TRUE((unsigned long long)owned == c->cap,
		    "LIST shows %d pools of uid %u (cap %llu)", owned, OTHER_UID,
		    c->cap);
	EXPECT_ERRNO(ckremm_destroy_by_name(fd, name_of("u0")), 0,
		     "root (CAP_SYS_ADMIN) destroys one of the other user's pools");
	c->expect_room = 1;
	as_user(OTHER_UID, 0, NULL, room_left, c,
		"a destroyed pool makes room for one");
	c->expect_room = (int)c->cap;
	as_user(THIRD_UID, 0, NULL, room_left, c, "the cap is per user");
	EXPECT_ERRNO(ckremm_pool_create(fd, CKREMM_KIND_HEADER, 4096, NULL, 0, &p),
		     0, "root still makes pools while the other user is at its cap");
	ckremm_pool_close(&p);
	for (int i = 1; i < c->made; i++) {
		snprintf(suffix, sizeof(suffix), "u%d", i);
		ckremm_destroy_by_name(fd, name_of(suffix));
	}
	c->fd2 = ckremm_dev_open(NULL);
	if (EXPECT_TRUE(c->fd2 >= 0, "root opens a second file to hand over")) {
		as_user(OTHER_UID, 0, NULL, mapping_keeps_charge, c,
			"a mapping keeps its pool counted");
		close(c->fd2);
	}
	EXPECT_TRUE(set_param("max_pool_size", size0) &&
		    set_param("max_pools_per_user", cap0),
		    "caps restored to %llu bytes and %llu pools", size0, cap0);
	munmap(c, sizeof(*c));
}

/* ---- collected pools ---------------------------------------------- */

/* Root's collected pools: a 0644 one to read, a 0666 one to fill. */
struct gc_case {
	struct target ro, rw;
	__u64 rooted;		/* root's object in slot 0 of @ro */
	int to_parent[2], to_child[2];
};

/* Every GC request that changes a pool, through a read-only attachment. */
static void gc_read_only(int fd, void *arg)
{
	struct gc_case *g = arg;
	struct ckremm_gc_figures f;
	struct ckremm_pool p;
	__u64 h = 0, map = 1;
	__u32 type;

	if (!EXPECT_ERRNO(ckremm_pool_open(fd, g->ro.name, CKREMM_OPEN_RDONLY,
					   &p), 0,
			  "other user: read-only OPEN of a collected 0644 pool"))
		return;
	EXPECT_TRUE(!ckremm_gc_root_get(&p, 0, &h) && h == g->rooted,
		    "other user: reads root slot 0");
	EXPECT_TRUE(!ckremm_gc_stats(&p, &f) && f.objects == 2,
		    "other user: reads the collector's figures");
	EXPECT_ERRNO(ckremm_gc_attach(&p, NULL), EBADF,
		     "other user: GC_ATTACH read-only");
	EXPECT_ERRNO(ckremm_gc_type(&p, &map, 1, 0, &type), EBADF,
		     "other user: GC_TYPE read-only");
	EXPECT_ERRNO(ckremm_gc_alloc(&p, 16, 0, CKREMM_GC_ALLOC_PIN, 0, &h),
		     EBADF, "other user: GC_ALLOC read-only");
	EXPECT_ERRNO(ckremm_gc_root_set(&p, 0, 0), EBADF,
		     "other user: GC_ROOT_SET read-only");
	EXPECT_ERRNO(ckremm_gc_step(&p, 0, NULL), EBADF,
		     "other user: GC_STEP read-only");
	EXPECT_ERRNO(ckremm_gc_collect(&p, NULL), EBADF,
		     "other user: GC_COLLECT read-only");
	/* no id of its own file reaches root's collectors */
	for (__u32 id = 0; id <= 8; id++) {
		struct ckremm_gc_figures s = { .pool = id };
		struct ckremm_gc_work w = { .pool = id };

		if (id == p.id)
			continue;
		EXPECT_TRUE(ckremm_ioc_gc_stats(fd, &s) == -ENOENT &&
			    ckremm_ioc_gc_collect(fd, &w) == -ENOENT,
			    "other user: GC requests on pool id %u reach nothing",
			    id);
	}
}

/* Pin every object the collector can pin, and hold them until told. */
static void gc_fill_pins(int fd, void *arg)
{
	struct gc_case *g = arg;
	struct ckremm_pool p;
	int pinned = 0, ret = 0;
	char c;
	__u64 h;

	if (EXPECT_ERRNO(ckremm_pool_open(fd, g->rw.name, 0, &p), 0,
			 "other user: read-write OPEN of a collected 0666 pool")) {
		while (!(ret = ckremm_gc_alloc(&p, 16, 0, CKREMM_GC_ALLOC_PIN,
					       0, &h)))
			pinned++;
		EXPECT_TRUE(ret == -ENOSPC && pinned == 4,
			    "other user: %d objects pinned, then %s", pinned,
			    errno_name(ret));
	}
	if (write(g->to_parent[1], "p", 1) != 1 ||
	    read(g->to_child[0], &c, 1) != 1)
		test_fail_at(TEST_FILE, __LINE__, "other user: lost touch with root");
}

static void collected_pools(int fd)
{
	struct ckremm_gc_setup few = { .max_pins = 4 };
	struct gc_case g = { 0 };
	struct ckremm_gc_figures f;
	__u64 h;
	pid_t pid;
	char c;

	if (!make_target(fd, &g.ro, CKREMM_KIND_TABLE, 0644, "gc644") ||
	    !make_target(fd, &g.rw, CKREMM_KIND_TABLE, 0666, "gc666"))
		return;
	/* a collector takes empty pools only */
	EXPECT_ERRNO(ckremm_gc_attach(&g.ro.pool, NULL), EBUSY,
		     "root: GC_ATTACH of a pool with a block");
	if (!EXPECT_TRUE(!ckremm_free(&g.ro.pool, g.ro.block) &&
			 !ckremm_free(&g.rw.pool, g.rw.block) &&
			 !ckremm_gc_attach(&g.ro.pool, NULL) &&
			 !ckremm_gc_attach(&g.rw.pool, &few) &&
			 !ckremm_gc_alloc(&g.ro.pool, 64, 0,
					  CKREMM_GC_ALLOC_ROOT, 0, &g.rooted) &&
			 !ckremm_gc_alloc(&g.ro.pool, 64, 0,
					  CKREMM_GC_ALLOC_ROOT, 1, &h),
			 "root: collectors on empty pools, two rooted objects"))
		return;
	as_user(OTHER_UID, 0, NULL, gc_read_only, &g, "collected 0644");
	EXPECT_TRUE(!ckremm_gc_stats(&g.ro.pool, &f) && f.objects == 2 &&
		    f.cycles == 0,
		    "root: the other user changed nothing of the collector");

	/* a writer may fill the pin set, but only while its file lives */
	if (pipe(g.to_parent) || pipe(g.to_child))
		return;
	pid = start_user(OTHER_UID, 0, NULL, gc_fill_pins, &g, "pin set");
	if (read(g.to_parent[0], &c, 1) != 1)
		test_fail_at(TEST_FILE, __LINE__, "pin set: the other user did not report");
	EXPECT_ERRNO(ckremm_gc_alloc(&g.rw.pool, 16, 0, CKREMM_GC_ALLOC_PIN, 0,
				     &h), ENOSPC,
		     "root: GC_ALLOC pinned while the other user fills the pin set");
	EXPECT_ERRNO(ckremm_gc_alloc(&g.rw.pool, 16, 0, CKREMM_GC_ALLOC_ROOT,
				     0, &h), ENOSPC,
		     "root: GC_ALLOC into a slot needs a pin for a moment too");
	if (write(g.to_child[1], "d", 1) != 1)
		test_fail_at(TEST_FILE, __LINE__, "pin set: lost touch with the other user");
	end_user(pid, "pin set");
	EXPECT_TRUE(!ckremm_gc_stats(&g.rw.pool, &f) && f.pinned == 0 &&
		    !ckremm_gc_collect(&g.rw.pool, NULL) &&
		    !ckremm_gc_stats(&g.rw.pool, &f) && f.objects == 0,
		    "root: the other user's pins and objects went with its file");
	EXPECT_ERRNO(ckremm_gc_alloc(&g.rw.pool, 16, 0, CKREMM_GC_ALLOC_PIN, 0,
				     &h), 0, "root: GC_ALLOC pinned again");
	for (int i = 0; i < 2; i++) {
		close(g.to_parent[i]);
		close(g.to_child[i]);
	}
}

FIXTURE(hostile) {
	int fd;
};

FIXTURE_SETUP(hostile)
{
	self->fd = ckremm_dev_open(NULL);
	ASSERT_TRUE(!geteuid() && self->fd >= 0,
		    "runs as root with the device open");
	ASSERT_TRUE(id_unused("/etc/passwd", OTHER_UID) &&
		    id_unused("/etc/passwd", THIRD_UID) &&
		    id_unused("/etc/group", OTHER_UID) &&
		    id_unused("/etc/group", THIRD_UID),
		    "uids %u and %u belong to no account", OTHER_UID, THIRD_UID);
}

FIXTURE_TEARDOWN(hostile)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(hostile, node_and_parameters_are_roots)
{
	as_user(OTHER_UID, 0, NULL, node_kept_out, NULL, "node");
}

TEST_F(hostile, pools_0600_unreachable)
{
	struct target t6[2];

	if (make_target(self->fd, &t6[0], CKREMM_KIND_HEADER, 0600, "p600h") &&
	    make_target(self->fd, &t6[1], CKREMM_KIND_TABLE, 0600, "p600t")) {
		as_user(OTHER_UID, 0, NULL, private_unreachable, t6, "0600");
		target_intact(&t6[0], "0600 header pool");
		target_intact(&t6[1], "0600 table pool");
	}
}

TEST_F(hostile, pools_0644_read_only)
{
	struct target t4[2];
	const void *m;

	if (!make_target(self->fd, &t4[0], CKREMM_KIND_HEADER, 0644, "p644h") ||
	    !make_target(self->fd, &t4[1], CKREMM_KIND_TABLE, 0644, "p644t"))
		return;
	as_user(OTHER_UID, 0, NULL, read_only_use, t4, "0644");
	target_intact(&t4[0], "0644 header pool");
	target_intact(&t4[1], "0644 table pool");
	if (EXPECT_TRUE(!ckremm_map_arena(&t4[0].pool, &m),
			"root maps a header pool")) {
		EXPECT_TRUE(proc_mem_write_refused((char *)m + t4[0].block),
			    "root: no write through /proc/self/mem into a header pool's mapping");
		ckremm_unmap_arena(&t4[0].pool, m);
		target_intact(&t4[0], "after root's /proc/self/mem write");
	}
}

TEST_F(hostile, pools_0640_read_by_group)
{
	gid_t root_group = 0;
	struct target g;

	if (make_target(self->fd, &g, CKREMM_KIND_HEADER, 0640, "g640")) {
		as_user(OTHER_UID, 1, &root_group, group_read, &g, "group");
		as_user(OTHER_UID, 0, NULL, no_group_read, &g, "no group");
	}
}

TEST_F(hostile, pins_hold_until_the_file_goes)
{
	pins_hold_until_the_file_goes(self->fd);
}

TEST_F(hostile, collected_pools_keep_their_rules)
{
	collected_pools(self->fd);
}

TEST_F(hostile, caps_hold)
{
	caps_hold(self->fd);
}

TEST_F(hostile, rmmod_refused_while_held)
{
	rmmod_refused();
}

TEST_F(hostile, memcg_charges_the_creator)
{
	if (!memcg)
		SKIP("needs --memcg");
	memcg_charge();
}

TEST_F(hostile, memcg_pager_gives_back_and_takes_again)
{
	if (!memcg)
		SKIP("needs --memcg");
	memcg_pager();
}

/* Nothing of this run is left. */
TEST_F(hostile, no_named_pool_left)
{
	struct ckremm_list_entry *e = NULL;
	size_t n;
	int fd = ckremm_dev_open(NULL);

	if (fd >= 0)
		destroy_named_pools(fd, prefix);
	EXPECT_TRUE(fd >= 0 && !ckremm_list(fd, &e, &n) && !remaining(e, n),
		    "no named pool of this run is left");
	if (fd >= 0) {
		free(e);
		close(fd);
	}
}

static void say_users(void)
{
	diag("hostile_test: second users %u and %u%s", OTHER_UID, THIRD_UID,
	     memcg ? ", memory cgroups" : "");
}

int main(int argc, char **argv)
{
	static const struct test_config config = {
		.suite = "hostile",
		.jobs = 1,		/* the cases share the module's caps */
		.timeout_s = 300,	/* QEMU with KASAN is slow */
		.started = say_users,
	};
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	int n = 0, status;

	if (!args)
		return 2;
	for (int i = 0; i < argc; i++) {
		if (i && !strcmp(argv[i], "--memcg"))
			memcg = true;
		else
			args[n++] = argv[i];
	}
	page = (size_t)sysconf(_SC_PAGESIZE);
	snprintf(prefix, sizeof(prefix), "hx%d-", (int)getpid());
	status = test_main(n, args, &config);
	free(args);
	return status;
}
