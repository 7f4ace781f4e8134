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

struct check_engine;
struct check_lvs;
struct conf;
struct ev_loop;

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

#endif /* VIGIL_CHECK_LVS_H */
