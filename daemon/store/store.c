/*
 * store.c - see store.h.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

#define BUSY_TIMEOUT_MS 5000
/* the -wal file is cut back to this after a checkpoint, to nothing at the last close */
#define WAL_KEEP_BYTES "4194304"

int64_t store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int store_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

int store_migrate(sqlite3 *db, const struct store_migration *m, size_t n, char *err, size_t errlen)
{
	int last = n ? m[n - 1].version : 0, applied = 0;

	for (size_t i = 0; i < n; i++) {
		char sql[64], what[128];
		int v;

		if (exec(db, "BEGIN IMMEDIATE", err, errlen, "starting a migration") < 0)
			return -1;
		/* read inside the transaction: another process may have
		 * migrated while we waited for the lock */
		v = store_version(db);
		if (v < 0 || v > last) {
			exec(db, "ROLLBACK", err, errlen, "rollback");
			if (v > last) {
				snprintf(err, errlen, "the database is schema version %d, newer than this "
					 "vigil knows (%d): it was written by a newer vigil; run that "
					 "version, or move the file away to start with an empty store", v, last);
				return STORE_E_NEWER;
			}
			if (v < 0)
				snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
			else
				snprintf(err, errlen, "the database is schema version %d, newer than this "
					 "vigil knows (%d): it was written by a newer vigil; run that "
					 "version, or move the file away to start with an empty store", v, last);
			return -1;
		}
		if (v >= m[i].version) {
			exec(db, "COMMIT", err, errlen, "commit");
			continue;
		}
		snprintf(what, sizeof(what), "migration %s", m[i].name);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", m[i].version);
		if (exec(db, m[i].sql, err, errlen, what) < 0 || exec(db, sql, err, errlen, what) < 0 ||
		    exec(db, "COMMIT", err, errlen, what) < 0) {
			char ignore[64];

			exec(db, "ROLLBACK", ignore, sizeof(ignore), "rollback");
			return -1;
		}
		applied++;
	}
	return applied;
}

static int set_pragmas(sqlite3 *db, bool readonly, char *err, size_t errlen)
{
	int persist = 1;

	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	if (readonly)
		return 0;
	/* Keep the -wal and -shm files when the last writer closes: mgmt,
	 * which may not create files in the directory, can open the store
	 * read-only only when they exist ("attempt to write a readonly
	 * database" when it came first after a start, before the engines).
	 * journal_size_limit makes the last close truncate the kept -wal to
	 * nothing: frames left in it would be replayed over the database
	 * file at the next open, hiding damage from the integrity check. */
	sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	/* WAL: readers never block the writer and a crash of the process
	 * loses no committed transaction; NORMAL syncs at checkpoints, so a
	 * commit costs no fsync (only a power cut can lose the last ones). */
	return exec(db, "PRAGMA journal_size_limit = " WAL_KEEP_BYTES "; PRAGMA journal_mode = WAL; "
		    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", err, errlen, "setting up the database");
}

/* "ok" from PRAGMA integrity_check, or the first problem in `why`. */
static bool integrity_ok(sqlite3 *db, char *why, size_t len)
{
	sqlite3_stmt *st;
	bool ok = false;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, len, "%s", sqlite3_errmsg(db));
		return false;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		ok = r && strcmp(r, "ok") == 0;
		if (!ok)
			snprintf(why, len, "integrity check: %s", r ? r : "no answer");
	} else {
		snprintf(why, len, "%s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return ok;
}

static int mkdir_parent(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = dirname(dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			goto fail;
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot create directory %s: %s", p, strerror(errno));
	return -1;
}

/* Move path (and its -wal, -shm) to path.corrupt-TIMESTAMP. */
static int move_aside(const char *path, char *moved, size_t movedlen, char *err, size_t errlen)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char stamp[32], from[PATH_MAX + 8], to[PATH_MAX + 48];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(from, sizeof(from), "%s%s", path, ext[i]);
		snprintf(to, sizeof(to), "%s.corrupt-%s%s", path, stamp, ext[i]);
		if (rename(from, to) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "cannot move the damaged database %s aside: %s", from,
				 strerror(errno));
			return -1;
		}
		if (i == 0)
			snprintf(moved, movedlen, "%s", to);
	}
	return 0;
}

/* Open read-write (creating it), check it.  1: usable, 0: damaged (`why`
 * says how), -1: cannot even try (`err`). */
