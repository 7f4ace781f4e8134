/*
 * conf_report.c - the migration report of `vigild -t`: what of a
 * keepalived.conf runs the same under vigil, what vigil ignores, what it
 * does otherwise (see conf.h, conf_report()).  Pure: a parsed
 * configuration and its diagnostics in, text out.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_int.h"


/* One line of a section: where, and the text after "FILE:LINE: ". */
struct ritem {
	const char *file;
	int line;
	size_t rank;            /* the file's place in conf->files: file order */
	size_t seq;             /* order of adding: ties keep it */
	char *text;
};

struct rlist {
	struct ritem *v;
	size_t n;
};

struct report {
	const struct conf *c;
	struct rlist same, ignored, differs;
	size_t seq;
};

static size_t file_rank(const struct conf *c, const char *file)
{
	if (!file)
		return c->n_files + 1;
	for (size_t i = 0; i < c->n_files; i++)
		if (c->files[i] == file || strcmp(c->files[i], file) == 0)
			return i;
	return c->n_files;
}

static void radd(struct report *r, struct rlist *l, const char *file, int line,
		 const char *fmt, ...) CONF_PRINTF(5, 6);
static void radd(struct report *r, struct rlist *l, const char *file, int line,
		 const char *fmt, ...)
{
	struct ritem *it = conf_push(&l->v, &l->n, sizeof(*l->v));
	va_list ap;

	it->file = file;
	it->line = line;
	it->rank = file_rank(r->c, file);
	it->seq = r->seq++;
	va_start(ap, fmt);
	if (vasprintf(&it->text, fmt, ap) < 0) {
		fputs("vigil: out of memory while reading the configuration\n", stderr);
		abort();
	}
	va_end(ap);
	conf_sanitize(it->text);     /* names come from the file */
}

/* Append to a fixed buffer; what does not fit is cut. */
static void cat(char *buf, size_t len, const char *fmt, ...) CONF_PRINTF(3, 4);
static void cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

#define RNAME "%.64s"          /* names as shown in the report */
#define RLIST_MAX 4            /* names listed before "+N more" */

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* ", tracks script a, interface eth1, file f" or ", no trackers". */
static void trackers(const struct conf_vrrp *v, char *buf, size_t len)
{
	size_t shown = 0, total = v->n_track_scripts + v->n_track_ifs + v->n_track_files;

	if (!total) {
		cat(buf, len, ", no trackers");
		return;
	}
	cat(buf, len, ", tracks");
	for (size_t i = 0; i < v->n_track_scripts && shown < RLIST_MAX; i++, shown++)
		cat(buf, len, "%s script " RNAME, shown ? "," : "", v->track_scripts[i].name);
	for (size_t i = 0; i < v->n_track_ifs && shown < RLIST_MAX; i++, shown++)
		cat(buf, len, "%s interface " RNAME, shown ? "," : "", v->track_ifs[i].ifname);
	for (size_t i = 0; i < v->n_track_files && shown < RLIST_MAX; i++, shown++)
		cat(buf, len, "%s file " RNAME, shown ? "," : "", v->track_files[i].name);
	if (total > shown)
		cat(buf, len, " +%zu more", total - shown);
}

static void report_vrrp(struct report *r, const struct conf_vrrp *v)
{
	const struct conf *c = r->c;
	char more[512] = "";

	if (v->nopreempt)
		cat(more, sizeof(more), ", nopreempt");
	if (v->n_unicast_peers)
		cat(more, sizeof(more), ", unicast to %zu peer%s", v->n_unicast_peers,
		    plural(v->n_unicast_peers));
	cat(more, sizeof(more), ", %zu VIP%s", v->n_vips, plural(v->n_vips));
	if (v->n_vips_excluded)
		cat(more, sizeof(more), " (+%zu excluded)", v->n_vips_excluded);
	trackers(v, more, sizeof(more));
	if (v->vmac_xmit_base)
		radd(r, &r->ignored, v->loc.file, v->loc.line, "vrrp_instance " RNAME ": "
		     "vmac_xmit_base has no effect in vigil yet: adverts go out of the VMAC "
		     "interface", v->name);
	if (v->sync_group >= 0 && (size_t)v->sync_group < c->n_sync_groups)
		cat(more, sizeof(more), ", in sync group " RNAME, c->sync_groups[v->sync_group].name);
	radd(r, &r->same, v->loc.file, v->loc.line, "vrrp_instance " RNAME ": VRID %d on " RNAME
	     ", VRRPv%d%s, %s priority %d%s", v->name, v->vrid, v->interface ? v->interface : "?",
	     v->version, v->family == AF_INET6 ? " IPv6" : "",
	     v->state == CONF_STATE_MASTER ? "MASTER" : "BACKUP", v->priority, more);

	if (v->smtp_alert)
		radd(r, &r->ignored, v->loc.file, v->loc.line, "vrrp_instance " RNAME ": smtp_alert: "
		     "vigil sends no email; have notify scripts (notify_master, notify_fault) alert "
		     "you instead", v->name);
}

