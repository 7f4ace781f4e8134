/*
 * ctl_out.c - vigilctl's output: errors, JSON, aligned tables, times.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl.h"

static char last_error[1024 + 512];

const char *ctl_last_error(void)
{
	return last_error;
}

int ctl_fail(const struct ctl *c, int code, int status, const char *fix, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(last_error, sizeof(last_error), "%s%s%s", msg, fix && *fix ? " - " : "", fix ? fix : "");
	if (fix && *fix)
		fprintf(stderr, "vigilctl: %s - %s\n", msg, fix);
	else
		fprintf(stderr, "vigilctl: %s\n", msg);
	if (c && c->json) {
		/* JSON strings are UTF-8: a name from the command line may be anything */
		for (char *q = msg; *q; q++)
			if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
				*q = '?';
		ctl_print_json(json_pack("{s:{s:i, s:o, s:s, s:o}}", "error", "exit_status", code,
					 "status", status ? json_integer(status) : json_null(),
					 "message", msg, "fix", snap_jtext(fix)));
	}
	return code;
}

int ctl_print_json(json_t *j)
{
	int rc = j && json_dumpf(j, stdout, JSON_INDENT(2)) == 0 ? 0 : 1;

	json_decref(j);
	putchar('\n');
	return rc;
}

const char *ctl_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "-");
	return buf;
}

/* ---- tables ----------------------------------------------------------------- */

enum row_kind { ROW_CELLS, ROW_TEXT, ROW_HEADER };

struct row {
	enum row_kind kind;
	size_t indent;
	char **cells;             /* ROW_CELLS: ncols; ROW_TEXT: one */
};

struct ctl_table {
	size_t ncols;
	char **heads;
	struct row *rows;
	size_t n, cap;
	size_t indent;            /* of the next rows */
	bool has_header;
};

/* Characters, not bytes: a UTF-8 continuation byte does not count. */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static char *dup_cell(const char *s)
{
	return strdup(s && *s ? s : "-");
}

struct ctl_table *ctl_table_new(size_t ncols, const char *const *heads)
{
	struct ctl_table *t = calloc(1, sizeof(*t));

	if (!t || !(t->heads = calloc(ncols, sizeof(*t->heads)))) {
		free(t);
		return NULL;
	}
	t->ncols = ncols;
	for (size_t i = 0; i < ncols; i++)
		t->heads[i] = strdup(heads[i]);
	return t;
}

static struct row *add_row(struct ctl_table *t, enum row_kind kind)
{
	if (!t)
		return NULL;
	if (t->n == t->cap) {
		struct row *r = realloc(t->rows, (t->cap = t->cap ? t->cap * 2 : 16) * sizeof(*r));

		if (!r)
			return NULL;
		t->rows = r;
	}
	t->rows[t->n] = (struct row){ .kind = kind, .indent = t->indent };
	return &t->rows[t->n++];
}

void ctl_table_row(struct ctl_table *t, const char *const *cells)
{
	struct row *r = add_row(t, ROW_CELLS);

	if (!r || !(r->cells = calloc(t->ncols, sizeof(*r->cells)))) {
		if (r)
			t->n--;
		return;
	}
	for (size_t i = 0; i < t->ncols; i++)
		r->cells[i] = dup_cell(cells[i]);
}

void ctl_table_text(struct ctl_table *t, const char *fmt, ...)
{
	struct row *r = add_row(t, ROW_TEXT);
	va_list ap;
	char *s = NULL;

	if (!r)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0 || !(r->cells = calloc(1, sizeof(*r->cells)))) {
		free(s);
		t->n--;
	} else {
		r->cells[0] = s;
	}
	va_end(ap);
}

void ctl_table_header(struct ctl_table *t, size_t indent)
{
	struct row *r = add_row(t, ROW_HEADER);

	if (r) {
		r->indent = indent;
		t->has_header = true;
	}
}

void ctl_table_indent(struct ctl_table *t, size_t indent)
{
	if (t)
		t->indent = indent;
}

static void print_cells(const struct ctl_table *t, char *const *cells, const size_t *w, size_t indent)
{
	printf("%*s", (int)indent, "");
	for (size_t i = 0; i < t->ncols; i++) {
		fputs(cells[i], stdout);
		if (i + 1 < t->ncols)   /* no trailing blanks */
			printf("%*s", (int)(w[i] - width(cells[i]) + 2), "");
	}
	putchar('\n');
}

void ctl_table_print(struct ctl_table *t)
{
	size_t *w;

	if (!t || !(w = calloc(t->ncols, sizeof(*w))))
		return;
	for (size_t i = 0; i < t->ncols; i++)
		w[i] = width(t->heads[i]);
	for (size_t k = 0; k < t->n; k++)
		if (t->rows[k].kind == ROW_CELLS)
			for (size_t i = 0; i < t->ncols; i++)
				if (width(t->rows[k].cells[i]) > w[i])
					w[i] = width(t->rows[k].cells[i]);
	if (!t->has_header)
		print_cells(t, t->heads, w, t->n ? t->rows[0].indent : 0);
	for (size_t k = 0; k < t->n; k++) {
		const struct row *r = &t->rows[k];

		if (r->kind == ROW_CELLS)
			print_cells(t, r->cells, w, r->indent);
		else if (r->kind == ROW_HEADER)
			print_cells(t, t->heads, w, r->indent);
		else
			printf("%s\n", r->cells[0]);
	}
	free(w);
}

void ctl_table_free(struct ctl_table *t)
{
	if (!t)
		return;
	for (size_t k = 0; k < t->n; k++) {
		size_t n = t->rows[k].kind == ROW_CELLS ? t->ncols : t->rows[k].kind == ROW_TEXT ? 1 : 0;

		for (size_t i = 0; i < n; i++)
			free(t->rows[k].cells[i]);
		free(t->rows[k].cells);
	}
	for (size_t i = 0; i < t->ncols; i++)
		free(t->heads[i]);
	free(t->heads);
	free(t->rows);
	free(t);
}
