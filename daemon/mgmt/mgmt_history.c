/* mgmt_history.c - history and audit pages from the state store (mgmt_history.h). */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/mgmt_history.h"

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Newest first by (at, kind, id); kind sorts 'vrrp' > 'split-brain' > 'health'. */
static const char history_sql[] =
	"SELECT kind, id, at, inst, rs, vs, name, from_s, to_s, reason FROM ("
	" SELECT 'vrrp' AS kind, t.id AS id, t.at AS at, t.instance_id AS inst, NULL AS rs, NULL AS vs,"
	"  i.name AS name, t.from_state AS from_s, t.to_state AS to_s, t.reason AS reason"
	"  FROM vrrp_transition t JOIN vrrp_instance i ON i.id = t.instance_id"
	"  WHERE ?1 IN (0, 1) AND ?3 IS NULL AND (?2 IS NULL OR t.instance_id = ?2)"
	" UNION ALL"
	" SELECT 'health', h.id, h.at, NULL, h.rs_id, rs.vs_id, rs.key, h.from_health, h.to_health, h.reason"
	"  FROM health_transition h JOIN real_server rs ON rs.id = h.rs_id"
	"  WHERE ?1 IN (0, 2) AND ?2 IS NULL AND (?3 IS NULL OR h.rs_id = ?3)"
	" UNION ALL"
	" SELECT 'split-brain', b.id, b.at, b.instance_id, NULL, NULL, i.name, b.from_status, b.to_status, b.evidence"
	"  FROM split_brain_event b JOIN vrrp_instance i ON i.id = b.instance_id"
	"  WHERE ?1 IN (0, 3) AND ?3 IS NULL AND (?2 IS NULL OR b.instance_id = ?2)"
	") WHERE (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at < ?5)"
	" AND (?6 IS NULL OR (at, kind, id) < (?6, ?7, ?8))"
	" ORDER BY at DESC, kind DESC, id DESC LIMIT ?9";

static enum hist_kind kind_of(const char *k)
{
	return !k ? HIST_ANY : strcmp(k, "vrrp") == 0 ? HIST_VRRP : strcmp(k, "split-brain") == 0 ? HIST_SPLIT
	       : HIST_HEALTH;
}

int mgmt_history(sqlite3 *db, const struct hist_query *q, struct hist_row **rows, size_t *n, bool *more)
{
	sqlite3_stmt *st;
	struct hist_row *r = calloc((size_t)q->limit + 1, sizeof(*r));
	size_t k = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	*more = false;
	if (!r || sqlite3_prepare_v2(db, history_sql, -1, &st, NULL) != SQLITE_OK) {
		free(r);
		return -1;
	}
	sqlite3_bind_int(st, 1, q->kind);
	bind_opt(st, 2, q->instance_id);
	bind_opt(st, 3, q->rs_id);
	bind_opt(st, 4, q->since_ms);
	bind_opt(st, 5, q->until_ms);
	if (q->after) {
		sqlite3_bind_int64(st, 6, q->after_at);
		sqlite3_bind_text(st, 7, q->after_kind == HIST_VRRP ? "vrrp" : q->after_kind == HIST_SPLIT ? "split-brain"
					 : "health", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, q->after_id);
	}
	sqlite3_bind_int(st, 9, q->limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == (size_t)q->limit) {
			*more = true;
			break;
		}
		r[k] = (struct hist_row){
			.kind = kind_of((const char *)sqlite3_column_text(st, 0)),
			.id = sqlite3_column_int64(st, 1), .at_ms = sqlite3_column_int64(st, 2),
			.instance_id = sqlite3_column_int64(st, 3), .rs_id = sqlite3_column_int64(st, 4),
			.vs_id = sqlite3_column_int64(st, 5),
			.name = dup_col(st, 6), .from = dup_col(st, 7), .to = dup_col(st, 8), .reason = dup_col(st, 9),
		};
		k++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		hist_free(r, k);
		return -1;
	}
	*rows = r;
	*n = k;
	return 0;
}

void hist_free(struct hist_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].name);
		free(rows[i].from);
		free(rows[i].to);
		free(rows[i].reason);
	}
	free(rows);
}

static const char audit_sql[] =
	"SELECT id, at, who, action, target, detail, before, after FROM audit"
	" WHERE (?1 IS NULL OR action = ?1) AND (?2 IS NULL OR who = ?2)"
	" AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4) AND (?5 IS NULL OR id < ?5)"
	" ORDER BY id DESC LIMIT ?6";

int mgmt_audit(sqlite3 *db, const struct audit_query *q, struct audit_row **rows, size_t *n, bool *more)
{
	sqlite3_stmt *st;
	struct audit_row *r = calloc((size_t)q->limit + 1, sizeof(*r));
	size_t k = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	*more = false;
	if (!r || sqlite3_prepare_v2(db, audit_sql, -1, &st, NULL) != SQLITE_OK) {
		free(r);
		return -1;
	}
	if (q->action)
		sqlite3_bind_text(st, 1, q->action, -1, SQLITE_STATIC);
	if (q->who)
		sqlite3_bind_text(st, 2, q->who, -1, SQLITE_STATIC);
	bind_opt(st, 3, q->since_ms);
	bind_opt(st, 4, q->until_ms);
	bind_opt(st, 5, q->before_id);
	sqlite3_bind_int(st, 6, q->limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == (size_t)q->limit) {
			*more = true;
			break;
		}
		r[k] = (struct audit_row){
			.id = sqlite3_column_int64(st, 0), .at_ms = sqlite3_column_int64(st, 1),
			.who = dup_col(st, 2), .action = dup_col(st, 3), .target = dup_col(st, 4),
			.detail = dup_col(st, 5), .before = dup_col(st, 6), .after = dup_col(st, 7),
		};
		k++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		audit_free(r, k);
		return -1;
	}
	*rows = r;
	*n = k;
	return 0;
}

void audit_free(struct audit_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].who);
		free(rows[i].action);
		free(rows[i].target);
		free(rows[i].detail);
		free(rows[i].before);
		free(rows[i].after);
	}
	free(rows);
}

int mgmt_split_last(sqlite3 *db, int64_t inst_id, char *out, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT to_status FROM split_brain_event WHERE instance_id = ?1 "
			       "ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, inst_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}
