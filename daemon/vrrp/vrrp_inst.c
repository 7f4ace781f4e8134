/*
 * vrrp_inst.c - see vrrp_inst.h.
 *
 * Hot path: an Adver_Timer firing builds one packet per destination and
 * sends it; nothing on that path logs, allocates or talks netlink.
 */
#include "config.h"

#include <errno.h>
#include <netpacket/packet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "core/ev.h"
#include "core/jsonfile.h"
#include "core/log.h"
#include "core/shstats.h"
#include "core/spawn.h"
#include "kern/kern_addr.h"
#include "core/child.h"
#include "kern/kern_link.h"
#include "store/store_writer.h"
#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_garp.h"
#include "vrrp/vrrp_inst.h"
#include "vrrp/vrrp_live.h"
#include "vrrp/vrrp_pkt.h"
#include "vrrp/vrrp_sock.h"
#include "vrrp/vrrp_track.h"

#define RX_LOG_EVERY (60 * EV_NSEC_PER_SEC)   /* per instance and reason */
#define NOTIFY_TIMEOUT (30 * EV_NSEC_PER_SEC)
#define SWAP_STR(a, b) do { char *t_ = (a); (a) = (b); (b) = t_; } while (0)

struct vip {
	struct kern_ifaddr k;
	char *label;
	bool advertised;             /* false for virtual_ipaddress_excluded */
	bool on_instance_if;         /* no `dev`: lives on the instance's interface (or its vmac) */
};

struct vrrp_inst {
	struct vrrp_engine *e;
	char *name;
	char *signature;             /* settings that need a restart when changed */
	char ifname[IF_NAMESIZE];    /* where adverts go: the interface, or the vmac */
	int ifindex;
	int base_ifindex;            /* the configured interface (link tracked) */
	char vmac_name[IF_NAMESIZE]; /* use_vmac: the macvlan's name, "" when not used */
	bool vmac_created;
	int family;
	uint8_t vrid;
	uint8_t base_priority;
	struct vrrp_fsm_cfg fcfg;
	struct vrrp_fsm fsm;
	struct vrrp_expect expect;
	struct vaddr src;            /* advert source */
	struct vaddr group;
	struct vaddr *peers;         /* unicast_peer; none: multicast */
	size_t n_peers;
	struct vip *vips;
	size_t n_vips;
	struct vaddr *adv_addrs;     /* the advertised VIPs, for the packet */
	size_t n_adv_addrs;
	unsigned char mac[6];
	struct vrrp_sock *sock;
	struct ev_timer adver_timer;
	struct ev_timer down_timer;
	struct ev_timer garp_timer;  /* the delayed second burst, then refresh */
	uint64_t garp_delay_ns;
	int garp_repeat;
	uint64_t garp_refresh_ns;
	int garp_refresh_repeat;
	bool garp_second_done;
	char *notify_master, *notify_backup, *notify_fault, *notify_stop, *notify;
	struct vrrp_track_ref *tracks;
	size_t n_tracks;
	bool own_fault;              /* its own trackers say FAULT */
	struct vrrp_group *sgroup;   /* its vrrp_sync_group, NULL when none */
	struct vrrp_rx_stats rx;
	uint64_t rx_logged_at[VRRP_RX__COUNT];
	uint64_t adverts_sent;
	uint64_t prio0_sent;
	uint64_t become_master;
	/* for the RFC 2787 / 6527 tables (vrrp_live.h) */
	uint64_t prio0_rcvd;
	uint64_t heard_lower_at;     /* loop time a lower-priority master was discarded */
	/* split-brain evidence, for mgmt (vrrp_live.h): memory writes only */
	struct vaddr other_src;
	int other_priority;
	uint64_t other_count;
	uint32_t other_streak;       /* adverts in a row: one stray advert is no evidence */
	bool yielded;                /* split-brain policy yield: held in FAULT, VIPs given up */
	uint8_t arp_mac[6];          /* while MASTER, the last other MAC that claimed a VIP */
	struct in_addr arp_vip;
	uint64_t arp_count;
	int64_t arp_last_ms;
	int64_t other_last_ms;
	int64_t master_at_ms[4];     /* the last transitions to MASTER (Unix ms), a ring */
	unsigned master_at_next;
	int master_reason;           /* enum vrrp_live_master_reason */
	int proto_err;               /* enum vrrp_live_proto_err */
	int auth_err;
	struct vaddr auth_err_src;
	int64_t up_since_ms;
};

/* A vrrp_sync_group: members move together (see vrrp_fsm's SYNC events). */
struct vrrp_group {
	char *name;
	struct vrrp_inst **members;
	size_t n_members;
	enum vrrp_state state;       /* last state all members agreed on */
	char *notify_master, *notify_backup, *notify_fault, *notify_stop, *notify;
};

struct vrrp_engine {
	struct ev_loop *loop;
	struct vrrp_group *groups;
	size_t n_groups;
	bool syncing;                /* propagating a group transition */
	struct vrrp_sock *socks;
	struct vrrp_inst **insts;
	size_t n_insts;
	struct vrrp_track *track;
	struct vrrp_rx_stats rx;     /* packets no instance could take */
	char *script_user;
	/* vigil_split_brain's policy (its own configuration, never mgmt's word) */
	char *split_script;          /* policy script: run on changes to and from split */
	bool split_yield;            /* policy yield: mgmt may make an instance give way */
	int arp_fd;                  /* every ARP packet: another MAC claiming a VIP */
	char *fifo_path;
	int fifo_fd;                 /* notify_fifo, -1 when none */
	uint64_t rx_logged_at[VRRP_RX__COUNT];
	struct store_writer *store;  /* NULL: no state store */
	struct ev_timer counters_timer;
	struct vrrp_demote *demotes; /* operators' demotions, by instance name */
	size_t n_demotes;
	struct ev_timer demote_expiry;
	int *script_stored;          /* per script of e->track: the state last stored, -1 none */
	size_t n_script_stored;
	struct shstats_w *live;      /* counters for mgmt (vrrp_live.h), NULL: none */
	struct ev_timer live_timer;
	int64_t started_ms;
	int proto_err;               /* the router's last (checksum, version, VRID) */
};

struct vrrp_demote {
	char name[64];
	int by;
	int64_t expires;             /* Unix ms, 0: none */
};

/* How often the counters go to the state store. */
#define COUNTERS_EVERY_NS (60 * EV_NSEC_PER_SEC)

static void inst_event(struct vrrp_inst *in, enum vrrp_fsm_ev_type type);
static void on_demote_expiry(struct ev_loop *loop, struct ev_timer *t, void *arg);
static void live_soon(struct vrrp_engine *e);
static void live_publish(struct vrrp_engine *e);

/* ---- helpers -------------------------------------------------------------- */

static char *xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		log_fatalx("out of memory");
	return d;
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p)
		log_fatalx("out of memory");
	return p;
}

/* Log a packet problem at most once a minute per reason: packets are
 * attacker-controlled and logging costs a millisecond here. */
static bool rx_should_log(uint64_t *last, uint64_t now)
{
	if (*last && now - *last < RX_LOG_EVERY)
		return false;
	*last = now;
	return true;
}

/* ---- sending ---------------------------------------------------------------- */

static void send_advert(struct vrrp_inst *in, uint8_t priority)
{
	uint8_t buf[VRRP_MAX_PKT];
	struct vrrp_tx tx = {
		.version = in->fcfg.version,
		.vrid = in->vrid,
		.priority = priority,
		.auth_type = in->expect.auth_type,
		.adver_int_cs = (uint16_t)in->fcfg.adver_int_cs,
		.family = in->family,
		.src = in->src,
		.addrs = in->adv_addrs,
		.n_addrs = in->n_adv_addrs,
	};
	size_t n_dst = in->n_peers ? in->n_peers : 1;

	memcpy(tx.auth_pass, in->expect.auth_pass, sizeof(tx.auth_pass));
	for (size_t i = 0; i < n_dst; i++) {
		size_t len;

		tx.dst = in->n_peers ? in->peers[i] : in->group;
		len = vrrp_pkt_build(buf, sizeof(buf), &tx);
		if (len && vrrp_sock_send(in->sock, &in->src, &tx.dst, buf, len) == 0)
			in->adverts_sent++;
	}
	if (priority == VRRP_PRIO_STOP)
		in->prio0_sent++;
}

static void garp_burst(struct vrrp_inst *in, int repeat)
{
	for (int r = 0; r < repeat; r++)
		for (size_t i = 0; i < in->n_vips; i++)
			vrrp_garp_send(in->vips[i].k.ifindex, in->mac, &in->vips[i].k.addr);
}

/* garp_master_delay after becoming master: a second burst; then every
 * garp_master_refresh, if set. */
static void on_garp_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct vrrp_inst *in = arg;

	if (in->fsm.state != VRRP_STATE_MASTER)
		return;
	if (!in->garp_second_done) {
		garp_burst(in, in->garp_repeat);
		in->garp_second_done = true;
	} else {
		garp_burst(in, in->garp_refresh_repeat);
	}
	if (in->garp_refresh_ns)
		ev_timer_start_in(loop, t, in->garp_refresh_ns);
}

/* ---- addresses ------------------------------------------------------------- */

static void vips_apply(struct vrrp_inst *in, bool add)
{
	for (size_t i = 0; i < in->n_vips; i++) {
		char a[VADDR_STRLEN];
		int err = add ? kern_addr_add(&in->vips[i].k) : kern_addr_del(&in->vips[i].k);

		if (err < 0)
			log_warnx("(%s) cannot %s %s/%d: %s", in->name, add ? "add" : "remove",
				  vaddr_str(&in->vips[i].k.addr, a), in->vips[i].k.prefix,
				  kern_addr_strerror(err));
	}
}

