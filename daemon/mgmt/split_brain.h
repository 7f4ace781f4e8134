/*
 * split_brain.h - the split-brain decision (doc/split-brain.md), pure: what
 * this node and its peers say of each virtual router in, a status with its
 * evidence out, with hysteresis so that it does not flap.
 *
 * A round is one look at everything (every peer polled, the vrrp process's
 * evidence read): sb_condition says what the round shows for one local
 * instance, sb_step folds that into the instance's status.
 */
#ifndef VIGIL_SPLIT_BRAIN_H
#define VIGIL_SPLIT_BRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sb_status { SB_UNKNOWN = 0, SB_OK, SB_SUSPECT, SB_SPLIT, SB_NO_MASTER };

#define SB_EVIDENCE_MAX 4
#define SB_EVIDENCE_LEN 200
#define SB_RAISE_ROUNDS 2       /* a condition seen this many rounds in a row is raised */
#define SB_CLEAR_ROUNDS 3       /* and cleared after this many rounds without it */
#define SB_EVIDENCE_AGE_MS 5000 /* local evidence counts this long after its last sign */

/* An instance as a node reports it. */
struct sb_inst {
	const char *name;
	int vrid, family;            /* AF_INET, AF_INET6 */
	const char *const *vips;     /* addresses, without prefix */
	size_t n_vips;
	bool master;
	int priority;                /* effective */
	const char *address;         /* its master address when MASTER, else NULL */
};

/* What one peer said this round. */
struct sb_peer_view {
	const char *name;
	bool reachable;
	const struct sb_inst *insts;
	size_t n_insts;
};

/* What the vrrp process saw of one local instance (vrrp/vrrp_live.h). */
struct sb_local {
	int advert_ms;               /* the instance's advert interval */
	/* while MASTER, adverts for our VRID from another address */
	uint64_t other_count;
	unsigned other_streak;       /* of those, in a row: a single stray advert (a split
					ending: the other master's last) is no evidence */
	int64_t other_last_ms;       /* 0: never */
	char other_src[48];
	int other_priority;
	unsigned flaps;              /* transitions to MASTER in the last minute */
	/* while MASTER, ARP claims of a VIP from another MAC */
	uint64_t arp_count;
	int64_t arp_last_ms;         /* 0: never */
	char arp_mac[18];            /* "02:00:00:00:00:02" */
	char arp_vip[16];
};

#define SB_FLAPS 4               /* this many transitions to MASTER in a minute is flapping */
#define SB_OTHER_STREAK 2        /* another master's adverts in a row that make evidence */

struct sb_track;

/* The condition this round shows for local instance `self`, with up to
 * SB_EVIDENCE_MAX lines of evidence in `ev`.  `t` is the instance's track
 * so far (NULL: none): a local sign (an advert, an ARP claim) from before
 * the first round after a split that no longer showed it is that split's
 * trace, no new evidence - a split that ends clears to ok, not to suspect.
 * Those signs, noted while MASTER, count only while this node is MASTER. */
enum sb_status sb_condition(const struct sb_inst *self, const struct sb_local *local,
			    const struct sb_peer_view *peers, size_t n_peers, const struct sb_track *t,
			    int64_t now_ms, char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN], size_t *n_ev);

/* Whether peer instance `p` is the same virtual router as `self`: the same
 * VRID and family, and a VIP in common (or no VIPs to compare). */
bool sb_same_router(const struct sb_inst *self, const struct sb_inst *p);

/* One local instance's status across rounds. */
struct sb_track {
	enum sb_status status;       /* as reported */
	int64_t since_ms;            /* of `status` */
	enum sb_status raw;          /* the last round's condition */
	int64_t raw_since_ms;        /* since when rounds have shown `raw` */
	unsigned raw_rounds;         /* rounds in a row showing `raw` */
	int64_t split_end_ms;        /* the first round after a split that no longer
					showed it, 0: none */
	char evidence[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN];
	size_t n_evidence;
};

/* Fold one round's condition into `t`.  A status other than ok is raised
 * once SB_RAISE_ROUNDS rounds in a row show it (no-master also only after
 * four advert intervals, the time a backup waits before taking over);
 * cleared after SB_CLEAR_ROUNDS rounds in a row without it.  Returns true
 * when t->status changed. */
bool sb_step(struct sb_track *t, enum sb_status raw, const char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN],
	     size_t n_ev, int advert_ms, int64_t now_ms);

/* policy yield: whether `self`, MASTER in a split, gives way to another
 * master of its router among the reachable peers - one with a higher
 * priority, or the same priority and the higher address (self->address
 * and theirs).  The one given way to is named in `to` ("PEER"), with its
 * priority and address in `why`. */
bool sb_should_yield(const struct sb_inst *self, const struct sb_peer_view *peers, size_t n_peers, char *to,
		     size_t to_len, char *why, size_t why_len);
/* Whether peer `peer` still answers and is MASTER of self's router: while
 * it is, an instance that gave way to it keeps its VIPs off. */
bool sb_still_master(const struct sb_inst *self, const struct sb_peer_view *peers, size_t n_peers,
		     const char *peer);

/* "ok", "suspect", "split", "no-master", "unknown" */
const char *sb_status_name(enum sb_status s);
/* The worse of two: split, no-master, suspect, ok, unknown. */
enum sb_status sb_worse(enum sb_status a, enum sb_status b);

#endif /* VIGIL_SPLIT_BRAIN_H */
