/*
 * snap_json.h - the snapshot's objects (mgmt_snap.h) as the REST API shows
 * them, for the API and for `vigilctl --json`: one definition, so that a
 * script reads either alike.
 */
#ifndef VIGIL_SNAP_JSON_H
#define VIGIL_SNAP_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "lb/lb_live.h"
#include "mgmt/mgmt_snap.h"

json_t *snap_jtime(int64_t ms);           /* "2026-12-04T15:20:01.123Z", null for none */
json_t *snap_jtext(const char *s);        /* null for NULL or "" */
const char *snap_admin_name(enum snap_admin k);   /* "ready", "drain", ... */
const char *snap_health_name(enum snap_health h); /* "up", "down", "unknown" */

struct sb_track;
/* `sb`: the instance's live split-brain status (mgmt/split_brain.h); NULL:
 * the last change stored (vigilctl, which has no live view), or unknown */
json_t *snap_jinstance(const struct snap_inst *in, const struct sb_track *sb);
json_t *snap_jsplit_brain(const struct sb_track *sb, const struct snap_inst *in);
/* `l`: IPVS's figures of the server (connections, rates); NULL: null */
json_t *snap_jvirtual_server(const struct snap_vs *v, const struct lb_live *l);
json_t *snap_jreal_server(const struct snap_rs *r, const struct lb_live *l);

#endif /* VIGIL_SNAP_JSON_H */