/* ---- notify ----------------------------------------------------------------- */

static const char *notify_state(enum vrrp_state s)
{
	return s == VRRP_STATE_MASTER ? "MASTER" : s == VRRP_STATE_BACKUP ? "BACKUP" :
	       s == VRRP_STATE_FAULT ? "FAULT" : "STOP";
}

/* notify_<state> with no argument, then `notify` with keepalived's
 * arguments: INSTANCE|GROUP NAME STATE PRIORITY. */
static void run_notify_scripts(struct vrrp_engine *e, const char *kind, const char *name,
			       enum vrrp_state to, unsigned priority, char *const scripts[4],
			       const char *notify)
{
	const char *specific = to == VRRP_STATE_MASTER ? scripts[0] : to == VRRP_STATE_BACKUP ? scripts[1] :
			       to == VRRP_STATE_FAULT ? scripts[2] : scripts[3];
	char prio[8];
	const char *args[] = { kind, name, notify_state(to), prio, NULL };

	snprintf(prio, sizeof(prio), "%u", priority);
	if (specific && spawn_run(specific, NULL, e->script_user, NOTIFY_TIMEOUT, NULL, NULL) < 0)
		log_warn("(%s) cannot run notify script '%s'", name, specific);
	if (notify && spawn_run(notify, args, e->script_user, NOTIFY_TIMEOUT, NULL, NULL) < 0)
		log_warn("(%s) cannot run notify script '%s'", name, notify);
}

/* keepalived's notify FIFO lines: INSTANCE "VI_1" MASTER 150 /
 * GROUP "G1" MASTER.  Non-blocking: with no reader the pipe fills and
 * further lines are dropped rather than stall the engine. */
static void fifo_line(struct vrrp_engine *e, const char *kind, const char *name,
		      enum vrrp_state to, int priority)
{
	char line[256];
	int n;

	if (e->fifo_fd < 0)
		return;
	if (priority >= 0)
		n = snprintf(line, sizeof(line), "%s \"%s\" %s %d\n", kind, name, notify_state(to), priority);
	else
		n = snprintf(line, sizeof(line), "%s \"%s\" %s\n", kind, name, notify_state(to));
	if (n > 0 && write(e->fifo_fd, line, (size_t)n) < 0 && errno != EAGAIN)
		log_warn("notify fifo %s", e->fifo_path);
}

static void fifo_open(struct vrrp_engine *e, const struct conf *c)
{
	const char *path = c->global.vrrp_notify_fifo ? c->global.vrrp_notify_fifo : c->global.notify_fifo;
	struct stat st;

	if (e->fifo_path && path && strcmp(e->fifo_path, path) == 0)
		return;
	if (e->fifo_fd >= 0)
		close(e->fifo_fd);
	e->fifo_fd = -1;
	free(e->fifo_path);
	e->fifo_path = xstrdup(path);
	if (!path)
		return;
	if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
		log_warn("notify_fifo: cannot create %s", path);
		return;
	}
	if (stat(path, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		log_errx("notify_fifo: %s exists and is not a FIFO: remove it or choose another path", path);
		return;
	}
	/* O_RDWR: opening never blocks and writing never fails for want of
	 * a reader. */
	e->fifo_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (e->fifo_fd < 0)
		log_warn("notify_fifo: cannot open %s", path);
}

static void run_notify(struct vrrp_inst *in, enum vrrp_state to)
{
	char *const s[4] = { in->notify_master, in->notify_backup, in->notify_fault, in->notify_stop };

	fifo_line(in->e, "INSTANCE", in->name, to, in->fsm.priority);
	run_notify_scripts(in->e, "INSTANCE", in->name, to, in->fsm.priority, s, in->notify);
}

static void group_sync(struct vrrp_inst *in);

/* ---- the state machine's actions and timers ----------------------------------- */

static void arm(struct ev_loop *loop, struct ev_timer *t, uint64_t deadline)
{
	if (deadline == VRRP_NEVER)
		ev_timer_stop(loop, t);
	else if (!ev_timer_armed(t) || t->deadline != deadline)
		ev_timer_start_at(loop, t, deadline);
}

static void apply(struct vrrp_inst *in, const struct vrrp_fsm_out *out)
{
	struct ev_loop *loop = in->e->loop;
	unsigned a = out->actions;

	if (a & VRRP_ACT_SEND_PRIO0)
		send_advert(in, VRRP_PRIO_STOP);
	if (a & VRRP_ACT_DEL_VIPS)
		vips_apply(in, false);
	/* The advert first: the backups stop their countdown while we talk
	 * to the kernel; the GARPs wait until the addresses are there. */
	if (a & VRRP_ACT_SEND_ADVERT)
		send_advert(in, in->fsm.priority);
	if (a & VRRP_ACT_ADD_VIPS)
		vips_apply(in, true);
	if (a & VRRP_ACT_GARP) {
		garp_burst(in, in->garp_repeat);
		in->garp_second_done = false;
		if (in->garp_delay_ns)
			ev_timer_start_in(loop, &in->garp_timer, in->garp_delay_ns);
	}
	arm(loop, &in->adver_timer, in->fsm.adver_deadline);
	arm(loop, &in->down_timer, in->fsm.master_down_deadline);

	if (out->reason) {
		/* A transition: rare, so it may log (keepalived's wording,
		 * which operators grep for). */
		log_notice("(%s) Entering %s STATE (%s)", in->name, vrrp_state_name(in->fsm.state),
			   out->reason);
		if (in->fsm.state == VRRP_STATE_MASTER) {
			in->become_master++;
			in->master_at_ms[in->master_at_next++ % 4] = store_now_ms();
			/* preempted: a lower-priority master was heard within
			 * the last Master_Down_Interval */
			in->master_reason = vrrp_live_master_reason(out->reason,
				in->heard_lower_at && ev_now(loop) - in->heard_lower_at <=
				vrrp_master_down_interval_ns(in->fsm.priority, in->fsm.master_adver_int_cs),
				in->fsm.priority == 255);
		} else {
			ev_timer_stop(loop, &in->garp_timer);
			in->master_reason = VRRP_LIVE_NOT_MASTER;
		}
		if (in->fsm.state == VRRP_STATE_INIT)
			in->up_since_ms = 0;
		else if (out->from == VRRP_STATE_INIT)
			in->up_since_ms = store_now_ms();
		run_notify(in, in->fsm.state);
		group_sync(in);
		live_soon(in->e);
	}
}

/* A transition: mgmt's live view follows within LIVE_SOON_NS (one copy for
 * a burst of transitions, not one each). */
#define LIVE_SOON_NS (20 * EV_NSEC_PER_MSEC)
static void live_soon(struct vrrp_engine *e)
{
	uint64_t due = ev_now(e->loop) + LIVE_SOON_NS;

	if (e->live && (!ev_timer_armed(&e->live_timer) || e->live_timer.deadline > due))
		ev_timer_start_at(e->loop, &e->live_timer, due);
}

/* ---- the state store ------------------------------------------------------------ */

/* A transition, or a new effective priority or master: one record queued
 * (a lock and an append; the writer thread does the SQL). */
/* The record, and `done` (may be NULL) once it is committed: 0, or -1 when
 * nothing was queued (no store, no memory). */
static int store_status_then(struct vrrp_inst *in, enum vrrp_state from, const char *reason,
			     void (*done)(void *arg, int status, const char *err), void *arg)
{
	struct store_rec *r;
	char m[VADDR_STRLEN] = "";

	if (!in->e->store)
		return -1;
	r = store_rec_new(reason ? STORE_VRRP_STATE : STORE_VRRP_STATUS);
	if (!r)
		return -1;
	r->done = done;
	r->arg = arg;
	if (in->fsm.master_addr.family)
		vaddr_str(&in->fsm.master_addr, m);
	store_rec_str(r, 0, in->name);
	store_rec_str(r, 1, vrrp_state_name(from));
	store_rec_str(r, 2, vrrp_state_name(in->fsm.state));
	store_rec_str(r, 3, reason);
	store_rec_str(r, 4, m[0] ? m : NULL);
	r->i[0] = in->fsm.priority;
	store_writer_put(in->e->store, r);
	return 0;
}

static void store_status(struct vrrp_inst *in, enum vrrp_state from, const char *reason)
{
	store_status_then(in, from, reason, NULL, NULL);
}

/* A script's result when it differs from the one stored. */
static void store_script_results(struct vrrp_engine *e)
{
	size_t n = vrrp_track_n_scripts(e->track);

	if (!e->store || n != e->n_script_stored)
		return;
	for (size_t i = 0; i < n; i++) {
		int st = (int)vrrp_track_script_state(e->track, (int)i);
		struct store_rec *r;

		if (st == e->script_stored[i] || !(r = store_rec_new(STORE_VRRP_SCRIPT_RESULT)))
			continue;
		store_rec_str(r, 0, vrrp_track_script_name(e->track, (int)i));
		store_rec_str(r, 2, vrrp_script_state_name((enum vrrp_script_state)st));
		store_writer_put(e->store, r);
		e->script_stored[i] = st;
	}
}

