/*
 * store_bench.c - the program behind bench/store: what the state store's
 * writer thread sustains, and whether it disturbs the event loop's timers.
 *
 *   1. Throughput.  100 VRRP instances registered (STORE_VRRP_INSTANCE),
 *      then STORE_VRRP_STATE records put as fast as the writer takes them
 *      for a few seconds (the queue kept below a bound, so that the figure
 *      is what the writer sustains, not how fast malloc fills memory), then
 *      a flush.  Records/s and transactions/s over the whole window, flush
 *      included, from store_writer_stats().
 *
 *   2. Timer lateness.  A periodic timer in this process's event loop (the
 *      VRRP advert timer's stand-in: 10 ms, on a fixed grid of deadlines),
 *      lateness = the CLOCK_MONOTONIC time at which its callback starts
 *      minus its deadline, in three runs: no writer; a writer that is idle;
 *      a writer committing what the timer callback itself puts (N records
 *      per tick, as the engine would queue them).  Each run is cut into
 *      windows taken in turn (a, b, c, a, b, c, ...), so that what else the
 *      machine does at the time falls on all three alike; the loop thread's
 *      run-queue wait (schedstat) says how much of the lateness is a CPU
 *      that was busy.
 *
 * A benchmark: it prints figures and asserts nothing.  Exit status 0 when it
 * ran, 1 when it could not (a store that cannot be prepared, no memory).
 * Run it through bench/store, which builds it and makes the directories.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "store/store.h"
#include "store/store_writer.h"

struct opts {
	double tp_seconds;       /* throughput window */
	double timer_seconds;    /* each timer run, after the warm-up */
	double warmup_seconds;   /* timer ticks not counted, each window */
	unsigned rounds;         /* timer runs: interleaved windows per row */
	uint64_t period_ns;
	unsigned per_tick;       /* records put per tick in the storm run */
	unsigned instances;
	unsigned backlog;        /* throughput run: most records queued at once */
	bool throughput, timer;
};

struct where {
	const char *label;       /* "tmpfs", "disk", ... */
	const char *dir;
};

static const char *const reasons[] = {
	"higher priority advert", "master down timer", "priority 0 advert", "preempt",
};

static char (*inst_names)[16];

static void die(const char *what)
{
	fprintf(stderr, "store_bench: %s\n", what);
	exit(1);
}

static double ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* ---- records ------------------------------------------------------------ */

static void put_instance(struct store_writer *w, unsigned k)
{
	struct store_rec *r = store_rec_new(STORE_VRRP_INSTANCE);

	if (!r)
		die("out of memory");
	store_rec_str(r, 0, inst_names[k]);
	store_rec_str(r, 1, "inet");
	store_rec_str(r, 2, k % 2 ? "eth1" : "eth0");
	r->i[0] = 1 + k % 255;
	r->i[1] = 3;
	r->i[2] = 100;
	store_writer_put(w, r);
}

/* The n-th state transition: instances in turn, BACKUP -> MASTER and back. */
static struct store_rec *state_rec(uint64_t n, unsigned instances)
{
	struct store_rec *r = store_rec_new(STORE_VRRP_STATE);
	unsigned k = (unsigned)(n % instances);
	bool up = (n / instances) % 2 == 0;
	char master[32];

	if (!r)
		die("out of memory");
	snprintf(master, sizeof(master), "192.0.2.%u", 1 + k % 250);
	store_rec_str(r, 0, inst_names[k]);
	store_rec_str(r, 1, up ? "BACKUP" : "MASTER");
	store_rec_str(r, 2, up ? "MASTER" : "BACKUP");
	store_rec_str(r, 3, reasons[n % (sizeof(reasons) / sizeof(reasons[0]))]);
	store_rec_str(r, 4, master);
	r->i[0] = up ? 150 : 100;
	return r;
}

/* A fresh store in dir/name, the instances registered and committed. */
static struct store_writer *open_writer(const char *dir, const char *name, unsigned instances,
					struct ev_loop *loop)
{
	struct store_retention keep = {
		.max_age_ms = (int64_t)STORE_KEEP_DAYS_DEFAULT * 24 * 3600 * 1000,
		.max_rows = STORE_KEEP_ROWS_DEFAULT,
	};
	char path[512], moved[512], err[STORE_ERRLEN];
	struct store_writer *w;

