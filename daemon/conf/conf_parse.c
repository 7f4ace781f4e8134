/*
 * conf_parse.c - the statement tree -> the structs of conf.h.
 *
 * Each block kind has a table of its keywords: how many values each takes,
 * whether it opens a block, and the handler that stores it (most are the
 * generic ones below, driven by the field offset and the allowed range).
 * A keyword a table does not know is a warning that names the block and
 * suggests the nearest known keyword; a value a handler does not accept is
 * an error that says what to write instead.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_int.h"

/* One statement as the handlers see it: the words of a node, or a piece of
 * a one-line block's words ("auth_type PASS auth_pass 1"). */
struct stmt {
	const char *kw;
	char *const *args;
	size_t n;
	const struct conf_loc *loc;
	const struct cnode *block;      /* the node whose kids form the block, or NULL */
	bool brace_line;
};

struct kw;
typedef void kw_fn(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj);

#define KW_BLOCK    0x1     /* needs a { block } */
#define KW_OPTBLOCK 0x2     /* may have a block */
#define KW_MULTI    0x4     /* may be given several times */

struct kw {
	const char *name;
	short min, max;         /* number of values; max -1: any */
	unsigned char flags;
	kw_fn *fn;
	size_t off, off2;       /* fields of the block's struct for generic handlers */
	double lo, hi;          /* allowed range for numbers */
	const char *usage;      /* what to write, shown when the values are wrong */
	const char *range;      /* allowed values for messages, NULL: "lo..hi" */
};

struct blockdef {
	const struct kw *kws;              /* ends with a NULL name */
	const char *const *unsupported;    /* keepalived keywords vigil ignores */
};

static void run_block(struct conf_ctx *x, const struct cnode *blk, const struct blockdef *bd,
		      void *obj, const char *where);
static void run_block_seen(struct conf_ctx *x, const struct cnode *blk, const struct blockdef *bd,
			   void *obj, const char *where, struct conf_loc *seen);
static size_t kw_count(const struct blockdef *bd);
static const struct kw *find_kw(const struct blockdef *bd, const char *w);

#define FIELD(obj, off, type) ((type *)(void *)((char *)(obj) + (off)))

/* ------------------------------------------------------------------ */
/* Values                                                               */

enum num_res { NUM_OK, NUM_BAD, NUM_RANGE };

static enum num_res parse_long(const char *w, long *out)
{
	char *end;
	long v;

	if (!*w || isspace((unsigned char)*w))
		return NUM_BAD;
	errno = 0;
	v = strtol(w, &end, 10);
	if (*end)
		return NUM_BAD;
	if (errno == ERANGE)
		return NUM_RANGE;
	*out = v;
	return NUM_OK;
}

/* Decimal numbers only ("1", "0.5", "-3"): no hex, exponent, inf or nan. */
static enum num_res parse_num(const char *w, double *out)
{
	const char *p = w;
	bool digit = false;
	double v;

	if (*p == '+' || *p == '-')
		p++;
	for (; *p; p++) {
		if (isdigit((unsigned char)*p))
			digit = true;
		else if (*p != '.')
			return NUM_BAD;
	}
	if (!digit || strchr(w, '.') != strrchr(w, '.'))
		return NUM_BAD;
	v = strtod(w, NULL);
	if (!isfinite(v))
		return NUM_RANGE;
	*out = v;
	return NUM_OK;
}

static void range_text(const struct kw *k, char *buf, size_t len)
{
	if (k->range)
		snprintf(buf, len, "%s", k->range);
	else
		snprintf(buf, len, "%g..%g", k->lo, k->hi);
}

/* A parsed number against its keyword's range: the error, when there is
 * one, names the keyword, the word and the range to use. */
static bool number_ok(struct conf_ctx *x, const struct stmt *s, const struct kw *k, const char *w,
		      enum num_res r, double v, const char *what)
{
	char rt[128];

	if (r != NUM_BAD && r != NUM_RANGE && v >= k->lo && v <= k->hi)
		return true;
	range_text(k, rt, sizeof(rt));
	if (r == NUM_BAD)
		conf_err(x, s->loc, "%s '%s' is not %s: use %s", s->kw, conf_show(x, w), what, rt);
	else
		conf_err(x, s->loc, "%s %s is out of range: use %s", s->kw, conf_show(x, w), rt);
	return false;
}

static bool get_int(struct conf_ctx *x, const struct stmt *s, const struct kw *k,
		    const char *w, int *out)
{
	long v = 0;
	enum num_res r = parse_long(w, &v);

	if (!number_ok(x, s, k, w, r, (double)v, "a whole number"))
		return false;
	*out = (int)v;
	return true;
}

static bool get_num(struct conf_ctx *x, const struct stmt *s, const struct kw *k,
		    const char *w, double *out)
{
	double v = 0;
	enum num_res r = parse_num(w, &v);

	if (!number_ok(x, s, k, w, r, v, "a number"))
		return false;
	*out = v;
	return true;
}