static int try_open(const char *path, sqlite3 **out, char *why, size_t whylen, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);

	*out = NULL;
	if (rc == SQLITE_CANTOPEN || rc == SQLITE_PERM || rc == SQLITE_READONLY) {
		snprintf(err, errlen, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	if (rc != SQLITE_OK || set_pragmas(db, false, why, whylen) < 0 ||
	    !integrity_ok(db, why, whylen) || store_version(db) < 0) {
		if (rc != SQLITE_OK)
			snprintf(why, whylen, "%s", sqlite3_errstr(rc));
		sqlite3_close(db);
		return 0;
	}
	*out = db;
	return 1;
}

int store_prepare(const char *path, char *moved, size_t movedlen, char *err, size_t errlen)
{
	char why[STORE_ERRLEN] = "";
	sqlite3 *db;
	int r;

	moved[0] = '\0';
	if (mkdir_parent(path, err, errlen) < 0)
		return -1;
	r = try_open(path, &db, why, sizeof(why), err, errlen);
	if (r < 0)
		return -1;
	if (r == 0) {
		char reason[STORE_ERRLEN];

		snprintf(reason, sizeof(reason), "%s", why);
		if (move_aside(path, moved, movedlen, err, errlen) < 0)
			return -1;
		/* say why in `err` too: the caller logs it with the new name */
		snprintf(err, errlen, "%s", reason);
		r = try_open(path, &db, why, sizeof(why), err, errlen);
		if (r <= 0) {
			if (r == 0)
				snprintf(err, errlen, "a fresh database at %s is not usable either: %s", path, why);
			return -1;
		}
		snprintf(err, errlen, "%s", reason);
	}
	r = store_migrate(db, store_migrations, store_n_migrations, err, errlen);
	sqlite3_close(db);
	return r < 0 ? r : 0;
}

sqlite3 *store_open(const char *path, bool readonly, char *err, size_t errlen)
{
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	int want = store_migrations[store_n_migrations - 1].version, v;
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, flags, NULL);

	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open the state database %s: %s", path,
			 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	if (set_pragmas(db, readonly, err, errlen) < 0) {
		sqlite3_close(db);
		return NULL;
	}
	v = store_version(db);
	if (v != want) {
		if (v < 0)
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		else
			snprintf(err, errlen, "%s is schema version %d, this vigil needs %d%s", path, v, want,
				 v < want ? " (vigild migrates it when it starts)" :
				 ": it was written by a newer vigil");
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* ---- retention ------------------------------------------------------------ */

long store_prune(sqlite3 *db, int64_t now_ms, const struct store_retention *r)
{
	static const char *const tables[] = {
		"vrrp_transition", "health_transition", "audit", "counter_snapshot", "split_brain_event",
	};
	long n = 0;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char sql[256];
		sqlite3_stmt *st;

		for (int pass = 0; pass < 2; pass++) {
			if (pass == 0 && !r->max_age_ms)
				continue;
			if (pass == 1 && !r->max_rows)
				continue;
			if (pass == 0)
				snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE at < ?", tables[i]);
			else
				snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id <= (SELECT id FROM %s "
					 "ORDER BY id DESC LIMIT 1 OFFSET ?)", tables[i], tables[i]);
			if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
				return -1;
			sqlite3_bind_int64(st, 1, pass == 0 ? now_ms - r->max_age_ms : r->max_rows);
			if (sqlite3_step(st) != SQLITE_DONE) {
				sqlite3_finalize(st);
				return -1;
			}
			n += sqlite3_changes(db);
			sqlite3_finalize(st);
		}
	}
	return n;
}

/* ---- overrides ------------------------------------------------------------ */

static const char *const kind_names[] = {
	[STORE_OV_NONE] = "none",
	[STORE_OV_DRAIN] = "drain",
	[STORE_OV_MAINT] = "maint",
	[STORE_OV_WEIGHT] = "weight",
	[STORE_OV_DEMOTE] = "demote",
};

const char *store_override_kind_name(enum store_override_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

enum store_override_kind store_override_kind_parse(const char *s)
{
	for (size_t i = 1; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (enum store_override_kind)i;
	return STORE_OV_NONE;
}

static void copy_col(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

int store_overrides_load(sqlite3 *db, const char *target, int64_t now_ms, struct store_override **out)
{
	static const char rs_sql[] =
		"SELECT o.kind, vs.key, rs.key, o.value, o.who, o.reason, o.created, o.expires "
		"FROM override o JOIN real_server rs ON rs.id = o.target_id "
		"JOIN virtual_server vs ON vs.id = rs.vs_id "
		"WHERE o.target = 'real_server' AND (o.expires IS NULL OR o.expires > ?) ORDER BY o.id";
	static const char vi_sql[] =
		"SELECT o.kind, vi.name, '', o.value, o.who, o.reason, o.created, o.expires "
		"FROM override o JOIN vrrp_instance vi ON vi.id = o.target_id "
		"WHERE o.target = 'vrrp_instance' AND (o.expires IS NULL OR o.expires > ?) ORDER BY o.id";
	struct store_override *v = NULL;
	sqlite3_stmt *st;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (sqlite3_prepare_v2(db, strcmp(target, "real_server") == 0 ? rs_sql : vi_sql, -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_override *o;

		if (n == cap) {
			struct store_override *nv;

			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		o = &v[n];
		memset(o, 0, sizeof(*o));
		o->kind = store_override_kind_parse((const char *)sqlite3_column_text(st, 0));
		if (o->kind == STORE_OV_NONE)
			continue;
		copy_col(o->key[0], sizeof(o->key[0]), st, 1);
		copy_col(o->key[1], sizeof(o->key[1]), st, 2);
		o->value = sqlite3_column_int64(st, 3);
		copy_col(o->who, sizeof(o->who), st, 4);
		copy_col(o->reason, sizeof(o->reason), st, 5);
		o->created = sqlite3_column_int64(st, 6);
		o->expires = sqlite3_column_int64(st, 7);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return -1;
	}
	*out = v;
	return (int)n;
}

/* ---- what was known before ------------------------------------------------ */

int store_last_states(sqlite3 *db, store_state_fn fn, void *arg)
{
	static const char sql[] =
		"SELECT i.name, t.to_state, t.at FROM vrrp_instance i JOIN vrrp_transition t "
		"ON t.id = (SELECT max(id) FROM vrrp_transition WHERE instance_id = i.id "
		"AND to_state <> 'INIT') WHERE i.present = 1 ORDER BY i.id";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		   sqlite3_column_int64(st, 2));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