	snprintf(path, sizeof(path), "%s/%s/vigil.db", dir, name);
	if (store_prepare(path, moved, sizeof(moved), err, sizeof(err)) < 0) {
		fprintf(stderr, "store_bench: %s: %s\n", path, err);
		exit(1);
	}
	w = store_writer_new(path, loop, &keep, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "store_bench: %s: %s\n", path, err);
		exit(1);
	}
	store_writer_hold(w);
	store_writer_put(w, store_rec_new(STORE_VRRP_ABSENT));
	for (unsigned k = 0; k < instances; k++)
		put_instance(w, k);
	store_writer_release(w);
	if (store_writer_flush(w) < 0)
		die("registering the instances failed");
	return w;
}

/* Remove dir/name and the database files in it. */
static void remove_store(const char *dir, const char *name)
{
	static const char *const files[] = { "vigil.db", "vigil.db-wal", "vigil.db-shm", "vigil.db-journal" };
	char path[512];

	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		snprintf(path, sizeof(path), "%s/%s/%s", dir, name, files[k]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rmdir(path);
}

/* ---- CPU time of the writer thread ---------------------------------------- */

/* The writer is the only thread of this process besides the main one
 * (SQLite starts none): its tid, or 0. */
static pid_t writer_tid(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	pid_t self = getpid(), tid = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		long t = strtol(e->d_name, NULL, 10);

		if (t > 0 && t != self)
			tid = (pid_t)t;
	}
	closedir(d);
	return tid;
}

/* Nanoseconds the thread ran on a CPU (schedstat), 0 when unknown. */
static uint64_t thread_cpu_ns(pid_t tid)
{
	char path[64];
	unsigned long long run = 0;
	FILE *f;

	if (!tid)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &run) != 1)
		run = 0;
	fclose(f);
	return run;
}

static uint64_t self_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * EV_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static const char *fs_name(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf) < 0)
		return "?";
	switch ((unsigned long)sf.f_type) {
	case 0x01021994UL: return "tmpfs";
	case 0xEF53UL: return "ext4";
	case 0x58465342UL: return "xfs";
	case 0x9123683EUL: return "btrfs";
	case 0x794c7630UL: return "overlay";
	case 0x2fc12fc1UL: return "zfs";
	case 0x6969UL: return "nfs";
	default: return "other";
	}
}

/* ---- 1. throughput -------------------------------------------------------- */

static void throughput(const struct opts *o, const struct where *wh)
{
	struct store_writer_stats s0, s1, s;
	struct store_writer *w;
	uint64_t t0, t_stop, t_end, put = 0, peak = 0, done0, cpu0, cpu1, main0, main1;
	pid_t tid;

	w = open_writer(wh->dir, "throughput", o->instances, NULL);
	tid = writer_tid();
	store_writer_stats(w, &s0);
	done0 = s0.records + s0.failed;
	cpu0 = thread_cpu_ns(tid);
	main0 = self_cpu_ns();
	t0 = ev_monotonic_ns();
	t_stop = t0 + (uint64_t)(o->tp_seconds * 1e9);
	while (ev_monotonic_ns() < t_stop) {
		uint64_t queued;

		for (int k = 0; k < 100; k++)
			store_writer_put(w, state_rec(put++, o->instances));
		store_writer_stats(w, &s);
		queued = put - (s.records + s.failed - done0);
		if (queued > peak)
			peak = queued;
		while (queued >= o->backlog && ev_monotonic_ns() < t_stop) {
			struct timespec nap = { 0, 200 * 1000 };

			nanosleep(&nap, NULL);
			store_writer_stats(w, &s);
			queued = put - (s.records + s.failed - done0);
		}
	}
	t_stop = ev_monotonic_ns();
	store_writer_flush(w);
	t_end = ev_monotonic_ns();
	cpu1 = thread_cpu_ns(tid);
	main1 = self_cpu_ns();
	store_writer_stats(w, &s1);
	store_writer_free(w);
	remove_store(wh->dir, "throughput");

	double secs = ns_to_s(t_end - t0);
	uint64_t recs = s1.records - s0.records, txns = s1.transactions - s0.transactions;

	printf("%-6s %-6s %9" PRIu64 " %7.2f %11.0f %9.0f %9.1f %7.1f %7.0f %7.0f %7" PRIu64 " %6" PRIu64 "\n",
	       wh->label, fs_name(wh->dir), recs, secs, (double)recs / secs, (double)txns / secs,
	       txns ? (double)recs / (double)txns : 0.0, ns_to_s(t_end - t_stop) * 1e3,
	       tid ? 100.0 * (double)(cpu1 - cpu0) / (double)(t_end - t0) : -1.0,
	       100.0 * (double)(main1 - main0) / (double)(t_end - t0), peak,
	       s1.failed - s0.failed);
	fflush(stdout);
}

