/*
 * test_store.c - the state store: migrations (fresh, upgrade from every
 * older version, newer refused, a failed one rolled back), ids that stay
 * the same across reloads, retention, a damaged file moved aside, and
 * operator overrides committed before they are acknowledged.
 *
 * Real SQLite files in a temporary directory; the writer thread runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/store.h"
#include "store/store_writer.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/vigil-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/sub/vigil.db", f->dir);
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

static int last_version(void)
{
	return store_migrations[store_n_migrations - 1].version;
}

static sqlite3 *open_raw(const char *path)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

static long long query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

/* ---- migrations ----------------------------------------------------------- */

static void test_fresh_database_gets_every_migration(void **state)
{
	struct fixture *f = *state;
	char moved[256], err[STORE_ERRLEN];
	sqlite3 *db;

	assert_true(store_n_migrations >= 2);
	/* the directory does not exist yet: it is created */
	assert_int_equal(store_prepare(f->path, moved, sizeof(moved), err, sizeof(err)), 0);
	assert_string_equal(moved, "");
	db = store_open(f->path, false, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(store_version(db), last_version());
	/* a table from each migration */
	assert_int_equal(query_int(db, "SELECT count(*) FROM vrrp_instance"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM counter_snapshot"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'override'"), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM pragma_table_info('real_server') "
				       "WHERE name = 'config'"), 1);
	sqlite3_close(db);
	/* a second start applies nothing */
	db = open_raw(f->path);
	assert_int_equal(store_migrate(db, store_migrations, store_n_migrations, err, sizeof(err)), 0);
	sqlite3_close(db);
}

/* After vigild's parent prepared the store, and after the last writer
 * closed it, the WAL files are there: mgmt (no right to create files in
 * the directory) can open it read-only whichever process comes first. */
