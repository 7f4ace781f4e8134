/*
 * store.h - the SQLite state store (DESIGN.md "store/"): what vigil knows
 * survives restarts, reloads and crashes.
 *
 * One database file (default STORE_DEFAULT_PATH).  The parent prepares it
 * before it forks (store_prepare: integrity check, a damaged file moved
 * aside, migrations); the engines (vrrp, check) each write their own tables
 * through a batched writer thread (store_writer.h), never on their timer
 * path; vigilctl opens it read-only (and mgmt will, for SNMP and REST).  The schema is the schema/ migrations,
 * compiled in (scripts/embed-sql.sh) and documented in schema/README.md.
 */
#ifndef VIGIL_STORE_H
#define VIGIL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define STORE_DEFAULT_PATH LOCALSTATEDIR "/lib/vigil/vigil.db"
#define STORE_ERRLEN 512
/* store_migrate, store_prepare: the database is from a newer vigil. */
#define STORE_E_NEWER (-2)

/* History kept by default: 30 days, and at most this many rows per table. */
#define STORE_KEEP_DAYS_DEFAULT 30
#define STORE_KEEP_ROWS_DEFAULT 100000

struct store_migration {
	int version;             /* 1, 2, ...: PRAGMA user_version after it */
	const char *name;        /* 001_init.sql */
	const char *sql;
};

/* the schema/ migrations, in version order (store_schema.c, generated). */
extern const struct store_migration store_migrations[];
extern const size_t store_n_migrations;

/* ---- opening ------------------------------------------------------------ */

/* PRAGMA user_version, or -1. */
int store_version(sqlite3 *db);

/*
 * Bring `db` to the last of the `n` migrations `m` (versions 1..n), each
 * one applied in its own transaction together with its user_version, so a
 * crash leaves the database at one version or the next.  A database whose
 * version is newer than m[n-1] is refused.  Returns the number of
 * migrations applied, or -1 (STORE_E_NEWER for a newer database) with
 * `err` set to a sentence.
 */
int store_migrate(sqlite3 *db, const struct store_migration *m, size_t n, char *err, size_t errlen);

/*
 * What the parent does at start, before the engines open the file: create
 * its directory, open it, run PRAGMA integrity_check, and when the file is
 * not a database or is damaged, move it aside to PATH.corrupt-TIMESTAMP (the
 * new name goes to `moved`, else it is set to "") and start a fresh one;
 * then migrate.  Returns 0, or -1 with `err` (vigild then runs without a
 * store: nothing is remembered, and says so), or STORE_E_NEWER (vigild
 * refuses to start: the drains a newer vigil recorded would be ignored).
 */
int store_prepare(const char *path, char *moved, size_t movedlen, char *err, size_t errlen);

/* Open an existing, prepared store.  Read-write for the engines (WAL,
 * synchronous=NORMAL, busy timeout), read-only for readers.  The
 * schema version must be the one this vigil knows.  NULL with `err`. */
sqlite3 *store_open(const char *path, bool readonly, char *err, size_t errlen);

/* ---- time ----------------------------------------------------------------- */

/* Wall-clock time in Unix milliseconds, as the tables store it. */
int64_t store_now_ms(void);

/* ---- retention ------------------------------------------------------------ */

struct store_retention {
	int64_t max_age_ms;      /* rows older than this go; 0 = no age limit */
	int64_t max_rows;        /* per history table, the newest kept; 0 = no limit */
};

/* Trim the history tables (transitions, audit, counter snapshots).
 * Returns the number of rows deleted, or -1. */
long store_prune(sqlite3 *db, int64_t now_ms, const struct store_retention *r);

/* ---- overrides ------------------------------------------------------------ */

enum store_override_kind {
	STORE_OV_NONE = 0,
	STORE_OV_DRAIN,          /* real server: weight 0, connections live on */
	STORE_OV_MAINT,          /* real server: out of IPVS */
	STORE_OV_WEIGHT,         /* real server: this weight instead of the configured one */
	STORE_OV_DEMOTE,         /* VRRP instance: priority lowered by value */
};

const char *store_override_kind_name(enum store_override_kind k);
enum store_override_kind store_override_kind_parse(const char *s);

struct store_override {
	enum store_override_kind kind;
	char key[2][128];        /* real server: virtual server key, real server key;
				    VRRP instance: its name, "" */
	int64_t value;
	char who[64];
	char reason[256];
	int64_t created;
	int64_t expires;         /* 0: until cleared */
};

/* The overrides on `target` ("real_server" or "vrrp_instance") that have
 * not expired at `now_ms`.  Returns the count (*out malloc'd), or -1. */
int store_overrides_load(sqlite3 *db, const char *target, int64_t now_ms,
			 struct store_override **out);

/* ---- what was known before -------------------------------------------- */

/* For each configured VRRP instance, the last state it was in other than
 * INIT (the state it served in before a stop or crash) and since when. */
typedef void (*store_state_fn)(void *arg, const char *name, const char *state, int64_t since_ms);
int store_last_states(sqlite3 *db, store_state_fn fn, void *arg);

#endif /* VIGIL_STORE_H */
