/*
 * test_shstats.c - records one process publishes and another reads through
 * a shared file mapping (core/shstats): what a reader gets after each
 * update, the file remade when the record count grows or shrinks a lot (a
 * reader follows it to the new inode), a missing file or another layout
 * refused, and - with a writer process rewriting the records as fast as it
 * can - never a read that mixes two updates (the seqlock).
 *
 * Real files in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/shstats.h"

#define KIND 0x74730001u

struct rec {
	uint64_t a, b, c, d;
	char tag[16];
};

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vigil-shstats-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/live", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fill(struct rec *r, size_t n, uint64_t base)
{
	for (size_t i = 0; i < n; i++) {
		r[i].a = base + i;
		r[i].b = (base + i) * 3;
		r[i].c = ~(base + i);
		r[i].d = base;
		memset(r[i].tag, 0, sizeof(r[i].tag));
		snprintf(r[i].tag, sizeof(r[i].tag), "r%zu-%llu", i, (unsigned long long)base);
	}
}

/* One update of `n` records made by fill(base), stamped `at`. */
static void publish(struct shstats_w *w, size_t n, uint64_t base, int64_t at)
{
	struct rec *p = shstats_w_begin(w, n);

	assert_non_null(p);
	fill(p, n, base);
	shstats_w_end(w, at);
}

/* The reader gets exactly what fill(base) makes, n records, stamped `at`,
 * from this process. */
static void expect_read(struct shstats_r *r, size_t n, uint64_t base, int64_t at)
{
	struct rec *want = calloc(n ? n : 1, sizeof(*want));
	const void *recs = NULL;
	int64_t written = -1;
	pid_t pid = 0;

	assert_non_null(want);
	fill(want, n, base);
	assert_int_equal(shstats_r_read(r, &recs, &written, &pid), (ssize_t)n);
	if (n) {
		assert_non_null(recs);
		assert_memory_equal(recs, want, n * sizeof(*want));
	}
	assert_int_equal(written, at);
	assert_int_equal(pid, getpid());
	free(want);
}

static ino_t inode_of(const char *path, off_t *size)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	if (size)
		*size = st.st_size;
	return st.st_ino;
}

/* ---- publish and read ------------------------------------------------------ */

static void test_reader_gets_what_the_writer_published(void **state)
{
	struct fixture *f = *state;
	struct shstats_w *w = shstats_w_open(f->path, KIND, sizeof(struct rec));
	struct shstats_r *r = shstats_r_new(f->path, KIND, sizeof(struct rec));
	const void *recs;
	ino_t ino;

	assert_non_null(w);
	assert_non_null(r);
	/* the file exists at once */
	assert_int_equal(access(f->path, R_OK), 0);

	publish(w, 5, 100, 1700000000123);
	expect_read(r, 5, 100, 1700000000123);
	/* reading again without an update gives the same */
	expect_read(r, 5, 100, 1700000000123);
	ino = inode_of(f->path, NULL);

	/* a second update with other values and another time is seen */
	publish(w, 5, 9000, 1700000001123);
	expect_read(r, 5, 9000, 1700000001123);
	/* fewer records (not so few that the file is remade): exactly those */
	publish(w, 3, 42, 1700000002123);
	expect_read(r, 3, 42, 1700000002123);
	assert_int_equal(inode_of(f->path, NULL), ino);

	/* written_ms and pid may be left out */
	assert_int_equal(shstats_r_read(r, &recs, NULL, NULL), 3);

	shstats_r_free(r);
	shstats_w_close(w, 1);
	assert_int_equal(access(f->path, F_OK), -1);     /* unlink_file removes it */
}

static void test_readers_are_independent(void **state)
{
	struct fixture *f = *state;
	struct shstats_w *w = shstats_w_open(f->path, KIND, sizeof(struct rec));
	struct shstats_r *r1 = shstats_r_new(f->path, KIND, sizeof(struct rec));
	struct shstats_r *r2 = shstats_r_new(f->path, KIND, sizeof(struct rec));

	publish(w, 4, 7, 11);
	expect_read(r1, 4, 7, 11);
	expect_read(r2, 4, 7, 11);
	publish(w, 4, 8, 12);
	expect_read(r2, 4, 8, 12);
	expect_read(r1, 4, 8, 12);
	shstats_r_free(r1);
	shstats_r_free(r2);
	/* close without unlink: the last update stays readable */
	shstats_w_close(w, 0);
	r1 = shstats_r_new(f->path, KIND, sizeof(struct rec));
	expect_read(r1, 4, 8, 12);
	shstats_r_free(r1);
}

