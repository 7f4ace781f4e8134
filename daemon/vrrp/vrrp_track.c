/*
 * vrrp_track.c - see vrrp_track.h.
 */
#include "config.h"

#include <net/if.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <sys/wait.h>

#include "conf/conf.h"
#include "core/ev.h"
#include "core/log.h"
#include "core/spawn.h"
#include "vrrp/vrrp_track.h"

struct script {
	struct vrrp_track *t;
	char *name;
	char *cmd;
	char *user;
	uint64_t interval_ns;
	uint64_t timeout_ns;
	int rise;
	int fall;
	bool ok;                   /* the result after rise/fall */
	bool has_result;           /* it has finished once (else still "init") */
	bool init_fail;            /* `init_fail`: started as failed */
	int streak;                /* consecutive results against `ok` */
	bool running;
	bool disabled;             /* refused by enable_script_security */
	struct ev_timer timer;
};

struct tfile {
	char *name;
	char *path;
	long value;
};

struct vrrp_track {
	struct ev_loop *loop;
	struct tfile *files;
	size_t n_files;
	int inotify_fd;
	vrrp_track_changed_cb changed;
	void *arg;
	struct script *scripts;
	size_t n_scripts;
	struct nl_cache_mngr *mngr;
	struct nl_cache *links;
	int mngr_fd;
	struct link_seen {
		int ifindex;
		bool up;
	} *seen;                   /* last state logged per interface */
	size_t n_seen;
};

/* ---- scripts ---------------------------------------------------------------- */

static void script_result(struct script *s, bool success, const char *how)
{
	bool first = !s->has_result;

	s->has_result = true;
	if (success == s->ok) {
		s->streak = 0;
		if (first)
			s->t->changed(s->t->arg);   /* init -> its first result, for the record */
		return;
	}
	if (++s->streak < (success ? s->rise : s->fall)) {
		if (first)
			s->t->changed(s->t->arg);
		return;
	}
	s->ok = success;
	s->streak = 0;
	log_notice("VRRP_Script(%s) %s (%s)", s->name, success ? "succeeded" : "failed", how);
	s->t->changed(s->t->arg);
}

static void on_script_done(int status, void *arg)
{
	struct script *s = arg;
	char how[48];

	s->running = false;
	if (status < 0)
		snprintf(how, sizeof(how), "timed out");
	else if (WIFEXITED(status))
		snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), "signal %d", WTERMSIG(status));
	script_result(s, status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, how);
}

static void on_script_timer(struct ev_loop *loop, struct ev_timer *tm, void *arg)
{
	struct script *s = arg;

	ev_timer_start_in(loop, tm, s->interval_ns);
	if (s->running)
		return;   /* still busy from last time: its timeout will end it */
	if (s->disabled) {
		script_result(s, false, "disabled by enable_script_security");
		return;
	}
	if (spawn_run(s->cmd, NULL, s->user, s->timeout_ns, on_script_done, s) < 0) {
		log_warn("VRRP_Script(%s) cannot run '%s'", s->name, s->cmd);
		script_result(s, false, "cannot run");
		return;
	}
	s->running = true;
}

/* keepalived's rule: with enable_script_security a script that would run
 * as root but can be replaced by someone else is not run at all; without
 * it, it runs and we say why that is dangerous. */
static void script_security(struct script *s, bool enforce)
{
	char why[512];

	if (s->user || spawn_check_secure(s->cmd, why, sizeof(why)) == 0)
		return;
	if (enforce) {
		s->disabled = true;
		log_errx("VRRP_Script(%s) disabled: %s; make it root-owned and not group/world "
			 "writable, or set script_user", s->name, why);
	} else {
		log_warnx("VRRP_Script(%s) runs as root but %s: anyone who can write there "
			  "gets root (set enable_script_security to refuse it)", s->name, why);
	}
}

/* ---- track_file -------------------------------------------------------------- */

