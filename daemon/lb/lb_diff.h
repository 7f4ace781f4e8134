/*
 * lb_diff.h - reconcile: the IPVS operations that make the kernel hold the
 * desired model, and the weight a real server should have.
 *
 * Pure functions over lb_model.h structs: no sockets, no clock, no logging.
 * The check process runs lb_diff at start, on reload and after every health
 * change, and hands the operations to kern_ipvs_apply.  On stop it runs
 * lb_diff with an empty desired model: that removes what vigil created and
 * nothing else.
 */
#ifndef VIGIL_LB_DIFF_H
#define VIGIL_LB_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "lb/lb_model.h"

/* ---- the weight a real server gets -------------------------------------- */

/* The real server should not be in IPVS at all. */
#define LB_WEIGHT_ABSENT (-1)
/* No operator override. */
#define LB_OVERRIDE_NONE (-1)
/* Operator override "maint": out of IPVS whatever its health. */
#define LB_OVERRIDE_MAINT (-2)

/*
 * The weight to program for one real server.  The three inputs stay apart
 * so that none overwrites another: `configured` is the config's weight (or
 * MISC_CHECK's dynamic one), `healthy` is what the checkers say, `override`
 * is an operator's setting (drain = 0; LB_OVERRIDE_NONE when there is none).
 *
 * - maint (LB_OVERRIDE_MAINT): LB_WEIGHT_ABSENT, up or down;
 * - down: 0 with inhibit_on_failure (kept, so its connections live on),
 *   else LB_WEIGHT_ABSENT (removed);
 * - up: the override if there is one, else the configured weight.
 *
 * Undraining (override back to none) restores the configured weight; a
 * health change under a drain keeps the drain.
 */
int lb_effective_weight(int configured, bool healthy, bool inhibit_on_failure, int override);

/* ---- keys -------------------------------------------------------------- */

/* Total orders on keys (by family, then fwmark / protocol, address, port).
 * Addresses are compared in the key's family only. */
int lb_svc_key_cmp(const struct lb_svc_key *a, const struct lb_svc_key *b);
int lb_dest_key_cmp(const struct lb_dest_key *a, const struct lb_dest_key *b);

/* The form a service conf takes in IPVS: default scheduler for "", only
 * LB_SVC_F_ALL flags, and without persistence a zero timeout and a
 * one-address granularity; granularity 0 becomes 32 / 128. */
void lb_svc_conf_normalize(struct lb_svc_conf *c, int af);

/* ---- operations ------------------------------------------------------- */

enum lb_op_kind {
	LB_OP_ADD_SVC,
	LB_OP_EDIT_SVC,
	LB_OP_DEL_SVC,
	LB_OP_ADD_DEST,
	LB_OP_EDIT_DEST,
	LB_OP_DEL_DEST,
};

/* One IPVS change, self-contained (copies, no pointers into the models). */
struct lb_op {
	enum lb_op_kind kind;
	struct lb_svc_key svc;
	struct lb_svc_conf svc_conf;     /* ADD_SVC, EDIT_SVC (normalized) */
	struct lb_dest_key dest;         /* *_DEST */
	struct lb_dest_conf dest_conf;   /* ADD_DEST, EDIT_DEST */
};

/* Something vigil wants that is already in IPVS but was not created by
 * vigil: it is left alone, and reported so that the operator can decide
 * (remove it with ipvsadm, or let vigil own it). */
struct lb_conflict {
	struct lb_svc_key svc;
	bool is_dest;                    /* false: the service itself */
	struct lb_dest_key dest;
};

struct lb_ops {
	struct lb_op *ops;
	size_t n_ops, cap_ops;
	struct lb_conflict *conflicts;
	size_t n_conflicts, cap_conflicts;
};

/*
 * Fill `out` (zeroed by the caller, or reused after lb_ops_free) with the
 * operations that make `kernel` hold `desired`, given what vigil created
 * (`owned`).  Rules:
 *
 * - a service or destination vigil did not create is never edited or
 *   removed; if vigil wants one with the same key, that is a conflict;
 * - a changed scheduler, flags, persistence timeout or granularity is an
 *   edit of the service, and a changed weight, forwarding method or
 *   threshold an edit of the destination: never remove-and-add, so that
 *   established connections survive;
 * - a service vigil created and no longer wants is removed (with whatever
 *   destinations it holds); a destination vigil created and no longer
 *   wants is removed;
 * - order: destination deletes, then service deletes (both by key), then
 *   for each desired service in the model's order its add or edit, followed
 *   by its destinations' edits and adds in the model's order.
 *
 * Returns 0, -EINVAL when the desired model holds the same service twice
 * or the same destination twice in a service, -ENOMEM.
 */
int lb_diff(const struct lb_model *desired, const struct lb_kernel *kernel,
	    const struct lb_owned *owned, struct lb_ops *out);
void lb_ops_free(struct lb_ops *o);

/* Record in `owned` the effect of an operation that succeeded: an add makes
 * the object vigil's, a delete forgets it (a service with its
 * destinations).  Returns 0 or -ENOMEM. */
int lb_owned_note(struct lb_owned *owned, const struct lb_op *op);
void lb_owned_free(struct lb_owned *owned);
bool lb_owned_has_svc(const struct lb_owned *owned, const struct lb_svc_key *k);
bool lb_owned_has_dest(const struct lb_owned *owned, const struct lb_svc_key *k,
		       const struct lb_dest_key *d);

/* ---- text -------------------------------------------------------------- */

#define LB_KEY_STRLEN 64
#define LB_OP_STRLEN 256

/* "TCP 192.0.2.1:80", "UDP [2001:db8::1]:53", "FWM 7 IPv6".  Returns buf. */
const char *lb_svc_key_str(const struct lb_svc_key *k, char buf[LB_KEY_STRLEN]);
/* "192.0.2.11:80", "[2001:db8::11]:80".  Returns buf. */
const char *lb_dest_key_str(const struct lb_dest_key *d, char buf[LB_KEY_STRLEN]);
/* "add destination 192.0.2.11:80 to TCP 192.0.2.1:80 (NAT, weight 3)".
 * Returns buf. */
const char *lb_op_str(const struct lb_op *op, char buf[LB_OP_STRLEN]);
const char *lb_fwd_name(enum lb_fwd f);

#endif /* VIGIL_LB_DIFF_H */