/* ---- the file remade -------------------------------------------------------- */

static void test_growing_remakes_the_file_and_readers_follow(void **state)
{
	struct fixture *f = *state;
	struct shstats_w *w = shstats_w_open(f->path, KIND, sizeof(struct rec));
	struct shstats_r *r = shstats_r_new(f->path, KIND, sizeof(struct rec));
	struct rec *p, zero;
	ino_t before, after;
	off_t size_before, size_after;

	publish(w, 4, 1, 1000);
	expect_read(r, 4, 1, 1000);                   /* r has the small file mapped */
	before = inode_of(f->path, &size_before);

	/* far beyond what the file holds */
	p = shstats_w_begin(w, 200);
	assert_non_null(p);
	after = inode_of(f->path, &size_after);
	assert_true(after != before);                 /* a new file renamed over */
	assert_true(size_after >= (off_t)(200 * sizeof(struct rec)));
	/* a remade file's records start zeroed */
	memset(&zero, 0, sizeof(zero));
	for (size_t i = 0; i < 200; i++)
		assert_memory_equal(&p[i], &zero, sizeof(zero));
	fill(p, 200, 5000);
	shstats_w_end(w, 2000);

	/* the reader that mapped the old file notices the new inode */
	expect_read(r, 200, 5000, 2000);
	/* and keeps following updates of the new file */
	publish(w, 190, 6000, 3000);
	expect_read(r, 190, 6000, 3000);
	assert_int_equal(inode_of(f->path, NULL), after);   /* within capacity: same file */

	shstats_r_free(r);
	shstats_w_close(w, 1);
}

static void test_shrinking_a_lot_remakes_the_file(void **state)
{
	struct fixture *f = *state;
	struct shstats_w *w = shstats_w_open(f->path, KIND, sizeof(struct rec));
	struct shstats_r *r = shstats_r_new(f->path, KIND, sizeof(struct rec));
	ino_t big, small;
	off_t big_size, small_size;

	publish(w, 400, 10, 1);
	expect_read(r, 400, 10, 1);
	big = inode_of(f->path, &big_size);

	publish(w, 2, 20, 2);
	small = inode_of(f->path, &small_size);
	assert_true(small != big);
	assert_true(small_size < big_size / 10);      /* the space is given back */
	expect_read(r, 2, 20, 2);

	/* and it can grow again */
	publish(w, 300, 30, 3);
	assert_true(inode_of(f->path, NULL) != small);
	expect_read(r, 300, 30, 3);

	shstats_r_free(r);
	shstats_w_close(w, 1);
}

static void test_zero_records_after_some(void **state)
{
	struct fixture *f = *state;
	struct shstats_w *w = shstats_w_open(f->path, KIND, sizeof(struct rec));
	struct shstats_r *r = shstats_r_new(f->path, KIND, sizeof(struct rec));

	publish(w, 10, 1, 1);
	expect_read(r, 10, 1, 1);
	/* every instance gone after a reload: an update of no records */
	assert_non_null(shstats_w_begin(w, 0));
	shstats_w_end(w, 2);
	expect_read(r, 0, 0, 2);
	publish(w, 1, 5, 3);
	expect_read(r, 1, 5, 3);
	shstats_r_free(r);
	shstats_w_close(w, 1);
}

/* ---- no file, another layout ------------------------------------------------ */

