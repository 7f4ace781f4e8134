/*
 * store_writer.c - see store_writer.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "store/store_writer.h"

/* How often the thread trims the history tables. */
#define PRUNE_EVERY_MS (10 * 60 * 1000)

struct store_writer {
	struct ev_loop *loop;
	sqlite3 *db;
	sqlite3_stmt *cache[STORE_OP__COUNT * 4];
	struct store_retention keep;
	pthread_t thread;

	pthread_mutex_t mu;
	pthread_cond_t wake;         /* to the thread: records queued, or stop */
	pthread_cond_t idle;         /* from the thread: a batch is finished */
	struct store_rec *head, **tail;    /* queued, in order */
	struct store_rec *done_head, **done_tail;   /* committed, callbacks pending */
	unsigned held;
	bool busy;                   /* the thread is committing a batch */
	bool stopping;
	struct store_writer_stats stats;
	int efd;                     /* eventfd: completions are waiting */
};

struct store_rec *store_rec_new(enum store_op op)
{
	struct store_rec *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->op = op;
	r->at = store_now_ms();
	for (int k = 0; k < STORE_REC_INTS; k++)
		r->i[k] = STORE_NULL;
	return r;
}

void store_rec_str(struct store_rec *r, int idx, const char *s)
{
	if (!r || idx < 0 || idx >= STORE_REC_STRS)
		return;
	free(r->s[idx]);
	r->s[idx] = s ? strdup(s) : NULL;
}

void store_rec_free(struct store_rec *r)
{
	if (!r)
		return;
	for (int k = 0; k < STORE_REC_STRS; k++)
		free(r->s[k]);
	free(r);
}

/* ---- the thread ---------------------------------------------------------- */

