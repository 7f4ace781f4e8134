/*
 * store_ops.c - the SQL behind each record the engines queue (see
 * store_writer.h for the fields each one uses).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "store/store_writer.h"

#define RS_ID "(SELECT rs.id FROM real_server rs JOIN virtual_server vs ON vs.id = rs.vs_id " \
	      "WHERE vs.key = :s1 AND rs.key = :s2)"
#define RS_ID0 "(SELECT rs.id FROM real_server rs JOIN virtual_server vs ON vs.id = rs.vs_id " \
	       "WHERE vs.key = :s0 AND rs.key = :s1)"
#define TARGET_ID "CASE :s0 WHEN 'real_server' THEN " RS_ID \
		  " WHEN 'vrrp_instance' THEN (SELECT id FROM vrrp_instance WHERE name = :s1) END"
#define TARGET_NAME "CASE :s0 WHEN 'real_server' THEN :s1 || ' ' || :s2 ELSE :s1 END"
/* An object's operator setting as the audit log words it: "drain",
 * "weight 3", "demote 50"; with none, "ready" (real server) or "none". */
#define SETTING_NONE "CASE :s0 WHEN 'real_server' THEN 'ready' ELSE 'none' END"
#define SETTING_NOW "coalesce((SELECT kind || coalesce(' ' || value, '') FROM override " \
		    "WHERE target = :s0 AND target_id = " TARGET_ID "), " SETTING_NONE ")"

static const char *const op_sql[STORE_OP__COUNT][4] = {
	[STORE_VRRP_ABSENT] = {
		"UPDATE vrrp_instance SET present = 0",
		"UPDATE vrrp_script SET present = 0",
	},
	[STORE_VRRP_INSTANCE] = {
		"INSERT INTO vrrp_instance (name, vrid, family, interface, version, config_priority, "
		"config, present, updated) VALUES (:s0, :i0, :s1, :s2, :i1, :i2, :s3, 1, :at) "
		"ON CONFLICT (name) DO UPDATE SET vrid = excluded.vrid, family = excluded.family, "
		"interface = excluded.interface, version = excluded.version, "
		"config_priority = excluded.config_priority, config = excluded.config, present = 1, "
		"updated = excluded.updated",
	},
	[STORE_VRRP_STATE] = {
		"INSERT INTO vrrp_transition (instance_id, at, from_state, to_state, reason) "
		"SELECT id, :at, :s1, :s2, :s3 FROM vrrp_instance WHERE name = :s0",
		"UPDATE vrrp_instance SET state = :s2, state_since = :at, effective_priority = :i0, "
		"master_address = :s4, updated = :at WHERE name = :s0",
	},
	[STORE_VRRP_STATUS] = {
		"UPDATE vrrp_instance SET effective_priority = :i0, master_address = :s4, updated = :at "
		"WHERE name = :s0",
	},
	[STORE_VRRP_SCRIPT] = {
		"INSERT INTO vrrp_script (name, config, result, result_since, present, updated) "
		"VALUES (:s0, :s1, :s2, :at, 1, :at) ON CONFLICT (name) DO UPDATE SET "
		"config = excluded.config, present = 1, updated = excluded.updated, "
		"result_since = CASE WHEN result = excluded.result THEN result_since ELSE excluded.updated END, "
		"result = excluded.result",
	},
	[STORE_VRRP_SCRIPT_RESULT] = {
		"UPDATE vrrp_script SET result = :s2, result_since = :at, updated = :at "
		"WHERE name = :s0 AND result <> :s2",
	},
	[STORE_LVS_ABSENT] = {
		"UPDATE virtual_server SET present = 0",
		"UPDATE real_server SET present = 0",
	},
	[STORE_VS] = {
		"INSERT INTO virtual_server (key, scheduler, forwarding, config, present, updated) "
		"VALUES (:s0, :s1, :s2, :s3, 1, :at) ON CONFLICT (key) DO UPDATE SET "
		"scheduler = excluded.scheduler, forwarding = excluded.forwarding, "
		"config = excluded.config, present = 1, updated = excluded.updated",
	},
	[STORE_RS] = {
		"INSERT INTO real_server (vs_id, key, config_weight, config, present, updated) "
		"SELECT id, :s1, :i0, :s2, 1, :at FROM virtual_server WHERE key = :s0 "
		"ON CONFLICT (vs_id, key) DO UPDATE SET config_weight = excluded.config_weight, "
		"config = excluded.config, present = 1, updated = excluded.updated, "
		"health = CASE WHEN :i1 = 1 THEN 'unknown' ELSE health END, "
		"health_reason = CASE WHEN :i1 = 1 THEN NULL ELSE health_reason END, "
		"health_since = CASE WHEN :i1 = 1 THEN excluded.updated ELSE health_since END",
	},
	[STORE_RS_HEALTH] = {
		"INSERT INTO health_transition (rs_id, at, from_health, to_health, reason) "
		"SELECT " RS_ID0 ", :at, :s2, :s3, :s4 WHERE " RS_ID0 " IS NOT NULL",
		"UPDATE real_server SET health = :s3, health_reason = :s4, health_since = :at, "
		"updated = :at WHERE id = " RS_ID0,
	},
	[STORE_RS_HEALTH_SEEN] = {
		"UPDATE real_server SET health = :s3, health_reason = :s4, health_since = :at, "
		"updated = :at WHERE id = " RS_ID0 " AND health <> :s3",
	},
	[STORE_RS_WEIGHT] = {
		"UPDATE real_server SET effective_weight = :i0, updated = :at WHERE id = " RS_ID0,
	},
	/* The audit row first: it reads the setting being replaced. */
	[STORE_OVERRIDE_SET] = {
		"INSERT INTO audit (at, who, action, target, detail, before, after) VALUES (:at, :s4, :s3, "
		TARGET_NAME ", ltrim(coalesce('value ' || :i0, '') || coalesce(', expires ' || "
		"strftime('%Y-%m-%dT%H:%M:%SZ', :i1 / 1000, 'unixepoch'), '') || "
		"coalesce(': ' || nullif(:s5, ''), ''), ', :'), " SETTING_NOW ", "
		":s3 || coalesce(' ' || :i0, ''))",
		"INSERT INTO override (target, target_id, kind, value, who, reason, created, expires) "
		"VALUES (:s0, " TARGET_ID ", :s3, :i0, :s4, coalesce(:s5, ''), :at, :i1) "
		"ON CONFLICT (target, target_id) DO UPDATE SET kind = excluded.kind, "
		"value = excluded.value, who = excluded.who, reason = excluded.reason, "
		"created = excluded.created, expires = excluded.expires",
	},
	[STORE_OVERRIDE_CLEAR] = {
		"INSERT INTO audit (at, who, action, target, detail, before, after) VALUES (:at, :s4, :s3, "
		TARGET_NAME ", coalesce(:s5, ''), " SETTING_NOW ", " SETTING_NONE ")",
		"DELETE FROM override WHERE target = :s0 AND target_id = " TARGET_ID,
	},
	[STORE_AUDIT] = {
		"INSERT INTO audit (at, who, action, target, detail) "
		"VALUES (:at, :s4, :s3, :s1, coalesce(:s5, ''))",
	},
	[STORE_SPLIT_BRAIN] = {
		"INSERT INTO split_brain_event (instance_id, at, from_status, to_status, evidence) "
		"SELECT id, :at, :s1, :s2, coalesce(:s3, '') FROM vrrp_instance WHERE name = :s0",
	},
	[STORE_BARRIER] = { NULL },
	[STORE_COUNTER] = {
		"INSERT INTO counter_snapshot (at, target, target_id, name, value) "
		"SELECT :at, :s0, t, :s3, :i0 FROM (SELECT " TARGET_ID " AS t) WHERE t IS NOT NULL",
	},
};

