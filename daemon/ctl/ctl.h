/*
 * ctl.h - what the parts of vigilctl share: its options, its exit codes,
 * error output (text for people, JSON for scripts), aligned tables, and the
 * commands that read the state database.  Objects are JSON as the REST API
 * shows them (mgmt/snap_json.c), without IPVS's live figures, which only
 * mgmt has (connections and rates are null).
 *
 * vigilctl.c: main, usage, status and reload (pid file, signals), the edits
 *             (control socket);
 * ctl_out.c:  errors, aligned tables, times;
 * ctl_show.c: instances, servers, overrides, history and the status summary,
 *             from the state database (mgmt_snap.c, as mgmt reads it).
 */
#ifndef VIGIL_CTL_H
#define VIGIL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mgmt/mgmt_snap.h"
#include "mgmt/snap_json.h"

/* The exit status, for scripts (documented in --help and README.md). */
enum ctl_exit {
	CTL_OK = 0,
	CTL_FAIL = 1,       /* vigild is not running, or the command failed */
	CTL_USAGE = 2,      /* wrong command, arguments or options */
	CTL_REFUSED = 3,    /* vigild refused the edit (no such object, bad value) */
};

struct ctl {
	const char *pid_file, *control, *db;
	const char *reason;
	long expires_in, limit;
	bool json;                  /* -j: a JSON document on stdout */
};

/* ---- output (ctl_out.c) ------------------------------------------------- */

/*
 * A failure: "vigilctl: MESSAGE" on stderr, and with --json also
 * {"error": {"status": STATUS, "message": MESSAGE, "fix": FIX}} on stdout
 * (STATUS: vigild's answer for a refused edit, as the REST API gives it;
 * 0 when vigild did not answer).  Returns `code`, for `return ctl_fail(...)`.
 */
int ctl_fail(const struct ctl *c, int code, int status, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The last failure's text ("" none), e.g. for a JSON document. */
const char *ctl_last_error(void);

/* Print `j` (consumed) on stdout, indented; 0, or 1 when it could not be. */
int ctl_print_json(json_t *j);

/* "2026-12-04 15:20:01" in local time, "-" for none (ms <= 0). */
const char *ctl_time(int64_t ms, char *buf, size_t len);

/*
 * An aligned table for people: the widths of the columns are those of their
 * widest cell (in characters, UTF-8), two spaces between columns, no
 * trailing blanks, "-" for an empty cell.  Lines of free text may go
 * between the rows (e.g. one per group), and the header may be repeated
 * under each; without any ctl_table_header() it is printed first.
 */
struct ctl_table;
struct ctl_table *ctl_table_new(size_t ncols, const char *const *heads);
void ctl_table_row(struct ctl_table *t, const char *const *cells);   /* ncols cells */
void ctl_table_text(struct ctl_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_table_header(struct ctl_table *t, size_t indent);
void ctl_table_indent(struct ctl_table *t, size_t indent);   /* of the rows that follow */
void ctl_table_print(struct ctl_table *t);
void ctl_table_free(struct ctl_table *t);

/* ---- the state database (ctl_show.c) -------------------------------------- */

/* The database opened read-only, or NULL after ctl_fail(). */
sqlite3 *ctl_db_open(const struct ctl *c);
/* Read it as mgmt does; NULL after ctl_fail(). */
struct snap *ctl_snap_load(const struct ctl *c, sqlite3 *db);

/* The virtual server named as ipvsadm shows it ("TCP 192.0.2.100:80",
 * "FWM 1"), without the protocol for TCP, or by its id; NULL if none. */
const struct snap_vs *ctl_find_vs(const struct snap *s, const char *name);
/* A real server of `v` by ADDRESS:PORT, the address alone when only one
 * has it, or its id; NULL if none. */
const struct snap_rs *ctl_find_rs(const struct snap_vs *v, const char *name);
const struct snap_inst *ctl_find_inst(const struct snap *s, const char *name);

int ctl_instances(const struct ctl *c);
int ctl_servers(const struct ctl *c, const char *vs);
int ctl_overrides(const struct ctl *c);
int ctl_history(const struct ctl *c, const char *name);

/* status's part from the database: a table of the instances and one of the
 * virtual servers, or (json) their fields added to `doc`.  Never fails the
 * command: vigild runs whatever its database says; a problem is told. */
void ctl_status_summary(const struct ctl *c, json_t *doc);

#endif /* VIGIL_CTL_H */
