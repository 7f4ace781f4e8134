/*
 * check_lvs.h - keeps IPVS in line with the configuration and the health
 * checkers: after start, every reload and every health change, the desired
 * model (lb_build) is compared with what the kernel holds (kern_ipvs_list)
 * and only the difference is applied (lb_diff).  Services and destinations
 * vigil did not create are left alone.
 */
#ifndef VIGIL_CHECK_LVS_H
#define VIGIL_CHECK_LVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct check_engine;
struct check_lvs;
struct conf;
struct ev_loop;
struct child_ctx;
struct store_writer;

/* Opens IPVS; when the kernel has none, logs why once and the health
 * checks run without programming anything. */
struct check_lvs *check_lvs_new(struct ev_loop *loop, struct check_engine *engine);
/* The configuration in effect changed (start, reload): reconcile soon. */
void check_lvs_set_conf(struct check_lvs *l, const struct conf *c);
/* A health change: reconcile soon (changes in one loop pass are batched). */
void check_lvs_changed(struct check_lvs *l);
/* Remove what vigil created, unless `keep` (--dont-release-ipvs). */
void check_lvs_stop(struct check_lvs *l, bool keep);
void check_lvs_free(struct check_lvs *l);

/* The state store: identities, health transitions, effective weights and
 * operators' overrides go through `w` (NULL: none).  Before set_conf. */
void check_lvs_set_store(struct check_lvs *l, struct store_writer *w);
/* Read the operators' overrides (drain, maint, weight) from the store, so
 * the first reconcile already honours them.  Before set_conf. */
typedef struct sqlite3 sqlite3;
void check_lvs_load_overrides(struct check_lvs *l, sqlite3 *db);
/* Publish IPVS's counters and rates to the file `path` every few seconds,
 * for mgmt's SNMP tables (lb_live.h).  Nothing when there is no IPVS. */
void check_lvs_set_live(struct check_lvs *l, const char *path);
/* The checks' counters to the store now (also every 60 s by itself). */
void check_lvs_store_counters(struct check_lvs *l);
/* conf->vss[vs].rs[rs]'s first verdict (no transition): to the store,
 * without a history row, when it differs from what the store says. */
void check_lvs_health_seen(struct check_lvs *l, size_t vs, size_t rs, bool up, const char *why);
/* conf->vss[vs].rs[rs] went up or down (`why`): to the store's history. */
void check_lvs_health(struct check_lvs *l, size_t vs, size_t rs, bool up, const char *why);
/* An operator's edit (JSON from mgmt: action drain|undrain|maint|weight|
 * clear, vs, rs, value, reason, who, expires_in): stored, then applied to
 * IPVS, then answered with child_edit_done(ctx, id, ...). */
void check_lvs_edit(struct check_lvs *l, struct child_ctx *ctx, uint32_t id, const char *json);

#endif /* VIGIL_CHECK_LVS_H */
