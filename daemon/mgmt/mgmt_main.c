/*
 * mgmt_main.c - the mgmt process: the control socket vigilctl talks to, the
 * AgentX subagent (snmp/), and the snapshot of the state store both serve
 * from (mgmt_snap.h); HTTP/REST and split-brain polling (issues #7, #8) join
 * it.
 *
 * It parses bytes from outside, so it runs without root: the parent drops
 * it to the mgmt user right after fork (child_drop_privileges).  It does not
 * re-read the configuration file, which root may keep private.
 *
 * Control protocol (one request per connection): the client sends one JSON
 * object on one line, {"action": "drain", "vs": ..., "rs": ..., ...} (see
 * vigilctl.c); mgmt adds who sent it (the peer's uid, checked by the
 * kernel), relays it to the engine that owns the object, and writes back
 * one line, {"status": 0, "text": "..."}, when the engine has applied and
 * stored it, or why not.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf/conf.h"
#include "core/child.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/opts.h"
#include "core/shstats.h"
#include "http/http_api.h"
#include "http/http_server.h"
#include "mgmt/mgmt_snap.h"
#include "snmp/snmp_agent.h"
#include "snmp/snmp_mibs.h"
#include "store/store.h"
#include "lb/lb_live.h"
#include "mgmt/mgmt_history.h"
#include "mgmt/mgmt_lvs.h"
#include "mgmt/mgmt_split.h"
#include "vrrp/vrrp_live.h"

#define REQ_MAX 2048
#define ANSWER_TIMEOUT (15 * EV_NSEC_PER_SEC)
#define MAX_CLIENTS 64
#define SNAP_POLL (500 * EV_NSEC_PER_MSEC)   /* how often the store is asked whether it changed */

struct client {
	struct mgmt *m;
	int fd;
	bool reading;           /* its fd is in the loop */
	uid_t uid;
	char buf[REQ_MAX];
	size_t len;
	struct ev_timer timeout;
	struct client *next;
};

/* An edit sent to an engine, waiting for its answer. */
typedef void (*edit_done_fn)(void *arg, int status, const char *text);
struct pending {
	struct mgmt *m;
	uint32_t id;
	edit_done_fn done;
	void *arg;
	struct ev_timer timeout;
	struct pending *next;
};

struct mgmt {
	struct child_ctx *ctx;
	struct client *clients;
	size_t n_clients;
	uint32_t next_id;
	struct pending *pending;
	/* the state store, read-only, and what was read from it */
	sqlite3 *db;
	struct snap *snap;
	int64_t data_version;
	int64_t vrrp_seen, health_seen;     /* transitions already notified */
	struct ev_timer poll;
	bool snmp;
	struct http_server *http;
	struct mgmt_lvs lvs;         /* IPVS's counters, for SNMP and REST */
	struct mgmt_split *split;    /* split-brain detection */
	struct shstats_r *vrrp_live; /* the vrrp process's evidence, for it */
	int64_t started_ms;
	const char *node;            /* router_id, else the host name */
};

static struct mgmt *M;                   /* for the SNMP edit hook */

