/*
 * store_writer.h - the engines' way into the store: records queued from the
 * event loop, committed in batches by a writer thread, so that a VRRP
 * advert or a health check never waits for SQLite.
 *
 * store_writer_put() costs a lock and a pointer append.  The thread takes
 * everything queued so far and commits it in one transaction (each record
 * under its own savepoint, so one bad record does not lose the others).  A
 * record with a `done` callback is handed back to the loop after its commit
 * (through an eventfd): that is how an operator's edit is acknowledged only
 * once it is on disk.  The thread also trims the history tables.
 */
#ifndef VIGIL_STORE_WRITER_H
#define VIGIL_STORE_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct ev_loop;
struct store_writer;

/* What a record does; store_ops.c has the SQL of each, with the fields it
 * reads.  Strings s[0..5], integers i[0..2]; STORE_NULL is SQL NULL. */
enum store_op {
	STORE_VRRP_ABSENT,       /* every instance and script: not in the configuration (until seen again) */
	STORE_VRRP_INSTANCE,     /* s0 name, s1 family, s2 interface, s3 config (JSON);
				    i0 vrid, i1 version, i2 priority */
	STORE_VRRP_STATE,        /* s0 name, s1 from, s2 to, s3 reason, s4 master; i0 effective priority */
	STORE_VRRP_STATUS,       /* s0 name, s4 master; i0 effective priority */
	STORE_VRRP_SCRIPT,       /* s0 name, s1 config (JSON), s2 result */
	STORE_VRRP_SCRIPT_RESULT,/* s0 name, s2 result (init, initfailed, good, bad) */
	STORE_LVS_ABSENT,        /* every virtual and real server: not in the configuration */
	STORE_VS,                /* s0 key, s1 scheduler, s2 forwarding, s3 config (JSON) */
	STORE_RS,                /* s0 vs key, s1 rs key, s2 config (JSON); i0 configured weight;
				    i1 1: a new check process (health back to unknown) */
	STORE_RS_HEALTH,         /* s0 vs key, s1 rs key, s2 from, s3 to, s4 reason */
	STORE_RS_HEALTH_SEEN,    /* s0 vs key, s1 rs key, s3 health, s4 reason: no transition row */
	STORE_RS_WEIGHT,         /* s0 vs key, s1 rs key; i0 weight in IPVS (NULL: not in it) */
	STORE_OVERRIDE_SET,      /* s0 target, s1 key, s2 key, s3 kind, s4 who, s5 reason;
				    i0 value, i1 expires (NULL: none) */
	STORE_OVERRIDE_CLEAR,    /* s0 target, s1 key, s2 key, s3 action, s4 who, s5 reason */
	STORE_AUDIT,             /* s1 target, s3 action, s4 who, s5 detail: an edit refused */
	STORE_COUNTER,           /* s0 target, s1 key, s2 key, s3 name; i0 value */
	STORE_SPLIT_BRAIN,       /* s0 instance name, s1 from, s2 to, s3 evidence */
	STORE_BARRIER,           /* no SQL: its `done` runs once every record put before it is committed */
	STORE_OP__COUNT
};

#define STORE_NULL INT64_MIN
#define STORE_REC_STRS 6
#define STORE_REC_INTS 3

struct store_rec;
/* Called in the loop's thread after the record's transaction: status 0 when
 * it is committed, else -1 and `err` says why. */
typedef void (*store_done_fn)(void *arg, int status, const char *err);

struct store_rec {
	struct store_rec *next;
	enum store_op op;
	int64_t at;                        /* Unix ms, set by store_rec_new */
	char *s[STORE_REC_STRS];
	int64_t i[STORE_REC_INTS];
	store_done_fn done;
	void *arg;
	int status;
	char err[160];
};

/* A record with `at` = now, no strings and NULL integers; NULL when out of
 * memory.  store_rec_str copies s (NULL stays NULL). */
struct store_rec *store_rec_new(enum store_op op);
void store_rec_str(struct store_rec *r, int idx, const char *s);
void store_rec_free(struct store_rec *r);

/*
 * Open `path` (prepared by the parent) and start the thread.  Completions
 * run from `loop`.  Returns NULL with `err` when the store cannot be used;
 * the engines then run without it.
 */
struct store_writer *store_writer_new(const char *path, struct ev_loop *loop,
				      const struct store_retention *keep, char *err, size_t errlen);

/* Queue `r` (the writer owns it).  A NULL writer drops it, calling its
 * done callback at once with an error. */
void store_writer_put(struct store_writer *w, struct store_rec *r);

/* Between hold and release, records queue but are not taken: the ones put
 * in between are committed in one transaction together. */
void store_writer_hold(struct store_writer *w);
void store_writer_release(struct store_writer *w);

/* Commit what is queued, wait for it, and run the completions (tests,
 * shutdown; not between hold and release).  Returns 0, or -1 if a record
 * failed. */
int store_writer_flush(struct store_writer *w);

/* Flush, stop the thread, close the database. */
void store_writer_free(struct store_writer *w);

/* Counters for bench/store and the logs. */
struct store_writer_stats {
	uint64_t records;        /* committed */
	uint64_t failed;
	uint64_t transactions;
	uint64_t busy_retries;
};
void store_writer_stats(struct store_writer *w, struct store_writer_stats *out);

/* The SQL of an op: up to 4 statements, NULL-terminated, with the
 * parameters :at :s0..:s5 :i0..:i2. */
const char *const *store_op_sql(enum store_op op);

/* Run one record's statements on `db` (in the caller's transaction).
 * Returns 0, or -1 with r->err set.  `cache` holds prepared statements
 * (STORE_OP__COUNT * 4 entries, zeroed at first; store_op_cache_free). */
int store_op_exec(sqlite3 *db, sqlite3_stmt **cache, struct store_rec *r);
void store_op_cache_free(sqlite3_stmt **cache);

#endif /* VIGIL_STORE_WRITER_H */
