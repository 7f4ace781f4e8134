/*
 * mgmt_split.h - split-brain detection in mgmt (doc/split-brain.md): a
 * thread polls the peers' REST APIs (libcurl), and each time a round of
 * polls is in, mgmt's loop decides (mgmt/split_brain.c) for every local
 * instance, from the snapshot, the peers' answers and the vrrp process's
 * local evidence.  Without peers, rounds come from a timer (local evidence
 * only).
 */
#ifndef VIGIL_MGMT_SPLIT_H
#define VIGIL_MGMT_SPLIT_H

#include <stdbool.h>
#include <stdint.h>

#include "mgmt/split_brain.h"

struct ev_loop;
struct conf_split_brain;
struct mgmt_split;

/* Read the peers' token files: as root, before mgmt drops its privileges. */
void mgmt_split_prepare(const struct conf_split_brain *c);

/* One local instance's status changed (t: as it is now). */
typedef void (*mgmt_split_change_fn)(void *arg, int64_t inst_id, const char *inst_name,
				     const struct sb_track *t, enum sb_status before);
/* At every round: what to decide from (the caller fills `in`, see below). */
struct mgmt_split_local {
	int64_t id;
	struct sb_inst inst;
	struct sb_local ev;
	bool have_ev;
};
typedef size_t (*mgmt_split_locals_fn)(void *arg, struct mgmt_split_local **out);
/* policy yield: instance `name` is to give way (on) to `why`, or no longer (off) */
typedef void (*mgmt_split_yield_fn)(void *arg, const char *name, bool on, const char *why);

struct mgmt_split *mgmt_split_start(struct ev_loop *loop, const struct conf_split_brain *c,
				    mgmt_split_locals_fn locals, mgmt_split_change_fn change,
				    mgmt_split_yield_fn yield, void *arg);
void mgmt_split_stop(struct mgmt_split *s);

/* For the API and SNMP: an instance's track (NULL: not decided yet). */
const struct sb_track *mgmt_split_track(const struct mgmt_split *s, int64_t inst_id);

struct mgmt_split_peer {
	const char *name, *url;
	bool polled, reachable;
	char error[160];            /* why not reachable */
	int64_t last_ok_ms;         /* 0: never */
};
size_t mgmt_split_peers(const struct mgmt_split *s, const struct mgmt_split_peer **peers);

#endif /* VIGIL_MGMT_SPLIT_H */