static void client_close(struct client *c)
{
	struct mgmt *m = c->m;

	for (struct client **p = &m->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	m->n_clients--;
	ev_timer_stop(m->ctx->loop, &c->timeout);
	if (c->reading)
		ev_io_del(m->ctx->loop, c->fd);
	close(c->fd);
	free(c);
}

/* Write the answer line and close: the client waits for nothing else. */
static void client_answer(struct client *c, int status, const char *text)
{
	json_t *o = json_pack("{s:i, s:s}", "status", status, "text", text);
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;

	if (line) {
		size_t n = strlen(line);

		line[n] = '\n';   /* json_dumps leaves the NUL: replace, write n + 1 */
		if (write(c->fd, line, n + 1) < 0)
			log_debug("control: the client left before its answer");
	}
	free(line);
	json_decref(o);
	client_close(c);
}

static void on_timeout(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	client_answer(arg, 408, "no request in 15 s");
}

/* ---- edits: sent to an engine through the parent, answered later ---------------- */

static void pending_end(struct pending *p, int status, const char *text)
{
	struct mgmt *m = p->m;

	for (struct pending **pp = &m->pending; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	ev_timer_stop(m->ctx->loop, &p->timeout);
	p->done(p->arg, status, text);
	free(p);
}

static void on_pending_timeout(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	pending_end(arg, 504, "no answer from the engine in 15 s; the edit may or may not be applied "
			      "(check with vigilctl history)");
}

static void snap_refresh(struct mgmt *m, bool force);

static int edit_send(struct mgmt *m, enum proc_id to, const char *json, edit_done_fn done, void *arg)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (!p)
		return -1;
	p->m = m;
	p->id = ++m->next_id ? m->next_id : ++m->next_id;
	p->done = done;
	p->arg = arg;
	if (child_edit_send(m->ctx, p->id, to, json) < 0) {
		free(p);
		return -1;
	}
	ev_timer_init(&p->timeout, on_pending_timeout, p);
	ev_timer_start_in(m->ctx->loop, &p->timeout, ANSWER_TIMEOUT);
	p->next = m->pending;
	m->pending = p;
	return 0;
}

static void client_edit_done(void *arg, int status, const char *text)
{
	client_answer(arg, status, text);
}

/* Which engine owns what the request names. */
static int engine_for(const char *action, enum proc_id *to)
{
	static const char *const check_actions[] = { "drain", "undrain", "maint", "weight", "clear" };

	if (strcmp(action, "demote") == 0 || strcmp(action, "undemote") == 0) {
		*to = PROC_VRRP;
		return 0;
	}
	for (size_t i = 0; i < sizeof(check_actions) / sizeof(check_actions[0]); i++)
		if (strcmp(action, check_actions[i]) == 0) {
			*to = PROC_CHECK;
			return 0;
		}
	return -1;
}

static void client_request(struct client *c)
{
	struct mgmt *m = c->m;
	json_error_t jerr;
	json_t *req = json_loadb(c->buf, c->len, 0, &jerr);
	const char *action = NULL, *user = NULL;
	struct passwd *pw;
	char who[128], *text;
	enum proc_id to;

	/* one request per connection: stop reading (a half-closed socket
	 * would stay readable while the engine works) */
	ev_io_del(m->ctx->loop, c->fd);
	c->reading = false;
	if (!req || !json_is_object(req)) {
		json_decref(req);
		client_answer(c, 400, "the request is not a JSON object");
		return;
	}
	if (json_unpack(req, "{s:s}", "action", &action) < 0 || engine_for(action, &to) < 0) {
		json_decref(req);
		client_answer(c, 400, "unknown action: use drain, undrain, maint, weight, clear, demote or undemote");
		return;
	}
	/* who: the name the client gives (SUDO_USER, USER), and the uid the
	 * kernel vouches for */
	json_unpack(req, "{s?s}", "user", &user);
	pw = getpwuid(c->uid);
	snprintf(who, sizeof(who), "%.60s (uid %u)", user ? user : pw ? pw->pw_name : "?",
		 (unsigned)c->uid);
	json_object_set_new(req, "who", json_string(who));
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text || edit_send(m, to, text, client_edit_done, c) < 0) {
		free(text);
		client_answer(c, 400, "the request is too long");
		return;
	}
	free(text);
	/* the edit's own timeout answers now */
	ev_timer_stop(m->ctx->loop, &c->timeout);
}

static void on_client(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct client *c = arg;
	ssize_t n;

	n = read(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (c->len)
			client_request(c);
		else
			client_close(c);
		return;
	}
	c->len += (size_t)n;
	if (memchr(c->buf, '\n', c->len)) {
		c->len = (size_t)((char *)memchr(c->buf, '\n', c->len) - c->buf);
		client_request(c);
	} else if (c->len >= sizeof(c->buf) - 1) {
		client_answer(c, 400, "the request is too long");
	}
}

static void on_accept(struct ev_loop *loop, int lfd, uint32_t events, void *arg)
{
	struct mgmt *m = arg;
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct client *c;

		if (m->n_clients >= MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
			close(fd);
			continue;
		}
		c->m = m;
		c->fd = fd;
		c->uid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.uid : (uid_t)-1;
		ev_timer_init(&c->timeout, on_timeout, c);
		if (ev_io_add(loop, fd, EPOLLIN, on_client, c) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->reading = true;
		ev_timer_start_in(loop, &c->timeout, ANSWER_TIMEOUT);   /* for the request too */
		c->next = m->clients;
		m->clients = c;
		m->n_clients++;
	}
}