static int exec_retry(struct store_writer *w, const char *sql)
{
	for (int tries = 0; tries < 100; tries++) {
		int rc = sqlite3_exec(w->db, sql, NULL, NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			return -1;
		pthread_mutex_lock(&w->mu);   /* stats are read from the loop's thread */
		w->stats.busy_retries++;      /* the busy timeout already waited */
		pthread_mutex_unlock(&w->mu);
	}
	return -1;
}

/* Commit one batch; each record under a savepoint.  Returns the number of
 * records that failed. */
static unsigned commit_batch(struct store_writer *w, struct store_rec *batch)
{
	unsigned failed = 0, n = 0;

	if (exec_retry(w, "BEGIN IMMEDIATE") < 0) {
		for (struct store_rec *r = batch; r; r = r->next) {
			r->status = -1;
			snprintf(r->err, sizeof(r->err), "%s", sqlite3_errmsg(w->db));
			failed++;
		}
		return failed;
	}
	for (struct store_rec *r = batch; r; r = r->next, n++) {
		sqlite3_exec(w->db, "SAVEPOINT rec", NULL, NULL, NULL);
		if (store_op_exec(w->db, w->cache, r) < 0) {
			r->status = -1;
			failed++;
			sqlite3_exec(w->db, "ROLLBACK TO rec", NULL, NULL, NULL);
		}
		sqlite3_exec(w->db, "RELEASE rec", NULL, NULL, NULL);
	}
	if (exec_retry(w, "COMMIT") < 0) {
		char why[120];

		snprintf(why, sizeof(why), "%.119s", sqlite3_errmsg(w->db));
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		failed = 0;
		for (struct store_rec *r = batch; r; r = r->next) {
			r->status = -1;
			snprintf(r->err, sizeof(r->err), "commit: %s", why);
			failed++;
		}
	}
	pthread_mutex_lock(&w->mu);
	w->stats.transactions++;
	w->stats.records += n - failed;
	w->stats.failed += failed;
	pthread_mutex_unlock(&w->mu);
	return failed;
}

static void prune(struct store_writer *w)
{
	long n;

	if (!w->keep.max_age_ms && !w->keep.max_rows)
		return;
	if (exec_retry(w, "BEGIN IMMEDIATE") < 0)
		return;
	n = store_prune(w->db, store_now_ms(), &w->keep);
	if (exec_retry(w, "COMMIT") < 0)
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	else if (n > 0)
		log_info("state store: %ld history rows past retention removed", n);
}

static void *writer_main(void *arg)
{
	struct store_writer *w = arg;
	struct timespec next_prune;

	/* below the engine's own thread: the loop comes first */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	clock_gettime(CLOCK_MONOTONIC, &next_prune);
	prune(w);
	next_prune.tv_sec += PRUNE_EVERY_MS / 1000;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct store_rec *batch, *r, *done, **done_tail;
		uint64_t one = 1;
		bool any_done = false;

		while (!w->stopping && (!w->head || w->held)) {
			if (pthread_cond_timedwait(&w->wake, &w->mu, &next_prune) == ETIMEDOUT) {
				pthread_mutex_unlock(&w->mu);
				prune(w);
				clock_gettime(CLOCK_MONOTONIC, &next_prune);
				next_prune.tv_sec += PRUNE_EVERY_MS / 1000;
				pthread_mutex_lock(&w->mu);
			}
		}
		if (!w->head && w->stopping)
			break;
		batch = w->head;
		w->head = NULL;
		w->tail = &w->head;
		w->busy = true;
		pthread_mutex_unlock(&w->mu);

		commit_batch(w, batch);

		/* sort and free outside the lock: a put from the loop must
		 * never wait while thousands of records are freed */
		done = NULL;
		done_tail = &done;
		while ((r = batch)) {
			batch = r->next;
			r->next = NULL;
			if (r->status < 0 && !r->done)
				log_warnx("state store: a record was not written: %s", r->err);
			if (r->done) {
				*done_tail = r;
				done_tail = &r->next;
				any_done = true;
			} else {
				store_rec_free(r);
			}
		}
		pthread_mutex_lock(&w->mu);
		if (done) {
			*w->done_tail = done;
			w->done_tail = done_tail;
		}
		w->busy = false;
		pthread_cond_broadcast(&w->idle);
		if (any_done && write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_warn("state store: eventfd");
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ---- the loop side -------------------------------------------------------- */

static void run_completions(struct store_writer *w)
{
	struct store_rec *list, *r;
	uint64_t v;

	if (read(w->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("state store: eventfd");
	pthread_mutex_lock(&w->mu);
	list = w->done_head;
	w->done_head = NULL;
	w->done_tail = &w->done_head;
	pthread_mutex_unlock(&w->mu);
	while ((r = list)) {
		list = r->next;
		r->done(r->arg, r->status, r->status < 0 ? r->err : NULL);
		store_rec_free(r);
	}
}

static void on_efd(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	run_completions(arg);
}

struct store_writer *store_writer_new(const char *path, struct ev_loop *loop,
				      const struct store_retention *keep, char *err, size_t errlen)
{
	struct store_writer *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->loop = loop;
	w->keep = *keep;
	w->tail = &w->head;
	w->done_tail = &w->done_head;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_cond_init(&w->idle, NULL);
	pthread_condattr_destroy(&ca);
	if (w->efd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	w->db = store_open(path, false, err, errlen);
	if (!w->db)
		goto fail;
	if (loop && ev_io_add(loop, w->efd, EPOLLIN, on_efd, w) < 0) {
		snprintf(err, errlen, "cannot watch the writer's eventfd");
		goto fail;
	}
	/* The thread takes no signal: the loop reads them from its signalfd,
	 * and a SIGCHLD the kernel handed to this thread would be lost. */
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the writer thread");
		if (loop)
			ev_io_del(loop, w->efd);
		goto fail;
	}
	return w;
fail:
	sqlite3_close(w->db);
	if (w->efd >= 0)
		close(w->efd);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->idle);
	free(w);
	return NULL;
}

void store_writer_put(struct store_writer *w, struct store_rec *r)
{
	if (!r)
		return;
	if (!w) {
		if (r->done) {
			r->done(r->arg, -1, "vigild runs without its state store (see the log at start)");
		}
		store_rec_free(r);
		return;
	}
	r->next = NULL;
	pthread_mutex_lock(&w->mu);
	*w->tail = r;
	w->tail = &r->next;
	if (!w->held)
		pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
}

void store_writer_hold(struct store_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->held++;
	pthread_mutex_unlock(&w->mu);
}

void store_writer_release(struct store_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	if (w->held && --w->held == 0 && w->head)
		pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
}

int store_writer_flush(struct store_writer *w)
{
	uint64_t failed_before;
	int r;

	if (!w)
		return -1;
	pthread_mutex_lock(&w->mu);
	failed_before = w->stats.failed;
	pthread_cond_signal(&w->wake);
	while (w->head || w->busy)
		pthread_cond_wait(&w->idle, &w->mu);
	r = w->stats.failed == failed_before ? 0 : -1;
	pthread_mutex_unlock(&w->mu);
	run_completions(w);
	return r;
}

void store_writer_free(struct store_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->held = 0;
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	run_completions(w);
	if (w->loop)
		ev_io_del(w->loop, w->efd);
	close(w->efd);
	store_op_cache_free(w->cache);
	sqlite3_close(w->db);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->idle);
	free(w);
}

void store_writer_stats(struct store_writer *w, struct store_writer_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	*out = w->stats;
	pthread_mutex_unlock(&w->mu);
}