const char *const *store_op_sql(enum store_op op)
{
	return (unsigned)op < STORE_OP__COUNT ? op_sql[op] : NULL;
}

static int bind_all(sqlite3_stmt *st, const struct store_rec *r)
{
	int n = sqlite3_bind_parameter_count(st);

	for (int k = 1; k <= n; k++) {
		const char *name = sqlite3_bind_parameter_name(st, k);
		int rc;

		if (!name)
			return SQLITE_MISUSE;
		if (strcmp(name, ":at") == 0) {
			rc = sqlite3_bind_int64(st, k, r->at);
		} else if (name[1] == 's' && name[2] >= '0' && name[2] < '0' + STORE_REC_STRS) {
			const char *s = r->s[name[2] - '0'];

			rc = s ? sqlite3_bind_text(st, k, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, k);
		} else if (name[1] == 'i' && name[2] >= '0' && name[2] < '0' + STORE_REC_INTS) {
			int64_t v = r->i[name[2] - '0'];

			rc = v == STORE_NULL ? sqlite3_bind_null(st, k) : sqlite3_bind_int64(st, k, v);
		} else {
			return SQLITE_MISUSE;
		}
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

int store_op_exec(sqlite3 *db, sqlite3_stmt **cache, struct store_rec *r)
{
	if ((unsigned)r->op >= STORE_OP__COUNT) {
		snprintf(r->err, sizeof(r->err), "unknown record type %d", (int)r->op);
		return -1;
	}
	for (int k = 0; k < 4 && op_sql[r->op][k]; k++) {
		sqlite3_stmt **st = &cache[r->op * 4 + k];
		int rc;

		if (!*st && sqlite3_prepare_v3(db, op_sql[r->op][k], -1, SQLITE_PREPARE_PERSISTENT, st,
					       NULL) != SQLITE_OK) {
			snprintf(r->err, sizeof(r->err), "%s", sqlite3_errmsg(db));
			return -1;
		}
		rc = bind_all(*st, r);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(*st);
		sqlite3_reset(*st);
		sqlite3_clear_bindings(*st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
			snprintf(r->err, sizeof(r->err), "%s", sqlite3_errmsg(db));
			return -1;
		}
	}
	return 0;
}

void store_op_cache_free(sqlite3_stmt **cache)
{
	for (int i = 0; i < STORE_OP__COUNT * 4; i++) {
		sqlite3_finalize(cache[i]);
		cache[i] = NULL;
	}
}