static void mgmt_edit_done(struct child_ctx *ctx, const struct msg_edit_done *d)
{
	struct mgmt *m = ctx->module;

	/* the engine stored the edit before answering: what is served shows it */
	snap_refresh(m, true);
	for (struct pending *p = m->pending; p; p = p->next)
		if (p->id == d->id) {
			pending_end(p, d->status, d->text);
			return;
		}
	log_info("control: an answer for an edit that timed out: %s", d->text);
}

/* ---- the snapshot --------------------------------------------------------------- */

static void on_event(const struct snap_event *ev, void *arg)
{
	struct mgmt *m = arg;

	if (m->snmp) {
		snmp_keepalived_event(m->snap, ev);
		snmp_vigil_event(m->snap, ev);
		snmp_vrrp_rfc_event(m->snap, ev);
	}
}

static int64_t data_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Read the store again when an engine committed since the last read. */
static void snap_refresh(struct mgmt *m, bool force)
{
	char err[256];
	int64_t v;
	struct snap *s;

	if (!m->db)
		return;
	v = data_version(m->db);
	if (!force && v == m->data_version && m->snap)
		return;
	s = snap_load(m->db, store_now_ms(), err, sizeof(err));
	if (!s) {
		log_warnx("mgmt: cannot read the state store: %s", err);
		return;
	}
	m->data_version = v;
	if (m->snmp) {
		snmp_keepalived_refresh(s);
		snmp_vigil_refresh(s);
		snmp_vrrp_rfc_refresh(s);
	}
	snap_free(m->snap);
	m->snap = s;
	if (snap_events(m->db, &m->vrrp_seen, &m->health_seen, on_event, m) < 0)
		log_warnx("mgmt: cannot read the transitions: %s", sqlite3_errmsg(m->db));
	if (m->snmp) {
		snmp_keepalived_compare(s);
		snmp_vigil_compare(s);
	}
}

static void on_poll(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct mgmt *m = arg;

	if (!m->db)
		m->db = child_store_read(m->ctx);
	snap_refresh(m, false);
	mgmt_lvs_poll(&m->lvs);
	if (m->snmp) {
		snmp_keepalived_poll();
		snmp_vrrp_rfc_poll();
	}
	ev_timer_start_in(loop, t, SNAP_POLL);
}

/* ---- SNMP ----------------------------------------------------------------------- */

static int snmp_edit(const char *engine, const char *json, snmp_edit_done_fn done, void *token)
{
	if (!M)
		return -1;
	return edit_send(M, strcmp(engine, "vrrp") == 0 ? PROC_VRRP : PROC_CHECK, json,
			 (edit_done_fn)done, token);
}

static const struct sb_track *split_track(int64_t inst_id);

static void snmp_start(struct mgmt *m)
{
	const struct conf_global *g = m->ctx->conf ? &m->ctx->conf->global : NULL;
	const struct vigil_opts *o = m->ctx->opts;
	bool all = o->snmp;
	static char vrrp_live[PATH_MAX];
	struct snmp_mibs_conf c = {
		.version = "vigil " PACKAGE_VERSION,
		.edit = snmp_edit,
		.vrrp_live_path = child_state_path(m->ctx, VRRP_LIVE_FILE, vrrp_live, sizeof(vrrp_live)),
		.lvs = &m->lvs,
		.split_track = split_track,
	};
	const char *socket = o->snmp_socket ? o->snmp_socket
			     : g && g->snmp_socket ? g->snmp_socket : VIGIL_AGENTX_DEFAULT;

	if (!g)
		return;
	c.vrrp = all || g->enable_snmp_vrrp;
	c.check = all || g->enable_snmp_checker;
	c.rfcv2 = all || g->enable_snmp_rfc || g->enable_snmp_rfcv2;
	c.rfcv3 = all || g->enable_snmp_rfc || g->enable_snmp_rfcv3;
	c.traps = g->enable_traps;
	if (!c.vrrp && !c.check && !c.rfcv2 && !c.rfcv3)
		return;
	c.router_id = m->node;
	if (snmp_agent_start(m->ctx->loop, socket) < 0)
		return;
	snmp_keepalived_register(&c);
	snmp_vigil_register(&c);
	snmp_vrrp_rfc_register(&c);
	m->snmp = true;
	snmp_agent_ready();
	log_info("snmp: serving%s%s%s%s and VIGIL-MIB%s as an AgentX subagent of %s",
		 c.vrrp ? " KEEPALIVED-MIB's VRRP tables" : "",
		 c.check ? " KEEPALIVED-MIB's LVS tables" : "",
		 c.rfcv2 ? " VRRP-MIB (RFC 2787)" : "", c.rfcv3 ? " VRRPV3-MIB (RFC 6527)" : "",
		 c.traps ? ", with notifications" : "", socket);
}