static long read_value(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Something changed in a watched directory: re-read every file (there are
 * few) and tell the engine when a value moved. */
static void on_inotify(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vrrp_track *t = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	for (size_t i = 0; i < t->n_files; i++) {
		long v = read_value(t->files[i].path);

		if (v != t->files[i].value) {
			log_notice("track_file(%s) %s: %ld -> %ld", t->files[i].name, t->files[i].path,
				   t->files[i].value, v);
			t->files[i].value = v;
			changed = true;
		}
	}
	if (changed)
		t->changed(t->arg);
}

static void files_open(struct vrrp_track *t, const struct conf *c)
{
	t->files = calloc(c->n_track_files ? c->n_track_files : 1, sizeof(*t->files));
	if (!t->files)
		log_fatalx("out of memory");
	t->inotify_fd = -1;
	if (c->n_track_files)
		t->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	for (size_t i = 0; i < c->n_track_files; i++) {
		const struct conf_track_file *cf = &c->track_files[i];
		struct tfile *f = &t->files[t->n_files++];
		char dir[4096];

		f->name = strdup(cf->name);
		f->path = strdup(cf->path ? cf->path : "");
		if (cf->init_file && access(f->path, F_OK) < 0) {
			FILE *w = fopen(f->path, "we");

			if (w) {
				fputs("0\n", w);
				fclose(w);
			}
		}
		f->value = read_value(f->path);
		snprintf(dir, sizeof(dir), "%s", f->path);
		if (t->inotify_fd >= 0 &&
		    inotify_add_watch(t->inotify_fd, dirname(dir),
				      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0)
			log_warn("track_file(%s): cannot watch the directory of %s", f->name, f->path);
	}
	if (t->inotify_fd >= 0 && ev_io_add(t->loop, t->inotify_fd, EPOLLIN, on_inotify, t) < 0)
		log_warn("cannot watch track files");
}

int vrrp_track_file(const struct vrrp_track *t, const char *name)
{
	for (size_t i = 0; i < t->n_files; i++)
		if (strcmp(t->files[i].name, name) == 0)
			return (int)i;
	return -1;
}

long vrrp_track_file_value(const struct vrrp_track *t, int file)
{
	return file >= 0 && (size_t)file < t->n_files ? t->files[file].value : 0;
}

/* ---- links ------------------------------------------------------------------- */

/* Netlink repeats itself (several messages per change): act on changes of
 * the operational state only. */
static void on_link_change(struct nl_cache *cache, struct nl_object *obj, int action, void *arg)
{
	struct vrrp_track *t = arg;
	struct rtnl_link *l = (struct rtnl_link *)obj;
	unsigned flags = rtnl_link_get_flags(l);
	bool up = (flags & IFF_UP) && (flags & IFF_RUNNING) && action != NL_ACT_DEL;
	int idx = rtnl_link_get_ifindex(l);
	size_t i;

	for (i = 0; i < t->n_seen && t->seen[i].ifindex != idx; i++)
		;
	if (i == t->n_seen) {
		struct link_seen *v = realloc(t->seen, (t->n_seen + 1) * sizeof(*v));

		if (!v)
			return;
		t->seen = v;
		t->seen[t->n_seen++] = (struct link_seen){ .ifindex = idx, .up = !up };
	}
	if (t->seen[i].up == up)
		return;
	t->seen[i].up = up;
	log_info("interface %s is %s", rtnl_link_get_name(l), up ? "up" : "down");
	t->changed(t->arg);
}

static void on_mngr(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vrrp_track *t = arg;

	nl_cache_mngr_data_ready(t->mngr);
}

static void links_open(struct vrrp_track *t)
{
	if (nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, 0, &t->mngr) < 0 ||
	    nl_cache_mngr_add(t->mngr, "route/link", on_link_change, t, &t->links) < 0) {
		log_warnx("cannot watch links through netlink: interfaces are assumed up");
		return;
	}
	t->mngr_fd = nl_cache_mngr_get_fd(t->mngr);
	if (ev_io_add(t->loop, t->mngr_fd, EPOLLIN, on_mngr, t) < 0)
		log_warn("cannot watch the link socket");
}

bool vrrp_track_link_up(const struct vrrp_track *t, int ifindex)
{
	struct rtnl_link *l;
	unsigned flags;

	if (ifindex <= 0)
		return false;
	/* What the last event said is newer than the cache may be while a
	 * change callback runs. */
	for (size_t i = 0; i < t->n_seen; i++)
		if (t->seen[i].ifindex == ifindex)
			return t->seen[i].up;
	if (!t->links)
		return true;
	l = rtnl_link_get(t->links, ifindex);
	if (!l)
		return false;
	flags = rtnl_link_get_flags(l);
	rtnl_link_put(l);
	return (flags & IFF_UP) && (flags & IFF_RUNNING);
}

/* ---- the tracker -------------------------------------------------------------- */

struct vrrp_track *vrrp_track_new(struct ev_loop *loop, const struct conf *c,
				  vrrp_track_changed_cb changed, void *arg,
				  const struct vrrp_track *prev)
{
	struct vrrp_track *t = calloc(1, sizeof(*t));

	if (!t)
		log_fatalx("out of memory");
	t->loop = loop;
	t->changed = changed;
	t->arg = arg;
	t->mngr_fd = -1;
	t->scripts = calloc(c->n_scripts ? c->n_scripts : 1, sizeof(*t->scripts));
	if (!t->scripts)
		log_fatalx("out of memory");
	for (size_t i = 0; i < c->n_scripts; i++) {
		const struct conf_script *cs = &c->scripts[i];
		struct script *s = &t->scripts[t->n_scripts++];

		s->t = t;
		s->name = strdup(cs->name);
		s->cmd = strdup(cs->script ? cs->script : "false");
		s->user = cs->user ? strdup(cs->user) :
			  spawn_user(c->global.script_user) ? strdup(spawn_user(c->global.script_user)) : NULL;
		script_security(s, c->global.enable_script_security);
		s->interval_ns = (uint64_t)(cs->interval * (double)EV_NSEC_PER_SEC);
		if (s->interval_ns < EV_NSEC_PER_MSEC)
			s->interval_ns = EV_NSEC_PER_SEC;
		s->timeout_ns = (uint64_t)((cs->timeout > 0 ? cs->timeout : cs->interval) * (double)EV_NSEC_PER_SEC);
		s->rise = cs->rise > 0 ? cs->rise : 1;
		s->fall = cs->fall > 0 ? cs->fall : 1;
		s->ok = !cs->init_fail;
		s->init_fail = cs->init_fail;
		/* A reload keeps what a script has shown so far. */
		if (prev) {
			int p = vrrp_track_script(prev, s->name);

			if (p >= 0) {
				s->ok = prev->scripts[p].ok;
				s->streak = prev->scripts[p].streak;
				s->has_result = prev->scripts[p].has_result;
			}
		}
		ev_timer_init(&s->timer, on_script_timer, s);
		ev_timer_start_in(loop, &s->timer, 0);
	}
	files_open(t, c);
	links_open(t);
	return t;
}

void vrrp_track_free(struct vrrp_track *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_scripts; i++) {
		struct script *s = &t->scripts[i];

		ev_timer_stop(t->loop, &s->timer);
		spawn_forget(s);
		free(s->name);
		free(s->cmd);
		free(s->user);
	}
	free(t->scripts);
	for (size_t i = 0; i < t->n_files; i++) {
		free(t->files[i].name);
		free(t->files[i].path);
	}
	free(t->files);
	if (t->inotify_fd >= 0) {
		ev_io_del(t->loop, t->inotify_fd);
		close(t->inotify_fd);
	}
	free(t->seen);
	if (t->mngr) {
		ev_io_del(t->loop, t->mngr_fd);
		nl_cache_mngr_free(t->mngr);
	}
	free(t);
}