static bool parse_bool_word(const char *w, bool *out)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(w, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(w, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool parse_addr(const char *w, struct conf_addr *a)
{
	struct conf_addr t = { 0 };

	if (inet_pton(AF_INET, w, &t.u.v4) == 1)
		t.family = AF_INET;
	else if (inet_pton(AF_INET6, w, &t.u.v6) == 1)
		t.family = AF_INET6;
	else
		return false;
	*a = t;
	return true;
}

static bool get_addr(struct conf_ctx *x, const struct stmt *s, const char *w,
		     struct conf_addr *a)
{
	if (parse_addr(w, a))
		return true;
	conf_err(x, s->loc, "%s: '%s' is not an IPv4 or IPv6 address: write it like "
		 "192.0.2.10 or 2001:db8::10", s->kw, conf_show(x, w));
	return false;
}

static bool get_port(struct conf_ctx *x, const struct stmt *s, const char *w, int *port)
{
	long v;
	enum num_res r = parse_long(w, &v);

	if (r == NUM_BAD) {
		conf_err(x, s->loc, "%s: port '%s' is not a number: use a port 1..65535",
			 s->kw, conf_show(x, w));
		return false;
	}
	if (r == NUM_RANGE || v < 1 || v > 65535) {
		conf_err(x, s->loc, "%s: port %s is out of range: use 1..65535", s->kw,
			 conf_show(x, w));
		return false;
	}
	*port = (int)v;
	return true;
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = conf_xstrdup(v);
}

/* A command line: one quoted word is kept as written; several words are
 * joined with blanks, quoting the ones that hold blanks. */
static char *join_cmd(char *const *args, size_t n)
{
	size_t len = 1;
	char *out, *p;

	if (n == 1)
		return conf_xstrdup(args[0]);
	for (size_t i = 0; i < n; i++)
		len += strlen(args[i]) + 3;
	out = p = conf_xmalloc(len);
	for (size_t i = 0; i < n; i++) {
		bool q = strpbrk(args[i], " \t") != NULL || !*args[i];

		if (i)
			*p++ = ' ';
		if (q)
			*p++ = '"';
		p = stpcpy(p, args[i]);
		if (q)
			*p++ = '"';
	}
	*p = '\0';
	return out;
}

/* Interface names and labels go into a kernel buffer of IFNAMSIZ. */
static bool check_ifname(struct conf_ctx *x, const struct stmt *s, const char *what,
			 const char *v)
{
	if (!*v || strlen(v) > CONF_NAME_MAX) {
		conf_err(x, s->loc, "%s '%s' is not a valid interface name: use 1..%d "
			 "characters", what, conf_show(x, v), CONF_NAME_MAX);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Generic handlers                                                     */

static void h_int(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	get_int(x, s, k, s->args[0], FIELD(obj, k->off, int));
}

static void h_num(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	get_num(x, s, k, s->args[0], FIELD(obj, k->off, double));
}

static bool flag_value(struct conf_ctx *x, const struct stmt *s, bool *v)
{
	*v = true;
	if (s->n == 0)
		return true;
	if (parse_bool_word(s->args[0], v))
		return true;
	conf_err(x, s->loc, "%s '%s': use on|off|true|false|yes|no, or '%s' alone for on",
		 s->kw, conf_show(x, s->args[0]), s->kw);
	return false;
}

static void h_flag(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	bool v;

	if (flag_value(x, s, &v))
		*FIELD(obj, k->off, bool) = v;
}

static void h_str(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	set_str(FIELD(obj, k->off, char *), s->args[0]);
}

static void h_cmd(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	char **f = FIELD(obj, k->off, char *);

	free(*f);
	*f = join_cmd(s->args, s->n);
}

static void h_addr(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	get_addr(x, s, s->args[0], FIELD(obj, k->off, struct conf_addr));
}

static void h_port(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	get_port(x, s, s->args[0], FIELD(obj, k->off, int));
}

/* "user USER [GROUP]" */
static void h_user(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	set_str(FIELD(obj, k->off, char *), s->args[0]);
	if (s->n > 1)
		set_str(FIELD(obj, k->off2, char *), s->args[1]);
}

/* "weight N [reverse]" */
static void h_weight(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	if (!get_int(x, s, k, s->args[0], FIELD(obj, k->off, int)))
		return;
	if (s->n > 1) {
		if (strcmp(s->args[1], "reverse") != 0)
			conf_err(x, s->loc, "weight %s '%s': only 'reverse' may follow the "
				 "weight: write '%s'", s->args[0], conf_show(x, s->args[1]),
				 k->usage);
		else
			*FIELD(obj, k->off2, bool) = true;
	}
}

/* Options vigil knows it does not implement: say so, keep loading. */
static void h_ignored(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	conf_warn_ignored(x, s->loc, "%s is obsolete and ignored: %s; remove the line", s->kw,
			  k->usage);
}

/* ------------------------------------------------------------------ */
/* global_defs                                                          */

static void h_words_list(struct conf_ctx *x, const struct cnode *blk, char ***list, size_t *n,
			 const char *what)
{
	for (size_t i = 0; i < blk->n_kids; i++) {
		const struct cnode *nd = &blk->kids[i];

		if (nd->has_block) {
			conf_err(x, &nd->loc, "'%s' in %s opens a block: %s takes one entry "
				 "per line, no blocks", conf_show(x, nd->w[0]), what, what);
			continue;
		}
		for (size_t j = 0; j < nd->n_w; j++)
			*(char **)conf_push(list, n, sizeof(char *)) = conf_xstrdup(nd->w[j]);
	}
}

static void h_emails(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_global *g = obj;

	if (!g->email_loc.line)
		g->email_loc = *s->loc;
	h_words_list(x, s->block, &g->notification_email, &g->n_notification_email,
		     "notification_email");
}

static void h_smtp(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_global *g = obj;
	struct conf_addr a;

	if (!g->email_loc.line)
		g->email_loc = *s->loc;
	if (!parse_addr(s->args[0], &a)) {
		/* keepalived also takes a host name; vigil does not resolve one,
		 * which must not stop a drop-in config from loading. */
		conf_warn_differs(x, s->loc, "smtp_server '%s' is not an IP address: vigil needs "
				  "one (e.g. smtp_server 192.0.2.25), so email alerts are off",
				  conf_show(x, s->args[0]));
		return;
	}
	g->smtp_server = a;
	if (s->n > 1)
		get_port(x, s, s->args[1], &g->smtp_port);
}

static void h_mcast(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_addr a;
	bool v6 = k->lo == 6;

	if (!get_addr(x, s, s->args[0], &a))
		return;
	if (a.family != (v6 ? AF_INET6 : AF_INET) ||
	    (v6 ? a.u.v6.s6_addr[0] != 0xff : (ntohl(a.u.v4.s_addr) >> 28) != 0xe)) {
		conf_err(x, s->loc, "%s %s is not an IPv%d multicast address: use %s",
			 s->kw, conf_show(x, s->args[0]), v6 ? 6 : 4,
			 v6 ? "an address in ff00::/8 (default ff02::12)"
			    : "an address in 224.0.0.0/4 (default 224.0.0.18)");
		return;
	}
	*FIELD(obj, k->off, struct conf_addr) = a;
}

static void h_snmp_rfc(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_global *g = obj;
	bool v;

	if (flag_value(x, s, &v))
		g->enable_snmp_rfc = g->enable_snmp_rfcv2 = g->enable_snmp_rfcv3 = v;
}

#define G(f) offsetof(struct conf_global, f)
static const struct kw global_kws[] = {
	{ "router_id", 1, 1, 0, h_str, G(router_id), 0, 0, 0, "router_id NAME", NULL },
	{ "notification_email", 0, 0, KW_BLOCK | KW_MULTI, h_emails, 0, 0, 0, 0,
	  "notification_email { ADDRESS ... }", NULL },
	{ "notification_email_from", 1, 1, 0, h_str, G(notification_email_from), 0, 0, 0,
	  "notification_email_from ADDRESS", NULL },
	{ "smtp_server", 1, 2, 0, h_smtp, 0, 0, 0, 0, "smtp_server ADDRESS [PORT]", NULL },
	{ "smtp_connect_timeout", 1, 1, 0, h_num, G(smtp_connect_timeout), 0, 1, 3600,
	  "smtp_connect_timeout SECONDS", "1..3600 s" },
	{ "vrrp_mcast_group4", 1, 1, 0, h_mcast, G(mcast_group4), 0, 4, 0,
	  "vrrp_mcast_group4 224.0.0.18", NULL },
	{ "vrrp_mcast_group6", 1, 1, 0, h_mcast, G(mcast_group6), 0, 6, 0,
	  "vrrp_mcast_group6 ff02::12", NULL },
	{ "vrrp_version", 1, 1, 0, h_int, G(vrrp_version), 0, 2, 3, "vrrp_version 2|3", "2 or 3" },
	{ "vrrp_garp_master_delay", 1, 1, 0, h_num, G(garp_master_delay), 0, 0, 86400,
	  "vrrp_garp_master_delay SECONDS", "0..86400 s" },
	{ "vrrp_garp_master_repeat", 1, 1, 0, h_int, G(garp_master_repeat), 0, 1, 1000,
	  "vrrp_garp_master_repeat COUNT", "1..1000" },
	{ "vrrp_garp_master_refresh", 1, 1, 0, h_num, G(garp_master_refresh), 0, 0, 86400,
	  "vrrp_garp_master_refresh SECONDS", "0..86400 s (0 = off)" },
	{ "vrrp_garp_master_refresh_repeat", 1, 1, 0, h_int, G(garp_master_refresh_repeat), 0, 1,
	  1000, "vrrp_garp_master_refresh_repeat COUNT", "1..1000" },
	{ "vrrp_strict", 0, 1, 0, h_flag, G(vrrp_strict), 0, 0, 0, "vrrp_strict", NULL },
	{ "vrrp_skip_check_adv_addr", 0, 1, 0, h_flag, G(vrrp_skip_check_adv_addr), 0, 0, 0,
	  "vrrp_skip_check_adv_addr", NULL },
	{ "enable_script_security", 0, 1, 0, h_flag, G(enable_script_security), 0, 0, 0,
	  "enable_script_security", NULL },
	{ "script_user", 1, 2, 0, h_user, G(script_user), G(script_group), 0, 0,
	  "script_user USER [GROUP]", NULL },
	{ "snmp_socket", 1, 1, 0, h_str, G(snmp_socket), 0, 0, 0,
	  "snmp_socket udp:HOST:PORT|unix:PATH", NULL },
	{ "enable_snmp_vrrp", 0, 1, 0, h_flag, G(enable_snmp_vrrp), 0, 0, 0, "enable_snmp_vrrp", NULL },
	{ "enable_snmp_keepalived", 0, 1, 0, h_flag, G(enable_snmp_vrrp), 0, 0, 0,
	  "enable_snmp_keepalived", NULL },
	{ "enable_snmp_checker", 0, 1, 0, h_flag, G(enable_snmp_checker), 0, 0, 0,
	  "enable_snmp_checker", NULL },
	{ "enable_snmp_rfc", 0, 1, 0, h_snmp_rfc, 0, 0, 0, 0, "enable_snmp_rfc", NULL },
	{ "enable_snmp_rfcv2", 0, 1, 0, h_flag, G(enable_snmp_rfcv2), 0, 0, 0, "enable_snmp_rfcv2", NULL },
	{ "enable_snmp_rfcv3", 0, 1, 0, h_flag, G(enable_snmp_rfcv3), 0, 0, 0, "enable_snmp_rfcv3", NULL },
	{ "enable_traps", 0, 1, 0, h_flag, G(enable_traps), 0, 0, 0, "enable_traps", NULL },
	{ "lvs_id", 1, 1, 0, h_str, G(lvs_id), 0, 0, 0, "lvs_id NAME", NULL },
	{ "notify_fifo", 1, 1, 0, h_str, G(notify_fifo), 0, 0, 0, "notify_fifo PATH", NULL },
	{ "vrrp_notify_fifo", 1, 1, 0, h_str, G(vrrp_notify_fifo), 0, 0, 0, "vrrp_notify_fifo PATH", NULL },
	{ NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, NULL },
};
#undef G

static const char *const global_unsupported[] = {
	"vrrp_iptables", "vrrp_ipsets", "vrrp_no_swap", "checker_no_swap", "vrrp_priority",
	"checker_priority", "vrrp_rt_priority", "checker_rt_priority", "max_auto_priority",
	"dynamic_interfaces", "notify_fifo_script",
	"vrrp_notify_fifo_script", "lvs_notify_fifo", "lvs_sync_daemon", "lvs_flush",
	"lvs_flush_onstop", "lvs_timeouts", "vrrp_check_unicast_src", "vrrp_garp_interval",
	"vrrp_gna_interval", "vrrp_lower_prio_no_advert", "vrrp_higher_prio_send_advert",
	"vrrp_garp_lower_prio_delay", "vrrp_garp_lower_prio_repeat", "smtp_helo_name",
	"no_email_faults", "default_interface", "vrrp_startup_delay", "vrrp_min_garp",
	"linkbeat_use_polling", "process_names", "vrrp_process_name", "checker_process_name",
	"enable_dbus", "umask", "child_wait_time", "script_security", NULL
};

static const struct blockdef global_bd = { global_kws, global_unsupported };

/* ------------------------------------------------------------------ */
/* vrrp_script / track_file                                             */

#define S(f) offsetof(struct conf_script, f)
static const struct kw script_kws[] = {
	{ "script", 1, -1, 0, h_cmd, S(script), 0, 0, 0, "script \"/path/to/check args\"", NULL },
	{ "interval", 1, 1, 0, h_num, S(interval), 0, 0.01, 86400, "interval SECONDS",
	  "0.01..86400 s" },
	{ "timeout", 1, 1, 0, h_num, S(timeout), 0, 0, 86400, "timeout SECONDS", "0..86400 s" },
	{ "weight", 1, 2, 0, h_weight, S(weight), S(weight_reverse), -253, 253,
	  "weight -253..253 [reverse]", "-253..253" },
	{ "rise", 1, 1, 0, h_int, S(rise), 0, 1, 1000000, "rise COUNT", "1..1000000" },
	{ "fall", 1, 1, 0, h_int, S(fall), 0, 1, 1000000, "fall COUNT", "1..1000000" },
	{ "user", 1, 2, 0, h_user, S(user), S(group), 0, 0, "user USER [GROUP]", NULL },
	{ "init_fail", 0, 1, 0, h_flag, S(init_fail), 0, 0, 0, "init_fail", NULL },
	{ NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, NULL },
};
#undef S
static const struct blockdef script_bd = { script_kws, NULL };

/* "init_file [MODE] [overwrite]": vigil only creates a missing file. */
static void h_init_file(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	((struct conf_track_file *)obj)->init_file = true;
}

#define T(f) offsetof(struct conf_track_file, f)
static const struct kw track_file_kws[] = {
	{ "file", 1, 1, 0, h_str, T(path), 0, 0, 0, "file PATH", NULL },
	{ "weight", 1, 2, 0, h_weight, T(weight), T(weight_reverse), -254, 254,
	  "weight -254..254 [reverse]", "-254..254" },
	{ "init_file", 0, 2, 0, h_init_file, 0, 0, 0, 0, "init_file [VALUE] [overwrite]", NULL },
	{ NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, NULL },
};
#undef T
static const struct blockdef track_file_bd = { track_file_kws, NULL };

/* ------------------------------------------------------------------ */
/* Lists inside instances and sync groups                               */

/* "NAME [weight N [reverse]]" items; a one-line block may hold several. */
struct ref_item {
	const char *name;
	int weight;
	bool weight_set;
	bool reverse;
};

/* Parse the items of one line; calls add() for each.  Returns false (and
 * reports) when the line is malformed. */
static void parse_ref_line(struct conf_ctx *x, const struct cnode *nd, const char *what,
			   int lo, int hi, bool allow_reverse,
			   void (*add)(struct conf_ctx *, const struct cnode *, const struct ref_item *, void *),
			   void *obj)
{
	struct kw wk = { .lo = lo, .hi = hi };
	char range[32];
	struct stmt s = { .kw = "weight", .loc = &nd->loc };
	size_t i = 0;

	snprintf(range, sizeof(range), "%d..%d", lo, hi);
	wk.range = range;
	if (nd->has_block) {
		conf_err(x, &nd->loc, "'%s' in %s opens a block: write one 'NAME [weight N]' "
			 "per line", conf_show(x, nd->w[0]), what);
		return;
	}
	while (i < nd->n_w) {
		struct ref_item it = { .name = nd->w[i++] };

		if (i < nd->n_w && strcmp(nd->w[i], "weight") == 0) {
			if (i + 1 >= nd->n_w) {
				conf_err(x, &nd->loc, "%s '%s': 'weight' needs a value: write "
					 "'%s weight %s'", what, conf_show(x, it.name),
					 conf_show(x, it.name), range);
				return;
			}
			s.args = &nd->w[i + 1];
			s.n = 1;
			if (!get_int(x, &s, &wk, nd->w[i + 1], &it.weight))
				return;
			it.weight_set = true;
			i += 2;
			if (i < nd->n_w && strcmp(nd->w[i], "reverse") == 0) {
				if (!allow_reverse) {
					conf_err(x, &nd->loc, "%s '%s': 'reverse' is not allowed "
						 "here: remove it", what, conf_show(x, it.name));
					return;
				}
				it.reverse = true;
				i++;
			}
		}
		if (i < nd->n_w && !nd->brace_line) {
			conf_err(x, &nd->loc, "%s: unexpected '%s' after '%s': write one "
				 "'NAME [weight N%s]' per line", what, conf_show(x, nd->w[i]),
				 conf_show(x, it.name), allow_reverse ? " [reverse]" : "");
			return;
		}
		add(x, nd, &it, obj);
	}
}

struct ref_list {
	struct conf_track_ref **v;
	size_t *n;
};

static void add_track_ref(struct conf_ctx *x, const struct cnode *nd, const struct ref_item *it,
			  void *obj)
{
	struct ref_list *l = obj;
	struct conf_track_ref *r = conf_push(l->v, l->n, sizeof(*r));

	r->loc = nd->loc;
	r->name = conf_xstrdup(it->name);
	r->index = -1;
	r->weight = it->weight;
	r->weight_set = it->weight_set;
	r->weight_reverse = it->reverse;
}

static void refs_block(struct conf_ctx *x, const struct stmt *s, struct conf_track_ref **v,
		       size_t *n, int lo, int hi, bool rev)
{
	struct ref_list l = { v, n };

	for (size_t i = 0; i < s->block->n_kids; i++)
		parse_ref_line(x, &s->block->kids[i], s->kw, lo, hi, rev, add_track_ref, &l);
}

static void h_vrrp_track_script(struct conf_ctx *x, const struct stmt *s, const struct kw *k,
				void *obj)
{
	struct conf_vrrp *v = obj;

	refs_block(x, s, &v->track_scripts, &v->n_track_scripts, -253, 253, true);
}

static void h_vrrp_track_file(struct conf_ctx *x, const struct stmt *s, const struct kw *k,
			      void *obj)
{
	struct conf_vrrp *v = obj;

	refs_block(x, s, &v->track_files, &v->n_track_files, -254, 254, true);
}

static void add_track_if(struct conf_ctx *x, const struct cnode *nd, const struct ref_item *it,
			 void *obj)
{
	struct conf_vrrp *v = obj;
	struct conf_track_if *t;
	struct stmt s = { .kw = "track_interface", .loc = &nd->loc };

	if (!check_ifname(x, &s, "track_interface", it->name))
		return;
	t = conf_push(&v->track_ifs, &v->n_track_ifs, sizeof(*t));
	t->loc = nd->loc;
	t->ifname = conf_xstrdup(it->name);
	t->weight = it->weight;
}

static void h_track_if(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	for (size_t i = 0; i < s->block->n_kids; i++)
		parse_ref_line(x, &s->block->kids[i], "track_interface", -254, 254, false,
			       add_track_if, obj);
}

static struct conf_vrrp_extra *vx_of(struct conf_ctx *x, const struct conf_vrrp *v)
{
	return &x->vx[v - x->c->vrrps];
}

/* ------------------------------------------------------------------ */
/* virtual_ipaddress lines                                              */

static bool parse_prefixed(const char *w, struct conf_addr *a, int *prefix, bool *bad_prefix)
{
	char buf[64];
	const char *slash = strchr(w, '/');
	size_t al = slash ? (size_t)(slash - w) : strlen(w);
	long p;

	*bad_prefix = false;
	if (al >= sizeof(buf))
		return false;
	memcpy(buf, w, al);
	buf[al] = '\0';
	if (!parse_addr(buf, a))
		return false;
	*prefix = a->family == AF_INET ? 32 : 128;
	if (slash) {
		if (parse_long(slash + 1, &p) != NUM_OK || p < 0 || p > *prefix ||
		    !isdigit((unsigned char)slash[1])) {
			*bad_prefix = true;
			return false;
		}
		*prefix = (int)p;
	}
	return true;
}

static bool parse_scope(const char *w, int *scope)
{
	static const struct { const char *name; int v; } names[] = {
		{ "global", 0 }, { "universe", 0 }, { "site", 200 }, { "link", 253 },
		{ "host", 254 }, { "nowhere", 255 },
	};
	long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(w, names[i].name) == 0) {
			*scope = names[i].v;
			return true;
		}
	if (parse_long(w, &v) == NUM_OK && v >= 0 && v <= 255) {
		*scope = (int)v;
		return true;
	}
	return false;
}

static void check_label(struct conf_ctx *x, const struct cnode *nd, const char *label)
{
	char ascii[CONF_NAME_MAX * 4 + 1];
	size_t j = 0;
	bool non_ascii = false;

	for (const char *p = label; *p; p++) {
		if ((unsigned char)*p >= 0x80)
			non_ascii = true;
		else if (j < sizeof(ascii) - 1)
			ascii[j++] = *p;
	}
	ascii[j] = '\0';
	if (strlen(label) > CONF_NAME_MAX)
		conf_err(x, &nd->loc, "label '%s' is longer than %d bytes, the kernel's limit: "
			 "shorten it", conf_show(x, label), CONF_NAME_MAX);
	else if (non_ascii)
		conf_warn(x, &nd->loc, "label '%s' has non-ASCII characters (pasted along?): it "
			  "is used as written; did you mean '%s'?", conf_show(x, label),
			  conf_show(x, ascii));
}

static const char *const vip_unsupported_arg[] = { "preferred_lft", "track_group", NULL };
static const char *const vip_unsupported_flag[] = {
	"no_track", "home", "nodad", "-nodad", "noprefixroute", "autojoin", NULL
};

static bool in_list(const char *const *l, const char *w)
{
	for (; l && *l; l++)
		if (strcmp(*l, w) == 0)
			return true;
	return false;
}

static void free_vip(struct conf_vip *v)
{
	free(v->dev);
	free(v->label);
}

static bool vip_report_addr(struct conf_ctx *x, const struct cnode *nd, const char *what,
			    const char *w, struct conf_addr *a, int *prefix)
{
	bool bad_prefix;

	if (parse_prefixed(w, a, prefix, &bad_prefix))
		return true;
	if (bad_prefix)
		conf_err(x, &nd->loc, "%s: the prefix of '%s' is out of range: use 0..32 for "
			 "IPv4, 0..128 for IPv6", what, conf_show(x, w));
	else
		conf_err(x, &nd->loc, "%s: '%s' is not an IPv4 or IPv6 address: write "
			 "ADDRESS[/PREFIX] [dev IF] [label LABEL], e.g. 192.0.2.10/24 dev eth0",
			 what, conf_show(x, w));
	return false;
}

/* ADDR[/PREFIX] [brd ADDR] [dev IF] [scope SCOPE] [label LABEL] */
static void parse_vip_line(struct conf_ctx *x, const struct cnode *nd, const char *what,
			   struct conf_vip **arr, size_t *cnt)
{
	size_t i = 0;

	if (nd->has_block) {
		conf_err(x, &nd->loc, "'%s' in %s opens a block: write one address per "
			 "line", conf_show(x, nd->w[0]), what);
		return;
	}
	while (i < nd->n_w) {
		struct conf_vip v = { .loc = nd->loc };
		struct stmt s = { .kw = what, .loc = &nd->loc };

		if (!vip_report_addr(x, nd, what, nd->w[i], &v.addr, &v.prefix))
			return;
		for (i++; i < nd->n_w; ) {
			const char *o = nd->w[i], *val = i + 1 < nd->n_w ? nd->w[i + 1] : NULL;
			struct conf_addr tmp;
			int tp;

			if (in_list(vip_unsupported_flag, o)) {
				conf_warn_ignored(x, &nd->loc, "%s: option '%s' is not supported "
						  "by vigil yet: ignored", what, o);
				i++;
				continue;
			}
			if (nd->brace_line && parse_prefixed(o, &tmp, &tp, &(bool){ false }))
				break;          /* the next address of a one-line block */
			if (strcmp(o, "brd") && strcmp(o, "broadcast") && strcmp(o, "dev") &&
			    strcmp(o, "scope") && strcmp(o, "label") &&
			    !in_list(vip_unsupported_arg, o)) {
				conf_err(x, &nd->loc, "%s: unknown option '%s' after %s: use brd "
					 "ADDR, dev IF, scope SCOPE or label LABEL", what,
					 conf_show(x, o), conf_show(x, nd->w[0]));
				free_vip(&v);
				return;
			}
			if (!val) {
				conf_err(x, &nd->loc, "%s: '%s' needs a value: write '%s VALUE'",
					 what, o, o);
				free_vip(&v);
				return;
			}
			i += 2;
			if (in_list(vip_unsupported_arg, o)) {
				conf_warn_ignored(x, &nd->loc, "%s: option '%s' is not supported "
						  "by vigil yet: ignored", what, o);
			} else if (o[0] == 'b') {
				if (!get_addr(x, &s, val, &v.brd)) {
					free_vip(&v);
					return;
				}
				if (v.brd.family != v.addr.family) {
					conf_err(x, &nd->loc, "%s: broadcast %s is not of the "
						 "address's family", what, conf_show(x, val));
					free_vip(&v);
					return;
				}
			} else if (o[0] == 'd') {
				if (!check_ifname(x, &s, "dev", val)) {
					free_vip(&v);
					return;
				}
				set_str(&v.dev, val);
			} else if (o[0] == 's') {
				if (!parse_scope(val, &v.scope)) {
					conf_err(x, &nd->loc, "%s: scope '%s' is not valid: use "
						 "global, site, link, host, nowhere or 0..255",
						 what, conf_show(x, val));
					free_vip(&v);
					return;
				}
			} else {
				check_label(x, nd, val);
				set_str(&v.label, val);
			}
		}
		*(struct conf_vip *)conf_push(arr, cnt, sizeof(v)) = v;
	}
}

static void h_vips(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;
	bool excl = k->lo != 0;

	if (!excl && s->block->n_kids)
		vx_of(x, v)->vips_written = true;

	for (size_t i = 0; i < s->block->n_kids; i++)
		parse_vip_line(x, &s->block->kids[i], s->kw,
			       excl ? &v->vips_excluded : &v->vips,
			       excl ? &v->n_vips_excluded : &v->n_vips);
}

/* ------------------------------------------------------------------ */
/* vrrp_instance                                                        */


static void h_state(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;

	if (strcasecmp(s->args[0], "MASTER") == 0)
		v->state = CONF_STATE_MASTER;
	else if (strcasecmp(s->args[0], "BACKUP") == 0)
		v->state = CONF_STATE_BACKUP;
	else {
		conf_err(x, s->loc, "state '%s' is not valid: use MASTER or BACKUP",
			 conf_show(x, s->args[0]));
		return;
	}
	vx_of(x, v)->state_loc = *s->loc;
}

static void h_interface(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	if (check_ifname(x, s, "interface", s->args[0]))
		h_str(x, s, k, obj);
}

static void h_vrid(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;

	if (get_int(x, s, k, s->args[0], &v->vrid))
		vx_of(x, v)->vrid_loc = *s->loc;
}

static void h_priority(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;

	if (get_int(x, s, k, s->args[0], &v->priority))
		vx_of(x, v)->priority_loc = *s->loc;
}

/* The allowed range depends on the VRRP version, known only once
 * global_defs has been read: conf_check.c judges the value. */
static void h_advert(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;
	double d;

	if (parse_num(s->args[0], &d) != NUM_OK) {
		conf_err(x, s->loc, "advert_int '%s' is not a number: use 1..255 s (VRRPv2) "
			 "or 0.01..40.95 s (VRRPv3)", conf_show(x, s->args[0]));
		return;
	}
	v->advert_int = d;
	vx_of(x, v)->advert_loc = *s->loc;
}

static void h_version(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;

	if (get_int(x, s, k, s->args[0], &v->version))
		vx_of(x, v)->version_set = true;
}

static void h_vaddr(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;
	struct conf_vrrp_extra *e = vx_of(x, v);

	if (!get_addr(x, s, s->args[0], FIELD(obj, k->off, struct conf_addr)))
		return;
	if (k->off == offsetof(struct conf_vrrp, mcast_src_ip))
		e->mcast_src_loc = *s->loc;
	else
		e->unicast_src_loc = *s->loc;
}

static void h_accept(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;
	bool b;

	if (!flag_value(x, s, &b))
		return;
	v->accept = k->lo ? !b : b;         /* no_accept */
	vx_of(x, v)->accept_set = true;
}

static void h_nopreempt(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;
	bool b;

	if (!flag_value(x, s, &b))
		return;
	v->nopreempt = b;
	vx_of(x, v)->nopreempt_loc = *s->loc;
}

/* garp_*: remembered as set so that global_defs does not override them. */
static void h_garp(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;
	struct conf_vrrp_extra *e = vx_of(x, v);
	size_t off = k->off;
	bool ok;

	if (off == offsetof(struct conf_vrrp, garp_master_delay) ||
	    off == offsetof(struct conf_vrrp, garp_master_refresh))
		ok = get_num(x, s, k, s->args[0], FIELD(obj, off, double));
	else
		ok = get_int(x, s, k, s->args[0], FIELD(obj, off, int));
	if (!ok)
		return;
	if (off == offsetof(struct conf_vrrp, garp_master_delay))
		e->garp_delay_set = true;
	else if (off == offsetof(struct conf_vrrp, garp_master_repeat))
		e->garp_repeat_set = true;
	else if (off == offsetof(struct conf_vrrp, garp_master_refresh))
		e->garp_refresh_set = true;
	else
		e->garp_refresh_repeat_set = true;
}

static void h_use_vmac(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;

	if (s->n > 0) {
		if (!check_ifname(x, s, "use_vmac", s->args[0]))
			return;
		set_str(&v->vmac_name, s->args[0]);
	}
	v->use_vmac = true;
}

static void h_unicast_peer(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;
	struct conf_vrrp_extra *e = vx_of(x, v);

	for (size_t i = 0; i < s->block->n_kids; i++) {
		const struct cnode *nd = &s->block->kids[i];
		struct stmt ls = { .kw = "unicast_peer", .loc = &nd->loc };

		if (nd->has_block) {
			conf_err(x, &nd->loc, "'%s' in unicast_peer opens a block: write one "
				 "address per line", conf_show(x, nd->w[0]));
			continue;
		}
		for (size_t j = 0; j < nd->n_w; j++) {
			struct conf_addr a;
			size_t np;

			if (strcmp(nd->w[j], "min_ttl") == 0 || strcmp(nd->w[j], "max_ttl") == 0) {
				conf_warn_ignored(x, &nd->loc, "unicast_peer: '%s' is not supported "
						  "by vigil yet: ignored", nd->w[j]);
				j++;
				continue;
			}
			if (j > 0 && !nd->brace_line) {
				conf_err(x, &nd->loc, "unicast_peer: unexpected '%s': write one "
					 "address per line", conf_show(x, nd->w[j]));
				break;
			}
			if (!get_addr(x, &ls, nd->w[j], &a))
				break;
			np = v->n_unicast_peers;
			*(struct conf_addr *)conf_push(&v->unicast_peers, &v->n_unicast_peers,
						       sizeof(a)) = a;
			*(struct conf_loc *)conf_push(&e->peer_locs, &np, sizeof(struct conf_loc)) =
				nd->loc;
		}
	}
}

static void h_auth_type(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;

	vx_of(x, v)->auth_type_written = true;
	if (strcasecmp(s->args[0], "PASS") == 0)
		v->auth_type = CONF_AUTH_PASS;
	else if (strcasecmp(s->args[0], "AH") == 0)
		v->auth_type = CONF_AUTH_AH;
	else {
		conf_err(x, s->loc, "auth_type '%s' is not valid: use PASS or AH",
			 conf_show(x, s->args[0]));
		return;
	}
	vx_of(x, v)->auth_loc = *s->loc;
}

/* RFC 3768 5.3.10: the authentication data is 8 octets. */
static void h_auth_pass(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vrrp *v = obj;
	size_t len = strlen(s->args[0]);

	if (len == 0) {
		conf_err(x, s->loc, "auth_pass is empty: give 1 to 8 characters");
		return;
	}
	memset(v->auth_pass, 0, sizeof(v->auth_pass));
	memcpy(v->auth_pass, s->args[0], len > 8 ? 8 : len);
	if (len > 8)
		conf_warn(x, s->loc, "auth_pass is longer than 8 characters: only the first 8 "
			  "('%s') are used, as keepalived does; shorten it to make that plain",
			  v->auth_pass);
	if (!vx_of(x, v)->auth_loc.line)
		vx_of(x, v)->auth_loc = *s->loc;
}

static const struct kw auth_kws[] = {
	{ "auth_type", 1, 1, 0, h_auth_type, 0, 0, 0, 0, "auth_type PASS|AH", NULL },
	{ "auth_pass", 1, 1, 0, h_auth_pass, 0, 0, 0, 0, "auth_pass SECRET", NULL },
	{ NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, NULL },
};
static const struct blockdef auth_bd = { auth_kws, NULL };

static void h_auth(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	run_block(x, s->block, &auth_bd, obj, "in authentication");
}

#define V(f) offsetof(struct conf_vrrp, f)
static const struct kw vrrp_kws[] = {
	{ "state", 1, 1, 0, h_state, 0, 0, 0, 0, "state MASTER|BACKUP", NULL },
	{ "interface", 1, 1, 0, h_interface, V(interface), 0, 0, 0, "interface IFNAME", NULL },
	{ "virtual_router_id", 1, 1, 0, h_vrid, 0, 0, 1, 255, "virtual_router_id 1..255", "1..255" },
	{ "priority", 1, 1, 0, h_priority, 0, 0, 1, 255, "priority 1..255",
	  "1..255 (255 only for the address owner)" },
	{ "advert_int", 1, 1, 0, h_advert, 0, 0, 0, 0, "advert_int SECONDS", NULL },
	{ "version", 1, 1, 0, h_version, 0, 0, 2, 3, "version 2|3", "2 or 3" },
	{ "authentication", 0, 0, KW_BLOCK, h_auth, 0, 0, 0, 0,
	  "authentication { auth_type PASS auth_pass SECRET }", NULL },
	{ "virtual_ipaddress", 0, 0, KW_BLOCK | KW_MULTI, h_vips, 0, 0, 0, 0,
	  "virtual_ipaddress { ADDRESS[/PREFIX] ... }", NULL },
	{ "virtual_ipaddress_excluded", 0, 0, KW_BLOCK | KW_MULTI, h_vips, 0, 0, 1, 0,
	  "virtual_ipaddress_excluded { ADDRESS[/PREFIX] ... }", NULL },
	{ "track_interface", 0, 0, KW_BLOCK | KW_MULTI, h_track_if, 0, 0, 0, 0,
	  "track_interface { IFNAME [weight N] }", NULL },
	{ "track_script", 0, 0, KW_BLOCK | KW_MULTI, h_vrrp_track_script, 0, 0, 0, 0,
	  "track_script { NAME [weight N [reverse]] }", NULL },
	{ "track_file", 0, 0, KW_BLOCK | KW_MULTI, h_vrrp_track_file, 0, 0, 0, 0,
	  "track_file { NAME [weight N [reverse]] }", NULL },
	{ "nopreempt", 0, 1, 0, h_nopreempt, 0, 0, 0, 0, "nopreempt", NULL },
	{ "preempt_delay", 1, 1, 0, h_num, V(preempt_delay), 0, 0, 1000, "preempt_delay SECONDS",
	  "0..1000 s" },
	{ "mcast_src_ip", 1, 1, 0, h_vaddr, V(mcast_src_ip), 0, 0, 0, "mcast_src_ip ADDRESS", NULL },
	{ "unicast_src_ip", 1, 1, 0, h_vaddr, V(unicast_src_ip), 0, 0, 0, "unicast_src_ip ADDRESS",
	  NULL },
	{ "unicast_peer", 0, 0, KW_BLOCK | KW_MULTI, h_unicast_peer, 0, 0, 0, 0,
	  "unicast_peer { ADDRESS ... }", NULL },
	{ "notify_master", 1, -1, 0, h_cmd, V(notify_master), 0, 0, 0, "notify_master \"COMMAND\"", NULL },
	{ "notify_backup", 1, -1, 0, h_cmd, V(notify_backup), 0, 0, 0, "notify_backup \"COMMAND\"", NULL },
	{ "notify_fault", 1, -1, 0, h_cmd, V(notify_fault), 0, 0, 0, "notify_fault \"COMMAND\"", NULL },
	{ "notify_stop", 1, -1, 0, h_cmd, V(notify_stop), 0, 0, 0, "notify_stop \"COMMAND\"", NULL },
	{ "notify", 1, -1, 0, h_cmd, V(notify), 0, 0, 0, "notify \"COMMAND\"", NULL },
	{ "smtp_alert", 0, 1, 0, h_flag, V(smtp_alert), 0, 0, 0, "smtp_alert", NULL },
	{ "accept", 0, 1, 0, h_accept, 0, 0, 0, 0, "accept", NULL },
	{ "no_accept", 0, 1, 0, h_accept, 0, 0, 1, 0, "no_accept", NULL },
	{ "garp_master_delay", 1, 1, 0, h_garp, V(garp_master_delay), 0, 0, 86400,
	  "garp_master_delay SECONDS", "0..86400 s" },
	{ "garp_master_repeat", 1, 1, 0, h_garp, V(garp_master_repeat), 0, 1, 1000,
	  "garp_master_repeat COUNT", "1..1000" },
	{ "garp_master_refresh", 1, 1, 0, h_garp, V(garp_master_refresh), 0, 0, 86400,
	  "garp_master_refresh SECONDS", "0..86400 s (0 = off)" },
	{ "garp_master_refresh_repeat", 1, 1, 0, h_garp, V(garp_master_refresh_repeat), 0, 1, 1000,
	  "garp_master_refresh_repeat COUNT", "1..1000" },
	{ "use_vmac", 0, 1, 0, h_use_vmac, 0, 0, 0, 0, "use_vmac [IFNAME]", NULL },
	{ "vmac_xmit_base", 0, 1, 0, h_flag, V(vmac_xmit_base), 0, 0, 0, "vmac_xmit_base", NULL },
	{ "dont_track_primary", 0, 1, 0, h_flag, V(dont_track_primary), 0, 0, 0,
	  "dont_track_primary", NULL },
	{ "native_ipv6", 0, 1, 0, h_flag, V(native_ipv6), 0, 0, 0, "native_ipv6", NULL },
	{ NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, NULL },
};
#undef V

static const char *const vrrp_unsupported[] = {
	"lvs_sync_daemon_interface", "garp_lower_prio_delay", "garp_lower_prio_repeat",
	"lower_prio_no_advert", "higher_prio_send_advert", "debug", "strict_mode",
	"skip_check_adv_addr", "check_unicast_src", "track_process", "track_bfd",
	"kernel_rx_buf_size", "unicast_ttl", "notify_master_rx_lower_pri", "notify_deleted",
	"virtual_routes", "virtual_rules", "promote_secondaries", "linkbeat_use_polling",
	"unicast_fault_no_peer", "track_src_ip", "use_ipvlan", "old_unicast_checksum",
	"garp_extra_if", "mcast_dst_ip", NULL
};
static const struct blockdef vrrp_bd = { vrrp_kws, vrrp_unsupported };

/* ------------------------------------------------------------------ */
/* vrrp_sync_group                                                      */

static void h_group(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_sync_group *g = obj;

	for (size_t i = 0; i < s->block->n_kids; i++) {
		const struct cnode *nd = &s->block->kids[i];

		if (nd->has_block) {
			conf_err(x, &nd->loc, "'%s' in group opens a block: list instance "
				 "names only", conf_show(x, nd->w[0]));
			continue;
		}
		for (size_t j = 0; j < nd->n_w; j++) {
			size_t nl = g->n_members, ni = g->n_members;

			*(char **)conf_push(&g->members, &g->n_members, sizeof(char *)) =
				conf_xstrdup(nd->w[j]);
			*(struct conf_loc *)conf_push(&g->member_locs, &nl, sizeof(struct conf_loc)) =
				nd->loc;
			*(int *)conf_push(&g->member_index, &ni, sizeof(int)) = -1;
		}
	}
}

static void h_sg_track_script(struct conf_ctx *x, const struct stmt *s, const struct kw *k,
			      void *obj)
{
	struct conf_sync_group *g = obj;

	refs_block(x, s, &g->track_scripts, &g->n_track_scripts, -253, 253, true);
	conf_warn_ignored(x, s->loc, "track_script in a vrrp_sync_group is not acted on by vigil "
			  "yet (the names are checked): put the track_script block in each member "
			  "vrrp_instance instead");
}

#define SG(f) offsetof(struct conf_sync_group, f)
static const struct kw sync_kws[] = {
	{ "group", 0, 0, KW_BLOCK | KW_MULTI, h_group, 0, 0, 0, 0, "group { INSTANCE ... }", NULL },
	{ "notify_master", 1, -1, 0, h_cmd, SG(notify_master), 0, 0, 0, "notify_master \"COMMAND\"", NULL },
	{ "notify_backup", 1, -1, 0, h_cmd, SG(notify_backup), 0, 0, 0, "notify_backup \"COMMAND\"", NULL },
	{ "notify_fault", 1, -1, 0, h_cmd, SG(notify_fault), 0, 0, 0, "notify_fault \"COMMAND\"", NULL },
	{ "notify_stop", 1, -1, 0, h_cmd, SG(notify_stop), 0, 0, 0, "notify_stop \"COMMAND\"", NULL },
	{ "notify", 1, -1, 0, h_cmd, SG(notify), 0, 0, 0, "notify \"COMMAND\"", NULL },
	{ "smtp_alert", 0, 1, 0, h_flag, SG(smtp_alert), 0, 0, 0, "smtp_alert", NULL },
	{ "track_script", 0, 0, KW_BLOCK | KW_MULTI, h_sg_track_script, 0, 0, 0, 0,
	  "track_script { NAME [weight N] }", NULL },
	{ NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, NULL },
};
#undef SG
static const char *const sync_unsupported[] = {
	"global_tracking", "sync_group_tracking_weight", "track_interface", "track_file",
	"track_process", "track_bfd", "notify_priority_changes", NULL
};
static const struct blockdef sync_bd = { sync_kws, sync_unsupported };

/* ------------------------------------------------------------------ */
/* Checkers                                                             */

static void h_digest(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	const char *d = s->args[0];
	size_t n = strspn(d, "0123456789abcdefABCDEF");

	if (n != 32 || d[n]) {
		conf_err(x, s->loc, "digest '%s' is not an MD5 digest: give the 32 hex digits "
			 "that genhash prints", conf_show(x, d));
		return;
	}
	set_str(&((struct conf_url *)obj)->digest, d);
}

#define U(f) offsetof(struct conf_url, f)
static const struct kw url_kws[] = {
	{ "path", 1, 1, 0, h_str, U(path), 0, 0, 0, "path /URL/PATH", NULL },
	{ "digest", 1, 1, 0, h_digest, 0, 0, 0, 0, "digest MD5HEX", NULL },
	{ "status_code", 1, 1, 0, h_int, U(status_code), 0, 100, 599, "status_code 100..599",
	  "an HTTP status 100..599" },
	{ NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, NULL },
};
#undef U
static const char *const url_unsupported[] = {
	"regex", "regex_no_match", "regex_options", "regex_stack", "regex_min_offset",
	"regex_max_offset", "digest_file", NULL
};
static const struct blockdef url_bd = { url_kws, url_unsupported };

static void h_url(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_checker *ck = obj;
	struct conf_url *u = conf_push(&ck->urls, &ck->n_urls, sizeof(*u));

	u->loc = *s->loc;
	run_block(x, s->block, &url_bd, u, "in url");
	if (!u->path)
		conf_err(x, s->loc, "url has no path: add 'path /' (or the page to fetch) "
			 "inside the url block");
}

#define C(f) offsetof(struct conf_checker, f)
#define CHK_TIMING \
	{ "retry", 1, 1, 0, h_int, C(retry), 0, 0, 1000000, "retry COUNT", "0..1000000" }, \
	{ "nb_get_retry", 1, 1, 0, h_int, C(retry), 0, 0, 1000000, "nb_get_retry COUNT", \
	  "0..1000000" }, \
	{ "delay_before_retry", 1, 1, 0, h_num, C(delay_before_retry), 0, 0, 86400, \
	  "delay_before_retry SECONDS", "0..86400 s" }, \
	{ "delay_loop", 1, 1, 0, h_num, C(delay_loop), 0, 0.01, 86400, "delay_loop SECONDS", \
	  "0.01..86400 s" }, \
	{ "warmup", 1, 1, 0, h_num, C(warmup), 0, 0, 86400, "warmup SECONDS", "0..86400 s" }
#define CHK_CONNECT \
	{ "connect_ip", 1, 1, 0, h_addr, C(connect_ip), 0, 0, 0, "connect_ip ADDRESS", NULL }, \
	{ "connect_port", 1, 1, 0, h_port, C(connect_port), 0, 0, 0, "connect_port 1..65535", NULL }, \
	{ "bindto", 1, 1, 0, h_addr, C(bindto), 0, 0, 0, "bindto ADDRESS", NULL }, \
	{ "bind_port", 1, 1, 0, h_port, C(bind_port), 0, 0, 0, "bind_port 1..65535", NULL }, \
	{ "connect_timeout", 1, 1, 0, h_num, C(connect_timeout), 0, 0.001, 3600, \
	  "connect_timeout SECONDS", "0.001..3600 s" }
#define KW_END { NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, NULL }

static const struct kw tcp_kws[] = { CHK_CONNECT, CHK_TIMING, KW_END };
static const struct kw http_kws[] = {
	CHK_CONNECT, CHK_TIMING,
	{ "url", 0, 0, KW_BLOCK | KW_MULTI, h_url, 0, 0, 0, 0,
	  "url { path /PATH status_code 200 }", NULL },
	{ "virtualhost", 1, 1, 0, h_str, C(virtualhost), 0, 0, 0, "virtualhost HOSTNAME", NULL },
	KW_END
};
static const struct kw misc_kws[] = {
	CHK_TIMING,
	{ "misc_path", 1, -1, 0, h_cmd, C(misc_path), 0, 0, 0, "misc_path \"COMMAND\"", NULL },
	{ "misc_timeout", 1, 1, 0, h_num, C(misc_timeout), 0, 0, 86400, "misc_timeout SECONDS",
	  "0..86400 s" },
	{ "misc_dynamic", 0, 1, 0, h_flag, C(misc_dynamic), 0, 0, 0, "misc_dynamic", NULL },
	{ "user", 1, 2, 0, h_user, C(user), C(group), 0, 0, "user USER [GROUP]", NULL },
	KW_END
};
#undef C
static const char *const chk_unsupported[] = {
	"fwmark", "http_protocol", "enable_sni", "fast_recovery", "tls_compliant",
	"protocol", "source_ip", NULL
};
static const struct blockdef chk_bds[] = {
	[CONF_CHK_TCP] = { tcp_kws, chk_unsupported },
	[CONF_CHK_HTTP] = { http_kws, chk_unsupported },
	[CONF_CHK_SSL] = { http_kws, chk_unsupported },
	[CONF_CHK_MISC] = { misc_kws, chk_unsupported },
};

static void h_checker(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_rs *rs = obj;
	struct conf_checker *ck = conf_push(&rs->checkers, &rs->n_checkers, sizeof(*ck));
	enum conf_checker_type t = (enum conf_checker_type)k->lo;
	char where[64];

	ck->loc = *s->loc;
	ck->type = t;
	ck->connect_timeout = 5;
	ck->retry = t == CONF_CHK_MISC ? 0 : 1;
	ck->delay_before_retry = 1;
	snprintf(where, sizeof(where), "in %s", s->kw);
	run_block(x, s->block, &chk_bds[t], ck, where);
	if (t == CONF_CHK_MISC && !ck->misc_path)
		conf_err(x, s->loc, "no misc_path in MISC_CHECK: add 'misc_path "
			 "\"/path/to/check\"' inside the block");
}

/* ------------------------------------------------------------------ */
/* real_server / virtual_server                                         */

static void h_rs_inhibit(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_rs *rs = obj;
	bool b;

	if (!flag_value(x, s, &b))
		return;
	rs->inhibit_on_failure = b;
	x->rs_inh_set[rs - x->cur_vs->rs] = 1;
}

#define R(f) offsetof(struct conf_rs, f)
static const struct kw rs_kws[] = {
	{ "weight", 1, 1, 0, h_int, R(weight), 0, 0, 65535, "weight 0..65535", "0..65535" },
	{ "inhibit_on_failure", 0, 1, 0, h_rs_inhibit, 0, 0, 0, 0, "inhibit_on_failure", NULL },
	{ "notify_up", 1, -1, 0, h_cmd, R(notify_up), 0, 0, 0, "notify_up \"COMMAND\"", NULL },
	{ "notify_down", 1, -1, 0, h_cmd, R(notify_down), 0, 0, 0, "notify_down \"COMMAND\"", NULL },
	{ "uthreshold", 1, 1, 0, h_int, R(uthreshold), 0, 0, 65535, "uthreshold 0..65535", "0..65535" },
	{ "lthreshold", 1, 1, 0, h_int, R(lthreshold), 0, 0, 65535, "lthreshold 0..65535", "0..65535" },
	{ "delay_loop", 1, 1, 0, h_num, R(delay_loop), 0, 0.01, 86400, "delay_loop SECONDS",
	  "0.01..86400 s" },
	{ "TCP_CHECK", 0, 0, KW_BLOCK | KW_MULTI, h_checker, 0, 0, CONF_CHK_TCP, 0,
	  "TCP_CHECK { ... }", NULL },
	{ "HTTP_GET", 0, 0, KW_BLOCK | KW_MULTI, h_checker, 0, 0, CONF_CHK_HTTP, 0,
	  "HTTP_GET { url { path / } }", NULL },
	{ "SSL_GET", 0, 0, KW_BLOCK | KW_MULTI, h_checker, 0, 0, CONF_CHK_SSL, 0,
	  "SSL_GET { url { path / } }", NULL },
	{ "MISC_CHECK", 0, 0, KW_BLOCK | KW_MULTI, h_checker, 0, 0, CONF_CHK_MISC, 0,
	  "MISC_CHECK { misc_path \"COMMAND\" }", NULL },
	KW_END
};
#undef R
static const char *const rs_unsupported[] = {
	"SMTP_CHECK", "DNS_CHECK", "BFD_CHECK", "FILE_CHECK", "PING_CHECK", "UDP_CHECK",
	"smtp_alert", "retry", "delay_before_retry", "warmup", "connect_timeout",
	"virtualhost", "alpha", NULL
};
static const struct blockdef rs_bd = { rs_kws, rs_unsupported };

static void free_checker(struct conf_checker *ck)
{
	for (size_t i = 0; i < ck->n_urls; i++) {
		free(ck->urls[i].path);
		free(ck->urls[i].digest);
	}
	free(ck->urls);
	free(ck->virtualhost);
	free(ck->misc_path);
	free(ck->user);
	free(ck->group);
}

static void free_rs(struct conf_rs *rs)
{
	free(rs->notify_up);
	free(rs->notify_down);
	for (size_t i = 0; i < rs->n_checkers; i++)
		free_checker(&rs->checkers[i]);
	free(rs->checkers);
}

static void free_vs(struct conf_vs *vs)
{
	free(vs->sched);
	free(vs->virtualhost);
	free(vs->quorum_up);
	free(vs->quorum_down);
	for (size_t i = 0; i < vs->n_rs; i++)
		free_rs(&vs->rs[i]);
	free(vs->rs);
}

static void h_real_server(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vs *vs = obj;
	struct conf_rs rs = { .loc = *s->loc, .weight = 1 };
	size_t ni = vs->n_rs;
	char where[128], a[CONF_ADDR_STRLEN];

	if (!get_addr(x, s, s->args[0], &rs.addr))
		return;
	if (s->n > 1 && !get_port(x, s, s->args[1], &rs.port))
		return;
	*(struct conf_rs *)conf_push(&vs->rs, &vs->n_rs, sizeof(rs)) = rs;
	*(unsigned char *)conf_push(&x->rs_inh_set, &ni, 1) = 0;
	snprintf(where, sizeof(where), "in real_server %s", conf_addr_str(&rs.addr, a));
	if (s->block)
		run_block(x, s->block, &rs_bd, &vs->rs[vs->n_rs - 1], where);
}

static void h_sched(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	static const char *const scheds[] = {
		"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "sh", "dh", "sed", "nq", "mh",
		"fo", "ovf", "twos", NULL
	};
	struct conf_vs *vs = obj;

	for (size_t i = 0; scheds[i]; i++)
		if (strcasecmp(s->args[0], scheds[i]) == 0) {
			set_str(&vs->sched, scheds[i]);
			return;
		}
	conf_err(x, s->loc, "%s '%s' is not an IPVS scheduler: use rr, wrr, lc, wlc, lblc, "
		 "lblcr, sh, dh, sed, nq, mh, fo, ovf or twos", s->kw, conf_show(x, s->args[0]));
}

static void h_lb_kind(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vs *vs = obj;

	if (strcasecmp(s->args[0], "NAT") == 0)
		vs->kind = CONF_LB_NAT;
	else if (strcasecmp(s->args[0], "DR") == 0)
		vs->kind = CONF_LB_DR;
	else if (strcasecmp(s->args[0], "TUN") == 0)
		vs->kind = CONF_LB_TUN;
	else
		conf_err(x, s->loc, "%s '%s' is not valid: use NAT, DR or TUN", s->kw,
			 conf_show(x, s->args[0]));
}

static void h_protocol(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vs *vs = obj;

	if (strcasecmp(s->args[0], "TCP") == 0)
		vs->protocol = CONF_PROTO_TCP;
	else if (strcasecmp(s->args[0], "UDP") == 0)
		vs->protocol = CONF_PROTO_UDP;
	else if (strcasecmp(s->args[0], "SCTP") == 0)
		vs->protocol = CONF_PROTO_SCTP;
	else
		conf_err(x, s->loc, "protocol '%s' is not valid: use TCP, UDP or SCTP",
			 conf_show(x, s->args[0]));
}

static void h_persist_timeout(struct conf_ctx *x, const struct stmt *s, const struct kw *k,
			      void *obj)
{
	struct conf_vs *vs = obj;

	if (get_int(x, s, k, s->args[0], &vs->persistence_timeout))
		vs->persistent = true;
}

/* A netmask: dotted IPv4 (contiguous ones) or a prefix length. */
static void h_granularity(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vs *vs = obj;
	struct conf_addr a = { 0 };
	long plen;

	if (parse_addr(s->args[0], &a)) {
		bool ok = true;

		if (a.family == AF_INET) {
			uint32_t inv = ~ntohl(a.u.v4.s_addr);

			ok = (inv & (inv + 1)) == 0;        /* ones, then zeros */
		}
		if (!ok) {
			conf_err(x, s->loc, "persistence_granularity %s is not a netmask: use "
				 "e.g. 255.255.255.0", conf_show(x, s->args[0]));
			return;
		}
	} else if (parse_long(s->args[0], &plen) == NUM_OK && plen >= 1 && plen <= 128) {
		bool v6 = !vs->is_fwmark && vs->addr.family == AF_INET6;

		if (!v6 && plen > 32) {
			conf_err(x, s->loc, "persistence_granularity /%ld is out of range: use "
				 "1..32 for IPv4", plen);
			return;
		}
		a.family = v6 ? AF_INET6 : AF_INET;
		if (v6)
			for (long i = 0; i < plen; i++)
				a.u.v6.s6_addr[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		else
			a.u.v4.s_addr = htonl(plen == 32 ? 0xffffffffu : ~(0xffffffffu >> plen));
	} else {
		conf_err(x, s->loc, "persistence_granularity '%s' is not a netmask: use e.g. "
			 "255.255.255.0 (IPv4) or a prefix length 1..128",
			 conf_show(x, s->args[0]));
		return;
	}
	vs->persistence_granularity = a;
	vs->persistent = true;
}

static void h_sorry(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_vs *vs = obj;
	struct conf_addr a;
	int port = 0;

	if (!get_addr(x, s, s->args[0], &a))
		return;
	if (s->n > 1 && !get_port(x, s, s->args[1], &port))
		return;
	vs->sorry_addr = a;
	vs->sorry_port = port;
	vs->has_sorry_server = true;
}

#define VS(f) offsetof(struct conf_vs, f)
static const struct kw vs_kws[] = {
	{ "delay_loop", 1, 1, 0, h_num, VS(delay_loop), 0, 0.01, 86400, "delay_loop SECONDS",
	  "0.01..86400 s" },
	{ "lb_algo", 1, 1, 0, h_sched, 0, 0, 0, 0, "lb_algo rr|wrr|lc|wlc|...", NULL },
	{ "lvs_sched", 1, 1, 0, h_sched, 0, 0, 0, 0, "lvs_sched rr|wrr|lc|wlc|...", NULL },
	{ "lb_kind", 1, 1, 0, h_lb_kind, 0, 0, 0, 0, "lb_kind NAT|DR|TUN", NULL },
	{ "lvs_method", 1, 1, 0, h_lb_kind, 0, 0, 0, 0, "lvs_method NAT|DR|TUN", NULL },
	{ "persistence_timeout", 1, 1, 0, h_persist_timeout, 0, 0, 1, 2678400,
	  "persistence_timeout SECONDS", "1..2678400 s" },
	{ "persistence_granularity", 1, 1, 0, h_granularity, 0, 0, 0, 0,
	  "persistence_granularity NETMASK", NULL },
	{ "protocol", 1, 1, 0, h_protocol, 0, 0, 0, 0, "protocol TCP|UDP|SCTP", NULL },
	{ "sorry_server", 1, 2, 0, h_sorry, 0, 0, 0, 0, "sorry_server ADDRESS PORT", NULL },
	{ "sorry_server_inhibit", 0, 1, 0, h_flag, VS(sorry_server_inhibit), 0, 0, 0,
	  "sorry_server_inhibit", NULL },
	{ "virtualhost", 1, 1, 0, h_str, VS(virtualhost), 0, 0, 0, "virtualhost HOSTNAME", NULL },
	{ "quorum", 1, 1, 0, h_int, VS(quorum), 0, 1, 1000000, "quorum WEIGHT", "1..1000000" },
	{ "hysteresis", 1, 1, 0, h_int, VS(hysteresis), 0, 0, 1000000, "hysteresis WEIGHT",
	  "0..1000000" },
	{ "quorum_up", 1, -1, 0, h_cmd, VS(quorum_up), 0, 0, 0, "quorum_up \"COMMAND\"", NULL },
	{ "quorum_down", 1, -1, 0, h_cmd, VS(quorum_down), 0, 0, 0, "quorum_down \"COMMAND\"", NULL },
	{ "alpha", 0, 1, 0, h_flag, VS(alpha), 0, 0, 0, "alpha", NULL },
	{ "omega", 0, 1, 0, h_flag, VS(omega), 0, 0, 0, "omega", NULL },
	{ "inhibit_on_failure", 0, 1, 0, h_flag, VS(inhibit_on_failure), 0, 0, 0,
	  "inhibit_on_failure", NULL },
	{ "ha_suspend", 0, 1, 0, h_flag, VS(ha_suspend), 0, 0, 0, "ha_suspend", NULL },
	{ "ops", 0, 1, 0, h_flag, VS(ops), 0, 0, 0, "ops", NULL },
	{ "nat_mask", 0, 1, 0, h_ignored, 0, 0, 0, 0,
	  "IPVS takes no netmask for a virtual server", NULL },
	{ "real_server", 1, 2, KW_OPTBLOCK | KW_MULTI, h_real_server, 0, 0, 0, 0,
	  "real_server ADDRESS PORT { ... }", NULL },
	KW_END
};
#undef VS
static const char *const vs_unsupported[] = {
	"retry", "delay_before_retry", "warmup", "connect_timeout", "smtp_alert", "ip_family",
	"sh-port", "sh-fallback", "mh-port", "mh-fallback", "persistence_engine", "lvs_flush",
	"one_packet_scheduling", NULL
};
static const struct blockdef vs_bd = { vs_kws, vs_unsupported };

/* ------------------------------------------------------------------ */
/* Top level                                                            */

static void h_global_defs(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf *c = obj;

	if (!c->global.loc.line)
		c->global.loc = *s->loc;
	run_block(x, s->block, &global_bd, &c->global, "in global_defs");
}

static void h_vrrp_script(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf *c = obj;
	struct conf_script *sc = conf_push(&c->scripts, &c->n_scripts, sizeof(*sc));
	char where[128];

	sc->loc = *s->loc;
	sc->name = conf_xstrdup(s->args[0]);
	sc->interval = 1;
	sc->rise = 1;
	sc->fall = 1;
	snprintf(where, sizeof(where), "in vrrp_script %s", conf_show(x, sc->name));
	run_block(x, s->block, &script_bd, sc, where);
	if (!sc->script)
		conf_err(x, s->loc, "vrrp_script %s has no script: add 'script \"/path/to/check\"'",
			 conf_show(x, sc->name));
}

static void h_track_file_def(struct conf_ctx *x, const struct stmt *s, const struct kw *k,
			     void *obj)
{
	struct conf *c = obj;
	struct conf_track_file *tf = conf_push(&c->track_files, &c->n_track_files, sizeof(*tf));
	char where[128];

	tf->loc = *s->loc;
	tf->name = conf_xstrdup(s->args[0]);
	tf->weight = 1;
	snprintf(where, sizeof(where), "in %s %s", s->kw, conf_show(x, tf->name));
	run_block(x, s->block, &track_file_bd, tf, where);
	if (!tf->path)
		conf_err(x, s->loc, "%s %s has no file: add 'file /path/to/file'", s->kw,
			 conf_show(x, tf->name));
}

static void h_sync_group(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf *c = obj;
	struct conf_sync_group *g = conf_push(&c->sync_groups, &c->n_sync_groups, sizeof(*g));
	char where[128];

	g->loc = *s->loc;
	g->name = conf_xstrdup(s->args[0]);
	snprintf(where, sizeof(where), "in vrrp_sync_group %s", conf_show(x, g->name));
	run_block(x, s->block, &sync_bd, g, where);
	if (!g->n_members)
		conf_err(x, s->loc, "vrrp_sync_group %s has no members: add 'group { "
			 "INSTANCE INSTANCE }'", conf_show(x, g->name));
}

static void h_vrrp_instance(struct conf_ctx *x, const struct stmt *s, const struct kw *k,
			    void *obj)
{
	struct conf *c = obj;
	size_t nx = c->n_vrrps;
	struct conf_vrrp *v = conf_push(&c->vrrps, &c->n_vrrps, sizeof(*v));
	struct conf_loc *seen = conf_xcalloc(kw_count(&vrrp_bd), sizeof(*seen));
	struct conf_vrrp_extra *e;
	char where[128];

	conf_push(&x->vx, &nx, sizeof(*x->vx));
	v->loc = *s->loc;
	v->name = conf_xstrdup(s->args[0]);
	v->state = CONF_STATE_BACKUP;
	v->priority = 100;
	v->advert_int = 1;
	v->sync_group = -1;
	snprintf(where, sizeof(where), "in vrrp_instance %s", conf_show(x, v->name));
	run_block_seen(x, s->block, &vrrp_bd, v, where, seen);
	e = &x->vx[c->n_vrrps - 1];
	e->iface_written = seen[find_kw(&vrrp_bd, "interface") - vrrp_kws].line != 0;
	e->vrid_written = seen[find_kw(&vrrp_bd, "virtual_router_id") - vrrp_kws].line != 0;
	free(seen);
}

static void h_virtual_server(struct conf_ctx *x, const struct stmt *s, const struct kw *k,
			     void *obj)
{
	struct conf *c = obj;
	struct conf_vs vs = { .loc = *s->loc, .delay_loop = 60, .quorum = 1 };
	bool ok = true;
	char where[160], a[CONF_ADDR_STRLEN];

	if (strcmp(s->args[0], "group") == 0) {
		conf_warn_ignored(x, s->loc, "virtual_server group is not supported yet: this "
				  "virtual_server is skipped; list the addresses as separate "
				  "virtual_server blocks");
		return;
	}
	if (s->n != 2) {
		conf_err(x, s->loc, "virtual_server needs an address and a port: write "
			 "'virtual_server 192.0.2.1 80 {' or 'virtual_server fwmark 1 {'");
		ok = false;
	} else if (strcmp(s->args[0], "fwmark") == 0) {
		long m;

		vs.is_fwmark = true;
		if (parse_long(s->args[1], &m) != NUM_OK || m < 1 || m > 0xffffffffL) {
			conf_err(x, s->loc, "virtual_server fwmark '%s' is not valid: use "
				 "1..4294967295", conf_show(x, s->args[1]));
			ok = false;
		} else {
			vs.fwmark = (uint32_t)m;
		}
	} else {
		ok = get_addr(x, s, s->args[0], &vs.addr) && get_port(x, s, s->args[1], &vs.port);
	}

	vs.sched = conf_xstrdup("wlc");
	if (vs.is_fwmark)
		snprintf(where, sizeof(where), "in virtual_server fwmark %u", vs.fwmark);
	else
		snprintf(where, sizeof(where), "in virtual_server %s %d",
			 conf_addr_str(&vs.addr, a), vs.port);
	free(x->rs_inh_set);
	x->rs_inh_set = NULL;
	x->cur_vs = &vs;
	run_block(x, s->block, &vs_bd, &vs, where);
	x->cur_vs = NULL;
	for (size_t i = 0; i < vs.n_rs; i++)
		if (!x->rs_inh_set[i])
			vs.rs[i].inhibit_on_failure = vs.inhibit_on_failure;
	if (vs.persistent && !vs.persistence_timeout)
		vs.persistence_timeout = 360;
	if (ok)
		*(struct conf_vs *)conf_push(&c->vss, &c->n_vss, sizeof(vs)) = vs;
	else
		free_vs(&vs);       /* its block was still read, for its own errors */
}

/* ------------------------------------------------------------------ */
/* vigil_split_brain (vigil's own: doc/split-brain.md)                  */

/* "peer NAME URL [token_file PATH]" */
static void h_peer(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_split_brain *sb = obj;
	struct conf_peer *p;

	for (size_t i = 0; i < sb->n_peers; i++)
		if (strcmp(sb->peers[i].name, s->args[0]) == 0) {
			conf_err(x, s->loc, "peer %s is given twice (first at line %d): give each peer one name",
				 conf_show(x, s->args[0]), sb->peers[i].loc.line);
			return;
		}
	if (strncmp(s->args[1], "http://", 7) != 0 && strncmp(s->args[1], "https://", 8) != 0) {
		conf_err(x, s->loc, "peer %s: '%s' is not a URL of vigil's API: write http://ADDRESS:PORT "
			 "(or https://)", conf_show(x, s->args[0]), conf_show(x, s->args[1]));
		return;
	}
	if (s->n == 3 || (s->n == 4 && strcmp(s->args[2], "token_file") != 0)) {
		conf_err(x, s->loc, "peer %s: after the URL only 'token_file PATH' may follow: %s",
			 conf_show(x, s->args[0]), k->usage);
		return;
	}
	p = conf_push(&sb->peers, &sb->n_peers, sizeof(*p));
	p->loc = *s->loc;
	p->name = conf_xstrdup(s->args[0]);
	p->url = conf_xstrdup(s->args[1]);
	/* the API's base: no trailing slash */
	for (size_t n = strlen(p->url); n > 8 && p->url[n - 1] == '/'; n--)
		p->url[n - 1] = '\0';
	if (s->n == 4)
		p->token_file = conf_xstrdup(s->args[3]);
}

static void h_sb_policy(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf_split_brain *sb = obj;

	if (strcmp(s->args[0], "none") == 0)
		sb->policy = CONF_SB_NONE;
	else if (strcmp(s->args[0], "yield") == 0)
		sb->policy = CONF_SB_YIELD;
	else if (strcmp(s->args[0], "script") == 0)
		sb->policy = CONF_SB_SCRIPT;
	else
		conf_err(x, s->loc, "policy '%s': write none, yield or script", conf_show(x, s->args[0]));
}

#define SB(f) offsetof(struct conf_split_brain, f)
static const struct kw split_brain_kws[] = {
	{ "peer", 2, 4, KW_MULTI, h_peer, 0, 0, 0, 0, "peer NAME http://ADDRESS:PORT [token_file PATH]", NULL },
	{ "interval", 1, 1, 0, h_num, SB(interval), 0, 0.2, 60, "interval SECONDS", "0.2..60 s" },
	{ "policy", 1, 1, 0, h_sb_policy, 0, 0, 0, 0, "policy none|yield|script", NULL },
	{ "script", 1, -1, 0, h_cmd, SB(script), 0, 0, 0, "script \"/path/to/program args\"", NULL },
	KW_END
};
#undef SB
static const struct blockdef split_brain_bd = { split_brain_kws, NULL };

static void h_split_brain(struct conf_ctx *x, const struct stmt *s, const struct kw *k, void *obj)
{
	struct conf *c = obj;
	struct conf_split_brain *sb = &c->split_brain;

	if (sb->loc.line) {
		conf_err(x, s->loc, "vigil_split_brain is given twice (first at line %d): merge the two blocks",
			 sb->loc.line);
		return;
	}
	sb->loc = *s->loc;
	run_block(x, s->block, &split_brain_bd, sb, "in vigil_split_brain");
	if (sb->policy == CONF_SB_SCRIPT && !sb->script)
		conf_err(x, s->loc, "vigil_split_brain has policy script but no script: add "
			 "'script \"/path/to/program\"' (it runs with the instance's name and the status)");
}

static void h_unsupported_block(struct conf_ctx *x, const struct stmt *s, const struct kw *k,
				void *obj)
{
	conf_warn_ignored(x, s->loc, "%s is not supported yet: the block is skipped; %s", s->kw,
			  k->usage);
}

static const struct kw top_kws[] = {
	{ "global_defs", 0, 0, KW_BLOCK | KW_MULTI, h_global_defs, 0, 0, 0, 0, "global_defs {", NULL },
	{ "vrrp_script", 1, 1, KW_BLOCK | KW_MULTI, h_vrrp_script, 0, 0, 0, 0,
	  "vrrp_script NAME {", NULL },
	{ "track_file", 1, 1, KW_BLOCK | KW_MULTI, h_track_file_def, 0, 0, 0, 0,
	  "track_file NAME {", NULL },
	{ "vrrp_track_file", 1, 1, KW_BLOCK | KW_MULTI, h_track_file_def, 0, 0, 0, 0,
	  "vrrp_track_file NAME {", NULL },
	{ "vrrp_sync_group", 1, 1, KW_BLOCK | KW_MULTI, h_sync_group, 0, 0, 0, 0,
	  "vrrp_sync_group NAME {", NULL },
	{ "vrrp_instance", 1, 1, KW_BLOCK | KW_MULTI, h_vrrp_instance, 0, 0, 0, 0,
	  "vrrp_instance NAME {", NULL },
	{ "virtual_server", 1, 2, KW_BLOCK | KW_MULTI, h_virtual_server, 0, 0, 0, 0,
	  "virtual_server ADDRESS PORT {", NULL },
	{ "vigil_split_brain", 0, 0, KW_BLOCK | KW_MULTI, h_split_brain, 0, 0, 0, 0, "vigil_split_brain {", NULL },
	{ "virtual_server_group", 0, -1, KW_OPTBLOCK | KW_MULTI, h_unsupported_block, 0, 0, 0, 0,
	  "list its members as separate virtual_server blocks", NULL },
	KW_END
};
static const char *const top_unsupported[] = {
	"static_ipaddress", "static_routes", "static_rules", "vrrp_track_process",
	"bfd_instance", "linkbeat_use_polling", "net_namespace", "instance", "use_pid_dir",
	"garp_group", NULL
};
static const struct blockdef top_bd = { top_kws, top_unsupported };

/* ------------------------------------------------------------------ */
/* Dispatch                                                             */

/* Optimal string alignment distance, case-insensitive; gives up (returns
 * max + 1) as soon as the answer exceeds max, and never looks at long
 * words, so hostile keywords cost nothing. */
int conf_edit_distance(const char *a, const char *b, int max)
{
	enum { L = 48 };
	int d[L + 1][L + 1];
	int la = (int)strnlen(a, L + 1), lb = (int)strnlen(b, L + 1);

	if (la > L || lb > L || abs(la - lb) > max)
		return max + 1;
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++) {
		for (int j = 1; j <= lb; j++) {
			int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			int v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

static const struct kw *find_kw(const struct blockdef *bd, const char *w)
{
	for (const struct kw *k = bd->kws; k->name; k++)
		if (strcmp(k->name, w) == 0)
			return k;
	return NULL;
}

static void unknown_kw(struct conf_ctx *x, const struct stmt *s, const struct blockdef *bd,
		       const char *where)
{
	const char *best = NULL;
	int best_d = 3;
	char hint[96] = "";

	if (in_list(bd->unsupported, s->kw)) {
		conf_warn_ignored(x, s->loc, "'%s' %s is a keepalived option vigil does not "
				  "support yet: ignored%s", s->kw, where,
				  s->block ? " with its block" : "");
		return;
	}
	/* No hint for a message that will not be stored (a flood of junk). */
	if (x->d->n < CONF_MAX_DIAGS && strlen(s->kw) >= 3)
		for (const struct kw *k = bd->kws; k->name; k++) {
			int dd = conf_edit_distance(s->kw, k->name, 2);

			if (dd < best_d) {
				best_d = dd;
				best = k->name;
			}
		}
	if (best)
		snprintf(hint, sizeof(hint), "; did you mean '%s'?", best);
	if (s->block)
		conf_warn_unknown(x, s->loc, "unknown block '%s' %s: skipped with everything in "
				  "it%s", conf_show(x, s->kw), where, hint);
	else
		conf_warn_unknown(x, s->loc, "unknown keyword '%s' %s: ignored%s",
				  conf_show(x, s->kw), where, hint);
}

static void dispatch(struct conf_ctx *x, const struct stmt *s, const struct blockdef *bd,
		     void *obj, const char *where, struct conf_loc *seen)
{
	const struct kw *k = find_kw(bd, s->kw);
	size_t idx;

	if (!k) {
		unknown_kw(x, s, bd, where);
		return;
	}
	idx = (size_t)(k - bd->kws);
	if (!(k->flags & KW_MULTI)) {
		if (seen[idx].line && seen[idx].file == s->loc->file)
			conf_warn(x, s->loc, "'%s' is given again %s (first at line %d): the "
				  "last one counts; remove one of them", s->kw, where,
				  seen[idx].line);
		else if (seen[idx].line)
			conf_warn(x, s->loc, "'%s' is given again %s (first at %s:%d): the "
				  "last one counts; remove one of them", s->kw, where,
				  seen[idx].file, seen[idx].line);
		seen[idx] = *s->loc;
	}
	if (s->n < (size_t)k->min) {
		conf_err(x, s->loc, "'%s' is missing %s: write '%s'", s->kw,
			 k->min == 1 ? "its value" : "values", k->usage);
		return;
	}
	if (k->max >= 0 && s->n > (size_t)k->max) {
		if (k->max == 0)
			conf_err(x, s->loc, "'%s' takes no value, got '%s': write '%s'", s->kw,
				 conf_show(x, s->args[0]), k->usage);
		else
			conf_err(x, s->loc, "'%s' takes at most %d value%s, got %zu: write '%s'",
				 s->kw, k->max, k->max == 1 ? "" : "s", s->n, k->usage);
		return;
	}
	if ((k->flags & KW_BLOCK) && !s->block) {
		conf_err(x, s->loc, "'%s' needs a block: write '%s'", s->kw, k->usage);
		return;
	}
	if (!(k->flags & (KW_BLOCK | KW_OPTBLOCK)) && s->block) {
		conf_err(x, s->loc, "'%s' takes no block: remove the '{ ... }' after it", s->kw);
		return;
	}
	k->fn(x, s, k, obj);
}

/* A one-line block ("authentication { auth_type PASS auth_pass 1 }") comes
 * as one node with all the words: cut it where a keyword of the block
 * starts, once the previous keyword has its minimum of values. */
static void dispatch_split(struct conf_ctx *x, const struct cnode *nd, const struct blockdef *bd,
			   void *obj, const char *where, struct conf_loc *seen)
{
	size_t i = 0;

	while (i < nd->n_w) {
		const struct kw *k = find_kw(bd, nd->w[i]);
		size_t min = k ? (size_t)k->min : 0, j = i + 1;
		struct stmt s;

		while (j < nd->n_w && !(j - i - 1 >= min && find_kw(bd, nd->w[j])))
			j++;
		s.kw = nd->w[i];
		s.args = &nd->w[i + 1];
		s.n = j - i - 1;
		s.loc = &nd->loc;
		s.block = j == nd->n_w && nd->has_block ? nd : NULL;
		s.brace_line = true;
		dispatch(x, &s, bd, obj, where, seen);
		i = j;
	}
}

static size_t kw_count(const struct blockdef *bd)
{
	size_t nk = 0;

	while (bd->kws[nk].name)
		nk++;
	return nk;
}

/* seen[i]: where keyword i of the table was last given (for repeats and
 * for callers that must know whether a keyword was written at all). */
static void run_block_seen(struct conf_ctx *x, const struct cnode *blk, const struct blockdef *bd,
			   void *obj, const char *where, struct conf_loc *seen)
{
	for (size_t i = 0; i < blk->n_kids; i++) {
		const struct cnode *nd = &blk->kids[i];

		if (nd->brace_line && nd->n_w > 1) {
			dispatch_split(x, nd, bd, obj, where, seen);
		} else {
			struct stmt s = {
				.kw = nd->w[0], .args = &nd->w[1], .n = nd->n_w - 1,
				.loc = &nd->loc, .block = nd->has_block ? nd : NULL,
				.brace_line = nd->brace_line,
			};

			dispatch(x, &s, bd, obj, where, seen);
		}
	}
}

static void run_block(struct conf_ctx *x, const struct cnode *blk, const struct blockdef *bd,
		      void *obj, const char *where)
{
	struct conf_loc *seen = conf_xcalloc(kw_count(bd), sizeof(*seen));

	run_block_seen(x, blk, bd, obj, where, seen);
	free(seen);
}

void conf_interpret(struct conf_ctx *x, const struct cnode *root)
{
	run_block(x, root, &top_bd, x->c, "at the top level");
}

/* ------------------------------------------------------------------ */
/* Loading and freeing                                                  */

static void global_defaults(struct conf_global *g)
{
	g->smtp_port = 25;
	g->smtp_connect_timeout = 30;
	g->mcast_group4.family = AF_INET;
	inet_pton(AF_INET, "224.0.0.18", &g->mcast_group4.u.v4);
	g->mcast_group6.family = AF_INET6;
	inet_pton(AF_INET6, "ff02::12", &g->mcast_group6.u.v6);
	g->vrrp_version = 2;
	g->garp_master_delay = 5;
	g->garp_master_repeat = 5;
	g->garp_master_refresh = 0;
	g->garp_master_refresh_repeat = 1;
}

static void ctx_release(struct conf_ctx *x)
{
	if (x->vx) {
		for (size_t i = 0; x->c && i < x->c->n_vrrps; i++)
			free(x->vx[i].peer_locs);
		free(x->vx);
	}
	free(x->rs_inh_set);
	if (x->files) {
		for (size_t i = 0; i < x->n_files; i++)
			free(x->files[i]);
		free(x->files);
	}
}

static struct conf *finish(struct conf_ctx *x, struct cnode *root, int errors_before)
{
	struct conf *c = conf_xcalloc(1, sizeof(*c));

	global_defaults(&c->global);
	c->split_brain.interval = 1;
	x->c = c;
	conf_interpret(x, root);
	conf_tree_free(root);
	conf_check(x);

	/* The locations point into the file names: they go with the config. */
	c->files = x->files;
	c->n_files = x->n_files;
	x->files = NULL;
	x->n_files = 0;
	ctx_release(x);
	if (x->d->n_errors > errors_before) {
		conf_free(c);
		return NULL;
	}
	return c;
}

struct conf *conf_load_buffer(const char *name, const char *buf, size_t len, unsigned flags,
			      struct conf_diags *d)
{
	struct conf_ctx x = { .d = d, .flags = flags };
	struct cnode root = { 0 };
	int before = d->n_errors;

	conf_tree_buffer(&x, name ? name : "(buffer)", buf ? buf : "", buf ? len : 0, &root);
	return finish(&x, &root, before);
}

struct conf *conf_load_file(const char *path, unsigned flags, struct conf_diags *d)
{
	struct conf_ctx x = { .d = d, .flags = flags };
	struct cnode root = { 0 };
	int before = d->n_errors;

	if (!conf_tree_file(&x, path, &root)) {
		conf_tree_free(&root);
		ctx_release(&x);
		return NULL;
	}
	return finish(&x, &root, before);
}

static void free_refs(struct conf_track_ref *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].name);
	free(r);
}

static void free_vrrp(struct conf_vrrp *v)
{
	free(v->name);
	free(v->interface);
	for (size_t i = 0; i < v->n_vips; i++)
		free_vip(&v->vips[i]);
	free(v->vips);
	for (size_t i = 0; i < v->n_vips_excluded; i++)
		free_vip(&v->vips_excluded[i]);
	free(v->vips_excluded);
	for (size_t i = 0; i < v->n_track_ifs; i++)
		free(v->track_ifs[i].ifname);
	free(v->track_ifs);
	free_refs(v->track_scripts, v->n_track_scripts);
	free_refs(v->track_files, v->n_track_files);
	free(v->unicast_peers);
	free(v->notify_master);
	free(v->notify_backup);
	free(v->notify_fault);
	free(v->notify_stop);
	free(v->notify);
	free(v->vmac_name);
}

static void free_sync_group(struct conf_sync_group *g)
{
	free(g->name);
	for (size_t i = 0; i < g->n_members; i++)
		free(g->members[i]);
	free(g->members);
	free(g->member_locs);
	free(g->member_index);
	free(g->notify_master);
	free(g->notify_backup);
	free(g->notify_fault);
	free(g->notify_stop);
	free(g->notify);
	free_refs(g->track_scripts, g->n_track_scripts);
}

void conf_free(struct conf *c)
{
	struct conf_global *g;

	if (!c)
		return;
	g = &c->global;
	free(g->router_id);
	for (size_t i = 0; i < g->n_notification_email; i++)
		free(g->notification_email[i]);
	free(g->notification_email);
	free(g->notification_email_from);
	free(g->script_user);
	free(g->script_group);
	free(g->snmp_socket);
	free(g->lvs_id);
	free(g->notify_fifo);
	free(g->vrrp_notify_fifo);
	for (size_t i = 0; i < c->n_scripts; i++) {
		free(c->scripts[i].name);
		free(c->scripts[i].script);
		free(c->scripts[i].user);
		free(c->scripts[i].group);
	}
	free(c->scripts);
	for (size_t i = 0; i < c->n_track_files; i++) {
		free(c->track_files[i].name);
		free(c->track_files[i].path);
	}
	free(c->track_files);
	for (size_t i = 0; i < c->n_sync_groups; i++)
		free_sync_group(&c->sync_groups[i]);
	free(c->sync_groups);
	for (size_t i = 0; i < c->n_vrrps; i++)
		free_vrrp(&c->vrrps[i]);
	free(c->vrrps);
	for (size_t i = 0; i < c->n_vss; i++)
		free_vs(&c->vss[i]);
	free(c->vss);
	for (size_t i = 0; i < c->split_brain.n_peers; i++) {
		free(c->split_brain.peers[i].name);
		free(c->split_brain.peers[i].url);
		free(c->split_brain.peers[i].token_file);
	}
	free(c->split_brain.peers);
	free(c->split_brain.script);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
}
