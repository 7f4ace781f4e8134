/*
 * vrrp_weight.c - the priority an instance advertises, from what it tracks.
 * See vrrp_track.h.  These are keepalived's rules (RFC 5798 leaves them to
 * the implementation), so a pair moved from keepalived behaves the same.
 */
#include "config.h"

#include "vrrp/vrrp_track.h"

int vrrp_weigh(int base, const struct vrrp_track_ref *refs, const long *state, size_t n,
	       bool *fault)
{
	long prio = base;

	*fault = false;
	for (size_t i = 0; i < n; i++) {
		const struct vrrp_track_ref *r = &refs[i];

		if (r->file >= 0) {
			/* the number times the weight; with weight 0 any
			 * non-zero number is a failure */
			if (r->weight == 0)
				*fault = *fault || state[i] != 0;
			else
				prio += (r->reverse ? -state[i] : state[i]) * r->weight;
			continue;
		}
		if (r->weight == 0) {
			*fault = *fault || !state[i];
			continue;
		}
		/* a positive weight is added while the item is fine, a
		 * negative one while it fails; reverse swaps the two */
		if ((state[i] != 0) != r->reverse ? r->weight > 0 : r->weight < 0)
			prio += r->weight;
	}
	if (base == 255)
		return 255;      /* the address owner's priority does not move */
	return prio < 1 ? 1 : prio > 254 ? 254 : (int)prio;
}

int vrrp_demoted(int prio, int by)
{
	if (prio == 255 || by <= 0)
		return prio;
	return prio - by < 1 ? 1 : prio - by;
}
