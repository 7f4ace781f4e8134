/*
 * shstats.c - see shstats.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/shstats.h"

#define SHSTATS_MAGIC 0x76677374u   /* "vgst" */
#define HDR_SIZE 64                 /* records start here */
#define READ_TRIES 40      /* x 50 us: at most 2 ms before giving up (a writer that
			      died mid-update leaves the number odd until it is back) */

struct hdr {
	uint32_t magic;
	uint32_t kind;
	uint32_t rec_size;
	uint32_t n;                 /* records in the last update */
	uint32_t seq;               /* odd while the writer copies */
	int32_t pid;
	int64_t written_ms;
};

struct shstats_w {
	char *path;
	uint32_t kind;
	size_t rec_size;
	size_t cap;                 /* records the mapping holds */
	void *map;
	size_t map_len;
};

struct shstats_r {
	char *path;
	uint32_t kind;
	size_t rec_size;
	void *map;
	size_t map_len;
	dev_t dev;
	ino_t ino;
	void *buf;
	size_t buf_cap;
};

/* ---- writer ------------------------------------------------------------------ */

/* A new file for `cap` records, renamed over the path: readers of the old
 * one keep a valid mapping. */
static int w_remake(struct shstats_w *w, size_t cap)
{
	size_t len = HDR_SIZE + cap * w->rec_size;
	char tmp[4096];
	struct hdr *h;
	void *map;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", w->path, (int)getpid());
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	/* 0644 whatever the umask: mgmt reads it as another user */
	if (fchmod(fd, 0644) < 0 || ftruncate(fd, (off_t)len) < 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		unlink(tmp);
		return -1;
	}
	h = map;
	h->magic = SHSTATS_MAGIC;
	h->kind = w->kind;
	h->rec_size = (uint32_t)w->rec_size;
	h->pid = (int32_t)getpid();
	/* odd: readers wait for the first update rather than read an empty one */
	h->seq = 1;
	if (rename(tmp, w->path) < 0) {
		munmap(map, len);
		unlink(tmp);
		return -1;
	}
	if (w->map)
		munmap(w->map, w->map_len);
	w->map = map;
	w->map_len = len;
	w->cap = cap;
	return 0;
}

struct shstats_w *shstats_w_open(const char *path, uint32_t kind, size_t rec_size)
{
	struct shstats_w *w = calloc(1, sizeof(*w));

	if (!w || !(w->path = strdup(path))) {
		free(w);
		return NULL;
	}
	w->kind = kind;
	w->rec_size = rec_size;
	if (w_remake(w, 0) < 0) {
		int e = errno;

		free(w->path);
		free(w);
		errno = e;
		return NULL;
	}
	return w;
}

void *shstats_w_begin(struct shstats_w *w, size_t n)
{
	struct hdr *h;

	if (n > w->cap || n < w->cap / 4) {
		/* room for some growth, so that a reload adding instances
		 * does not remake the file each time */
		if (w_remake(w, n + n / 4 + 1) < 0)
			return NULL;
	}
	h = w->map;
	if (!(h->seq & 1))
		__atomic_store_n(&h->seq, h->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	h->n = (uint32_t)n;
	return (char *)w->map + HDR_SIZE;
}

void shstats_w_end(struct shstats_w *w, int64_t now_ms)
{
	struct hdr *h = w->map;

	h->written_ms = now_ms;
	__atomic_store_n(&h->seq, h->seq + 1, __ATOMIC_RELEASE);
}

void shstats_w_close(struct shstats_w *w, int unlink_file)
{
	if (!w)
		return;
	if (w->map)
		munmap(w->map, w->map_len);
	if (unlink_file)
		unlink(w->path);
	free(w->path);
	free(w);
}

/* ---- reader ------------------------------------------------------------------ */

struct shstats_r *shstats_r_new(const char *path, uint32_t kind, size_t rec_size)
{
	struct shstats_r *r = calloc(1, sizeof(*r));

	if (!r || !(r->path = strdup(path))) {
		free(r);
		return NULL;
	}
	r->kind = kind;
	r->rec_size = rec_size;
	return r;
}

static void r_unmap(struct shstats_r *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
	r->map_len = 0;
}

/* Map the file at the path when it is another one than the mapped one. */
static int r_map(struct shstats_r *r)
{
	struct stat st;
	void *map;
	int fd;

	if (stat(r->path, &st) < 0) {
		r_unmap(r);
		return -1;
	}
	if (r->map && st.st_dev == r->dev && st.st_ino == r->ino)
		return 0;
	r_unmap(r);
	fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size < HDR_SIZE) {
		close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	r->map = map;
	r->map_len = (size_t)st.st_size;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	return 0;
}

ssize_t shstats_r_read(struct shstats_r *r, const void **recs, int64_t *written_ms, pid_t *pid)
{
	const struct hdr *h;

	if (r_map(r) < 0)
		return -1;
	h = r->map;
	if (h->magic != SHSTATS_MAGIC || h->kind != r->kind || h->rec_size != r->rec_size) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < READ_TRIES; i++) {
		errno = EBUSY;
		uint32_t s1 = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE), s2;
		size_t n = h->n, len = n * r->rec_size;
		int64_t at = h->written_ms;
		int32_t who = h->pid;

		if (s1 & 1) {
			usleep(50);
			continue;
		}
		if (HDR_SIZE + len > r->map_len) {
			errno = EINVAL;
			return -1;
		}
		if (len > r->buf_cap) {
			void *b = realloc(r->buf, len);

			if (!b)
				return -1;
			r->buf = b;
			r->buf_cap = len;
		}
		if (len)
			memcpy(r->buf, (const char *)r->map + HDR_SIZE, len);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&h->seq, __ATOMIC_RELAXED);
		if (s1 != s2)
			continue;
		errno = 0;
		*recs = r->buf;
		if (written_ms)
			*written_ms = at;
		if (pid)
			*pid = who;
		return (ssize_t)n;
	}
	errno = EBUSY;
	return -1;
}

void shstats_r_free(struct shstats_r *r)
{
	if (!r)
		return;
	r_unmap(r);
	free(r->buf);
	free(r->path);
	free(r);
}
