/*
 * lb_build.h - the desired IPVS model from the configuration and the
 * health of each real server (pure: health comes through a callback).
 */
#ifndef VIGIL_LB_BUILD_H
#define VIGIL_LB_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "lb/lb_diff.h"
#include "lb/lb_model.h"

struct conf;

/* The health of conf->vss[vs].rs[rs]: up, and the weight it carries when
 * up (the configured one, or what a misc_dynamic script set); and an
 * operator's override (drain 0, a weight, LB_OVERRIDE_MAINT), left at
 * LB_OVERRIDE_NONE when there is none. */
typedef bool (*lb_health_fn)(void *arg, size_t vs, size_t rs, bool *up, int *weight, int *override);

/* Whether conf->vss[vs] has its quorum (see lb_quorum_next); NULL: always. */
typedef bool (*lb_quorum_fn)(void *arg, size_t vs);

/*
 * Every virtual_server becomes a service; every real server whose
 * effective weight (lb_effective_weight: health, inhibit_on_failure) is
 * not "absent" becomes a destination; when no real server is up or the
 * quorum is lost, the sorry_server (if any) is added.  Returns 0, or -1
 * when out of memory.  Free with lb_model_free().
 */
int lb_model_from_conf(const struct conf *c, lb_health_fn health, lb_quorum_fn quorum, void *arg,
		       struct lb_model *out);

struct lb_kernel;
struct lb_owned;

/*
 * After a restart (a crash, a killed check process) vigil no longer knows
 * what it created, and would leave its own services alone as foreign.
 * What the configuration names is vigil's to manage: services in the
 * kernel whose key the desired model has, and their destinations that the
 * model has too, are noted as owned.  Other destinations in them stay
 * foreign.  Returns how many objects were adopted, or -1 (out of memory).
 */
int lb_adopt(const struct lb_model *desired, const struct lb_kernel *kernel, struct lb_owned *owned);

/* keepalived's quorum with hysteresis: the sum of the weights of the real
 * servers that are up is compared with `quorum`; the quorum is lost below
 * quorum - hysteresis and regained at quorum + hysteresis or more, so a
 * sum that wobbles around the quorum does not flap. */
bool lb_quorum_next(bool had_quorum, long alive_weight, int quorum, int hysteresis);

/* The names the state store and the operator use: "TCP 192.0.2.100:80"
 * (or "FWM 1") for conf->vss[vs], "192.0.2.11:80" for its rs-th real
 * server (rs may be (size_t)-1 for none). */
void lb_conf_keys(const struct conf *c, size_t vs, size_t rs, char vs_key[LB_KEY_STRLEN],
		  char rs_key[LB_KEY_STRLEN]);
void lb_model_free(struct lb_model *m);

#endif /* VIGIL_LB_BUILD_H */