static void report_sync_group(struct report *r, const struct conf_sync_group *g)
{
	char more[512] = "";
	size_t k;

	for (k = 0; k < g->n_members && k < RLIST_MAX; k++)
		cat(more, sizeof(more), "%s " RNAME, k ? "," : "", g->members[k]);
	if (g->n_members > k)
		cat(more, sizeof(more), " +%zu more", g->n_members - k);
	radd(r, &r->same, g->loc.file, g->loc.line, "vrrp_sync_group " RNAME ": %zu instance%s:%s",
	     g->name, g->n_members, plural(g->n_members), more);
	if (g->smtp_alert)
		radd(r, &r->ignored, g->loc.file, g->loc.line, "vrrp_sync_group " RNAME ": smtp_alert: "
		     "vigil sends no email; have notify scripts (notify_master, notify_fault) alert "
		     "you instead", g->name);
}

static void report_vs(struct report *r, const struct conf_vs *vs)
{
	char name[128], more[512] = "", a[CONF_ADDR_STRLEN];
	size_t n_chk[CONF_CHK_MISC + 1] = { 0 }, any = 0;

	if (vs->is_fwmark)
		snprintf(name, sizeof(name), "fwmark %u", vs->fwmark);
	else if (vs->addr.family == AF_INET6)
		snprintf(name, sizeof(name), "[%s]:%d", conf_addr_str(&vs->addr, a), vs->port);
	else
		snprintf(name, sizeof(name), "%s:%d", conf_addr_str(&vs->addr, a), vs->port);
	if (vs->persistent)
		cat(more, sizeof(more), ", persistent %d s", vs->persistence_timeout);
	cat(more, sizeof(more), ", %zu real server%s", vs->n_rs, plural(vs->n_rs));
	for (size_t i = 0; i < vs->n_rs; i++)
		for (size_t j = 0; j < vs->rs[i].n_checkers; j++)
		{
			size_t t = (size_t)vs->rs[i].checkers[j].type;

			if (t < sizeof(n_chk) / sizeof(n_chk[0])) {
				n_chk[t]++;
				any++;
			}
		}
	if (!any)
		cat(more, sizeof(more), ", no checkers");
	for (int t = 0, first = 1; t <= CONF_CHK_MISC; t++) {
		if (!n_chk[t])
			continue;
		cat(more, sizeof(more), "%s %s x%zu", first ? ", checks" : ",",
		    conf_checker_name((enum conf_checker_type)t), n_chk[t]);
		first = 0;
	}
	if (vs->has_sorry_server)
		cat(more, sizeof(more), ", sorry server");
	radd(r, &r->same, vs->loc.file, vs->loc.line, "virtual_server %s/%s: %s, %s%s", name,
	     conf_proto_name(vs->protocol), vs->sched ? vs->sched : "wlc",
	     conf_lb_kind_name(vs->kind), more);
	if (vs->sorry_server_inhibit)
		radd(r, &r->ignored, vs->loc.file, vs->loc.line, "virtual_server %s: "
		     "sorry_server_inhibit has no effect in vigil yet: the sorry server gets "
		     "its configured weight", name);
}

/* "VI_1, VI_2" (the instances and groups tracking script/file i). */
static void users(const struct conf *c, size_t i, bool file, char *buf, size_t len)
{
	size_t n = 0;

	for (size_t k = 0; k < c->n_vrrps; k++) {
		const struct conf_vrrp *v = &c->vrrps[k];
		const struct conf_track_ref *refs = file ? v->track_files : v->track_scripts;
		size_t nr = file ? v->n_track_files : v->n_track_scripts;

		for (size_t j = 0; j < nr; j++)
			if (refs[j].index == (int)i) {
				if (n < RLIST_MAX)
					cat(buf, len, "%s" RNAME, n ? ", " : "", v->name);
				n++;
				break;
			}
	}
	for (size_t k = 0; !file && k < c->n_sync_groups; k++) {
		const struct conf_sync_group *g = &c->sync_groups[k];

		for (size_t j = 0; j < g->n_track_scripts; j++)
			if (g->track_scripts[j].index == (int)i) {
				if (n < RLIST_MAX)
					cat(buf, len, "%s" RNAME, n ? ", " : "", g->name);
				n++;
				break;
			}
	}
	if (n > RLIST_MAX)
		cat(buf, len, " +%zu more", n - RLIST_MAX);
	if (!n)
		cat(buf, len, "nothing");
}