static void test_missing_file_then_writer_appears(void **state)
{
	struct fixture *f = *state;
	struct shstats_r *r = shstats_r_new(f->path, KIND, sizeof(struct rec));
	struct shstats_w *w;
	const void *recs;

	assert_non_null(r);
	assert_int_equal(shstats_r_read(r, &recs, NULL, NULL), -1);
	assert_int_equal(shstats_r_read(r, &recs, NULL, NULL), -1);

	w = shstats_w_open(f->path, KIND, sizeof(struct rec));
	assert_non_null(w);
	publish(w, 3, 77, 123);
	expect_read(r, 3, 77, 123);

	/* the writer goes away and removes its file: no records any more */
	shstats_w_close(w, 1);
	assert_int_equal(shstats_r_read(r, &recs, NULL, NULL), -1);

	/* a new writer (a restarted vrrp process) */
	w = shstats_w_open(f->path, KIND, sizeof(struct rec));
	publish(w, 2, 88, 456);
	expect_read(r, 2, 88, 456);
	shstats_w_close(w, 1);
	shstats_r_free(r);
}

static void test_another_layout_is_refused(void **state)
{
	struct fixture *f = *state;
	struct shstats_w *w = shstats_w_open(f->path, KIND, sizeof(struct rec));
	struct shstats_r *kind = shstats_r_new(f->path, KIND + 1, sizeof(struct rec));
	struct shstats_r *size = shstats_r_new(f->path, KIND, sizeof(struct rec) - 8);
	struct shstats_r *good = shstats_r_new(f->path, KIND, sizeof(struct rec));
	const void *recs;

	publish(w, 3, 1, 1);
	assert_int_equal(shstats_r_read(kind, &recs, NULL, NULL), -1);
	assert_int_equal(shstats_r_read(size, &recs, NULL, NULL), -1);
	expect_read(good, 3, 1, 1);
	/* still refused after more updates */
	publish(w, 3, 2, 2);
	assert_int_equal(shstats_r_read(kind, &recs, NULL, NULL), -1);
	assert_int_equal(shstats_r_read(size, &recs, NULL, NULL), -1);
	expect_read(good, 3, 2, 2);
	shstats_r_free(kind);
	shstats_r_free(size);
	shstats_r_free(good);
	shstats_w_close(w, 1);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_not_a_stats_file_is_refused(void **state)
{
	struct fixture *f = *state;
	struct shstats_r *r = shstats_r_new(f->path, KIND, sizeof(struct rec));
	char junk[4096];
	const void *recs;

	/* shorter than a header */
	write_file(f->path, "vigil", 5);
	assert_int_equal(shstats_r_read(r, &recs, NULL, NULL), -1);
	/* long enough, but something else */
	memset(junk, 'x', sizeof(junk));
	write_file(f->path, junk, sizeof(junk));
	assert_int_equal(shstats_r_read(r, &recs, NULL, NULL), -1);
	memset(junk, 0, sizeof(junk));
	write_file(f->path, junk, sizeof(junk));
	assert_int_equal(shstats_r_read(r, &recs, NULL, NULL), -1);
	shstats_r_free(r);
}

/* ---- the seqlock ------------------------------------------------------------- */

#define TORN_MAX 256          /* records per update: 256 * 48 bytes, a long copy */

/* Records of update v: TORN_MAX/2 .. TORN_MAX-1 of them, every field v. */
static size_t torn_count(uint64_t v)
{
	return TORN_MAX / 2 + (size_t)(v % (TORN_MAX / 2));
}

static void torn_fill(struct rec *p, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++) {
		p[i].a = p[i].b = p[i].c = p[i].d = v;
		memset(p[i].tag, (int)(v & 0x7f), sizeof(p[i].tag));
	}
}

static void __attribute__((noreturn)) torn_writer(const char *path)
{
	struct shstats_w *w = shstats_w_open(path, KIND, sizeof(struct rec));
	struct rec *p;
	uint64_t v = 0;

	if (!w)
		_exit(1);
	/* the largest update first, so the file never needs remaking */
	p = shstats_w_begin(w, TORN_MAX);
	if (!p)
		_exit(1);
	torn_fill(p, TORN_MAX, TORN_MAX - 1);
	shstats_w_end(w, TORN_MAX - 1);
	for (v = TORN_MAX;; v++) {
		size_t n = torn_count(v);
		uint64_t until;

		if (!(p = shstats_w_begin(w, n)))
			_exit(1);
		torn_fill(p, n, v);
		shstats_w_end(w, (int64_t)v);
		/* a few microseconds between updates (the real writer waits a
		 * second), else a reader would only ever find one half done */
		until = mono_ns() + 10000;
		while (mono_ns() < until)
			;
	}
}