/* router_id, else the host name (as keepalived does). */
static const char *node_name(const struct child_ctx *ctx)
{
	static char host[256];

	if (ctx->conf && ctx->conf->global.router_id)
		return ctx->conf->global.router_id;
	gethostname(host, sizeof(host) - 1);
	return host;
}

/* ---- split brain ------------------------------------------------------------------- */

/* The local instances, for a round of split-brain decisions: from the
 * snapshot (state, priority, VIPs). */
static size_t split_locals(void *arg, struct mgmt_split_local **out)
{
	struct mgmt *m = arg;
	static struct mgmt_split_local *loc;
	static char (*vip_text)[INET6_ADDRSTRLEN];
	static const char **vip_ptr;
	const struct snap *s = m->snap;
	size_t n_vips = 0, k = 0;
	const struct vrrp_live *live = NULL;
	ssize_t n_live = -1;
	const void *recs;

	if (m->vrrp_live && (n_live = shstats_r_read(m->vrrp_live, &recs, NULL, NULL)) > 0)
		live = recs;
	free(loc);
	free(vip_text);
	free(vip_ptr);
	loc = NULL;
	vip_text = NULL;
	vip_ptr = NULL;
	if (!s)
		return 0;
	for (size_t i = 0; i < s->n_inst; i++)
		n_vips += s->inst[i].n_vips;
	loc = calloc(s->n_inst + 1, sizeof(*loc));
	vip_text = calloc(n_vips + 1, sizeof(*vip_text));
	vip_ptr = calloc(n_vips + 1, sizeof(*vip_ptr));
	if (!loc || !vip_text || !vip_ptr)
		return 0;
	for (size_t i = 0; i < s->n_inst; i++) {
		const struct snap_inst *in = &s->inst[i];
		struct mgmt_split_local *l = &loc[i];

		l->id = in->id;
		l->inst = (struct sb_inst){ .name = in->name, .vrid = in->vrid, .family = in->family,
					    .vips = &vip_ptr[k], .master = in->state == SNAP_MASTER,
					    .priority = in->effective_priority,
					    .address = in->state == SNAP_MASTER ? in->master : NULL };
		for (size_t j = 0; j < in->n_vips; j++) {
			if (in->vips[j].excluded)
				continue;
			inet_ntop(in->vips[j].family, in->vips[j].addr, vip_text[k], sizeof(vip_text[k]));
			vip_ptr[k] = vip_text[k];
			k++;
			l->inst.n_vips++;
		}
		l->ev.advert_ms = in->advert_ms;
		for (ssize_t j = 1; live && j < n_live; j++) {     /* record 0 is the router's */
			const struct vrrp_live *v = &live[j];

			if (strcmp(v->name, in->name) != 0)
				continue;
			l->have_ev = true;
			l->ev.other_count = v->other_count;
			l->ev.other_streak = v->other_streak;
			l->ev.other_last_ms = v->other_last_ms;
			l->ev.other_priority = v->other_priority;
			l->ev.flaps = v->flaps > 0 ? (unsigned)v->flaps : 0;
			l->ev.arp_count = v->arp_count;
			l->ev.arp_last_ms = v->arp_last_ms;
			snprintf(l->ev.arp_mac, sizeof(l->ev.arp_mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->arp_mac[0],
				 v->arp_mac[1], v->arp_mac[2], v->arp_mac[3], v->arp_mac[4], v->arp_mac[5]);
			inet_ntop(AF_INET, v->arp_vip, l->ev.arp_vip, sizeof(l->ev.arp_vip));
			inet_ntop(in->family, v->other_src, l->ev.other_src, sizeof(l->ev.other_src));
			break;
		}
	}
	*out = loc;
	return s->n_inst;
}

static const struct sb_track *split_track(int64_t inst_id)
{
	return M ? mgmt_split_track(M->split, inst_id) : NULL;
}

static void split_noted(void *arg, int status, const char *text)
{
	(void)arg;
	if (status)
		log_warnx("split brain: the change was not stored: %s", text);
}

static void split_change(void *arg, int64_t inst_id, const char *name, const struct sb_track *t,
			 enum sb_status before)
{
	struct mgmt *m = arg;
	const struct snap_inst *in = m->snap ? snap_inst_by_id(m->snap, inst_id) : NULL;
	const char *to = sb_status_name(t->status), *from = sb_status_name(before);
	char last[16] = "", evidence[SB_EVIDENCE_MAX * (SB_EVIDENCE_LEN + 1)] = "";
	bool quiet = false;
	json_t *j;
	char *note;

	/* The first decision since mgmt started is news only when it differs
	 * from what the store last recorded (a split that ended while mgmt was
	 * being replaced), or when there is no record and it is not ok; with
	 * no record at all an ok is only stored (vigilctl reads it), quietly. */
	if (before == SB_UNKNOWN) {
		if (m->db)
			mgmt_split_last(m->db, inst_id, last, sizeof(last));
		if (*last && strcmp(last, to) == 0)
			return;
		quiet = !*last && t->status == SB_OK;
		if (*last)
			from = last;
	}
	if (m->snmp && in && !quiet)
		snmp_vigil_split_change(in, t);
	/* a history row, written by the vrrp process (mgmt only reads the store) */
	for (size_t i = 0; i < t->n_evidence; i++)
		snprintf(evidence + strlen(evidence), sizeof(evidence) - strlen(evidence), "%s%s", i ? "\n" : "",
			 t->evidence[i]);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "action", "split_brain", "instance", name, "from", from,
		      "to", to, "evidence", evidence, "at", (json_int_t)t->since_ms);
	note = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!note || edit_send(m, PROC_VRRP, note, split_noted, NULL) < 0)
		log_warnx("(%s) split brain: the change could not be sent to be stored", name);
	free(note);
	if (quiet)
		return;
	if (t->status == SB_OK)
		log_warnx("(%s) split brain: cleared (was %s)", name, from);
	else
		log_warnx("(%s) split brain: %s: %s", name, to, t->n_evidence ? t->evidence[0] : "no evidence kept");
}