/* The vrrp_scripts with their settings and current result. */
static void store_scripts(struct vrrp_engine *e, const struct conf *c)
{
	size_t n = vrrp_track_n_scripts(e->track);

	free(e->script_stored);
	e->script_stored = xcalloc(n + 1, sizeof(*e->script_stored));
	e->n_script_stored = n;
	for (size_t i = 0; i < c->n_scripts; i++) {
		int k = vrrp_track_script(e->track, c->scripts[i].name);
		struct store_rec *r;
		json_t *j;
		char *text;

		if (k < 0 || !(r = store_rec_new(STORE_VRRP_SCRIPT)))
			continue;
		j = conf_script_summary(&c->scripts[i]);
		text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		e->script_stored[k] = (int)vrrp_track_script_state(e->track, k);
		store_rec_str(r, 0, c->scripts[i].name);
		store_rec_str(r, 1, text);
		store_rec_str(r, 2, vrrp_script_state_name((enum vrrp_script_state)e->script_stored[k]));
		store_writer_put(e->store, r);
		free(text);
		json_decref(j);
	}
}

/* The configured instances and scripts, after a start or reload: one
 * transaction, so a reader never sees them all absent. */
static void store_instances(struct vrrp_engine *e, const struct conf *c)
{
	if (!e->store)
		return;
	store_writer_hold(e->store);
	store_writer_put(e->store, store_rec_new(STORE_VRRP_ABSENT));
	store_scripts(e, c);
	for (size_t i = 0; i < e->n_insts && i < c->n_vrrps; i++) {
		struct vrrp_inst *in = e->insts[i];
		struct store_rec *r = store_rec_new(STORE_VRRP_INSTANCE);
		json_t *j;
		char *text;

		if (!r)
			break;
		store_rec_str(r, 0, in->name);
		store_rec_str(r, 1, in->family == AF_INET6 ? "inet6" : "inet");
		store_rec_str(r, 2, in->ifname);
		/* build_all made e->insts[i] from c->vrrps[i] */
		j = conf_vrrp_summary(c, &c->vrrps[i]);
		text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		store_rec_str(r, 3, text);
		free(text);
		json_decref(j);
		r->i[0] = in->vrid;
		r->i[1] = in->fcfg.version;
		r->i[2] = in->base_priority;
		store_writer_put(e->store, r);
		store_status(in, in->fsm.state, NULL);
	}
	store_writer_release(e->store);
}

static void put_counter(struct vrrp_engine *e, const char *name, const char *counter, uint64_t v)
{
	struct store_rec *r = store_rec_new(STORE_COUNTER);

	if (!r)
		return;
	store_rec_str(r, 0, "vrrp_instance");
	store_rec_str(r, 1, name);
	store_rec_str(r, 3, counter);
	r->i[0] = (int64_t)v;
	store_writer_put(e->store, r);
}

void vrrp_engine_store_counters(struct vrrp_engine *e)
{
	if (!e->store)
		return;
	store_writer_hold(e->store);
	for (size_t i = 0; i < e->n_insts; i++) {
		struct vrrp_inst *in = e->insts[i];

		put_counter(e, in->name, "adverts_sent", in->adverts_sent);
		put_counter(e, in->name, "adverts_received", in->rx.n[VRRP_RX_OK]);
		put_counter(e, in->name, "become_master", in->become_master);
	}
	store_writer_release(e->store);
}

static void on_counters_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	vrrp_engine_store_counters(arg);
	ev_timer_start_in(loop, t, COUNTERS_EVERY_NS);
}

void vrrp_engine_set_store(struct vrrp_engine *e, struct store_writer *w)
{
	e->store = w;
	ev_timer_init(&e->counters_timer, on_counters_timer, e);
	if (w)
		ev_timer_start_in(e->loop, &e->counters_timer, COUNTERS_EVERY_NS);
}

static void step(struct vrrp_inst *in, const struct vrrp_fsm_ev *ev)
{
	struct vrrp_fsm_out out;
	enum vrrp_state from = in->fsm.state;
	uint8_t prio = in->fsm.priority;
	struct vaddr master = in->fsm.master_addr;

	vrrp_fsm_step(&in->fsm, &in->fcfg, ev, ev_now(in->e->loop), &out);
	apply(in, &out);
	if (out.reason)
		store_status(in, from, out.reason);
	else if (prio != in->fsm.priority || memcmp(&master, &in->fsm.master_addr, sizeof(master)) != 0)
		store_status(in, from, NULL);
	if (out.actions & VRRP_ACT_OTHER_MASTER) {
		int64_t now_ms = store_now_ms();
		int64_t gap_ms = 3LL * 10 * (ev->adver_int_cs ? ev->adver_int_cs : 100);

		if (!in->other_last_ms || now_ms - in->other_last_ms > gap_ms ||
		    vaddr_cmp(&in->other_src, &ev->src) != 0)
			in->other_streak = 0;
		in->other_streak++;
		in->other_src = ev->src;
		in->other_priority = ev->priority;
		in->other_count++;
		in->other_last_ms = now_ms;
	}
	if ((out.actions & VRRP_ACT_OTHER_MASTER) &&
	    rx_should_log(&in->rx_logged_at[VRRP_RX_OK], ev_now(in->e->loop))) {
		char m[VADDR_STRLEN];

		log_warnx("(%s) another master %s with lower priority %u is advertising: two masters",
			  in->name, vaddr_str(&ev->src, m), ev->priority);
	}
}

static void inst_event(struct vrrp_inst *in, enum vrrp_fsm_ev_type type)
{
	struct vrrp_fsm_ev ev = { .type = type };

	step(in, &ev);
}

/* A member changed state: the others follow (keepalived's sync groups).
 * When all members agree on a new state, the group's notify scripts run. */
static void group_sync(struct vrrp_inst *in)
{
	struct vrrp_group *g = in->sgroup;
	struct vrrp_engine *e = in->e;
	bool agree = true;

	if (!g)
		return;
	if (!e->syncing && in->fsm.state != VRRP_STATE_INIT) {
		enum vrrp_fsm_ev_type follow =
			in->fsm.state == VRRP_STATE_MASTER ? VRRP_EV_SYNC_MASTER :
			in->fsm.state == VRRP_STATE_BACKUP ? VRRP_EV_SYNC_BACKUP : VRRP_EV_FAULT;

		e->syncing = true;
		for (size_t i = 0; i < g->n_members; i++)
			if (g->members[i] != in)
				inst_event(g->members[i], follow);
		e->syncing = false;
	}
	for (size_t i = 0; i < g->n_members; i++)
		agree = agree && g->members[i]->fsm.state == in->fsm.state;
	if (agree && g->state != in->fsm.state && !e->syncing) {
		char *const s[4] = { g->notify_master, g->notify_backup, g->notify_fault, g->notify_stop };

		g->state = in->fsm.state;
		log_notice("VRRP_Group(%s) Entering %s STATE", g->name, vrrp_state_name(g->state));
		fifo_line(e, "GROUP", g->name, g->state, -1);
		run_notify_scripts(e, "GROUP", g->name, g->state, 0, s, g->notify);
	}
}

static void on_adver_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	inst_event(arg, VRRP_EV_ADVER_TIMER);
}

static void on_down_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	inst_event(arg, VRRP_EV_MASTER_DOWN_TIMER);
}

/* ---- tracking ----------------------------------------------------------------- */

static const struct vrrp_demote *find_demote(const struct vrrp_engine *e, const char *name)
{
	for (size_t i = 0; i < e->n_demotes; i++)
		if (strcmp(e->demotes[i].name, name) == 0)
			return &e->demotes[i];
	return NULL;
}

static int inst_own_priority(struct vrrp_inst *in)
{
	const struct vrrp_demote *d = find_demote(in->e, in->name);
	int p = vrrp_track_priority(in->e->track, in->base_priority, in->tracks, in->n_tracks,
				    &in->own_fault);

	in->own_fault |= in->yielded;
	return d ? vrrp_demoted(p, d->by) : p;
}

/* A sync group is in FAULT while any member's own trackers say so. */
static bool group_fault(const struct vrrp_inst *in)
{
	if (!in->sgroup)
		return in->own_fault;
	for (size_t i = 0; i < in->sgroup->n_members; i++)
		if (in->sgroup->members[i]->own_fault)
			return true;
	return false;
}

static void inst_retrack(struct vrrp_inst *in)
{
	int prio = inst_own_priority(in);
	bool fault = group_fault(in);

	if (fault && !in->fsm.fault) {
		inst_event(in, VRRP_EV_FAULT);
	} else if (!fault && in->fsm.fault) {
		in->fsm.priority = (uint8_t)prio;
		inst_event(in, VRRP_EV_FAULT_CLEAR);
	}
	if (prio != in->fsm.priority) {
		struct vrrp_fsm_ev ev = { .type = VRRP_EV_PRIORITY, .priority = (uint8_t)prio };

		log_info("(%s) effective priority %u -> %d", in->name, in->fsm.priority, prio);
		step(in, &ev);
	}
}

static void on_track_changed(void *arg)
{
	struct vrrp_engine *e = arg;

	/* Own faults first, so group faults are known to every member. */
	for (size_t i = 0; i < e->n_insts; i++)
		inst_own_priority(e->insts[i]);
	for (size_t i = 0; i < e->n_insts; i++)
		inst_retrack(e->insts[i]);
	store_script_results(e);
}

/* ---- receiving ------------------------------------------------------------------ */

