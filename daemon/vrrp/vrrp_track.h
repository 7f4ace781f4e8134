/*
 * vrrp_track.h - what lowers an instance's priority or puts it in FAULT:
 * vrrp_script results (interval, timeout, rise, fall) and the link state of
 * the interfaces instances run on or track.
 *
 * Scripts run through core/spawn (never blocking the loop, as script_user);
 * link changes arrive from a netlink link watch (libnl cache manager).  When
 * a tracked thing changes, the engine's callback recomputes priorities.
 */
#ifndef VIGIL_VRRP_TRACK_H
#define VIGIL_VRRP_TRACK_H

#include <stdbool.h>

struct conf;
struct ev_loop;
struct vrrp_track;

/* A tracked script or interface as one instance sees it. */
struct vrrp_track_ref {
	int script;                /* index of the vrrp_script, -1 for an interface */
	int ifindex;               /* when script < 0 */
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
/* Current result of a script (after rise/fall): true = success. */
bool vrrp_track_script_ok(const struct vrrp_track *t, int script);
/* Link state of an interface (operational up). */
bool vrrp_track_link_up(const struct vrrp_track *t, int ifindex);

/* The priority an instance advertises: base plus the weights of its
 * tracked items (RFC 5798 leaves this to the implementation; these are
 * keepalived's rules), clamped to 1..254; an owner (255) stays 255.
 * *fault is set when a weight-0 item fails. */
int vrrp_track_priority(const struct vrrp_track *t, int base,
			const struct vrrp_track_ref *refs, size_t n, bool *fault);

#endif /* VIGIL_VRRP_TRACK_H */