/* policy yield: the vrrp process holds the instance in FAULT, or lets go */
static void split_yield(void *arg, const char *name, bool on, const char *why)
{
	struct mgmt *m = arg;
	json_t *j = json_pack("{s:s, s:s, s:b, s:s}", "action", "split_yield", "instance", name, "on", on, "to", why);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (!text || edit_send(m, PROC_VRRP, text, split_noted, NULL) < 0)
		log_warnx("(%s) split brain policy yield: cannot tell the vrrp process", name);
	free(text);
}

static void split_prepare(struct child_ctx *ctx)
{
	if (ctx->conf)
		mgmt_split_prepare(&ctx->conf->split_brain);
}

/* ---- HTTP ----------------------------------------------------------------------- */

static struct http_api_ctx api_ctx(const struct mgmt *m)
{
	return (struct http_api_ctx){
		.snap = m->snap,
		.node = m->node,
		.router_id = m->ctx->conf ? m->ctx->conf->global.router_id : NULL,
		.version = "vigil " PACKAGE_VERSION,
		.started_ms = m->started_ms,
		.now_ms = store_now_ms(),
		.snmp_enabled = m->snmp,
		.snmp_connected = m->snmp && snmp_agent_connected(),
		.token = m->ctx->opts->http_token,
		.auth_reads = m->ctx->opts->http_auth_reads,
		.cors = m->ctx->opts->http_cors_origin != NULL,
		.lvs = &m->lvs,
		.db = m->db,
		.split = m->split,
		.split_track = mgmt_split_track,
		.split_peers = mgmt_split_peers,
	};
}

/* A REST edit on its way to an engine. */
struct http_pending {
	struct mgmt *m;
	struct http_edit e;
	struct http_req *handle;
};

static void http_edit_done(void *arg, int status, const char *text)
{
	struct http_pending *hp = arg;
	struct http_api_ctx c = api_ctx(hp->m);   /* the snapshot was refreshed for the answer */
	struct http_reply r;

	http_api_edited(&c, &hp->e, status, text, &r);
	http_req_done(hp->handle, &r);
	free(hp->e.json);
	free(hp);
}