static void count_rx(struct vrrp_engine *e, struct vrrp_inst *in, enum vrrp_rx_err err,
		     const struct vrrp_rx *rx)
{
	uint64_t *last = in ? &in->rx_logged_at[err] : &e->rx_logged_at[err];
	char s[VADDR_STRLEN];

	int proto = VRRP_LIVE_NO_ERROR, auth = 0;

	switch (err) {
	case VRRP_RX_BAD_TTL: proto = VRRP_LIVE_TTL_ERROR; break;
	case VRRP_RX_BAD_VERSION:
	case VRRP_RX_VERSION_MISMATCH: proto = VRRP_LIVE_VERSION_ERROR; break;
	case VRRP_RX_BAD_CHECKSUM: proto = VRRP_LIVE_CHECKSUM_ERROR; break;
	case VRRP_RX_UNKNOWN_VRID: proto = VRRP_LIVE_VRID_ERROR; break;
	case VRRP_RX_INVALID_AUTH_TYPE: auth = 1; break;
	case VRRP_RX_AUTH_TYPE_MISMATCH: auth = 2; break;
	case VRRP_RX_AUTH_FAILURE: auth = 3; break;
	default: break;
	}
	if (in) {
		in->rx.n[err]++;
		if (proto)
			in->proto_err = proto;
		if (auth) {
			in->auth_err = auth;
			in->auth_err_src = rx->src;
		}
	} else {
		e->rx.n[err]++;
		if (proto)
			e->proto_err = proto;
	}
	if (err != VRRP_RX_OK && rx_should_log(last, ev_now(e->loop)))
		log_warnx("%s%s%sdropped VRRP packet from %s: %s (further ones counted, logged once a minute)",
			  in ? "(" : "", in ? in->name : "", in ? ") " : "", vaddr_str(&rx->src, s),
			  vrrp_rx_err_str(err));
}

static struct vrrp_inst *find_inst(struct vrrp_engine *e, const struct vrrp_sock *s, uint8_t vrid)
{
	for (size_t i = 0; i < e->n_insts; i++) {
		struct vrrp_inst *in = e->insts[i];

		if (in->sock == s && in->vrid == vrid)
			return in;
	}
	return NULL;
}

static void handle_packet(struct vrrp_engine *e, struct vrrp_sock *s, const struct vrrp_rx *rx)
{
	struct vrrp_adv adv;
	struct vrrp_inst *in;
	enum vrrp_rx_err err = vrrp_pkt_parse(rx, &adv);

	if (err != VRRP_RX_OK) {
		/* TTL, type and length errors count against the virtual router
		 * the packet names (RFC 2787's per-router statistics), when it
		 * is ours; checksum and version errors are the router's. */
		in = NULL;
		if ((err == VRRP_RX_BAD_TTL || err == VRRP_RX_BAD_TYPE || err == VRRP_RX_BAD_LENGTH) &&
		    rx->len >= 2)
			in = find_inst(e, s, rx->data[1]);
		count_rx(e, in, err, rx);
		return;
	}
	in = find_inst(e, s, adv.vrid);
	if (!in) {
		/* Another router's VRID on a shared LAN is normal: count, no log. */
		e->rx.n[VRRP_RX_UNKNOWN_VRID]++;
		e->proto_err = VRRP_LIVE_VRID_ERROR;
		return;
	}
	err = vrrp_pkt_check(&adv, &in->expect);
	count_rx(e, in, err, rx);
	if (err != VRRP_RX_OK)
		return;
	if (adv.priority == 0)
		in->prio0_rcvd++;
	else if (in->fsm.state == VRRP_STATE_BACKUP && adv.priority < in->fsm.priority &&
		 vrrp_fsm_may_preempt(&in->fsm, &in->fcfg, ev_now(e->loop)))
		in->heard_lower_at = ev_now(e->loop);   /* discarded: we are taking over */
	{
		struct vrrp_fsm_ev ev = {
			.type = VRRP_EV_ADVERT,
			.priority = adv.priority,
			.adver_int_cs = adv.adver_int_cs,
			.src = rx->src,
		};

		step(in, &ev);
	}
}

static void on_sock(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vrrp_engine *e = arg;
	struct vrrp_sock *s;

	for (s = e->socks; s && s->fd != fd; s = s->next)
		;
	if (!s)
		return;
	for (int budget = 64; budget > 0; budget--) {
		struct vrrp_rx rx;
		enum vrrp_rx_err err;
		int r = vrrp_sock_recv(s, &rx, &err);

		if (r <= 0)
			break;
		if (err != VRRP_RX_OK)
			count_rx(e, NULL, err, &rx);
		else
			handle_packet(e, s, &rx);
	}
}

/* ---- building an instance from the configuration --------------------------------- */

static void add_vips(struct vrrp_inst *in, const struct conf_vip *v, size_t n, bool advertised)
{
	for (size_t i = 0; i < n; i++) {
		struct vip *p = &in->vips[in->n_vips++];

		p->k.ifindex = v[i].dev ? kern_ifindex(v[i].dev) : in->ifindex;
		p->on_instance_if = !v[i].dev;
		p->k.addr = conf_vaddr(&v[i].addr);
		p->k.prefix = v[i].prefix;
		p->k.brd = conf_vaddr(&v[i].brd);
		p->k.scope = v[i].scope;
		p->label = xstrdup(v[i].label);
		p->k.label = p->label;
		p->advertised = advertised && v[i].addr.family == in->family;
		if (p->advertised)
			in->adv_addrs[in->n_adv_addrs++] = p->k.addr;
		if (!p->k.ifindex)
			log_warnx("(%s) %s:%d: interface '%s' of a virtual address does not exist",
				  in->name, v[i].loc.file, v[i].loc.line, v[i].dev);
	}
}

/* Everything that, when it changes, makes a reload restart the instance. */
static char *make_signature(const struct conf *c, const struct conf_vrrp *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char a[VADDR_STRLEN];

	if (!f)
		log_fatalx("out of memory");
	fprintf(f, "%s|%d|%d|%d|%d|%.3f|%d|%d|%s|%d|%.3f|%d|%s", v->interface, v->vrid, v->priority,
		v->version, v->family, v->advert_int, v->auth_type, v->nopreempt, v->auth_pass,
		v->state, v->preempt_delay, v->use_vmac, v->vmac_name ? v->vmac_name : "");
	for (size_t i = 0; i < v->n_vips; i++) {
		struct vaddr x = conf_vaddr(&v->vips[i].addr);

		fprintf(f, "|%s/%d %s %s", vaddr_str(&x, a), v->vips[i].prefix,
			v->vips[i].dev ? v->vips[i].dev : "", v->vips[i].label ? v->vips[i].label : "");
	}
	for (size_t i = 0; i < v->n_vips_excluded; i++) {
		struct vaddr x = conf_vaddr(&v->vips_excluded[i].addr);

		fprintf(f, "|x%s/%d", vaddr_str(&x, a), v->vips_excluded[i].prefix);
	}
	for (size_t i = 0; i < v->n_unicast_peers; i++) {
		struct vaddr x = conf_vaddr(&v->unicast_peers[i]);

		fprintf(f, "|p%s", vaddr_str(&x, a));
	}
	{
		struct vaddr m = conf_vaddr(&v->mcast_src_ip), u = conf_vaddr(&v->unicast_src_ip);
		struct vaddr g = conf_vaddr(v->family == AF_INET ? &c->global.mcast_group4 : &c->global.mcast_group6);

		fprintf(f, "|m%s", vaddr_str(&m, a));
		fprintf(f, "|u%s", vaddr_str(&u, a));
		fprintf(f, "|g%s", vaddr_str(&g, a));
	}
	fclose(f);
	return buf;
}

static int inst_tracks(struct vrrp_inst *in, const struct conf_vrrp *v, const struct conf *c)
{
	size_t n = v->n_track_scripts + v->n_track_ifs + v->n_track_files + 1;

	in->tracks = xcalloc(n, sizeof(*in->tracks));
	/* The instance's own interface: down means FAULT (weight 0). */
	in->tracks[in->n_tracks++] = (struct vrrp_track_ref){ .script = -1, .file = -1, .ifindex = in->base_ifindex };
	for (size_t i = 0; i < v->n_track_ifs; i++) {
		int idx = kern_ifindex(v->track_ifs[i].ifname);

		if (!idx) {
			log_warnx("(%s) tracked interface '%s' does not exist: treated as down",
				  in->name, v->track_ifs[i].ifname);
			idx = -1;
		}
		in->tracks[in->n_tracks++] = (struct vrrp_track_ref){
			.script = -1, .file = -1, .ifindex = idx, .weight = v->track_ifs[i].weight,
		};
	}
	for (size_t i = 0; i < v->n_track_scripts; i++) {
		const struct conf_track_ref *r = &v->track_scripts[i];
		int s = vrrp_track_script(in->e->track, r->name);

		if (s < 0)
			continue;   /* conf_check refuses unknown names */
		in->tracks[in->n_tracks++] = (struct vrrp_track_ref){
			.script = s, .file = -1,
			.weight = r->weight_set ? r->weight : c->scripts[s].weight,
			.reverse = r->weight_set ? r->weight_reverse : c->scripts[s].weight_reverse,
		};
	}
	for (size_t i = 0; i < v->n_track_files; i++) {
		const struct conf_track_ref *r = &v->track_files[i];
		int f = vrrp_track_file(in->e->track, r->name);

		if (f < 0)
			continue;
		in->tracks[in->n_tracks++] = (struct vrrp_track_ref){
			.script = -1, .file = f,
			.weight = r->weight_set ? r->weight : c->track_files[f].weight,
			.reverse = r->weight_set ? r->weight_reverse : c->track_files[f].weight_reverse,
		};
	}
	return 0;
}