static void test_wal_files_outlive_the_writers(void **state)
{
	struct fixture *f = *state;
	char moved[256], err[STORE_ERRLEN], p[600];
	struct stat st;
	sqlite3 *db;

	assert_int_equal(store_prepare(f->path, moved, sizeof(moved), err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	assert_int_equal(stat(p, &st), 0);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	assert_int_equal(stat(p, &st), 0);
	db = store_open(f->path, false, err, sizeof(err));
	assert_non_null(db);
	exec_ok(db, "INSERT INTO audit (at, who, action, target) VALUES (1, 'test', 'drain', 'rs')");
	sqlite3_close(db);
	assert_int_equal(stat(p, &st), 0);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0);	/* checkpointed, nothing to replay */
	db = store_open(f->path, true, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(query_int(db, "SELECT count(*) FROM audit"), 1);
	sqlite3_close(db);
}

static void test_upgrade_from_each_older_version_keeps_data(void **state)
{
	struct fixture *f = *state;
	char err[STORE_ERRLEN];

	mkdir(f->dir, 0700);
	for (size_t v = 1; v < store_n_migrations; v++) {
		char path[160];
		sqlite3 *db;

		snprintf(path, sizeof(path), "%s/v%zu.db", f->dir, v);
		db = open_raw(path);
		/* a database as vigil at version v left it, with a row */
		assert_int_equal(store_migrate(db, store_migrations, v, err, sizeof(err)), (int)v);
		assert_int_equal(store_version(db), (int)v);
		exec_ok(db, "INSERT INTO vrrp_instance (name, vrid, family, interface, version, "
			    "config_priority, updated) VALUES ('VI_1', 51, 'inet', 'eth0', 2, 100, 1)");
		/* this vigil upgrades it */
		assert_int_equal(store_migrate(db, store_migrations, store_n_migrations, err, sizeof(err)),
				 (int)(store_n_migrations - v));
		assert_int_equal(store_version(db), last_version());
		assert_int_equal(query_int(db, "SELECT id FROM vrrp_instance WHERE name = 'VI_1'"), 1);
		assert_int_equal(query_int(db, "SELECT count(*) FROM counter_snapshot"), 0);
		sqlite3_close(db);
	}
}

static void test_newer_database_is_refused(void **state)
{
	struct fixture *f = *state;
	char moved[256], err[STORE_ERRLEN], sql[64];
	sqlite3 *db;

	assert_int_equal(store_prepare(f->path, moved, sizeof(moved), err, sizeof(err)), 0);
	db = open_raw(f->path);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", last_version() + 1);
	exec_ok(db, sql);
	sqlite3_close(db);

	err[0] = '\0';
	assert_int_equal(store_prepare(f->path, moved, sizeof(moved), err, sizeof(err)), STORE_E_NEWER);
	assert_non_null(strstr(err, "newer"));
	assert_string_equal(moved, "");      /* refused, not moved aside: it is not damaged */
	assert_null(store_open(f->path, true, err, sizeof(err)));
	assert_non_null(strstr(err, "newer vigil"));
	db = open_raw(f->path);
	assert_int_equal(store_version(db), last_version() + 1);   /* untouched */
	sqlite3_close(db);
}

static void test_failed_migration_rolls_back(void **state)
{
	struct fixture *f = *state;
	const struct store_migration m[] = {
		{ 1, "001_a.sql", "CREATE TABLE a (x INTEGER);" },
		{ 2, "002_b.sql", "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);" },
	};
	char err[STORE_ERRLEN], path[160];
	sqlite3 *db;

	mkdir(f->dir, 0700);
	snprintf(path, sizeof(path), "%s/bad.db", f->dir);
	db = open_raw(path);
	assert_int_equal(store_migrate(db, m, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "002_b.sql"));
	assert_int_equal(store_version(db), 1);          /* the first one stands */
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'b'"), 0);
	sqlite3_close(db);
}

/* ---- damage --------------------------------------------------------------- */

static void test_garbage_file_is_moved_aside(void **state)
{
	struct fixture *f = *state;
	char moved[256], err[STORE_ERRLEN], dir[128];
	struct stat sb;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/sub", f->dir);
	mkdir(f->dir, 0700);
	mkdir(dir, 0700);
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database\n", fp);
	fclose(fp);

	assert_int_equal(store_prepare(f->path, moved, sizeof(moved), err, sizeof(err)), 0);
	assert_non_null(strstr(moved, "vigil.db.corrupt-"));
	assert_int_equal(stat(moved, &sb), 0);           /* kept for a post-mortem */
	assert_true(strlen(err) > 0);                    /* and why, for the log */
	sqlite3 *db = store_open(f->path, true, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(store_version(db), last_version());
	sqlite3_close(db);
}

static void test_damaged_pages_are_detected(void **state)
{
	struct fixture *f = *state;
	char moved[256], err[STORE_ERRLEN];
	sqlite3 *db;
	FILE *fp;
	char junk[4096];

	assert_int_equal(store_prepare(f->path, moved, sizeof(moved), err, sizeof(err)), 0);
	db = store_open(f->path, false, err, sizeof(err));
	exec_ok(db, "PRAGMA journal_mode = DELETE");
	exec_ok(db, "CREATE INDEX IF NOT EXISTS audit_who ON audit(who)");
	exec_ok(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
		    "INSERT INTO audit (at, who, action, target, detail) "
		    "SELECT i, 'op' || i, 'drain', 'x', hex(randomblob(40)) FROM n");
	sqlite3_close(db);
	/* overwrite pages in the middle of the file */
	memset(junk, 0x5a, sizeof(junk));
	fp = fopen(f->path, "r+");
	assert_non_null(fp);
	fseek(fp, 8 * 4096, SEEK_SET);
	for (int i = 0; i < 6; i++)
		fwrite(junk, 1, sizeof(junk), fp);
	fclose(fp);

	assert_int_equal(store_prepare(f->path, moved, sizeof(moved), err, sizeof(err)), 0);
	assert_non_null(strstr(moved, ".corrupt-"));
	db = store_open(f->path, true, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(query_int(db, "SELECT count(*) FROM audit"), 0);   /* a fresh one */
	sqlite3_close(db);
}

/* ---- the writer: ids, overrides, batches ---------------------------------- */

static struct store_writer *writer(struct fixture *f)
{
	struct store_retention keep = { 0 };
	char moved[256], err[STORE_ERRLEN];
	struct store_writer *w;

	assert_int_equal(store_prepare(f->path, moved, sizeof(moved), err, sizeof(err)), 0);
	w = store_writer_new(f->path, NULL, &keep, err, sizeof(err));
	if (!w)
		fail_msg("%s", err);
	return w;
}

static void put_instance(struct store_writer *w, const char *name)
{
	struct store_rec *r = store_rec_new(STORE_VRRP_INSTANCE);

	store_rec_str(r, 0, name);
	store_rec_str(r, 1, "inet");
	store_rec_str(r, 2, "eth0");
	r->i[0] = 51;
	r->i[1] = 2;
	r->i[2] = 100;
	store_writer_put(w, r);
}

/* One reload: the instances in `names`, in that order. */
static void reload_instances(struct store_writer *w, const char *const *names)
{
	store_writer_hold(w);
	store_writer_put(w, store_rec_new(STORE_VRRP_ABSENT));
	for (; *names; names++)
		put_instance(w, *names);
	store_writer_release(w);
	assert_int_equal(store_writer_flush(w), 0);
}

static long long instance_id(sqlite3 *db, const char *name, int *present)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT present FROM vrrp_instance WHERE name = '%s'", name);
	*present = (int)query_int(db, sql);
	snprintf(sql, sizeof(sql), "SELECT id FROM vrrp_instance WHERE name = '%s'", name);
	return query_int(db, sql);
}

static void test_instance_ids_survive_reloads(void **state)
{
	struct fixture *f = *state;
	struct store_writer *w = writer(f);
	const char *const first[] = { "VI_1", "VI_2", "VI_3", NULL };
	const char *const second[] = { "VI_3", "VI_NEW", "VI_1", NULL };     /* VI_2 gone, reordered */
	const char *const third[] = { "VI_2", "VI_1", "VI_NEW", "VI_3", NULL };
	long long id1, id2, id3, idn;
	int present;
	char err[STORE_ERRLEN];
	sqlite3 *db;

	reload_instances(w, first);
	db = store_open(f->path, true, err, sizeof(err));
	id1 = instance_id(db, "VI_1", &present);
	id2 = instance_id(db, "VI_2", &present);
	id3 = instance_id(db, "VI_3", &present);
	assert_true(id1 > 0 && id2 > 0 && id3 > 0 && id1 != id2 && id2 != id3);

	reload_instances(w, second);
	assert_int_equal(instance_id(db, "VI_1", &present), id1);
	assert_int_equal(present, 1);
	assert_int_equal(instance_id(db, "VI_3", &present), id3);
	assert_int_equal(instance_id(db, "VI_2", &present), id2);
	assert_int_equal(present, 0);                    /* kept, marked absent */
	idn = instance_id(db, "VI_NEW", &present);
	assert_true(idn != id1 && idn != id2 && idn != id3);

	/* a restart: a new writer on the same file */
	store_writer_free(w);
	w = writer(f);
	reload_instances(w, third);
	assert_int_equal(instance_id(db, "VI_2", &present), id2);   /* back, same id */
	assert_int_equal(present, 1);
	assert_int_equal(instance_id(db, "VI_NEW", &present), idn);
	assert_int_equal(instance_id(db, "VI_1", &present), id1);
	assert_int_equal(instance_id(db, "VI_3", &present), id3);
	sqlite3_close(db);
	store_writer_free(w);
}

static void put_lvs(struct store_writer *w, const char *const *rs)
{
	store_writer_hold(w);
	store_writer_put(w, store_rec_new(STORE_LVS_ABSENT));
	for (; *rs; rs += 2) {
		struct store_rec *v = store_rec_new(STORE_VS), *r = store_rec_new(STORE_RS);

		store_rec_str(v, 0, rs[0]);
		store_rec_str(v, 1, "wrr");
		store_rec_str(v, 2, "DR");
		store_writer_put(w, v);
		store_rec_str(r, 0, rs[0]);
		store_rec_str(r, 1, rs[1]);
		r->i[0] = 1;
		store_writer_put(w, r);
	}
	store_writer_release(w);
	assert_int_equal(store_writer_flush(w), 0);
}

static long long rs_id(sqlite3 *db, const char *vs, const char *rs)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT rs.id FROM real_server rs JOIN virtual_server vs ON "
		 "vs.id = rs.vs_id WHERE vs.key = '%s' AND rs.key = '%s'", vs, rs);
	return query_int(db, sql);
}

static void test_real_server_ids_survive_reloads(void **state)
{
	struct fixture *f = *state;
	struct store_writer *w = writer(f);
	const char *const a[] = { "TCP 192.0.2.100:80", "192.0.2.11:80", "TCP 192.0.2.100:80",
				  "192.0.2.12:80", "TCP 192.0.2.100:443", "192.0.2.11:443", NULL };
	const char *const b[] = { "TCP 192.0.2.100:443", "192.0.2.11:443", "TCP 192.0.2.100:80",
				  "192.0.2.13:80", "TCP 192.0.2.100:80", "192.0.2.11:80", NULL };
	char err[STORE_ERRLEN];
	long long r11, r12, r443;
	sqlite3 *db;

	put_lvs(w, a);
	db = store_open(f->path, true, err, sizeof(err));
	r11 = rs_id(db, "TCP 192.0.2.100:80", "192.0.2.11:80");
	r12 = rs_id(db, "TCP 192.0.2.100:80", "192.0.2.12:80");
	r443 = rs_id(db, "TCP 192.0.2.100:443", "192.0.2.11:443");
	assert_true(r11 > 0 && r12 > 0 && r443 > 0 && r11 != r443);

	put_lvs(w, b);
	assert_int_equal(rs_id(db, "TCP 192.0.2.100:80", "192.0.2.11:80"), r11);
	assert_int_equal(rs_id(db, "TCP 192.0.2.100:443", "192.0.2.11:443"), r443);
	assert_int_equal(rs_id(db, "TCP 192.0.2.100:80", "192.0.2.12:80"), r12);
	assert_int_equal(query_int(db, "SELECT count(*) FROM real_server WHERE present = 1"), 3);
	assert_int_equal(query_int(db, "SELECT present FROM real_server WHERE key = '192.0.2.12:80'"), 0);
	sqlite3_close(db);
	store_writer_free(w);
}

struct ack {
	int calls;
	int status;
	char err[160];
};

static void on_ack(void *arg, int status, const char *err)
{
	struct ack *a = arg;

	a->calls++;
	a->status = status;
	snprintf(a->err, sizeof(a->err), "%s", err ? err : "");
}

static struct store_rec *override_rec(enum store_op op, const char *vs, const char *rs,
				      const char *kind, struct ack *a)
{
	struct store_rec *r = store_rec_new(op);

	store_rec_str(r, 0, "real_server");
	store_rec_str(r, 1, vs);
	store_rec_str(r, 2, rs);
	store_rec_str(r, 3, kind);
	store_rec_str(r, 4, "alice");
	store_rec_str(r, 5, "kernel upgrade");
	r->done = on_ack;
	r->arg = a;
	return r;
}

static void test_overrides_are_acknowledged_after_commit(void **state)
{
	struct fixture *f = *state;
	struct store_writer *w = writer(f);
	const char *const lvs[] = { "TCP 192.0.2.100:80", "192.0.2.11:80",
				    "TCP 192.0.2.100:80", "192.0.2.12:80", NULL };
	struct ack drain = { 0 }, bad = { 0 }, weight = { 0 }, clear = { 0 };
	struct store_override *ov;
	struct store_rec *r;
	char err[STORE_ERRLEN];
	sqlite3 *db;

	put_lvs(w, lvs);
	store_writer_put(w, override_rec(STORE_OVERRIDE_SET, "TCP 192.0.2.100:80", "192.0.2.11:80",
					 "drain", &drain));
	/* a real server the store does not know: refused, nothing written */
	store_writer_put(w, override_rec(STORE_OVERRIDE_SET, "TCP 192.0.2.100:80", "192.0.2.99:80",
					 "drain", &bad));
	r = override_rec(STORE_OVERRIDE_SET, "TCP 192.0.2.100:80", "192.0.2.12:80", "weight", &weight);
	r->i[0] = 5;
	r->i[1] = store_now_ms() + 3600 * 1000;
	store_writer_put(w, r);
	assert_int_equal(drain.calls, 0);                /* not before the commit */
	store_writer_flush(w);
	assert_int_equal(drain.calls, 1);
	assert_int_equal(drain.status, 0);
	assert_int_equal(bad.calls, 1);
	assert_int_equal(bad.status, -1);
	assert_true(strlen(bad.err) > 0);
	assert_int_equal(weight.status, 0);

	db = store_open(f->path, true, err, sizeof(err));
	assert_int_equal(store_overrides_load(db, "real_server", store_now_ms(), &ov), 2);
	assert_int_equal(ov[0].kind, STORE_OV_DRAIN);
	assert_string_equal(ov[0].key[0], "TCP 192.0.2.100:80");
	assert_string_equal(ov[0].key[1], "192.0.2.11:80");
	assert_string_equal(ov[0].who, "alice");
	assert_string_equal(ov[0].reason, "kernel upgrade");
	assert_int_equal(ov[0].expires, 0);
	assert_int_equal(ov[1].kind, STORE_OV_WEIGHT);
	assert_int_equal(ov[1].value, 5);
	free(ov);
	/* after its expiry the weight override is not loaded */
	assert_int_equal(store_overrides_load(db, "real_server", store_now_ms() + 7200 * 1000, &ov), 1);
	free(ov);

	store_writer_put(w, override_rec(STORE_OVERRIDE_CLEAR, "TCP 192.0.2.100:80", "192.0.2.11:80",
					 "undrain", &clear));
	store_writer_flush(w);
	assert_int_equal(clear.status, 0);
	assert_int_equal(store_overrides_load(db, "real_server", store_now_ms(), &ov), 1);
	free(ov);
	/* every edit that was applied is in the audit log, with who and why */
	assert_int_equal(query_int(db, "SELECT count(*) FROM audit WHERE who = 'alice'"), 3);
	assert_int_equal(query_int(db, "SELECT count(*) FROM audit WHERE action = 'undrain' AND "
				       "target = 'TCP 192.0.2.100:80 192.0.2.11:80'"), 1);
	sqlite3_close(db);
	store_writer_free(w);
}

static void test_held_records_commit_together(void **state)
{
	struct fixture *f = *state;
	struct store_writer *w = writer(f);
	struct store_writer_stats before, after;

	store_writer_flush(w);
	store_writer_stats(w, &before);
	store_writer_hold(w);
	for (int i = 0; i < 50; i++) {
		char name[16];

		snprintf(name, sizeof(name), "VI_%d", i);
		put_instance(w, name);
	}
	store_writer_release(w);
	assert_int_equal(store_writer_flush(w), 0);
	store_writer_stats(w, &after);
	assert_int_equal(after.records - before.records, 50);
	assert_int_equal(after.transactions - before.transactions, 1);
	store_writer_free(w);
}

static void test_transitions_are_recorded(void **state)
{
	struct fixture *f = *state;
	struct store_writer *w = writer(f);
	const char *const names[] = { "VI_1", NULL };
	struct store_rec *r;
	char err[STORE_ERRLEN];
	sqlite3 *db;

	reload_instances(w, names);
	r = store_rec_new(STORE_VRRP_STATE);
	store_rec_str(r, 0, "VI_1");
	store_rec_str(r, 1, "BACKUP");
	store_rec_str(r, 2, "MASTER");
	store_rec_str(r, 3, "master down timer expired");
	r->i[0] = 100;
	store_writer_put(w, r);
	assert_int_equal(store_writer_flush(w), 0);
	db = store_open(f->path, true, err, sizeof(err));
	assert_int_equal(query_int(db, "SELECT count(*) FROM vrrp_transition t JOIN vrrp_instance i "
				       "ON i.id = t.instance_id WHERE i.name = 'VI_1' AND "
				       "t.to_state = 'MASTER'"), 1);
	assert_int_equal(query_int(db, "SELECT effective_priority FROM vrrp_instance "
				       "WHERE name = 'VI_1' AND state = 'MASTER'"), 100);
	sqlite3_close(db);
	store_writer_free(w);
}

/* ---- retention ------------------------------------------------------------ */

static void test_retention_bounds_history(void **state)
{
	struct fixture *f = *state;
	struct store_writer *w = writer(f);
	const char *const names[] = { "VI_1", NULL };
	struct store_retention keep = { .max_age_ms = 0, .max_rows = 0 };
	int64_t now = 1000000000;
	char err[STORE_ERRLEN];
	sqlite3 *db;

	reload_instances(w, names);
	store_writer_free(w);
	db = store_open(f->path, false, err, sizeof(err));
	/* 100 transitions, one a second, the last at `now` */
	for (int i = 0; i < 100; i++) {
		char sql[200];

		snprintf(sql, sizeof(sql), "INSERT INTO vrrp_transition (instance_id, at, from_state, "
			 "to_state, reason) VALUES (1, %lld, 'BACKUP', 'MASTER', 'x')",
			 (long long)(now - (99 - i) * 1000));
		exec_ok(db, sql);
	}
	/* no limits: nothing goes */
	assert_int_equal(store_prune(db, now, &keep), 0);
	/* by age: older than 30 s */
	keep.max_age_ms = 30 * 1000;
	assert_int_equal(store_prune(db, now, &keep), 69);
	assert_int_equal(query_int(db, "SELECT count(*) FROM vrrp_transition"), 31);
	/* by count: the newest 10 */
	keep.max_rows = 10;
	assert_int_equal(store_prune(db, now, &keep), 21);
	assert_int_equal(query_int(db, "SELECT count(*) FROM vrrp_transition"), 10);
	assert_int_equal(query_int(db, "SELECT min(at) FROM vrrp_transition"), now - 9 * 1000);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_database_gets_every_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_files_outlive_the_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_from_each_older_version_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_database_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_migration_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_file_is_moved_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_pages_are_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_ids_survive_reloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_server_ids_survive_reloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrides_are_acknowledged_after_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_records_commit_together, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transitions_are_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_bounds_history, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