struct torn_result {
	unsigned long reads, busy, changes;
	char why[200];            /* "" when every read was of one update */
};

/* Read for `ms` milliseconds, checking each read is of one update. */
static void torn_reads(struct shstats_r *r, pid_t writer, int ms, struct torn_result *res)
{
	int64_t end = mono_ms() + ms;
	uint64_t last = 0;

	/* until enough updates were seen to have raced the writer, however
	 * slow the machine (the bound only stops a writer that is stuck) */
	while (mono_ms() < end && res->changes < 50) {
		const struct rec *recs;
		const void *p;
		int64_t at = -1;
		pid_t pid = 0;
		ssize_t n = shstats_r_read(r, &p, &at, &pid);
		uint64_t v;

		res->reads++;
		if (n < 0) {
			res->busy++;      /* the writer kept it busy: allowed, not torn */
			continue;
		}
		recs = p;
		v = recs[0].a;
		/* the count, the time, the pid and every byte of every record
		 * are of one update */
		if ((size_t)n != torn_count(v) && !(v == TORN_MAX - 1 && n == TORN_MAX)) {
			snprintf(res->why, sizeof(res->why), "read %zd records of update %llu (which has %zu)",
				 n, (unsigned long long)v, torn_count(v));
			return;
		}
		if (at != (int64_t)v) {
			snprintf(res->why, sizeof(res->why), "records of update %llu stamped %lld",
				 (unsigned long long)v, (long long)at);
			return;
		}
		if (pid != writer) {
			snprintf(res->why, sizeof(res->why), "pid %d, not the writer's %d", (int)pid, (int)writer);
			return;
		}
		for (ssize_t i = 0; i < n; i++) {
			bool same = recs[i].a == v && recs[i].b == v && recs[i].c == v && recs[i].d == v;

			for (size_t k = 0; k < sizeof(recs[i].tag); k++)
				same = same && recs[i].tag[k] == (char)(v & 0x7f);
			if (!same) {
				snprintf(res->why, sizeof(res->why), "torn read: record 0 of update %llu, "
					 "record %zd holds %llu/%llu/%llu/%llu, tag byte %d",
					 (unsigned long long)v, i, (unsigned long long)recs[i].a,
					 (unsigned long long)recs[i].b, (unsigned long long)recs[i].c,
					 (unsigned long long)recs[i].d, recs[i].tag[0]);
				return;
			}
		}
		if (v < last) {
			snprintf(res->why, sizeof(res->why), "update %llu read after update %llu",
				 (unsigned long long)v, (unsigned long long)last);
			return;
		}
		res->changes += v != last;
		last = v;
	}
}

static void test_a_read_never_mixes_two_updates(void **state)
{
	struct fixture *f = *state;
	struct shstats_r *r = shstats_r_new(f->path, KIND, sizeof(struct rec));
	struct torn_result res = { 0 };
	int64_t end;
	pid_t child;
	int status;

	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		torn_writer(f->path);

	/* wait for the writer's first update */
	end = mono_ms() + 5000;
	for (;;) {
		const void *recs;

		if (shstats_r_read(r, &recs, NULL, NULL) > 0)
			break;
		if (mono_ms() > end) {
			snprintf(res.why, sizeof(res.why), "the writer process published nothing in 5 s");
			break;
		}
		usleep(1000);
	}
	if (!res.why[0])
		torn_reads(r, child, 20000, &res);

	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	shstats_r_free(r);
	if (res.why[0])
		fail_msg("%s", res.why);
	/* it was still writing when killed, not failed */
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	print_message("# %lu reads, %lu busy, %lu different updates seen\n",
		      res.reads, res.busy, res.changes);
	/* the writer really ran during the reads, and reads did succeed */
	assert_true(res.changes >= 10);
	assert_true(res.reads - res.busy >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reader_gets_what_the_writer_published, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readers_are_independent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growing_remakes_the_file_and_readers_follow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shrinking_a_lot_remakes_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_records_after_some, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_then_writer_appears, setup, teardown),
		cmocka_unit_test_setup_teardown(test_another_layout_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_stats_file_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_read_never_mixes_two_updates, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