static struct vrrp_inst *inst_new(struct vrrp_engine *e, const struct conf *c, const struct conf_vrrp *v)
{
	struct vrrp_inst *in = xcalloc(1, sizeof(*in));
	const struct conf_addr *grp = v->family == AF_INET ? &c->global.mcast_group4 : &c->global.mcast_group6;
	size_t n_all = v->n_vips + v->n_vips_excluded;

	in->e = e;
	in->name = xstrdup(v->name);
	in->signature = make_signature(c, v);
	snprintf(in->ifname, sizeof(in->ifname), "%s", v->interface ? v->interface : "");
	in->ifindex = kern_ifindex(in->ifname);
	in->base_ifindex = in->ifindex;
	if (v->use_vmac) {
		if (v->vmac_name)
			snprintf(in->vmac_name, sizeof(in->vmac_name), "%s", v->vmac_name);
		else
			snprintf(in->vmac_name, sizeof(in->vmac_name), "vrrp.%d", v->vrid);
	}
	in->family = v->family;
	in->vrid = (uint8_t)v->vrid;
	in->base_priority = (uint8_t)v->priority;
	in->fcfg.version = (uint8_t)(v->family == AF_INET6 ? 3 : v->version);
	in->fcfg.adver_int_cs = (uint32_t)lround(v->advert_int * 100.0);
	if (in->fcfg.adver_int_cs < 1)
		in->fcfg.adver_int_cs = 1;
	in->fcfg.preempt = !v->nopreempt;
	in->fcfg.preempt_delay_ns = (uint64_t)(v->preempt_delay * (double)EV_NSEC_PER_SEC);
	vrrp_fsm_init(&in->fsm, &in->fcfg, in->base_priority);

	in->group = conf_vaddr(grp);
	if (!vaddr_is_set(&in->group))
		vaddr_parse(&in->group, v->family == AF_INET ? "224.0.0.18" : "ff02::12");
	in->n_peers = v->n_unicast_peers;
	in->peers = xcalloc(in->n_peers, sizeof(*in->peers));
	for (size_t i = 0; i < in->n_peers; i++)
		in->peers[i] = conf_vaddr(&v->unicast_peers[i]);

	in->vips = xcalloc(n_all, sizeof(*in->vips));
	in->adv_addrs = xcalloc(n_all, sizeof(*in->adv_addrs));
	add_vips(in, v->vips, v->n_vips, true);
	add_vips(in, v->vips_excluded, v->n_vips_excluded, false);

	in->expect.version = in->fcfg.version;
	in->expect.auth_type = in->fcfg.version == 2 && v->auth_type == CONF_AUTH_PASS ? VRRP_AUTH_PASS : VRRP_AUTH_NONE;
	memcpy(in->expect.auth_pass, v->auth_pass, strnlen(v->auth_pass, VRRP_AUTH_LEN));
	in->expect.adver_int_cs = (uint16_t)in->fcfg.adver_int_cs;
	in->expect.vips = in->adv_addrs;
	in->expect.n_vips = in->n_adv_addrs;
	in->expect.check_addrs = !c->global.vrrp_skip_check_adv_addr;

	in->garp_delay_ns = (uint64_t)(v->garp_master_delay * (double)EV_NSEC_PER_SEC);
	in->garp_repeat = v->garp_master_repeat > 0 ? v->garp_master_repeat : 1;
	in->garp_refresh_ns = (uint64_t)(v->garp_master_refresh * (double)EV_NSEC_PER_SEC);
	in->garp_refresh_repeat = v->garp_master_refresh_repeat > 0 ? v->garp_master_refresh_repeat : 1;

	in->notify_master = xstrdup(v->notify_master);
	in->notify_backup = xstrdup(v->notify_backup);
	in->notify_fault = xstrdup(v->notify_fault);
	in->notify_stop = xstrdup(v->notify_stop);
	in->notify = xstrdup(v->notify);

	ev_timer_init(&in->adver_timer, on_adver_timer, in);
	ev_timer_init(&in->down_timer, on_down_timer, in);
	ev_timer_init(&in->garp_timer, on_garp_timer, in);
	inst_tracks(in, v, c);
	return in;
}

static void inst_free(struct vrrp_inst *in)
{
	ev_timer_stop(in->e->loop, &in->adver_timer);
	ev_timer_stop(in->e->loop, &in->down_timer);
	ev_timer_stop(in->e->loop, &in->garp_timer);
	if (in->sock && in->sock->refs == 1)
		ev_io_del(in->e->loop, in->sock->fd);
	vrrp_sock_put(&in->e->socks, in->sock);
	if (in->vmac_created) {
		int err = kern_vmac_delete(in->vmac_name);

		if (err < 0)
			log_warnx("(%s) cannot remove %s: %s", in->name, in->vmac_name, kern_addr_strerror(err));
	}
	for (size_t i = 0; i < in->n_vips; i++)
		free(in->vips[i].label);
	free(in->vips);
	free(in->adv_addrs);
	free(in->peers);
	free(in->tracks);
	free(in->name);
	free(in->signature);
	free(in->notify_master);
	free(in->notify_backup);
	free(in->notify_fault);
	free(in->notify_stop);
	free(in->notify);
	free(in);
}

/* use_vmac: adverts and GARPs leave from a macvlan carrying the virtual
 * router MAC (RFC 5798 7.3), and the VIPs live on it. */
static int inst_vmac(struct vrrp_inst *in)
{
	int idx;

	kern_vrrp_mac(in->family, in->vrid, in->mac);
	idx = kern_vmac_create(in->vmac_name, in->base_ifindex, in->mac);
	if (idx < 0) {
		log_errx("(%s) cannot create %s on %s: %s", in->name, in->vmac_name, in->ifname,
			 kern_addr_strerror(idx));
		return -1;
	}
	in->vmac_created = true;
	in->ifindex = idx;
	snprintf(in->ifname, sizeof(in->ifname), "%s", in->vmac_name);
	for (size_t i = 0; i < in->n_vips; i++)
		if (in->vips[i].on_instance_if)
			in->vips[i].k.ifindex = idx;
	log_info("(%s) using %s with MAC 00:00:5e:00:%02x:%02x", in->name, in->vmac_name,
		 in->mac[4], in->mac[5]);
	return 0;
}

/* Open the socket, find the source address, clear addresses left behind,
 * and send the Startup event. */
static void inst_start(struct vrrp_inst *in)
{
	struct vrrp_engine *e = in->e;
	const char *why = NULL;

	if (!in->ifindex)
		why = "interface does not exist";
	/* The advert source comes from the configured interface, also with a
	 * vmac (which has no IPv4 address of its own). */
	if (!why && !vaddr_is_set(&in->src) && kern_addr_primary(in->ifindex, in->family, &in->src) < 0)
		log_warnx("(%s) interface %s has no %s address to send adverts from", in->name,
			  in->ifname, in->family == AF_INET ? "IPv4" : "link-local IPv6");
	if (!why && in->vmac_name[0] && !in->vmac_created && inst_vmac(in) < 0)
		why = "cannot create its virtual MAC interface (use_vmac)";
	if (!why) {
		struct vrrp_sock *before = e->socks;

		in->sock = vrrp_sock_get(&e->socks, in->ifname, in->family, &in->group);
		if (!in->sock)
			why = strerror(errno);
		else if (e->socks != before && ev_io_add(e->loop, in->sock->fd, EPOLLIN, on_sock, e) < 0)
			why = "cannot watch the socket";
	}
	if (!why && !in->vmac_name[0] && kern_hwaddr(in->ifindex, in->mac) < 0)
		why = "no hardware address";
	if (why) {
		log_errx("(%s) cannot run on interface '%s': %s; the instance stays in FAULT",
			 in->name, in->ifname, why);
		in->fsm.state = VRRP_STATE_FAULT;
		in->fsm.fault = true;
		return;
	}
	in->fcfg.primary = in->src;
	/* RFC 5798 leaves it to us; keepalived does the same: addresses a
	 * previous run left behind are removed before the election. */
	vips_apply(in, false);
	in->fsm.priority = (uint8_t)inst_own_priority(in);
	in->fsm.fault = group_fault(in);
	inst_event(in, VRRP_EV_STARTUP);
}

static void inst_set_src(struct vrrp_inst *in, const struct conf_vrrp *v)
{
	struct vaddr s = conf_vaddr(in->n_peers ? &v->unicast_src_ip : &v->mcast_src_ip);

	if (!vaddr_is_set(&s) && in->n_peers)
		s = conf_vaddr(&v->mcast_src_ip);
	if (vaddr_is_set(&s) && s.family == in->family)
		in->src = s;
}

/* ---- the engine -------------------------------------------------------------- */

/* ARP claims (replies, gratuitous requests) of a VIP by a MAC that is not
 * the master's own: split-brain evidence for mgmt.  Memory writes only. */
