/*
 * conf_diag.c - the diagnostics of a load: every problem with its place,
 * collected so that one run shows all of them (relayd's parse.y style).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1      /* vasprintf */
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_int.h"

void *conf_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fputs("vigil: out of memory while reading the configuration\n", stderr);
		abort();
	}
	return p;
}

void *conf_xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p) {
		fputs("vigil: out of memory while reading the configuration\n", stderr);
		abort();
	}
	return p;
}

void *conf_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		fputs("vigil: out of memory while reading the configuration\n", stderr);
		abort();
	}
	return q;
}

char *conf_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = conf_xmalloc(n);

	memcpy(p, s, n);
	return p;
}

void *conf_push(void *arr, size_t *n, size_t sz)
{
	void **pp = arr;
	size_t cnt = *n;
	char *base;

	/* The capacity is implied by the count: 4, then every power of two. */
	if (cnt == 0)
		*pp = conf_xmalloc(4 * sz);
	else if (cnt >= 4 && (cnt & (cnt - 1)) == 0)
		*pp = conf_xrealloc(*pp, 2 * cnt * sz);
	base = *pp;
	memset(base + cnt * sz, 0, sz);
	(*n)++;
	return base + cnt * sz;
}

/* One line, printable: control bytes would break "FILE:LINE: MSG" output
 * and terminals; a hostile config must not be able to write escapes. */
void conf_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void conf_diag_vadd(struct conf_diags *d, enum conf_severity sev,
		    const struct conf_loc *loc, const char *fmt, va_list ap)
{
	struct conf_diag *g;
	char *msg;

	if (sev == CONF_ERROR)
		d->n_errors++;
	else
		d->n_warnings++;
	if (d->n >= CONF_MAX_DIAGS)
		return;
	if (vasprintf(&msg, fmt, ap) < 0) {
		fputs("vigil: out of memory while reading the configuration\n", stderr);
		abort();
	}
	conf_sanitize(msg);
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->v = conf_xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	g = &d->v[d->n++];
	g->severity = sev;
	g->file = loc && loc->file ? conf_xstrdup(loc->file) : NULL;
	g->line = loc ? loc->line : 0;
	g->msg = msg;
	g->kind = CONF_DIAG_PROBLEM;
}

void conf_diag_add(struct conf_diags *d, enum conf_severity sev,
		   const struct conf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_diag_vadd(d, sev, loc, fmt, ap);
	va_end(ap);
}

void conf_err(struct conf_ctx *x, const struct conf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_diag_vadd(x->d, CONF_ERROR, loc, fmt, ap);
	va_end(ap);
}

void conf_warn(struct conf_ctx *x, const struct conf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_diag_vadd(x->d, CONF_WARNING, loc, fmt, ap);
	va_end(ap);
}

/* A warning of a kind: stored like any other, then marked (when it was
 * stored at all: past CONF_MAX_DIAGS only the counts go on). */
static void warn_kind(struct conf_ctx *x, enum conf_diag_kind kind, const struct conf_loc *loc,
		      const char *fmt, va_list ap) CONF_PRINTF(4, 0);
static void warn_kind(struct conf_ctx *x, enum conf_diag_kind kind, const struct conf_loc *loc,
		      const char *fmt, va_list ap)
{
	size_t before = x->d->n;

	conf_diag_vadd(x->d, CONF_WARNING, loc, fmt, ap);
	if (x->d->n > before)
		x->d->v[x->d->n - 1].kind = kind;
}

void conf_warn_ignored(struct conf_ctx *x, const struct conf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	warn_kind(x, CONF_DIAG_IGNORED, loc, fmt, ap);
	va_end(ap);
}

void conf_warn_unknown(struct conf_ctx *x, const struct conf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	warn_kind(x, CONF_DIAG_UNKNOWN, loc, fmt, ap);
	va_end(ap);
}

void conf_warn_differs(struct conf_ctx *x, const struct conf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	warn_kind(x, CONF_DIAG_DIFFERS, loc, fmt, ap);
	va_end(ap);
}

const char *conf_show(struct conf_ctx *x, const char *word)
{
	char *buf = x->shown[x->shown_i++ % 4];
	size_t max = sizeof(x->shown[0]) - 4, n = strnlen(word, max + 1);

	if (n <= max) {
		memcpy(buf, word, n + 1);
		return buf;
	}
	n = 60;
	while (n > 0 && ((unsigned char)word[n] & 0xc0) == 0x80)
		n--;        /* do not cut a UTF-8 sequence in two */
	memcpy(buf, word, n);
	memcpy(buf + n, "...", 4);
	return buf;
}

const char *conf_show_path(struct conf_ctx *x, const char *path)
{
	char *buf = x->shown_path[x->shown_i++ % 4];
	size_t max = sizeof(x->shown_path[0]) - 4, n = strlen(path);

	if (n <= max) {
		memcpy(buf, path, n + 1);
		return buf;
	}
	/* a long path keeps its end: the file name is what tells */
	path += n - max;
	while (((unsigned char)*path & 0xc0) == 0x80)
		path++;
	memcpy(buf, "...", 3);
	memcpy(buf + 3, path, strlen(path) + 1);
	return buf;
}

void conf_diags_free(struct conf_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

void conf_diags_print(const struct conf_diags *d, FILE *out)
{
	size_t total;

	for (size_t i = 0; i < d->n; i++) {
		const struct conf_diag *g = &d->v[i];
		const char *sev = g->severity == CONF_ERROR ? "error" : "warning";

		if (g->file && g->line > 0)
			fprintf(out, "%s:%d: %s: %s\n", g->file, g->line, sev, g->msg);
		else if (g->file)
			fprintf(out, "%s: %s: %s\n", g->file, sev, g->msg);
		else
			fprintf(out, "%s: %s\n", sev, g->msg);
	}
	total = (size_t)d->n_errors + (size_t)d->n_warnings;
	if (total > d->n)
		fprintf(out, "note: %zu more diagnostics not shown (%d errors, %d warnings in all)\n",
			total - d->n, d->n_errors, d->n_warnings);
}