/* ---- 2. timer lateness ---------------------------------------------------- */

enum mode { NO_WRITER, IDLE_WRITER, STORM };

/* One table row: a mode (and for the storm, a database), its samples pooled
 * over the rounds. */
struct row {
	enum mode mode;
	const struct where *wh;          /* the database: idle and storm */
	char label[40];
	int64_t *late;                   /* ns, one per counted tick */
	size_t n_late;
	uint64_t *feed;                  /* ns: create + put of a tick's records (even ticks) */
	size_t n_feed;
	uint64_t put_max;                /* ns: the longest single store_writer_put (odd ticks) */
	uint64_t missed;                 /* deadlines skipped: a tick over a period late */
	uint64_t put, committed, txns;   /* records put, committed in the windows; transactions */
	uint64_t backlog_max;            /* most records still queued at a window's end */
	uint64_t flush_max;              /* ns: the longest flush of that backlog */
	uint64_t run_ns;                 /* the windows with their warm-ups, in all */
	uint64_t wcpu_ns;                /* the writer thread's CPU time in them */
	uint64_t rqwait_ns;              /* the loop thread's time runnable, not running */
};

/* One window of one row. */
struct seg {
	const struct opts *o;
	struct row *row;
	struct store_writer *w;
	struct ev_timer t;
	uint64_t deadline, ticks, warmup, total;
};

static void on_tick(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct seg *g = arg;
	struct row *r = g->row;
	uint64_t now = ev_monotonic_ns();
	bool counted = g->ticks >= g->warmup;

	if (counted)
		r->late[r->n_late++] = (int64_t)(now - g->deadline);
	if (r->mode == STORM) {
		/* Even ticks: the cost of feeding the store, as the engine
		 * would.  Odd ticks: each put timed alone (a lock wait). */
		if (g->ticks % 2 == 0) {
			uint64_t a = ev_monotonic_ns();

			for (unsigned k = 0; k < g->o->per_tick; k++)
				store_writer_put(g->w, state_rec(r->put++, g->o->instances));
			if (counted)
				r->feed[r->n_feed++] = ev_monotonic_ns() - a;
		} else {
			for (unsigned k = 0; k < g->o->per_tick; k++) {
				struct store_rec *rec = state_rec(r->put++, g->o->instances);
				uint64_t a = ev_monotonic_ns(), d;

				store_writer_put(g->w, rec);
				d = ev_monotonic_ns() - a;
				if (counted && d > r->put_max)
					r->put_max = d;
			}
		}
	}
	if (++g->ticks >= g->total) {
		ev_break(loop);
		return;
	}
	g->deadline += g->o->period_ns;
	now = ev_monotonic_ns();
	while (g->deadline + g->o->period_ns <= now) {
		g->deadline += g->o->period_ns;
		if (g->ticks >= g->warmup)
			r->missed++;
	}
	ev_timer_start_at(loop, t, g->deadline);
}

/* Nanoseconds this (the loop's) thread waited runnable for a CPU. */
static uint64_t self_rqwait_ns(void)
{
	unsigned long long run, wait = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)getpid());
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &run, &wait) != 2)
		wait = 0;
	fclose(f);
	return wait;
}

/* One window for row r: a warm-up, then `seconds` of counted ticks, each
 * storm window on a fresh database (removed after it).  The store's
 * figures (rates, CPU) cover the warm-up too; the lateness does not. */