static void on_arp(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vrrp_engine *e = arg;
	uint8_t buf[128], sha[6], spa[4];
	struct sockaddr_ll from;
	socklen_t fl;
	ssize_t n;

	(void)loop;
	(void)events;
	for (int k = 0; k < 64; k++) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (from.sll_pkttype == PACKET_OUTGOING || !vrrp_pkt_arp_claim(buf, (size_t)n, sha, spa))
			continue;
		for (size_t i = 0; i < e->n_insts; i++) {
			struct vrrp_inst *in = e->insts[i];

			if (in->family != AF_INET || in->fsm.state != VRRP_STATE_MASTER || !memcmp(sha, in->mac, 6))
				continue;
			for (size_t j = 0; j < in->n_vips; j++) {
				const struct vip *v = &in->vips[j];

				if (v->k.addr.family != AF_INET || memcmp(&v->k.addr.u.v4, spa, 4) != 0 ||
				    (v->k.ifindex && v->k.ifindex != from.sll_ifindex))
					continue;
				memcpy(in->arp_mac, sha, 6);
				memcpy(&in->arp_vip, spa, 4);
				in->arp_count++;
				in->arp_last_ms = store_now_ms();
			}
		}
	}
}

struct vrrp_engine *vrrp_engine_new(struct ev_loop *loop)
{
	struct vrrp_engine *e = xcalloc(1, sizeof(*e));

	e->loop = loop;
	e->fifo_fd = -1;
	e->arp_fd = vrrp_arp_watch_open();
	if (e->arp_fd < 0 || ev_io_add(loop, e->arp_fd, EPOLLIN, on_arp, e) < 0)
		log_warn("cannot watch ARP: no split-brain evidence from ARP");
	ev_timer_init(&e->demote_expiry, on_demote_expiry, e);
	if (kern_addr_open() < 0)
		log_warnx("cannot open rtnetlink: virtual addresses cannot be managed");
	if (vrrp_garp_open() < 0)
		log_warn("cannot open the ARP/NA sockets: no gratuitous ARP");
	if (spawn_init(loop) < 0)
		log_warn("cannot watch SIGCHLD: scripts will not be reaped");
	return e;
}

static void groups_free(struct vrrp_engine *e)
{
	for (size_t i = 0; i < e->n_groups; i++) {
		struct vrrp_group *g = &e->groups[i];

		free(g->name);
		free(g->members);
		free(g->notify_master);
		free(g->notify_backup);
		free(g->notify_fault);
		free(g->notify_stop);
		free(g->notify);
	}
	free(e->groups);
	e->groups = NULL;
	e->n_groups = 0;
}

/* Groups of the new configuration; e->insts is in the configuration's
 * order, so conf member indexes are instance indexes. */
static void groups_build(struct vrrp_engine *e, const struct conf *c)
{
	struct vrrp_group *old = e->groups;
	size_t n_old = e->n_groups;

	e->groups = xcalloc(c->n_sync_groups, sizeof(*e->groups));
	for (size_t i = 0; i < c->n_sync_groups; i++) {
		const struct conf_sync_group *cg = &c->sync_groups[i];
		struct vrrp_group *g = &e->groups[e->n_groups++];

		g->name = xstrdup(cg->name);
		g->members = xcalloc(cg->n_members, sizeof(*g->members));
		for (size_t k = 0; k < cg->n_members; k++) {
			int idx = cg->member_index[k];

			if (idx < 0 || (size_t)idx >= e->n_insts)
				continue;
			g->members[g->n_members++] = e->insts[idx];
			e->insts[idx]->sgroup = g;
		}
		g->notify_master = xstrdup(cg->notify_master);
		g->notify_backup = xstrdup(cg->notify_backup);
		g->notify_fault = xstrdup(cg->notify_fault);
		g->notify_stop = xstrdup(cg->notify_stop);
		g->notify = xstrdup(cg->notify);
		for (size_t k = 0; k < n_old; k++)
			if (strcmp(old[k].name, g->name) == 0)
				g->state = old[k].state;
	}
	/* free the old ones (their members were relinked above) */
	{
		struct vrrp_group *keep = e->groups;
		size_t n_keep = e->n_groups;

		e->groups = old;
		e->n_groups = n_old;
		groups_free(e);
		e->groups = keep;
		e->n_groups = n_keep;
	}
}

static int build_all(struct vrrp_engine *e, const struct conf *c, struct vrrp_inst ***out, size_t *n_out)
{
	struct vrrp_inst **v = xcalloc(c->n_vrrps, sizeof(*v));

	for (size_t i = 0; i < c->n_vrrps; i++) {
		v[i] = inst_new(e, c, &c->vrrps[i]);
		inst_set_src(v[i], &c->vrrps[i]);
	}
	*out = v;
	*n_out = c->n_vrrps;
	return 0;
}

static void split_policy(struct vrrp_engine *e, const struct conf *c)
{
	free(e->split_script);
	e->split_script = c->split_brain.policy == CONF_SB_SCRIPT ? xstrdup(c->split_brain.script) : NULL;
	e->split_yield = c->split_brain.policy == CONF_SB_YIELD;
	for (size_t i = 0; !e->split_yield && i < e->n_insts; i++)
		e->insts[i]->yielded = false;     /* the policy is off now */
}

int vrrp_engine_start(struct vrrp_engine *e, const struct conf *c)
{
	free(e->script_user);
	e->script_user = xstrdup(spawn_user(c->global.script_user));
	split_policy(e, c);
	fifo_open(e, c);
	e->track = vrrp_track_new(e->loop, c, on_track_changed, e, NULL);
	build_all(e, c, &e->insts, &e->n_insts);
	groups_build(e, c);
	for (size_t i = 0; i < e->n_insts; i++)
		inst_own_priority(e->insts[i]);
	/* the rows first: the startup transitions name them */
	store_instances(e, c);
	for (size_t i = 0; i < e->n_insts; i++)
		inst_start(e->insts[i]);
	return 0;
}

/* Shutdown event: a master sends priority 0 and removes its addresses;
 * the transition to INIT runs notify_stop. */
static void inst_shutdown(struct vrrp_inst *in)
{
	inst_event(in, VRRP_EV_SHUTDOWN);
}

int vrrp_engine_reload(struct vrrp_engine *e, const struct conf *c)
{
	struct vrrp_inst **next;
	size_t n_next;
	struct vrrp_track *old_track = e->track;
	size_t kept = 0, started = 0, stopped = 0;

	free(e->script_user);
	e->script_user = xstrdup(spawn_user(c->global.script_user));
	split_policy(e, c);
	fifo_open(e, c);
	e->track = vrrp_track_new(e->loop, c, on_track_changed, e, old_track);
	build_all(e, c, &next, &n_next);
	/* Unchanged instances carry their live state over. */
	for (size_t i = 0; i < n_next; i++) {
		for (size_t j = 0; j < e->n_insts; j++) {
			struct vrrp_inst *old = e->insts[j];

			if (!old || strcmp(old->name, next[i]->name) != 0 ||
			    strcmp(old->signature, next[i]->signature) != 0)
				continue;
			/* Keep the old object (timers, socket, state); take the
			 * new tracking references and scripts. */
			free(old->tracks);
			old->tracks = next[i]->tracks;
			old->n_tracks = next[i]->n_tracks;
			next[i]->tracks = NULL;
			SWAP_STR(old->notify_master, next[i]->notify_master);
			SWAP_STR(old->notify_backup, next[i]->notify_backup);
			SWAP_STR(old->notify_fault, next[i]->notify_fault);
			SWAP_STR(old->notify_stop, next[i]->notify_stop);
			SWAP_STR(old->notify, next[i]->notify);
			inst_free(next[i]);
			next[i] = old;
			e->insts[j] = NULL;
			kept++;
			break;
		}
	}
	for (size_t j = 0; j < e->n_insts; j++) {
		if (!e->insts[j])
			continue;
		inst_shutdown(e->insts[j]);
		inst_free(e->insts[j]);
		stopped++;
	}
	free(e->insts);
	vrrp_track_free(old_track);
	e->insts = next;
	e->n_insts = n_next;
	for (size_t i = 0; i < n_next; i++)
		next[i]->sgroup = NULL;
	groups_build(e, c);
	for (size_t i = 0; i < n_next; i++)
		inst_own_priority(next[i]);
	store_instances(e, c);   /* before the new instances' startup transitions */
	for (size_t i = 0; i < n_next; i++) {
		if (next[i]->fsm.state == VRRP_STATE_INIT && !next[i]->sock) {
			inst_start(next[i]);
			started++;
		} else {
			inst_retrack(next[i]);
		}
	}
	log_info("vrrp: reload: %zu instances kept running, %zu started, %zu stopped", kept, started, stopped);
	return 0;
}

void vrrp_engine_stop(struct vrrp_engine *e)
{
	for (size_t i = 0; i < e->n_insts; i++)
		inst_shutdown(e->insts[i]);
}

void vrrp_engine_free(struct vrrp_engine *e)
{
	if (!e)
		return;
	ev_timer_stop(e->loop, &e->counters_timer);
	ev_timer_stop(e->loop, &e->demote_expiry);
	free(e->script_stored);
	if (e->live) {
		ev_timer_stop(e->loop, &e->live_timer);
		live_publish(e);     /* the last values, states INIT */
		shstats_w_close(e->live, 0);
	}
	free(e->demotes);
	for (size_t i = 0; i < e->n_insts; i++)
		inst_free(e->insts[i]);
	free(e->insts);
	groups_free(e);
	vrrp_track_free(e->track);
	free(e->script_user);
	free(e->split_script);
	if (e->arp_fd >= 0) {
		ev_io_del(e->loop, e->arp_fd);
		close(e->arp_fd);
	}
	if (e->fifo_fd >= 0)
		close(e->fifo_fd);
	free(e->fifo_path);
	vrrp_garp_close();
	kern_addr_close();
	free(e);
}

/* ---- state dump (SIGUSR2; tests and operators until the API exists) ---- */

