// SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause
/*
 * libckremm: ioctl wrappers and pool calls over /dev/ckremm.
 * See libckremm.h for what each call does and returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libckremm.h"

/* Extents fetched per WALK request. */
#define WALK_CHUNK	256
/* Entries asked for by the first LIST request. */
#define LIST_FIRST_ROOM	16

static __u64 user_ptr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

const char *ckremm_dev_path(const char *path)
{
	const char *env;

	if (path && *path)
		return path;
	env = getenv(CKREMM_DEV_ENV);
	if (env && *env)
		return env;
	return CKREMM_DEFAULT_DEV;
}

int ckremm_dev_open(const char *path)
{
	int fd = open(ckremm_dev_path(path), O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int ckremm_dev_close(int fd)
{
	return close(fd) ? -errno : 0;
}

int ckremm_ioc_raw(int fd, unsigned long request, void *arg)
{
	int saved = errno;
	int ret = ioctl(fd, request, arg);

	if (ret < 0) {
		ret = -errno;
		errno = saved;
	}
	return ret;
}

int ckremm_check_version(int fd, __u32 *abi)
{
	struct ckremm_version v = { 0 };
	int ret = ckremm_ioc_version(fd, &v);

	if (ret)
		return ret;
	if (abi)
		*abi = v.abi;
	return v.abi == CKREMM_ABI_VERSION ? 0 : -EPROTO;
}

/*
 * One ckremm request: 0 or -errno.  A successful ckremm ioctl has no other
 * result to report.
 */
static int ioc(int fd, unsigned long request, void *arg)
{
	int ret = ckremm_ioc_raw(fd, request, arg);

	return ret < 0 ? ret : 0;
}

/* ckremm_ioc_<fn>(): one typed wrapper per request (see libckremm.h). */
#define IOC_WRAPPER(fn, request, type)				\
int ckremm_ioc_##fn(int fd, type *arg)				\
{								\
	return ioc(fd, request, arg);				\
}

IOC_WRAPPER(version, CKREMM_IOC_VERSION, struct ckremm_version)
IOC_WRAPPER(create, CKREMM_IOC_CREATE, struct ckremm_create)
IOC_WRAPPER(open, CKREMM_IOC_OPEN, struct ckremm_open)
IOC_WRAPPER(close, CKREMM_IOC_CLOSE, struct ckremm_pool_ref)
IOC_WRAPPER(destroy, CKREMM_IOC_DESTROY, struct ckremm_pool_ref)
IOC_WRAPPER(alloc, CKREMM_IOC_ALLOC, struct ckremm_alloc)
IOC_WRAPPER(free, CKREMM_IOC_FREE, struct ckremm_block)
IOC_WRAPPER(clean, CKREMM_IOC_CLEAN, struct ckremm_block)
IOC_WRAPPER(realloc, CKREMM_IOC_REALLOC, struct ckremm_realloc)
IOC_WRAPPER(alloc_batch, CKREMM_IOC_ALLOC_BATCH, struct ckremm_batch)
IOC_WRAPPER(free_batch, CKREMM_IOC_FREE_BATCH, struct ckremm_batch)
IOC_WRAPPER(read, CKREMM_IOC_READ, struct ckremm_rw)
IOC_WRAPPER(write, CKREMM_IOC_WRITE, struct ckremm_rw)
IOC_WRAPPER(pin, CKREMM_IOC_PIN, struct ckremm_block)
IOC_WRAPPER(unpin, CKREMM_IOC_UNPIN, struct ckremm_block)
IOC_WRAPPER(locate, CKREMM_IOC_LOCATE, struct ckremm_block)
IOC_WRAPPER(copy, CKREMM_IOC_COPY, struct ckremm_copy)
IOC_WRAPPER(reorder, CKREMM_IOC_REORDER, struct ckremm_reorder)
IOC_WRAPPER(stats, CKREMM_IOC_STATS, struct ckremm_stats)
IOC_WRAPPER(validate, CKREMM_IOC_VALIDATE, struct ckremm_validate)
IOC_WRAPPER(list, CKREMM_IOC_LIST, struct ckremm_list)
IOC_WRAPPER(walk, CKREMM_IOC_WALK, struct ckremm_walk)
IOC_WRAPPER(gc_attach, CKREMM_IOC_GC_ATTACH, struct ckremm_gc_setup)
IOC_WRAPPER(gc_type, CKREMM_IOC_GC_TYPE, struct ckremm_gc_layout)
IOC_WRAPPER(gc_alloc, CKREMM_IOC_GC_ALLOC, struct ckremm_gc_object)
IOC_WRAPPER(gc_root_set, CKREMM_IOC_GC_ROOT_SET, struct ckremm_gc_slot)
IOC_WRAPPER(gc_root_get, CKREMM_IOC_GC_ROOT_GET, struct ckremm_gc_slot)
IOC_WRAPPER(gc_step, CKREMM_IOC_GC_STEP, struct ckremm_gc_work)
IOC_WRAPPER(gc_collect, CKREMM_IOC_GC_COLLECT, struct ckremm_gc_work)
IOC_WRAPPER(gc_stats, CKREMM_IOC_GC_STATS, struct ckremm_gc_figures)
IOC_WRAPPER(pager_attach, CKREMM_IOC_PAGER_ATTACH, struct ckremm_pager_setup)
IOC_WRAPPER(pager_detach, CKREMM_IOC_PAGER_DETACH, struct ckremm_pool_ref)
IOC_WRAPPER(pager_purge, CKREMM_IOC_PAGER_PURGE, struct ckremm_pager_purge)
IOC_WRAPPER(pager_stats, CKREMM_IOC_PAGER_STATS, struct ckremm_pager_figures)

bool ckremm_name_valid(const char *name)
{
	size_t len = 0;

	for (; name[len]; len++) {
		char c = name[len];

		if (len >= CKREMM_NAME_LEN - 1)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return len > 0;
}

const char *ckremm_kind_name(__u32 kind)
{
	switch (kind) {
	case CKREMM_KIND_HEADER:
		return "header";
	case CKREMM_KIND_TABLE:
		return "table";
	default:
		return "unknown";
	}
}

__u32 ckremm_kind_parse(const char *word)
{
	if (!strcmp(word, "header") || !strcmp(word, "h"))
		return CKREMM_KIND_HEADER;
	if (!strcmp(word, "table") || !strcmp(word, "t"))
		return CKREMM_KIND_TABLE;
	return 0;
}

/* Copy @name into a zero-filled ABI name field. */
static int copy_name(char dst[CKREMM_NAME_LEN], const char *name)
{
	size_t len = strlen(name);

	if (len >= CKREMM_NAME_LEN)
		return -ENAMETOOLONG;
	memset(dst, 0, CKREMM_NAME_LEN);
	memcpy(dst, name, len);
	return 0;
}

int ckremm_pool_create(int fd, __u32 kind, __u64 size, const char *name,
		       __u32 mode, struct ckremm_pool *pool)
{
	struct ckremm_create c = { .kind = kind, .size = size, .mode = mode };
	int ret;

	if (name) {
		ret = copy_name(c.name, name);
		if (ret)
			return ret;
		c.flags = CKREMM_CREATE_NAMED;
	}
	ret = ckremm_ioc_create(fd, &c);
	if (ret)
		return ret;
	*pool = (struct ckremm_pool){
		.fd = fd, .id = c.pool, .kind = kind,
		.arena_size = c.arena_size, .mmap_offset = c.mmap_offset,
	};
	memcpy(pool->name, c.name, sizeof(pool->name));
	return 0;
}

int ckremm_pool_open(int fd, const char *name, __u32 flags,
		     struct ckremm_pool *pool)
{
	struct ckremm_open o = { .flags = flags };
	int ret = copy_name(o.name, name);

	if (ret)
		return ret;
	ret = ckremm_ioc_open(fd, &o);
	if (ret)
		return ret;
	*pool = (struct ckremm_pool){
		.fd = fd, .id = o.pool, .kind = o.kind,
		.arena_size = o.arena_size, .mmap_offset = o.mmap_offset,
	};
	memcpy(pool->name, o.name, sizeof(pool->name));
	return 0;
}

int ckremm_pool_close(struct ckremm_pool *pool)
{
	struct ckremm_pool_ref r = { .pool = pool->id };

	return ckremm_ioc_close(pool->fd, &r);
}

int ckremm_pool_destroy(struct ckremm_pool *pool)
{
	struct ckremm_pool_ref r = { .pool = pool->id };

	return ckremm_ioc_destroy(pool->fd, &r);
}

int ckremm_destroy_by_name(int fd, const char *name)
{
	struct ckremm_pool pool;
	int ret;

	/*
	 * DESTROY asks for ownership, not write permission: attach
	 * read-only, so that an owner who kept only read can still destroy.
	 */
	ret = ckremm_pool_open(fd, name, CKREMM_OPEN_RDONLY, &pool);
	if (ret == -EACCES)
		ret = ckremm_pool_open(fd, name, 0, &pool);
	if (ret)
		return ret;
	ret = ckremm_pool_destroy(&pool);
	if (ret)
		ckremm_pool_close(&pool);
	return ret;
}

bool ckremm_pool_by_handle(const struct ckremm_pool *pool)
{
	return pool->kind == CKREMM_KIND_TABLE;
}

int ckremm_alloc(struct ckremm_pool *pool, __u64 size, __u64 *block)
{
	return ckremm_alloc_ex(pool, size, 0, 0, block);
}

int ckremm_alloc_ex(struct ckremm_pool *pool, __u64 size, __u64 align,
		    __u32 flags, __u64 *block)
{
	struct ckremm_alloc a = {
		.pool = pool->id, .flags = flags, .size = size, .align = align,
	};
	int ret = ckremm_ioc_alloc(pool->fd, &a);

	if (!ret)
		*block = a.block;
	return ret;
}

/*
 * FREE, CLEAN, PIN, UNPIN or LOCATE of @block; CLEAN, PIN and LOCATE say
 * where it is and its size (either may be NULL).
 */
static int block_request(struct ckremm_pool *pool, unsigned long request,
			 __u64 block, __u64 *offset, __u64 *size)
{
	struct ckremm_block b = { .pool = pool->id, .block = block };
	int ret = ioc(pool->fd, request, &b);

	if (!ret && offset)
		*offset = b.offset;
	if (!ret && size)
		*size = b.size;
	return ret;
}

int ckremm_free(struct ckremm_pool *pool, __u64 block)
{
	return block_request(pool, CKREMM_IOC_FREE, block, NULL, NULL);
}

int ckremm_clean(struct ckremm_pool *pool, __u64 block, __u64 *offset,
		 __u64 *size)
{
	return block_request(pool, CKREMM_IOC_CLEAN, block, offset, size);
}

int ckremm_pin(struct ckremm_pool *pool, __u64 block, __u64 *offset,
	       __u64 *size)
{
	return block_request(pool, CKREMM_IOC_PIN, block, offset, size);
}

int ckremm_unpin(struct ckremm_pool *pool, __u64 block)
{
	return block_request(pool, CKREMM_IOC_UNPIN, block, NULL, NULL);
}

int ckremm_locate(struct ckremm_pool *pool, __u64 block, __u64 *offset,
		  __u64 *size)
{
	return block_request(pool, CKREMM_IOC_LOCATE, block, offset, size);
}

/*
 * One ALLOC_BATCH or FREE_BATCH (@size and @align 0) of @count blocks.
 * Only ALLOC_BATCH writes @blocks: FREE_BATCH callers cast away const.
 */
static int batch_request(struct ckremm_pool *pool, unsigned long request,
			 __u64 size, __u64 align, __u64 *blocks,
			 unsigned int count)
{
	struct ckremm_batch b = {
		.pool = pool->id, .count = count, .size = size,
		.align = align, .blocks = user_ptr(blocks),
	};

	return ioc(pool->fd, request, &b);
}

int ckremm_alloc_batch(struct ckremm_pool *pool, __u64 size, __u64 align,
		       __u64 *blocks, unsigned int count)
{
	return batch_request(pool, CKREMM_IOC_ALLOC_BATCH, size, align,
			     blocks, count);
}

int ckremm_free_batch(struct ckremm_pool *pool, const __u64 *blocks,
		      unsigned int count)
{
	return batch_request(pool, CKREMM_IOC_FREE_BATCH, 0, 0,
			     (__u64 *)blocks, count);
}

/*
 * ALLOC_BATCH or FREE_BATCH over @count blocks, CKREMM_BATCH_MAX at a
 * time, up to the first refusal; the blocks done go to *@done.
 */
static int in_batches(struct ckremm_pool *pool, unsigned long request,
		      __u64 size, __u64 align, __u64 *blocks, size_t count,
		      size_t *done)
{
	int ret = 0;

	*done = 0;
	while (*done < count) {
		size_t left = count - *done;
		unsigned int n = left > CKREMM_BATCH_MAX ?
				 CKREMM_BATCH_MAX : (unsigned int)left;

		ret = batch_request(pool, request, size, align,
				    blocks + *done, n);
		if (ret)
			break;
		*done += n;
	}
	return ret;
}

int ckremm_alloc_many(struct ckremm_pool *pool, __u64 size, __u64 align,
		      __u64 *blocks, size_t count)
{
	size_t done;
	int ret = in_batches(pool, CKREMM_IOC_ALLOC_BATCH, size, align,
			     blocks, count, &done);

	if (ret)
		/* Best effort: the pool just handed these blocks out. */
		ckremm_free_many(pool, blocks, done, NULL);
	return ret;
}

int ckremm_free_many(struct ckremm_pool *pool, const __u64 *blocks,
		     size_t count, size_t *freed)
{
	size_t done;
	int ret = in_batches(pool, CKREMM_IOC_FREE_BATCH, 0, 0,
			     (__u64 *)blocks, count, &done);

	if (freed)
		*freed = done;
	return ret;
}

/* READ or WRITE of @len bytes at @pos in @block. */
static int rw_request(struct ckremm_pool *pool, unsigned long request,
		      __u64 block, __u64 pos, const void *buf, __u64 len)
{
	struct ckremm_rw rw = {
		.pool = pool->id, .block = block, .pos = pos, .len = len,
		.buf = user_ptr(buf),
	};

	return ioc(pool->fd, request, &rw);
}

int ckremm_read(struct ckremm_pool *pool, __u64 block, __u64 pos,
		void *buf, __u64 len)
{
	return rw_request(pool, CKREMM_IOC_READ, block, pos, buf, len);
}

int ckremm_write(struct ckremm_pool *pool, __u64 block, __u64 pos,
		 const void *buf, __u64 len)
{
	return rw_request(pool, CKREMM_IOC_WRITE, block, pos, buf, len);
}

int ckremm_realloc(struct ckremm_pool *pool, __u64 block, __u64 size,
		   __u64 *new_block)
{
	struct ckremm_realloc r = {
		.pool = pool->id, .block = block, .size = size,
	};
	int ret = ckremm_ioc_realloc(pool->fd, &r);

	if (!ret && new_block)
		*new_block = r.new_block;
	return ret;
}

int ckremm_copy(struct ckremm_pool *pool, __u64 dst, __u64 src)
{
	struct ckremm_copy c = { .pool = pool->id, .dst = dst, .src = src };

	return ckremm_ioc_copy(pool->fd, &c);
}

int ckremm_reorder(struct ckremm_pool *pool, struct ckremm_reorder *out)
{
	struct ckremm_reorder r = { .pool = pool->id };
	int ret = ckremm_ioc_reorder(pool->fd, &r);

	if (!ret && out)
		*out = r;
	return ret;
}

int ckremm_stats(struct ckremm_pool *pool, struct ckremm_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->pool = pool->id;
	return ckremm_ioc_stats(pool->fd, out);
}

int ckremm_validate(struct ckremm_pool *pool, struct ckremm_validate *out)
{
	struct ckremm_validate v = { .pool = pool->id };
	int ret = ckremm_ioc_validate(pool->fd, &v);

	if (out)
		*out = v;
	if (ret)
		return ret;
	if (v.status > 0)	/* not an errno: treat as a failed check */
		return -EUCLEAN;
	return v.status;
}

int ckremm_list(int fd, struct ckremm_list_entry **entries, size_t *count)
{
	struct ckremm_list_entry *buf = NULL;
	__u32 room = LIST_FIRST_ROOM;

	for (;;) {
		struct ckremm_list_entry *grown;
		struct ckremm_list l = { .count = room };
		int ret;

		grown = realloc(buf, (size_t)room * sizeof(*buf));
		if (!grown) {
			free(buf);
			return -ENOMEM;
		}
		buf = grown;
		memset(buf, 0, (size_t)room * sizeof(*buf));
		l.entries = user_ptr(buf);
		ret = ckremm_ioc_list(fd, &l);
		if (ret) {
			free(buf);
			return ret;
		}
		if (l.count <= room) {
			if (!l.count) {
				free(buf);
				buf = NULL;
			}
			*entries = buf;
			*count = l.count;
			return 0;
		}
		/* More pools than room: ask again with slack for newcomers. */
		room = l.count + l.count / 4 + 1;
	}
}

int ckremm_walk(struct ckremm_pool *pool, ckremm_walk_fn fn, void *ctx)
{
	struct ckremm_extent chunk[WALK_CHUNK];
	__u64 cursor = 0;

	do {
		struct ckremm_walk w = {
			.pool = pool->id, .count = WALK_CHUNK,
			.cursor = cursor, .entries = user_ptr(chunk),
		};
		int ret = ckremm_ioc_walk(pool->fd, &w);

		if (ret)
			return ret;
		/* More than asked for, or a cursor that does not advance
		 * (which would loop for ever): the module is confused. */
		if (w.count > WALK_CHUNK ||
		    (w.cursor != CKREMM_WALK_END && w.cursor <= cursor))
			return -EIO;
		for (__u32 i = 0; i < w.count; i++) {
			ret = fn(&chunk[i], ctx);
			if (ret)
				return ret;
		}
		cursor = w.cursor;
	} while (cursor != CKREMM_WALK_END);
	return 0;
}

struct extent_vec {
	struct ckremm_extent *v;
	size_t len;
	size_t cap;
};

static int collect_extent(const struct ckremm_extent *e, void *ctx)
{
	struct extent_vec *vec = ctx;

	if (vec->len == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 64;
		struct ckremm_extent *v = realloc(vec->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->len++] = *e;
	return 0;
}

int ckremm_walk_all(struct ckremm_pool *pool, struct ckremm_extent **extents,
		    size_t *count)
{
	struct extent_vec vec = { 0 };
	int ret = ckremm_walk(pool, collect_extent, &vec);

	if (ret) {
		free(vec.v);
		return ret;
	}
	*extents = vec.v;
	*count = vec.len;
	return 0;
}

struct block_query {
	__u64 offset;
	__u64 size;
	bool found;
};

static int match_block(const struct ckremm_extent *e, void *ctx)
{
	struct block_query *q = ctx;

	if (e->offset > q->offset)
		return 1;	/* walked past it */
	if ((e->flags & CKREMM_EXTENT_USED) && e->offset + e->meta == q->offset
	    && e->size >= e->meta) {
		q->size = e->size - e->meta;
		q->found = true;
		return 1;
	}
	return 0;
}

int ckremm_block_size(struct ckremm_pool *pool, __u64 block, __u64 *size)
{
	struct block_query q = { .offset = block };
	int ret;

	if (ckremm_pool_by_handle(pool))
		return ckremm_locate(pool, block, NULL, size);
	ret = ckremm_walk(pool, match_block, &q);

	if (ret < 0)
		return ret;
	if (!q.found)
		return -EINVAL;
	*size = q.size;
	return 0;
}

int ckremm_map_arena(struct ckremm_pool *pool, const void **view)
{
	void *p;

	if (!pool->arena_size)
		return -EINVAL;
	p = mmap(NULL, pool->arena_size, PROT_READ, MAP_SHARED, pool->fd,
		 (off_t)pool->mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	*view = p;
	return 0;
}

int ckremm_unmap_arena(struct ckremm_pool *pool, const void *view)
{
	return munmap((void *)view, pool->arena_size) ? -errno : 0;
}

/* The garbage collector of a table pool */

int ckremm_gc_attach(struct ckremm_pool *pool,
		     const struct ckremm_gc_setup *setup)
{
	struct ckremm_gc_setup g = { 0 };

	if (setup)
		g = *setup;
	g.pool = pool->id;
	return ckremm_ioc_gc_attach(pool->fd, &g);
}

int ckremm_gc_type(struct ckremm_pool *pool, const __u64 *map,
		   __u32 words, __u32 flags, __u32 *type)
{
	struct ckremm_gc_layout l = {
		.pool = pool->id, .flags = flags, .words = words,
		.map = user_ptr(map),
	};
	int ret = ckremm_ioc_gc_type(pool->fd, &l);

	if (!ret)
		*type = l.type;
	return ret;
}

int ckremm_gc_alloc(struct ckremm_pool *pool, __u64 size, __u32 type,
		    __u32 flags, __u32 slot, __u64 *handle)
{
	struct ckremm_gc_object o = {
		.pool = pool->id, .flags = flags, .size = size, .type = type,
		.slot = slot,
	};
	int ret = ckremm_ioc_gc_alloc(pool->fd, &o);

	if (!ret)
		*handle = o.handle;
	return ret;
}

int ckremm_gc_root_set(struct ckremm_pool *pool, __u32 slot, __u64 handle)
{
	struct ckremm_gc_slot s = {
		.pool = pool->id, .slot = slot, .handle = handle,
	};

	return ckremm_ioc_gc_root_set(pool->fd, &s);
}

int ckremm_gc_root_get(struct ckremm_pool *pool, __u32 slot, __u64 *handle)
{
	struct ckremm_gc_slot s = { .pool = pool->id, .slot = slot };
	int ret = ckremm_ioc_gc_root_get(pool->fd, &s);

	if (!ret)
		*handle = s.handle;
	return ret;
}

/* GC_STEP or GC_COLLECT, its result into @out if not NULL. */
static int gc_work(struct ckremm_pool *pool, unsigned long request,
		   __u64 budget, struct ckremm_gc_work *out)
{
	struct ckremm_gc_work w = { .pool = pool->id, .budget = budget };
	int ret = ioc(pool->fd, request, &w);

	if (!ret && out)
		*out = w;
	return ret;
}

int ckremm_gc_step(struct ckremm_pool *pool, __u64 budget,
		   struct ckremm_gc_work *out)
{
	return gc_work(pool, CKREMM_IOC_GC_STEP, budget, out);
}

int ckremm_gc_collect(struct ckremm_pool *pool, struct ckremm_gc_work *out)
{
	return gc_work(pool, CKREMM_IOC_GC_COLLECT, 0, out);
}

int ckremm_gc_stats(struct ckremm_pool *pool, struct ckremm_gc_figures *out)
{
	struct ckremm_gc_figures f = { .pool = pool->id };
	int ret = ckremm_ioc_gc_stats(pool->fd, &f);

	if (!ret)
		*out = f;
	return ret;
}

const char *ckremm_gc_phase_name(__u32 phase)
{
	static const char *const names[] = {
		[CKREMM_GC_PHASE_IDLE] = "idle",
		[CKREMM_GC_PHASE_MARK] = "mark",
		[CKREMM_GC_PHASE_SWEEP] = "sweep",
		[CKREMM_GC_PHASE_COMPACT] = "compact",
	};

	return phase < sizeof(names) / sizeof(names[0]) ? names[phase] :
							  "unknown";
}

/* The pager of a table pool */

int ckremm_pager_attach(struct ckremm_pool *pool,
			const struct ckremm_pager_setup *setup)
{
	struct ckremm_pager_setup g = { 0 };

	if (setup)
		g = *setup;
	g.pool = pool->id;
	return ckremm_ioc_pager_attach(pool->fd, &g);
}

int ckremm_pager_detach(struct ckremm_pool *pool)
{
	struct ckremm_pool_ref r = { .pool = pool->id };

	return ckremm_ioc_pager_detach(pool->fd, &r);
}

int ckremm_pager_purge(struct ckremm_pool *pool, __u64 keep_bytes,
		       __u64 budget, __u64 *purged)
{
	struct ckremm_pager_purge p = {
		.pool = pool->id, .keep_bytes = keep_bytes, .budget = budget,
	};
	int ret = ckremm_ioc_pager_purge(pool->fd, &p);

	if (!ret && purged)
		*purged = p.purged_bytes;
	return ret;
}

int ckremm_pager_stats(struct ckremm_pool *pool,
		       struct ckremm_pager_figures *out)
{
	struct ckremm_pager_figures f = { .pool = pool->id };
	int ret = ckremm_ioc_pager_stats(pool->fd, &f);

	if (!ret)
		*out = f;
	return ret;
}
