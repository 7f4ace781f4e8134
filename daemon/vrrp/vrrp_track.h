/*
 * vrrp_track.h - what lowers an instance's priority or puts it in FAULT:
 * vrrp_script results (interval, timeout, rise, fall), track_file values
 * (a number in a file, re-read when inotify says it changed) and the link
 * state of the interfaces instances run on or track.
 *
 * Scripts run through core/spawn (never blocking the loop, as script_user);
 * link changes arrive from a netlink link watch (libnl cache manager).  When
 * a tracked thing changes, the engine's callback recomputes priorities.
 */
#ifndef VIGIL_VRRP_TRACK_H
#define VIGIL_VRRP_TRACK_H

#include <stdbool.h>
#include <stddef.h>

struct conf;
struct ev_loop;
struct vrrp_track;

/* A tracked script or interface as one instance sees it. */
struct vrrp_track_ref {
	int script;                /* index of the vrrp_script, else -1 */
	int file;                  /* index of the track_file, else -1 */
	int ifindex;               /* when both are -1: an interface */
	int weight;                /* 0: failure means FAULT */
	bool reverse;
};

typedef void (*vrrp_track_changed_cb)(void *arg);

/* `prev` (may be NULL): the tracker being replaced by a reload, whose
 * script results carry over by name. */
struct vrrp_track *vrrp_track_new(struct ev_loop *loop, const struct conf *c,
				  vrrp_track_changed_cb changed, void *arg,
				  const struct vrrp_track *prev);
void vrrp_track_free(struct vrrp_track *t);

/* Index of a vrrp_script by name, -1 when unknown. */
int vrrp_track_script(const struct vrrp_track *t, const char *name);
/* The scripts, for the state store: how many, their names, their state
 * (before the first run ends: init, or initfailed with init_fail). */
enum vrrp_script_state { VRRP_SCRIPT_INIT, VRRP_SCRIPT_INIT_FAILED, VRRP_SCRIPT_BAD, VRRP_SCRIPT_GOOD };
size_t vrrp_track_n_scripts(const struct vrrp_track *t);
const char *vrrp_track_script_name(const struct vrrp_track *t, int script);
enum vrrp_script_state vrrp_track_script_state(const struct vrrp_track *t, int script);
/* "init", "initfailed", "bad", "good" (KEEPALIVED-MIB's vrrpScriptResult names) */
const char *vrrp_script_state_name(enum vrrp_script_state st);
/* Current result of a script (after rise/fall): true = success. */
bool vrrp_track_script_ok(const struct vrrp_track *t, int script);
/* Index of a track_file by name, -1 when unknown. */
int vrrp_track_file(const struct vrrp_track *t, const char *name);
/* The number in a tracked file (0 when missing or not a number). */
long vrrp_track_file_value(const struct vrrp_track *t, int file);
/* Link state of an interface (operational up). */
bool vrrp_track_link_up(const struct vrrp_track *t, int ifindex);

/* The priority an instance advertises: base plus the weights of its
 * tracked items (RFC 5798 leaves this to the implementation; these are
 * keepalived's rules), clamped to 1..254; an owner (255) stays 255.
 * *fault is set when a weight-0 item fails. */
int vrrp_track_priority(const struct vrrp_track *t, int base,
			const struct vrrp_track_ref *refs, size_t n, bool *fault);

/* The rule itself, pure (vrrp_weight.c, unit tested): state[i] is 1/0 for
 * a script or interface that is fine / failing, the number for a file. */
/* An operator's demotion (pure): `prio` lowered by `by`, to no less than
 * 1; the address owner (255) is never demoted. */
int vrrp_demoted(int prio, int by);
int vrrp_weigh(int base, const struct vrrp_track_ref *refs, const long *state, size_t n,
	       bool *fault);

#endif /* VIGIL_VRRP_TRACK_H */