static const char *const rx_keys[VRRP_RX__COUNT] = {
	[VRRP_RX_OK] = "accepted",
	[VRRP_RX_TRUNCATED] = "truncated",
	[VRRP_RX_BAD_IP] = "bad_ip_header",
	[VRRP_RX_BAD_TTL] = "bad_ttl",
	[VRRP_RX_BAD_VERSION] = "bad_version",
	[VRRP_RX_BAD_TYPE] = "bad_type",
	[VRRP_RX_BAD_LENGTH] = "bad_length",
	[VRRP_RX_BAD_CHECKSUM] = "bad_checksum",
	[VRRP_RX_UNKNOWN_VRID] = "unknown_vrid",
	[VRRP_RX_VERSION_MISMATCH] = "version_mismatch",
	[VRRP_RX_INVALID_AUTH_TYPE] = "invalid_auth_type",
	[VRRP_RX_AUTH_TYPE_MISMATCH] = "auth_type_mismatch",
	[VRRP_RX_AUTH_FAILURE] = "auth_failure",
	[VRRP_RX_INTERVAL_MISMATCH] = "interval_mismatch",
	[VRRP_RX_ADDR_LIST_MISMATCH] = "address_list_mismatch",
};

static json_t *rx_json(const struct vrrp_rx_stats *st)
{
	json_t *o = json_object();

	for (int i = 0; i < VRRP_RX__COUNT; i++)
		json_object_set_new(o, rx_keys[i], json_integer((json_int_t)st->n[i]));
	return o;
}

int vrrp_engine_dump(const struct vrrp_engine *e, const char *path)
{
	json_t *root = json_object(), *arr = json_array();
	char a[VADDR_STRLEN];

	for (size_t i = 0; i < e->n_insts; i++) {
		const struct vrrp_inst *in = e->insts[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(in->name));
		json_object_set_new(o, "interface", json_string(in->ifname));
		json_object_set_new(o, "vrid", json_integer(in->vrid));
		json_object_set_new(o, "version", json_integer(in->fcfg.version));
		json_object_set_new(o, "state", json_string(vrrp_state_name(in->fsm.state)));
		json_object_set_new(o, "base_priority", json_integer(in->base_priority));
		json_object_set_new(o, "priority", json_integer(in->fsm.priority));
		json_object_set_new(o, "master", json_string(vaddr_str(&in->fsm.master_addr, a)));
		json_object_set_new(o, "master_priority", json_integer(in->fsm.master_priority));
		json_object_set_new(o, "adverts_sent", json_integer((json_int_t)in->adverts_sent));
		json_object_set_new(o, "priority_zero_sent", json_integer((json_int_t)in->prio0_sent));
		json_object_set_new(o, "become_master", json_integer((json_int_t)in->become_master));
		json_object_set_new(o, "rx", rx_json(&in->rx));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "instances", arr);
	json_object_set_new(root, "rx_unmatched", rx_json(&e->rx));
	return json_file_write(root, path);
}

/* ---- the live counters for mgmt (vrrp_live.h) ------------------------------------ */

#define LIVE_EVERY_NS EV_NSEC_PER_SEC

static void live_addr(uint8_t out[16], const struct vaddr *a)
{
	memset(out, 0, 16);
	if (vaddr_is_set(a))
		memcpy(out, &a->u, vaddr_len(a));
}

static void live_inst(struct vrrp_live *l, const struct vrrp_engine *e, const struct vrrp_inst *in,
		      int64_t now_ms)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", in->name);
	l->ifindex = in->base_ifindex;
	l->family = in->family;
	l->vrid = in->vrid;
	l->version = in->fcfg.version;
	l->state = in->fsm.state;
	l->priority = in->fsm.priority;
	l->master_reason = in->master_reason;
	l->proto_err = in->proto_err;
	l->auth_err = in->auth_err;
	kern_vrrp_mac(in->family, in->vrid, l->mac);
	live_addr(l->master, in->fsm.state == VRRP_STATE_MASTER ? &in->src : &in->fsm.master_addr);
	live_addr(l->primary, &in->src);
	live_addr(l->auth_err_src, &in->auth_err_src);
	l->up_since_ms = in->up_since_ms;
	l->counters_since_ms = e->started_ms;
	l->become_master = in->become_master;
	l->adverts_sent = in->adverts_sent;
	l->prio0_sent = in->prio0_sent;
	l->prio0_rcvd = in->prio0_rcvd;
	memcpy(l->rx, in->rx.n, sizeof(l->rx));
	live_addr(l->other_src, &in->other_src);
	l->other_priority = in->other_priority;
	l->other_count = in->other_count;
	l->other_streak = in->other_streak;
	memcpy(l->arp_mac, in->arp_mac, 6);
	memcpy(l->arp_vip, &in->arp_vip, 4);
	l->arp_count = in->arp_count;
	l->arp_last_ms = in->arp_last_ms;
	l->other_last_ms = in->other_last_ms;
	for (int k = 0; k < 4; k++)
		l->flaps += in->master_at_ms[k] && now_ms - in->master_at_ms[k] <= 60000;
}

/* Copy every instance's counters into the shared file: memory writes only. */
static void live_publish(struct vrrp_engine *e)
{
	struct vrrp_live *l;
	int64_t now_ms = store_now_ms();

	if (!e->live || !(l = shstats_w_begin(e->live, e->n_insts + 1)))
		return;
	memset(&l[0], 0, sizeof(l[0]));
	l[0].proto_err = e->proto_err;
	l[0].counters_since_ms = e->started_ms;
	memcpy(l[0].rx, e->rx.n, sizeof(l[0].rx));
	for (size_t i = 0; i < e->n_insts; i++)
		live_inst(&l[i + 1], e, e->insts[i], now_ms);
	shstats_w_end(e->live, now_ms);
}

static void on_live_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	live_publish(arg);
	ev_timer_start_in(loop, t, LIVE_EVERY_NS);
}

void vrrp_engine_set_live(struct vrrp_engine *e, const char *path)
{
	e->started_ms = store_now_ms();
	e->live = shstats_w_open(path, VRRP_LIVE_KIND, sizeof(struct vrrp_live));
	if (!e->live) {
		log_warn("cannot create %s: the SNMP statistics tables stay empty", path);
		return;
	}
	ev_timer_init(&e->live_timer, on_live_timer, e);
	ev_timer_start_in(e->loop, &e->live_timer, 0);
}

/* ---- operators' demotions ------------------------------------------------------ */

static void demote_arm(struct vrrp_engine *e)
{
	int64_t first = 0, now = store_now_ms();

	for (size_t i = 0; i < e->n_demotes; i++)
		if (e->demotes[i].expires && (!first || e->demotes[i].expires < first))
			first = e->demotes[i].expires;
	if (!first)
		ev_timer_stop(e->loop, &e->demote_expiry);
	else
		ev_timer_start_in(e->loop, &e->demote_expiry,
				  first > now ? (uint64_t)(first - now) * EV_NSEC_PER_MSEC : 0);
}