static void segment(const struct opts *o, struct row *r, double seconds, unsigned round)
{
	struct seg g = { .o = o, .row = r };
	struct store_writer_stats s0 = { 0 }, s1 = { 0 };
	struct ev_loop *loop = ev_loop_new();
	uint64_t t0, t_end, cpu0 = 0, cpu1 = 0, rq0, rq1, done, put0 = r->put;
	char name[32];
	pid_t tid = 0;

	if (!loop)
		die("cannot make an event loop");
	g.warmup = (uint64_t)(o->warmup_seconds * 1e9) / o->period_ns;
	g.total = g.warmup + (uint64_t)(seconds * 1e9) / o->period_ns;
	snprintf(name, sizeof(name), "%s-%u", r->mode == STORM ? "storm" : "idle", round);
	if (r->mode != NO_WRITER) {
		g.w = open_writer(r->wh->dir, name, o->instances, loop);
		tid = writer_tid();
		store_writer_stats(g.w, &s0);
		cpu0 = thread_cpu_ns(tid);
	}
	ev_timer_init(&g.t, on_tick, &g);
	rq0 = self_rqwait_ns();
	t0 = ev_monotonic_ns();
	g.deadline = t0 + o->period_ns;
	ev_timer_start_at(loop, &g.t, g.deadline);
	if (ev_run(loop) < 0)
		die("the event loop failed");
	t_end = ev_monotonic_ns();
	rq1 = self_rqwait_ns();
	if (g.w) {
		cpu1 = thread_cpu_ns(tid);
		store_writer_stats(g.w, &s1);
		done = s1.records + s1.failed - s0.records - s0.failed;
		if (r->put - put0 - done > r->backlog_max)
			r->backlog_max = r->put - put0 - done;
		r->committed += s1.records - s0.records;
		r->txns += s1.transactions - s0.transactions;
		r->wcpu_ns += cpu1 - cpu0;
		store_writer_flush(g.w);
		if (ev_monotonic_ns() - t_end > r->flush_max)
			r->flush_max = ev_monotonic_ns() - t_end;
		store_writer_free(g.w);
		remove_store(r->wh->dir, name);
	}
	r->rqwait_ns += rq1 - rq0;
	r->run_ns += t_end - t0;
	ev_loop_free(loop);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p of them at or below. */
static size_t rank(size_t n, double p)
{
	size_t k = (size_t)(p * (double)n + 0.999999);

	return k ? k - 1 : 0;
}

static double us(uint64_t ns)
{
	return (double)ns / 1e3;
}

static void timer_runs(const struct opts *o, const struct where *wh, size_t n_wh)
{
	size_t n_rows = 2 + n_wh;
	struct row *rows = calloc(n_rows, sizeof(*rows));
	uint64_t ticks_per_round = (uint64_t)(o->timer_seconds / o->rounds * 1e9) / o->period_ns;
	uint64_t cap = (ticks_per_round + 2) * o->rounds;

	if (!rows)
		die("out of memory");
	for (size_t k = 0; k < n_rows; k++) {
		struct row *r = &rows[k];

		r->mode = k == 0 ? NO_WRITER : k == 1 ? IDLE_WRITER : STORM;
		r->wh = k == 0 ? NULL : k == 1 ? &wh[0] : &wh[k - 2];
		if (k == 0)
			snprintf(r->label, sizeof(r->label), "a: no writer");
		else if (k == 1)
			snprintf(r->label, sizeof(r->label), "b: writer idle");
		else
			snprintf(r->label, sizeof(r->label), "c: storm, %s", r->wh->label);
		r->late = calloc(cap, sizeof(*r->late));
		r->feed = calloc(cap, sizeof(*r->feed));
		if (!r->late || !r->feed)
			die("out of memory");
	}
	/* Rounds: a, b, c... then again, so that whatever else the machine
	 * does falls on every row alike. */
	fflush(stdout);
	for (unsigned round = 0; round < o->rounds; round++)
		for (size_t k = 0; k < n_rows; k++)
			segment(o, &rows[k], o->timer_seconds / o->rounds, round);

	printf("%-16s %6s %7s %7s %7s %7s %8s %5s %7s\n",
	       "run", "ticks", "min", "p50", "p99", "p99.9", "max", "miss", "rqwait");
	for (size_t k = 0; k < n_rows; k++) {
		struct row *r = &rows[k];

		qsort(r->late, r->n_late, sizeof(*r->late), cmp_i64);
		printf("%-16s %6zu %7.1f %7.1f %7.1f %7.1f %8.1f %5" PRIu64 " %7.1f\n",
		       r->label, r->n_late, us((uint64_t)r->late[0]),
		       us((uint64_t)r->late[rank(r->n_late, 0.50)]),
		       us((uint64_t)r->late[rank(r->n_late, 0.99)]),
		       us((uint64_t)r->late[rank(r->n_late, 0.999)]),
		       us((uint64_t)r->late[r->n_late - 1]), r->missed,
		       r->n_late ? us(r->rqwait_ns) / (double)r->n_late : 0.0);
	}
	printf("\n(lateness in us; miss: deadlines skipped, a tick more than one period late;\n"
	       " rqwait: us per tick the loop's thread waited runnable for a CPU, mean)\n\n");

	printf("%-16s %9s %9s %7s %6s %8s %7s %6s %7s %7s %7s\n",
	       "storm", "put/s", "commit/s", "txn/s", "r/txn", "backlog", "flushms",
	       "wcpu%", "feed50", "feedmx", "putmx");
	for (size_t k = 2; k < n_rows; k++) {
		struct row *r = &rows[k];
		double secs = ns_to_s(r->run_ns);

		qsort(r->feed, r->n_feed, sizeof(*r->feed), cmp_u64);
		printf("%-16s %9.0f %9.0f %7.1f %6.0f %8" PRIu64 " %7.1f %6.1f %7.0f %7.0f %7.1f\n",
		       r->label, (double)r->put / secs, (double)r->committed / secs,
		       (double)r->txns / secs, r->txns ? (double)r->committed / (double)r->txns : 0.0,
		       r->backlog_max, ns_to_s(r->flush_max) * 1e3,
		       100.0 * (double)r->wcpu_ns / (double)r->run_ns,
		       r->n_feed ? us(r->feed[rank(r->n_feed, 0.50)]) : 0.0,
		       r->n_feed ? us(r->feed[r->n_feed - 1]) : 0.0, us(r->put_max));
	}
	printf("\n(per second of the windows, warm-ups included; backlog: most records\n"
	       " still queued at a window's end; flushms: the longest flush of it, ms\n"
	       " (outside the windows); wcpu%%: the writer thread's CPU time, %% of one\n"
	       " core; feed50/feedmx: us the callback spent making and putting its %u\n"
	       " records, p50 and max (even ticks); putmx: the longest single\n"
	       " store_writer_put, us (odd ticks, each put timed alone: a wait for the\n"
	       " writer's lock))\n", o->per_tick);
	for (size_t k = 0; k < n_rows; k++) {
		free(rows[k].late);
		free(rows[k].feed);
	}
	free(rows);
}

/* ---- main ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: store_bench [OPTION]... LABEL=DIR...\n"
		"The state store's writer: records/s it sustains, and the lateness of a\n"
		"periodic timer in the same event loop with no writer, an idle one, and one\n"
		"committing what the timer puts.  One fresh database per run under each DIR\n"
		"(LABEL names it in the tables: tmpfs, disk).\n\n"
		"  --seconds S        throughput window (default 5)\n"
		"  --timer-seconds S  each timer run, in all (default 20)\n"
		"  --rounds N         ... in N windows, interleaved with the other runs'\n"
		"                     (default 10); each window after a 0.2 s warm-up\n"
		"  --period-ms MS     the timer's period (default 10)\n"
		"  --per-tick N       records the timer puts per tick in the storm run (default 1000)\n"
		"  --instances N      VRRP instances registered (default 100)\n"
		"  --backlog N        throughput run: most records queued at once (default 50000)\n"
		"  --only WHAT        throughput or timer\n");
}

static double num(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, "store_bench: %s: '%s' is not a number in [%g, %g]\n", opt, s, lo, hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "timer-seconds", required_argument, NULL, 't' },
		{ "period-ms", required_argument, NULL, 'p' },
		{ "per-tick", required_argument, NULL, 'n' },
		{ "instances", required_argument, NULL, 'i' },
		{ "backlog", required_argument, NULL, 'b' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.tp_seconds = 5, .timer_seconds = 20, .warmup_seconds = 0.2, .rounds = 10,
		.period_ns = 10 * EV_NSEC_PER_MSEC, .per_tick = 1000, .instances = 100,
		.backlog = 50000, .throughput = true, .timer = true,
	};
	struct where *wh;
	size_t n_wh = 0;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o.tp_seconds = num("--seconds", optarg, 0.1, 3600); break;
		case 't': o.timer_seconds = num("--timer-seconds", optarg, 0.1, 3600); break;
		case 'p': o.period_ns = (uint64_t)(num("--period-ms", optarg, 0.1, 10000) * 1e6); break;
		case 'n': o.per_tick = (unsigned)num("--per-tick", optarg, 1, 1e6); break;
		case 'i': o.instances = (unsigned)num("--instances", optarg, 1, 1e5); break;
		case 'b': o.backlog = (unsigned)num("--backlog", optarg, 100, 1e8); break;
		case 'r': o.rounds = (unsigned)num("--rounds", optarg, 1, 1000); break;
		case 'o':
			o.throughput = strcmp(optarg, "throughput") == 0;
			o.timer = strcmp(optarg, "timer") == 0;
			if (!o.throughput && !o.timer) {
				fprintf(stderr, "store_bench: --only: throughput or timer, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	wh = calloc((size_t)(argc - optind), sizeof(*wh));
	inst_names = calloc(o.instances, sizeof(*inst_names));
	if (!wh || !inst_names)
		die("out of memory");
	for (int k = optind; k < argc; k++) {
		char *eq = strchr(argv[k], '=');
		struct stat sb;

		if (!eq || eq == argv[k] || !eq[1]) {
			fprintf(stderr, "store_bench: '%s': LABEL=DIR expected\n", argv[k]);
			return 2;
		}
		*eq = '\0';
		wh[n_wh].label = argv[k];
		wh[n_wh].dir = eq + 1;
		if (stat(wh[n_wh].dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "store_bench: %s: not a directory\n", wh[n_wh].dir);
			return 1;
		}
		n_wh++;
	}
	for (unsigned k = 0; k < o.instances; k++)
		snprintf(inst_names[k], sizeof(inst_names[k]), "VI_%u", k + 1);

	log_init("store_bench", LOG_F_CONSOLE, LOG_DAEMON);
	/* As the vrrp process does (vrrp_main.c): timers fire as close to
	 * their deadline as the kernel can, not up to 50 us after it.  Set
	 * before the writer starts, which inherits it. */
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) < 0)
		fprintf(stderr, "store_bench: cannot lower the timer slack: %s\n", strerror(errno));

	printf("sqlite %s; timer slack %d ns; %u VRRP instances registered\n",
	       sqlite3_libversion(), prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), o.instances);
	for (size_t k = 0; k < n_wh; k++)
		printf("database %-6s %s (%s)\n", wh[k].label, wh[k].dir, fs_name(wh[k].dir));

	if (o.throughput) {
		printf("\n1. throughput: STORE_VRRP_STATE records put from the main thread as fast as\n"
		       "   the writer takes them for %.1f s (at most %u queued), then a flush;\n"
		       "   per second of the whole window, flush included\n\n",
		       o.tp_seconds, o.backlog);
		printf("%-6s %-6s %9s %7s %11s %9s %9s %7s %7s %7s %7s %6s\n",
		       "where", "fs", "records", "s", "records/s", "txn/s", "rec/txn",
		       "flushms", "wcpu%", "pcpu%", "maxq", "failed");
		for (size_t k = 0; k < n_wh; k++)
			throughput(&o, &wh[k]);
		printf("\n(wcpu%%: the writer thread's CPU time, %% of one core; pcpu%%: the\n"
		       " producing thread's; maxq: most records queued at once; flushms: the\n"
		       " flush at the end, ms)\n");
	}
	if (o.timer) {
		printf("\n2. timer lateness: one timer every %.1f ms on a fixed grid of deadlines;\n"
		       "   lateness = CLOCK_MONOTONIC at the callback's start - deadline;\n"
		       "   %.0f s (%" PRIu64 " ticks) per run, in %u windows of %.1f s interleaved\n"
		       "   a, b, c..., a, b, c..., each after a %.1f s warm-up (not counted);\n"
		       "   a: no writer thread; b: a writer, idle; c: a writer committing what the\n"
		       "   callback puts, %u STORE_VRRP_STATE records per tick (%.0f/s)\n\n",
		       (double)o.period_ns / 1e6, o.timer_seconds,
		       (uint64_t)(o.timer_seconds / o.rounds * 1e9) / o.period_ns * o.rounds,
		       o.rounds, o.timer_seconds / o.rounds, o.warmup_seconds,
		       o.per_tick, (double)o.per_tick * 1e9 / (double)o.period_ns);
		timer_runs(&o, wh, n_wh);
	}
	free(wh);
	free(inst_names);
	return 0;
}
