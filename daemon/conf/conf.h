/*
 * conf.h - vigil's configuration: keepalived.conf syntax in, plain structs out.
 *
 * The parser reads keepalived.conf as users write it (see keepalived.conf(5)
 * and the configs under tests/configs/) into the flat structs below.  Cross
 * references are indexes, never pointers, so a struct can be copied or sent
 * to another process as it is (relayd style).  Every object carries the
 * file:line it came from so later checks can name the place.
 *
 * Loading collects every problem as a diagnostic and goes on; the config is
 * returned only when there was no error.  Warnings (unknown keyword, value
 * clamped, option vigil ignores) never stop a load.
 */
#ifndef VIGIL_CONF_H
#define VIGIL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include "core/addr.h"

struct json_t;

/* Where something was written.  `file` points into conf->files (or into the
 * diagnostics' own copy) and lives as long as the object holding it. */
struct conf_loc {
	const char *file;
	int line;
};

/* An IPv4 or IPv6 address; family AF_UNSPEC means "not set". */
struct conf_addr {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

/* The engines' address type from the parser's (same layout). */
static inline struct vaddr conf_vaddr(const struct conf_addr *a)
{
	struct vaddr v = { .family = a->family };

	memcpy(&v.u, &a->u, sizeof(v.u));
	return v;
}

/* ------------------------------------------------------------------ */
/* global_defs                                                          */

struct conf_global {
	struct conf_loc loc;              /* of the global_defs block, line 0 if absent */
	char *router_id;                  /* NULL: the host name is used at run time */
	char **notification_email;
	size_t n_notification_email;
	char *notification_email_from;
	struct conf_addr smtp_server;
	int smtp_port;                    /* default 25 */
	double smtp_connect_timeout;      /* seconds, default 30 */
	struct conf_addr mcast_group4;    /* vrrp_mcast_group4, default 224.0.0.18 */
	struct conf_addr mcast_group6;    /* vrrp_mcast_group6, default ff02::12 */
	int vrrp_version;                 /* vrrp_version 2|3, default 2 */
	double garp_master_delay;         /* vrrp_garp_master_delay, s, default 5 */
	int garp_master_repeat;           /* vrrp_garp_master_repeat, default 5 */
	double garp_master_refresh;       /* vrrp_garp_master_refresh, s, 0 = off */
	int garp_master_refresh_repeat;   /* default 1 */
	bool vrrp_strict;
	bool vrrp_skip_check_adv_addr;
	bool enable_script_security;
	char *script_user;                /* NULL: keepalived_script if it exists, else root */
	char *script_group;
	char *snmp_socket;                /* AgentX master, NULL: default */
	bool enable_snmp_vrrp;            /* enable_snmp_vrrp / enable_snmp_keepalived */
	bool enable_snmp_checker;
	bool enable_snmp_rfc;             /* enable_snmp_rfc sets both rfcv2 and rfcv3 */
	bool enable_snmp_rfcv2;
	bool enable_snmp_rfcv3;
	bool enable_traps;
	char *lvs_id;                     /* lvs_id (old name of router_id for LVS) */
	char *notify_fifo;                /* every state change as a line, keepalived's format */
	char *vrrp_notify_fifo;           /* the same for VRRP only (wins over notify_fifo) */
	struct conf_loc email_loc;        /* first notification_email or smtp_server, line 0 if none */
};

/* ------------------------------------------------------------------ */
/* vrrp_script / track_file                                            */

struct conf_script {
	struct conf_loc loc;
	char *name;
	char *script;          /* command line as written (may hold arguments) */
	double interval;       /* s, default 1 */
	double timeout;        /* s, 0 = same as interval */
	int weight;            /* -253..253, default 0 */
	bool weight_reverse;   /* "weight N reverse" */
	int rise;              /* default 1 */
	int fall;              /* default 1 */
	char *user;            /* "user USER [GROUP]", NULL = global script_user */
	char *group;
	bool init_fail;
};

struct conf_track_file {
	struct conf_loc loc;
	char *name;
	char *path;            /* "file PATH" */
	int weight;            /* default 1 */
	bool weight_reverse;
	bool init_file;        /* create the file if missing */
};

/* ------------------------------------------------------------------ */
/* vrrp_instance                                                        */

enum conf_vrrp_state { CONF_STATE_BACKUP = 0, CONF_STATE_MASTER = 1 };
enum conf_auth { CONF_AUTH_NONE = 0, CONF_AUTH_PASS = 1, CONF_AUTH_AH = 2 };

/* One line of virtual_ipaddress / virtual_ipaddress_excluded:
 *   ADDR[/PREFIX] [brd ADDR] [dev IF] [scope SCOPE] [label LABEL] */
struct conf_vip {
	struct conf_loc loc;
	struct conf_addr addr;
	int prefix;                /* default 32 / 128 */
	struct conf_addr brd;      /* AF_UNSPEC unless given */
	char *dev;                 /* NULL: the instance's interface */
	char *label;               /* NULL: none */
	int scope;                 /* RT_SCOPE_* value; default 0 (global/universe) */
};

struct conf_track_if {
	struct conf_loc loc;
	char *ifname;
	int weight;                /* 0: down means FAULT */
};

/* A reference from an instance's track_script / track_file block. */
struct conf_track_ref {
	struct conf_loc loc;
	char *name;
	int index;                 /* into conf->scripts or conf->track_files, -1 if unknown */
	int weight;                /* used only when weight_set */
	bool weight_set;           /* a "weight N" on the reference overrides the script's */
	bool weight_reverse;
};

struct conf_vrrp {
	struct conf_loc loc;
	char *name;
	enum conf_vrrp_state state;      /* initial state, default BACKUP */
	char *interface;
	int vrid;                        /* virtual_router_id 1..255, 0 = missing */
	int priority;                    /* 1..255, default 100 */
	double advert_int;               /* s, default 1 */
	int version;                     /* 2 or 3 (global vrrp_version if not set) */
	int family;                      /* AF_INET or AF_INET6, from the VIPs (native_ipv6 forces v6) */
	enum conf_auth auth_type;
	char auth_pass[9];               /* at most 8 bytes, as RFC 3768 5.3.10 */
	struct conf_vip *vips;
	size_t n_vips;
	struct conf_vip *vips_excluded;
	size_t n_vips_excluded;
	struct conf_track_if *track_ifs;
	size_t n_track_ifs;
	struct conf_track_ref *track_scripts;
	size_t n_track_scripts;
	struct conf_track_ref *track_files;
	size_t n_track_files;
	bool nopreempt;
	double preempt_delay;            /* s, 0..1000 */
	struct conf_addr mcast_src_ip;
	struct conf_addr unicast_src_ip;
	struct conf_addr *unicast_peers;
	size_t n_unicast_peers;
	char *notify_master;
	char *notify_backup;
	char *notify_fault;
	char *notify_stop;
	char *notify;
	bool smtp_alert;
	bool accept;                     /* accept / no_accept; default: !vrrp_strict */
	double garp_master_delay;        /* from global when not set */
	int garp_master_repeat;
	double garp_master_refresh;
	int garp_master_refresh_repeat;
	bool use_vmac;
	char *vmac_name;                 /* "use_vmac NAME", NULL = vrrp.VRID */
	bool vmac_xmit_base;
	bool dont_track_primary;
	bool native_ipv6;
	int sync_group;                  /* index into conf->sync_groups, -1 = none */
	struct conf_loc auth_loc;        /* auth_type (else auth_pass) as written, line 0 if none */
};

struct conf_sync_group {
	struct conf_loc loc;
	char *name;
	char **members;                  /* instance names as written */
	struct conf_loc *member_locs;
	int *member_index;               /* into conf->vrrps */
	size_t n_members;
	char *notify_master;
	char *notify_backup;
	char *notify_fault;
	char *notify_stop;
	char *notify;
	bool smtp_alert;
	struct conf_track_ref *track_scripts;
	size_t n_track_scripts;
};

/* ------------------------------------------------------------------ */
/* virtual_server / real_server / checkers                             */

enum conf_lb_kind { CONF_LB_NAT = 0, CONF_LB_DR = 1, CONF_LB_TUN = 2 };
enum conf_proto { CONF_PROTO_TCP = 0, CONF_PROTO_UDP = 1, CONF_PROTO_SCTP = 2 };
enum conf_checker_type {
	CONF_CHK_TCP = 0,      /* TCP_CHECK */
	CONF_CHK_HTTP = 1,     /* HTTP_GET */
	CONF_CHK_SSL = 2,      /* SSL_GET */
	CONF_CHK_MISC = 3,     /* MISC_CHECK */
};

struct conf_url {
	struct conf_loc loc;
	char *path;
	char *digest;                    /* hex MD5 as keepalived's genhash prints, NULL = none */
	int status_code;                 /* 0 = any 2xx */
};

struct conf_checker {
	struct conf_loc loc;
	enum conf_checker_type type;
	struct conf_addr connect_ip;     /* AF_UNSPEC: the real server's address */
	int connect_port;                /* 0: the real server's port */
	struct conf_addr bindto;
	int bind_port;
	double connect_timeout;          /* s, default 5 */
	int retry;                       /* retry / nb_get_retry; default 1 (MISC: 0) */
	double delay_before_retry;       /* s, default 1 */
	double delay_loop;               /* s, 0: the virtual server's */
	double warmup;                   /* s, 0 = none */
	/* HTTP_GET / SSL_GET */
	struct conf_url *urls;
	size_t n_urls;
	char *virtualhost;               /* NULL: the virtual server's */
	/* MISC_CHECK */
	char *misc_path;
	double misc_timeout;             /* s, 0: delay_loop */
	bool misc_dynamic;
	char *user;
	char *group;
};

struct conf_rs {
	struct conf_loc loc;
	struct conf_addr addr;
	int port;                        /* 0 only for fwmark services */
	int weight;                      /* default 1 */
	bool inhibit_on_failure;         /* its own, or the virtual server's */
	char *notify_up;
	char *notify_down;
	int uthreshold;                  /* 0 = none */
	int lthreshold;
	double delay_loop;               /* 0: the virtual server's */
	struct conf_checker *checkers;
	size_t n_checkers;
};

struct conf_vs {
	struct conf_loc loc;
	bool is_fwmark;
	uint32_t fwmark;                 /* when is_fwmark */
	struct conf_addr addr;           /* when !is_fwmark */
	int port;
	enum conf_proto protocol;        /* default TCP */
	char *sched;                     /* lb_algo / lvs_sched: rr wrr lc wlc lblc lblcr sh dh sed nq mh fo ovf twos; default wlc */
	enum conf_lb_kind kind;          /* lb_kind / lvs_method, default NAT */
	double delay_loop;               /* s, default 60 */
	bool persistent;
	int persistence_timeout;         /* s; setting it makes the service persistent; default 360 when persistent */
	struct conf_addr persistence_granularity;  /* a netmask, AF_UNSPEC = host */
	bool has_sorry_server;
	struct conf_addr sorry_addr;
	int sorry_port;
	bool sorry_server_inhibit;
	char *virtualhost;
	int quorum;                      /* default 1 */
	int hysteresis;                  /* default 0 */
	char *quorum_up;
	char *quorum_down;
	bool alpha;
	bool omega;
	bool inhibit_on_failure;         /* default for its real servers */
	bool ha_suspend;
	bool ops;                        /* one-packet scheduling (UDP) */
	struct conf_rs *rs;
	size_t n_rs;
};

/* ------------------------------------------------------------------ */
/* vigil_split_brain { peer NAME URL [token_file PATH]; interval; policy; script } */

struct conf_peer {
	struct conf_loc loc;
	char *name;
	char *url;                       /* http://ADDR:PORT or https://... (the peer's API) */
	char *token_file;                /* NULL: reads need no token */
};

enum conf_sb_policy { CONF_SB_NONE = 0, CONF_SB_YIELD, CONF_SB_SCRIPT };

struct conf_split_brain {
	struct conf_loc loc;             /* line 0: no block */
	struct conf_peer *peers;
	size_t n_peers;
	double interval;                 /* seconds between polls of the peers */
	enum conf_sb_policy policy;
	char *script;                    /* policy script: run with INSTANCE STATUS */
};

/* ------------------------------------------------------------------ */

struct conf {
	struct conf_global global;
	struct conf_split_brain split_brain;
	struct conf_script *scripts;
	size_t n_scripts;
	struct conf_track_file *track_files;
	size_t n_track_files;
	struct conf_sync_group *sync_groups;
	size_t n_sync_groups;
	struct conf_vrrp *vrrps;
	size_t n_vrrps;
	struct conf_vs *vss;
	size_t n_vss;
	char **files;                    /* every file read, main file first */
	size_t n_files;
};

/* Diagnostics ------------------------------------------------------ */

enum conf_severity { CONF_WARNING = 1, CONF_ERROR = 2 };

/* What a warning means to someone switching from keepalived: the sections
 * of the migration report (conf_report).  Errors are always problems. */
enum conf_diag_kind {
	CONF_DIAG_PROBLEM = 0,   /* a mistake in the file, whoever reads it */
	CONF_DIAG_IGNORED,       /* a keepalived keyword or option vigil knows and skips */
	CONF_DIAG_UNKNOWN,       /* a keyword vigil does not know (typo, or a keepalived
	                            feature it has never heard of): skipped too */
	CONF_DIAG_DIFFERS,       /* taken, but vigil behaves otherwise than keepalived */
};

struct conf_diag {
	enum conf_severity severity;
	char *file;                      /* NULL when the problem has no place (e.g. main file missing) */
	int line;                        /* 0 when not known */
	char *msg;                       /* one line, no trailing newline; says what and how to fix */
	enum conf_diag_kind kind;        /* CONF_DIAG_PROBLEM unless the warning says otherwise */
};

struct conf_diags {
	struct conf_diag *v;
	size_t n;
	size_t cap;
	int n_errors;
	int n_warnings;
};

/* Flags for conf_load_*. */
#define CONF_NO_INCLUDE 0x1   /* treat `include` as an error (fuzzing, buffers) */

/*
 * Load the configuration in `path` (following `include`s).  Every problem is
 * appended to `d`.  Returns the config if d->n_errors is 0 afterwards, else
 * NULL.  `d` must be zero-initialised by the caller and freed with
 * conf_diags_free().
 */
struct conf *conf_load_file(const char *path, unsigned flags, struct conf_diags *d);

/* Same, from memory; `name` is used as the file name in locations. */
struct conf *conf_load_buffer(const char *name, const char *buf, size_t len,
			      unsigned flags, struct conf_diags *d);

void conf_free(struct conf *c);
void conf_diags_free(struct conf_diags *d);

/* Print every diagnostic as "FILE:LINE: error: MSG" (gcc style). */
void conf_diags_print(const struct conf_diags *d, FILE *out);

/*
 * The migration report of `vigild -t`, for a config that loaded (c) with
 * the diagnostics of its load (d): three sections a keepalived user can act
 * on, each a header with its count and one indented line per item, the
 * item's FILE:LINE first, in file order:
 *   same (N):     every vrrp_instance, vrrp_sync_group, virtual_server,
 *                 vrrp_script and track_file, with what vigil will run;
 *   ignored (N):  keepalived keywords, blocks and options vigil reads and
 *                 skips (the IGNORED and UNKNOWN warnings, the latter
 *                 marked "[unknown]"), and settings vigil has no use for;
 *   differs (N):  what vigil does otherwise than keepalived (the DIFFERS
 *                 warnings, and what the config shows vigil runs otherwise).
 * Writes to out only; the same inputs give the same text.
 */
void conf_report(const struct conf *c, const struct conf_diags *d, FILE *out);

/* The whole parsed configuration as a JSON object (new reference). */
struct json_t *conf_to_json(const struct conf *c);

/* One object's settings, as in conf_to_json, for the state store's config
 * summaries: an instance without its auth_pass (the store is readable by
 * more than root), a virtual server without its real servers. */
struct json_t *conf_vrrp_summary(const struct conf *c, const struct conf_vrrp *v);
struct json_t *conf_script_summary(const struct conf_script *s);
struct json_t *conf_vs_summary(const struct conf_vs *v);
struct json_t *conf_rs_summary(const struct conf_rs *r);

/* Whether two configurations give the mgmt process (which does not read
 * the file) the same settings: router_id, snmp_socket, enable_snmp_*,
 * enable_traps and vigil_split_brain's peers, interval and policy.  A reload that
 * changes them replaces mgmt. */
bool conf_mgmt_same(const struct conf *a, const struct conf *b);

/* Names used in messages and JSON. */
const char *conf_proto_name(enum conf_proto p);
const char *conf_lb_kind_name(enum conf_lb_kind k);
const char *conf_checker_name(enum conf_checker_type t);

#endif /* VIGIL_CONF_H */