static int demote_set(struct vrrp_engine *e, const char *name, int by, int64_t expires)
{
	struct vrrp_demote *d = (struct vrrp_demote *)find_demote(e, name);

	if (!by) {
		if (d)
			*d = e->demotes[--e->n_demotes];
		return 0;
	}
	if (!d) {
		struct vrrp_demote *v = realloc(e->demotes, (e->n_demotes + 1) * sizeof(*v));

		if (!v)
			return -1;
		e->demotes = v;
		d = &e->demotes[e->n_demotes++];
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->by = by;
	d->expires = expires;
	return 0;
}

static void on_demote_expiry(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct vrrp_engine *e = arg;
	int64_t now = store_now_ms();

	for (size_t i = 0; i < e->n_demotes;) {
		struct vrrp_demote *d = &e->demotes[i];
		struct store_rec *r;

		if (!d->expires || d->expires > now) {
			i++;
			continue;
		}
		log_notice("(%s) operator's demotion by %d expired", d->name, d->by);
		if (e->store && (r = store_rec_new(STORE_OVERRIDE_CLEAR))) {
			store_rec_str(r, 0, "vrrp_instance");
			store_rec_str(r, 1, d->name);
			store_rec_str(r, 3, "expire");
			store_rec_str(r, 4, "vigild");
			store_rec_str(r, 5, "demote");
			store_writer_put(e->store, r);
		}
		*d = e->demotes[--e->n_demotes];
	}
	demote_arm(e);
	on_track_changed(e);
}

void vrrp_engine_load_demotions(struct vrrp_engine *e, sqlite3 *db)
{
	struct store_override *v;
	int n = store_overrides_load(db, "vrrp_instance", store_now_ms(), &v);

	if (n < 0) {
		log_errx("vrrp: state store: %s: operators' demotions are not re-applied", sqlite3_errmsg(db));
		return;
	}
	for (int i = 0; i < n; i++)
		if (v[i].kind == STORE_OV_DEMOTE && demote_set(e, v[i].key[0], (int)v[i].value, v[i].expires) == 0)
			log_notice("(%s) operator's demotion by %lld (%s, %s) re-applied from the state store",
				   v[i].key[0], (long long)v[i].value, v[i].who,
				   v[i].reason[0] ? v[i].reason : "no reason given");
	if (n > 0)
		free(v);
	demote_arm(e);
}

struct pending_demote {
	struct vrrp_engine *e;
	struct child_ctx *ctx;
	uint32_t id;
	char name[64];
	int by;
	int64_t expires;
};

struct demote_answer {
	struct child_ctx *ctx;
	uint32_t id;
	char text[256];
};

static void on_status_stored(void *arg, int status, const char *err)
{
	struct demote_answer *a = arg;

	(void)status;
	(void)err;     /* the demotion itself is stored: a lost status row is refreshed by the next */
	child_edit_done(a->ctx, a->id, 0, "%s", a->text);
	free(a);
}

static void demote_apply(struct pending_demote *pd, const char *note)
{
	struct vrrp_engine *e = pd->e;
	struct vrrp_inst *in = NULL;
	struct demote_answer *ans;

	if (demote_set(e, pd->name, pd->by, pd->expires) < 0) {
		child_edit_done(pd->ctx, pd->id, 500, "out of memory");
		return;
	}
	demote_arm(e);
	on_track_changed(e);        /* the new priority takes effect now */
	for (size_t i = 0; i < e->n_insts; i++)
		if (strcmp(e->insts[i]->name, pd->name) == 0)
			in = e->insts[i];
	log_notice("(%s) operator: %s%s", pd->name, pd->by ? "demoted" : "demotion cleared", note);
	ans = calloc(1, sizeof(*ans));
	if (ans) {
		ans->ctx = pd->ctx;
		ans->id = pd->id;
		snprintf(ans->text, sizeof(ans->text), "%s: %s; effective priority now %u (%s)%s", pd->name,
			 pd->by ? "demoted" : "demotion cleared", in ? in->fsm.priority : 0,
			 in ? vrrp_state_name(in->fsm.state) : "?", note);
	}
	/* answer once the new effective priority is stored too, so that what
	 * mgmt reads after the answer shows it */
	if (!ans || !in || store_status_then(in, in->fsm.state, NULL, on_status_stored, ans) < 0) {
		if (ans)
			on_status_stored(ans, 0, NULL);
		else
			child_edit_done(pd->ctx, pd->id, 0, "%s: done", pd->name);
	}
}

static void on_demote_stored(void *arg, int status, const char *err)
{
	struct pending_demote *pd = arg;

	if (status < 0)
		child_edit_done(pd->ctx, pd->id, 500, "not stored (%s); nothing changed", err);
	else
		demote_apply(pd, "");
	free(pd);
}

struct split_note {
	struct child_ctx *ctx;
	uint32_t id;
};

static void on_split_stored(void *arg, int status, const char *err)
{
	struct split_note *n = arg;

	if (status < 0)
		child_edit_done(n->ctx, n->id, 500, "not stored (%s)", err);
	else
		child_edit_done(n->ctx, n->id, 0, "stored");
	free(n);
}

/* policy yield: mgmt found this instance in a split, and another master
 * with a better claim (a higher priority, or the higher address on a tie);
 * the instance gives its VIPs up (FAULT) until mgmt says the other is gone. */
static void split_yield(struct vrrp_engine *e, struct child_ctx *ctx, uint32_t id, json_t *req)
{
	const char *name = NULL, *to = "";
	int on = 0;
	struct vrrp_inst *in = NULL;

	if (json_unpack(req, "{s:s, s:b, s?s}", "instance", &name, "on", &on, "to", &to) < 0) {
		child_edit_done(ctx, id, 400, "malformed split_yield (instance, on, to)");
		return;
	}
	if (!e->split_yield) {
		child_edit_done(ctx, id, 409, "vigil_split_brain's policy is not yield here");
		return;
	}
	for (size_t i = 0; i < e->n_insts; i++)
		if (strcmp(e->insts[i]->name, name) == 0)
			in = e->insts[i];
	if (!in) {
		child_edit_done(ctx, id, 404, "no VRRP instance '%s'", name);
		return;
	}
	if (in->yielded != (bool)on) {
		in->yielded = on;
		if (on)
			log_warnx("(%s) split brain policy yield: giving the VIPs up to %s (FAULT while it is master)",
				  name, to);
		else
			log_warnx("(%s) split brain policy yield: no longer giving way%s%s", name, *to ? ": " : "", to);
		on_track_changed(e);
	}
	child_edit_done(ctx, id, 0, "%s", on ? "yielded" : "released");
}

/* mgmt's split-brain detection changed an instance's status: a history
 * row (mgmt reads the store, it does not write it). */
static void split_brain_note(struct vrrp_engine *e, struct child_ctx *ctx, uint32_t id, json_t *req)
{
	const char *name = NULL, *from = NULL, *to = NULL, *evidence = "";
	json_int_t at = 0;
	struct split_note *n;
	struct store_rec *r;

	if (json_unpack(req, "{s:s, s:s, s:s, s?s, s?I}", "instance", &name, "from", &from, "to", &to, "evidence",
			&evidence, "at", &at) < 0) {
		child_edit_done(ctx, id, 400, "malformed split_brain note (instance, from, to, evidence, at)");
		return;
	}
	if (e->split_script && (strcmp(to, "split") == 0 || strcmp(from, "split") == 0)) {
		const char *args[] = { name, to, NULL };

		if (spawn_run(e->split_script, args, e->script_user, NOTIFY_TIMEOUT, NULL, NULL) < 0)
			log_warn("(%s) cannot run the split-brain script '%s'", name, e->split_script);
	}
	if (!e->store) {
		child_edit_done(ctx, id, 0, "not stored: vigild runs without its state store");
		return;
	}
	n = calloc(1, sizeof(*n));
	r = n ? store_rec_new(STORE_SPLIT_BRAIN) : NULL;
	if (!r) {
		free(n);
		child_edit_done(ctx, id, 500, "out of memory");
		return;
	}
	n->ctx = ctx;
	n->id = id;
	store_rec_str(r, 0, name);
	store_rec_str(r, 1, from);
	store_rec_str(r, 2, to);
	store_rec_str(r, 3, evidence);
	if (at > 0)     /* when mgmt decided, as its API says */
		r->at = at;
	r->done = on_split_stored;
	r->arg = n;
	store_writer_put(e->store, r);
}

void vrrp_engine_edit(struct vrrp_engine *e, struct child_ctx *ctx, uint32_t id, const char *text)
{
	const char *action = "", *name = NULL, *reason = "", *who = "?";
	json_int_t value = 0, expires_in = 0;
	json_t *req = json_loads(text, 0, NULL);
	struct vrrp_inst *in = NULL;
	struct pending_demote *pd;
	struct store_rec *r;
	bool clear;

	if (req && json_is_string(json_object_get(req, "action")) &&
	    strncmp(json_string_value(json_object_get(req, "action")), "split_", 6) == 0) {
		if (strcmp(json_string_value(json_object_get(req, "action")), "split_yield") == 0)
			split_yield(e, ctx, id, req);
		else
			split_brain_note(e, ctx, id, req);
		json_decref(req);
		return;
	}
	if (!req || json_unpack(req, "{s:s, s?s, s?s, s?s, s?I, s?I}", "action", &action, "instance",
				&name, "reason", &reason, "who", &who, "value", &value,
				"expires_in", &expires_in) < 0 || !name) {
		child_edit_done(ctx, id, 400, "malformed edit (demote needs an instance)");
		json_decref(req);
		return;
	}
	clear = strcmp(action, "undemote") == 0;
	for (size_t i = 0; i < e->n_insts; i++)
		if (strcmp(e->insts[i]->name, name) == 0)
			in = e->insts[i];
	if (!in) {
		char names[512] = "";
		size_t n = 0;

		for (size_t i = 0; i < e->n_insts && n < sizeof(names) - 80; i++)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
					      e->insts[i]->name);
		child_edit_done(ctx, id, 404, "no VRRP instance '%s' in the configuration (there are: %s)",
				name, n ? names : "none");
		goto out;
	}
	if (!clear && (value < 1 || value > 253)) {
		child_edit_done(ctx, id, 400, "demote needs an amount from 1 to 253");
		goto out;
	}
	if (!clear && in->base_priority == 255) {
		child_edit_done(ctx, id, 409, "%s owns its addresses (priority 255): the RFC does not let "
				"an owner lower its priority; stop it, or give it another priority", name);
		goto out;
	}
	if (expires_in < 0 || expires_in > 10LL * 365 * 24 * 3600) {
		child_edit_done(ctx, id, 400, "the expiry must be from 0 (none) to 10 years, in seconds");
		goto out;
	}
	pd = calloc(1, sizeof(*pd));
	if (!pd) {
		child_edit_done(ctx, id, 500, "out of memory");
		goto out;
	}
	pd->e = e;
	pd->ctx = ctx;
	pd->id = id;
	snprintf(pd->name, sizeof(pd->name), "%s", name);
	pd->by = clear ? 0 : (int)value;
	pd->expires = !clear && expires_in ? store_now_ms() + expires_in * 1000 : 0;
	if (!e->store) {
		demote_apply(pd, " (not kept across restarts: vigild runs without its state store)");
		free(pd);
		goto out;
	}
	r = store_rec_new(clear ? STORE_OVERRIDE_CLEAR : STORE_OVERRIDE_SET);
	if (!r) {
		free(pd);
		child_edit_done(ctx, id, 500, "out of memory");
		goto out;
	}
	store_rec_str(r, 0, "vrrp_instance");
	store_rec_str(r, 1, name);
	store_rec_str(r, 3, clear ? "undemote" : "demote");
	store_rec_str(r, 4, who);
	store_rec_str(r, 5, reason);
	if (!clear)
		r->i[0] = value;
	if (pd->expires)
		r->i[1] = pd->expires;
	r->done = on_demote_stored;
	r->arg = pd;
	store_writer_put(e->store, r);
out:
	json_decref(req);
}