int vrrp_track_script(const struct vrrp_track *t, const char *name)
{
	for (size_t i = 0; i < t->n_scripts; i++)
		if (strcmp(t->scripts[i].name, name) == 0)
			return (int)i;
	return -1;
}

size_t vrrp_track_n_scripts(const struct vrrp_track *t)
{
	return t ? t->n_scripts : 0;
}

const char *vrrp_track_script_name(const struct vrrp_track *t, int script)
{
	return script >= 0 && (size_t)script < t->n_scripts ? t->scripts[script].name : NULL;
}

enum vrrp_script_state vrrp_track_script_state(const struct vrrp_track *t, int script)
{
	const struct script *s;

	if (script < 0 || (size_t)script >= t->n_scripts)
		return VRRP_SCRIPT_INIT;
	s = &t->scripts[script];
	if (!s->has_result)
		return s->init_fail ? VRRP_SCRIPT_INIT_FAILED : VRRP_SCRIPT_INIT;
	return s->ok ? VRRP_SCRIPT_GOOD : VRRP_SCRIPT_BAD;
}

const char *vrrp_script_state_name(enum vrrp_script_state st)
{
	switch (st) {
	case VRRP_SCRIPT_INIT_FAILED: return "initfailed";
	case VRRP_SCRIPT_BAD: return "bad";
	case VRRP_SCRIPT_GOOD: return "good";
	default: return "init";
	}
}

bool vrrp_track_script_ok(const struct vrrp_track *t, int script)
{
	return script >= 0 && (size_t)script < t->n_scripts && t->scripts[script].ok;
}

int vrrp_track_priority(const struct vrrp_track *t, int base,
			const struct vrrp_track_ref *refs, size_t n, bool *fault)
{
	long state[n ? n : 1];

	for (size_t i = 0; i < n; i++) {
		const struct vrrp_track_ref *r = &refs[i];

		state[i] = r->file >= 0 ? vrrp_track_file_value(t, r->file) :
			   r->script >= 0 ? vrrp_track_script_ok(t, r->script) :
			   vrrp_track_link_up(t, r->ifindex);
	}
	return vrrp_weigh(base, refs, state, n, fault);
}