static void on_http(void *arg, const struct http_request *rq, struct http_reply *out)
{
	struct mgmt *m = arg;
	struct http_api_ctx c = api_ctx(m);
	struct http_pending *hp;
	struct http_edit e;

	if (http_api_handle(&c, rq, out, &e) == 0)
		return;
	hp = calloc(1, sizeof(*hp));
	if (!hp || edit_send(m, e.vrrp ? PROC_VRRP : PROC_CHECK, e.json, http_edit_done, hp) < 0) {
		free(hp);
		free(e.json);
		out->status = 503;
		out->body = strdup("{\"error\":{\"status\":503,\"message\":\"cannot reach the engine\","
				   "\"field\":null,\"fix\":\"try again in a few seconds\"}}");
		return;
	}
	hp->m = m;
	hp->e = e;
	hp->handle = rq->handle;
	/* out->status stays 0: the answer comes with the engine's */
}

static void http_start(struct mgmt *m)
{
	const struct vigil_opts *o = m->ctx->opts;
	const struct http_conf conf = {
		.listen = o->http_listen, .connections = 64, .timeout_s = 30, .body_max = 64 * 1024,
		.cert_pem = o->http_tls_cert_pem, .key_pem = o->http_tls_key_pem, .cors_origin = o->http_cors_origin,
	};
	const char *scheme = conf.cert_pem ? "https" : "http";
	char err[256];

	if (!conf.listen)
		return;
	m->http = http_server_start(m->ctx->loop, &conf, on_http, m, err, sizeof(err));
	if (!m->http)
		log_warnx("http: %s; the status page and REST API are off (--http=ADDR:PORT to choose another, "
			  "--http=none)", err);
	else
		log_info("http: status page on %s://%s/, REST API under /api/v1/%s%s%s", scheme, conf.listen,
			 o->http_auth_reads ? ", every request with the token" : "",
			 conf.cors_origin ? ", CORS for " : "", conf.cors_origin ? conf.cors_origin : "");
}

static int mgmt_start(struct child_ctx *ctx)
{
	struct mgmt *m = calloc(1, sizeof(*m));

	if (!m)
		return -1;
	m->ctx = ctx;
	m->vrrp_seen = m->health_seen = -1;
	m->data_version = -1;
	ctx->module = m;
	M = m;
	if (ctx->control_fd >= 0 && ev_io_add(ctx->loop, ctx->control_fd, EPOLLIN, on_accept, m) < 0)
		log_warn("mgmt: cannot watch the control socket");
	m->started_ms = store_now_ms();
	m->node = node_name(ctx);
	{
		char lvs_live[PATH_MAX];

		mgmt_lvs_open(&m->lvs, child_state_path(ctx, LB_LIVE_FILE, lvs_live, sizeof(lvs_live)));
		mgmt_lvs_poll(&m->lvs);
	}
	snmp_start(m);
	http_start(m);
	m->db = child_store_read(ctx);
	snap_refresh(m, true);
	if (ctx->conf) {
		char path[PATH_MAX];

		m->vrrp_live = shstats_r_new(child_state_path(ctx, VRRP_LIVE_FILE, path, sizeof(path)), VRRP_LIVE_KIND,
					     sizeof(struct vrrp_live));
		m->split = mgmt_split_start(ctx->loop, &ctx->conf->split_brain, split_locals, split_change,
					    split_yield, m);
	}
	ev_timer_init(&m->poll, on_poll, m);
	ev_timer_start_in(ctx->loop, &m->poll, SNAP_POLL);
	return 0;
}

static int mgmt_reload(struct child_ctx *ctx, struct conf *next)
{
	log_info("mgmt: reload noted");
	return 0;
}

static void mgmt_stop(struct child_ctx *ctx)
{
	struct mgmt *m = ctx->module;

	if (!m)
		return;
	while (m->pending)
		pending_end(m->pending, 503, "vigild is stopping");
	while (m->clients)
		client_answer(m->clients, 503, "vigild is stopping");
	ev_timer_stop(ctx->loop, &m->poll);
	mgmt_split_stop(m->split);
	if (m->vrrp_live)
		shstats_r_free(m->vrrp_live);
	http_server_stop(m->http);
	if (m->snmp) {
		snmp_vrrp_rfc_stop();
		snmp_agent_stop();
	}
	snap_free(m->snap);
	mgmt_lvs_close(&m->lvs);
	if (m->db)
		sqlite3_close(m->db);
	free(m);
	M = NULL;
	ctx->module = NULL;
}

const struct child_ops mgmt_child_ops = {
	.id = PROC_MGMT,
	.reads_config = false,
	.unprivileged = true,
	.prepare = split_prepare,
	.start = mgmt_start,
	.reload = mgmt_reload,
	.stop = mgmt_stop,
	.edit_done = mgmt_edit_done,
};
