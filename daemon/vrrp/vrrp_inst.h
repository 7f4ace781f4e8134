/*
 * vrrp_inst.h - the VRRP engine of the vrrp process: instances built from
 * the configuration, their sockets, timers, addresses and scripts.
 *
 * The decisions are made elsewhere (vrrp_pkt: is this packet valid,
 * vrrp_fsm: what to do about it); this layer turns sockets and timers into
 * events, and the state machine's actions into packets, addresses and
 * notify scripts.
 */
#ifndef VIGIL_VRRP_INST_H
#define VIGIL_VRRP_INST_H

struct conf;
struct ev_loop;
struct vrrp_engine;
struct store_writer;
struct child_ctx;
typedef struct sqlite3 sqlite3;

struct vrrp_engine *vrrp_engine_new(struct ev_loop *loop);
/* Build the instances of `c` and start them (RFC Startup event).  Virtual
 * addresses left on the interfaces by an earlier run are removed first. */
int vrrp_engine_start(struct vrrp_engine *e, const struct conf *c);
/* Apply a new configuration: instances whose settings did not change keep
 * their state and keep advertising; changed ones restart; removed ones stop
 * (priority 0 advert, addresses removed). */
int vrrp_engine_reload(struct vrrp_engine *e, const struct conf *c);
/* Shutdown event for every instance: masters send priority 0 and remove
 * their addresses. */
void vrrp_engine_stop(struct vrrp_engine *e);
void vrrp_engine_free(struct vrrp_engine *e);

/* Record instances, transitions, priorities and counters in the state
 * store through `w` (NULL: none).  Call before vrrp_engine_start. */
void vrrp_engine_set_store(struct vrrp_engine *e, struct store_writer *w);
/* Publish every instance's counters to the file `path` each second, for
 * mgmt's SNMP statistics (vrrp_live.h). */
void vrrp_engine_set_live(struct vrrp_engine *e, const char *path);
/* The counters to the store now (also every 60 s by itself). */
void vrrp_engine_store_counters(struct vrrp_engine *e);

/* The operators' demotions in the store, applied from the start (before
 * vrrp_engine_start). */
void vrrp_engine_load_demotions(struct vrrp_engine *e, sqlite3 *db);

/* An operator's edit (JSON from mgmt: action demote|undemote, instance,
 * value, reason, who, expires_in): stored, applied (the effective priority
 * changes now), answered with child_edit_done(). */
void vrrp_engine_edit(struct vrrp_engine *e, struct child_ctx *ctx, uint32_t id, const char *json);

/* Write every instance's state and receive counters as JSON to `path`
 * (atomically).  keepalived writes /tmp/keepalived.stats on SIGUSR2; vigil
 * writes this file on SIGUSR2 to the vrrp process. */
int vrrp_engine_dump(const struct vrrp_engine *e, const char *path);

#endif /* VIGIL_VRRP_INST_H */