static void report_script(struct report *r, const struct conf_script *s, size_t i)
{
	char by[512] = "", t[64] = "";

	users(r->c, i, false, by, sizeof(by));
	if (s->timeout > 0)
		snprintf(t, sizeof(t), ", timeout %g s", s->timeout);
	radd(r, &r->same, s->loc.file, s->loc.line, "vrrp_script " RNAME ": every %g s%s, weight "
	     "%d%s, rise %d, fall %d, used by %s", s->name, s->interval, t, s->weight,
	     s->weight_reverse ? " reverse" : "", s->rise, s->fall, by);
}

static void report_track_file(struct report *r, const struct conf_track_file *f, size_t i)
{
	char by[512] = "";

	users(r->c, i, true, by, sizeof(by));
	radd(r, &r->same, f->loc.file, f->loc.line, "track_file " RNAME ": %.200s, weight %d%s, "
	     "used by %s", f->name, f->path ? f->path : "?", f->weight,
	     f->weight_reverse ? " reverse" : "", by);
}

static int cmp_ritem(const void *pa, const void *pb)
{
	const struct ritem *a = pa, *b = pb;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void print_section(FILE *out, const char *name, const char *what, struct rlist *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_ritem);
	fprintf(out, "%s (%zu): %s\n", name, l->n, what);
	for (size_t i = 0; i < l->n; i++) {
		const struct ritem *it = &l->v[i];

		if (it->file && it->line > 0)
			fprintf(out, "  %s:%d: %s\n", it->file, it->line, it->text);
		else if (it->file)
			fprintf(out, "  %s: %s\n", it->file, it->text);
		else
			fprintf(out, "  %s\n", it->text);
		free(it->text);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void conf_report(const struct conf *c, const struct conf_diags *d, FILE *out)
{
	struct report r = { .c = c };
	const struct conf_global *g = &c->global;
	size_t total;

	for (size_t i = 0; i < c->n_vrrps; i++)
		report_vrrp(&r, &c->vrrps[i]);
	for (size_t i = 0; i < c->n_sync_groups; i++)
		report_sync_group(&r, &c->sync_groups[i]);
	for (size_t i = 0; i < c->n_vss; i++)
		report_vs(&r, &c->vss[i]);
	for (size_t i = 0; i < c->n_scripts; i++)
		report_script(&r, &c->scripts[i], i);
	for (size_t i = 0; i < c->n_track_files; i++)
		report_track_file(&r, &c->track_files[i], i);

	/* vigil has no mailer: keepalived's email settings are read, not used. */
	if (g->n_notification_email || g->smtp_server.family || g->notification_email_from) {
		const struct conf_loc *l = g->email_loc.line ? &g->email_loc : &g->loc;

		radd(&r, &r.ignored, l->file, l->line, "notification_email, smtp_server: vigil "
		     "sends no email alerts; have notify scripts (notify_master, notify_fault) "
		     "alert you instead");
	}

	if (g->lvs_id)
		radd(&r, &r.ignored, g->loc.file, g->loc.line, "lvs_id: vigil runs no LVS "
		     "connection sync daemon: no effect (router_id names the node)");

	for (size_t i = 0; d && i < d->n; i++) {
		const struct conf_diag *x = &d->v[i];

		if (x->severity != CONF_WARNING)
			continue;
		switch (x->kind) {
		case CONF_DIAG_IGNORED:
			radd(&r, &r.ignored, x->file, x->line, "%s", x->msg);
			break;
		case CONF_DIAG_UNKNOWN:
			radd(&r, &r.ignored, x->file, x->line, "[unknown] %s", x->msg);
			break;
		case CONF_DIAG_DIFFERS:
			radd(&r, &r.differs, x->file, x->line, "%s", x->msg);
			break;
		case CONF_DIAG_PROBLEM:
			break;
		}
	}

	fprintf(out, "keepalived migration report:\n");
	print_section(out, "same", "will run as under keepalived", &r.same);
	print_section(out, "ignored", "read but not acted on; remove each, or make sure you can "
		      "do without it", &r.ignored);
	print_section(out, "differs", "vigil does otherwise than keepalived; read each before "
		      "you switch", &r.differs);
	total = d ? (size_t)d->n_errors + (size_t)d->n_warnings : 0;
	if (d && total > d->n)
		fprintf(out, "note: %zu diagnostics were not kept, so 'ignored' and 'differs' may "
			"miss some\n", total - d->n);
}
