/*
 * mgmt_snap.h - what mgmt knows of the cluster: a snapshot of the state
 * store (instances, virtual and real servers, overrides, counters), read
 * from a read-only connection and rebuilt when the engines commit.
 *
 * SNMP, REST and the status page serve from a snapshot, never from the
 * engines: a walk never waits on an engine or on netlink.  Every object
 * carries its row id from the store, which stays the same across reloads
 * and restarts (an object that leaves the configuration keeps its id if it
 * comes back), so SNMP indexes and REST ids do not move.
 */
#ifndef VIGIL_MGMT_SNAP_H
#define VIGIL_MGMT_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sqlite3 sqlite3;

enum snap_state { SNAP_INIT = 0, SNAP_BACKUP = 1, SNAP_MASTER = 2, SNAP_FAULT = 3 };
enum snap_health { SNAP_UNKNOWN = 0, SNAP_UP = 1, SNAP_DOWN = 2 };
enum snap_admin { SNAP_READY = 0, SNAP_DRAIN, SNAP_MAINT, SNAP_WEIGHT, SNAP_DEMOTE };

struct snap_vip {
	int family;               /* AF_INET, AF_INET6 */
	unsigned char addr[16];   /* network order */
	unsigned char brd[4];     /* IPv4 broadcast, 0 when none */
	int prefix;
	char dev[16];             /* "" when on the instance's interface */
	int scope;                /* RT_SCOPE_*: 0 universe, 253 link, 254 host */
	bool excluded;            /* virtual_ipaddress_excluded: not advertised */
};

/* An operator's override (drain, maint, weight, demote). */
struct snap_override {
	enum snap_admin kind;     /* SNAP_READY: none */
	int64_t value;
	char *who, *reason;
	int64_t created_ms, expires_ms;   /* expires 0: until cleared */
};

/* What an instance tracks: a vrrp_script (by name) or an interface. */
struct snap_track {
	char *name;                       /* script name, or interface name */
	int weight;                       /* the track's own weight, else the script's */
	bool weight_set;                  /* the track gave a weight */
	bool reverse;
};

enum snap_script_result { SNAP_SCRIPT_INIT = 1, SNAP_SCRIPT_BAD = 2, SNAP_SCRIPT_GOOD = 3,
			  SNAP_SCRIPT_INIT_FAILED = 5 };   /* KEEPALIVED-MIB's numbers */

struct snap_script {
	int64_t id;
	char *name, *command;
	int interval_ms, weight, rise, fall;
	bool reverse;
	enum snap_script_result result;
	int64_t result_since_ms;
};

struct snap_inst {
	int64_t id;
	char *name;
	int vrid, family, version;
	char *ifname;
	int config_priority, effective_priority;
	enum snap_state state;
	enum snap_state initial;          /* the configured `state` */
	char *master;                     /* the master's address as text, "" unknown */
	int64_t state_since_ms;
	int advert_ms;
	bool preempt;
	int preempt_delay_ms;
	int auth_type;                    /* 0 none, 1 password, 2 AH */
	char *sync_group;                 /* "" none */
	char *notify_master, *notify_backup, *notify_fault, *notify_stop, *notify;
	bool smtp_alert, accept, track_primary;
	int garp_delay_ms;
	struct snap_vip *vips;
	size_t n_vips;
	struct snap_override ov;          /* SNAP_DEMOTE or none */
	uint32_t transitions;             /* recorded in the store */
	char *last_reason;
	uint64_t adverts_sent, adverts_received, become_master;
	/* the last split-brain change mgmt had stored (status NULL: none yet);
	 * evidence lines joined by '\n' */
	char *sb_status, *sb_evidence;
	int64_t sb_since_ms;
	struct snap_track *track_scripts, *track_ifs;
	size_t n_track_scripts, n_track_ifs;
};

struct snap_rs;

struct snap_vs {
	int64_t id;
	char *key;                        /* "TCP 192.0.2.100:80", "FWM 1" */
	bool fwmark;
	uint32_t mark;
	int family;
	unsigned char addr[16];
	int port;
	int protocol;                     /* KEEPALIVED-MIB: tcp 1, udp 2, sctp 3, none 4 */
	char *sched;
	int kind;                         /* nat 1, dr 2, tun 3 */
	char *virtualhost;
	bool persistent, ha_suspend, alpha, omega, inhibit_on_failure, ops;
	int persist_timeout;
	int delay_loop_ms;
	int quorum, hysteresis;
	char *quorum_up, *quorum_down;
	struct snap_rs *rs;               /* into snap.rs: this server's, by id */
	size_t n_rs;
	unsigned rs_up;
};

struct snap_rs {
	int64_t id, vs_id;
	char *key;                        /* "192.0.2.11:80" */
	int family;
	unsigned char addr[16];
	int port;
	enum snap_health health;
	bool alive;                       /* in service: up, or not yet checked without alpha
					     (keepalived starts real servers alive) */
	char *health_reason;
	int64_t health_since_ms;
	int config_weight;
	int effective_weight;             /* -1: not in IPVS */
	bool inhibit_on_failure;
	char *notify_up, *notify_down;
	int uthreshold, lthreshold;
	int retry, delay_before_retry_ms, warmup_ms, delay_loop_ms, connect_timeout_ms;
	char *virtualhost;
	struct snap_override ov;
	uint64_t checks, checks_failed;
};

struct snap {
	struct snap_inst *inst;           /* by id */
	size_t n_inst;
	struct snap_vs *vs;               /* by id */
	size_t n_vs;
	struct snap_rs *rs;               /* by (vs_id, id) */
	size_t n_rs;
	struct snap_rs **rs_by_id;        /* the same, by id alone */
	struct snap_script *scripts;      /* by id */
	size_t n_scripts;
	int64_t loaded_ms;
};

/* Read the objects present in the configuration.  NULL with `err` set
 * when the store cannot be read. */
struct snap *snap_load(sqlite3 *db, int64_t now_ms, char *err, size_t errlen);
void snap_free(struct snap *s);

const struct snap_inst *snap_inst_by_id(const struct snap *s, int64_t id);
const struct snap_vs *snap_vs_by_id(const struct snap *s, int64_t id);
const struct snap_rs *snap_rs_by_id(const struct snap *s, int64_t vs_id, int64_t id);

const struct snap_script *snap_script_by_name(const struct snap *s, const char *name);

const char *snap_state_name(enum snap_state st);

/* An id as a user writes it ("12"): 0 when it is not one (no sign, no
 * leading zero, nothing after the digits). */
int64_t snap_id_parse(const char *s);

/*
 * What happened since the last call: the transitions recorded after
 * *vrrp_after and *health_after (row ids), oldest first, each passed to
 * `fn`; the cursors advance.  A first call with cursors at -1 only sets
 * them to the newest rows (history before mgmt started is not news).
 */
struct snap_event {
	bool vrrp;                        /* else a real server's health */
	int64_t object_id;                /* instance id, or real server id */
	const char *from, *to, *reason;   /* "MASTER", "up", ... */
	int64_t at_ms;
};
typedef void (*snap_event_fn)(const struct snap_event *ev, void *arg);
int snap_events(sqlite3 *db, int64_t *vrrp_after, int64_t *health_after, snap_event_fn fn, void *arg);

#endif /* VIGIL_MGMT_SNAP_H */
