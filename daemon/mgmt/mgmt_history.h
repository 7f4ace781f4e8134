/*
 * mgmt_history.h - the REST API's history and audit pages, read from the
 * state store (mgmt's read-only connection): the VRRP and health
 * transitions, and the operators' edits, newest first, a page at a time.
 *
 * Paging is by keyset, not offset: a page ends with the key of its last
 * row, and the next page starts below it, so rows written meanwhile neither
 * repeat nor go missing.
 */
#ifndef VIGIL_MGMT_HISTORY_H
#define VIGIL_MGMT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sqlite3 sqlite3;

enum hist_kind { HIST_ANY = 0, HIST_VRRP, HIST_HEALTH, HIST_SPLIT };

/* 0 in an id or time field: no filter. */
struct hist_query {
	enum hist_kind kind;
	int64_t instance_id, rs_id;
	int64_t since_ms, until_ms;        /* at >= since, at < until */
	int limit;
	bool after;                         /* start below this key: */
	int64_t after_at, after_id;
	enum hist_kind after_kind;
};

struct hist_row {
	enum hist_kind kind;
	int64_t id, at_ms;
	int64_t instance_id, rs_id, vs_id;  /* 0 where not the row's kind */
	char *name, *from, *to, *reason;
};

/* Up to q->limit rows in *rows (free with hist_free); *more: a next page
 * exists.  -1 on an SQLite error (sqlite3_errmsg tells). */
int mgmt_history(sqlite3 *db, const struct hist_query *q, struct hist_row **rows, size_t *n, bool *more);
void hist_free(struct hist_row *rows, size_t n);

struct audit_query {
	const char *action, *who;           /* NULL: any */
	int64_t since_ms, until_ms;
	int limit;
	int64_t before_id;                  /* 0: from the newest */
};

struct audit_row {
	int64_t id, at_ms;
	char *who, *action, *target, *detail, *before, *after;   /* before/after NULL on old rows */
};

int mgmt_audit(sqlite3 *db, const struct audit_query *q, struct audit_row **rows, size_t *n, bool *more);
void audit_free(struct audit_row *rows, size_t n);

/* The split-brain status last recorded for instance `inst_id` ("split",
 * "ok", ...) in `out`; "" when none.  -1 on an SQLite error. */
int mgmt_split_last(sqlite3 *db, int64_t inst_id, char *out, size_t len);

#endif /* VIGIL_MGMT_HISTORY_H */
