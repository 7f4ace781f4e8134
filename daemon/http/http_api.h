/*
 * http_api.h - the REST API under /api/v1, answered from mgmt's snapshot of
 * the state store (mgmt/mgmt_snap.h); ids are the store's row ids, the same
 * as the SNMP indexes, stable across reloads and restarts.
 *
 * GET /status, /instances, /instances/{id}, /virtual-servers,
 * /virtual-servers/{id}, /virtual-servers/{id}/real-servers,
 * /virtual-servers/{id}/real-servers/{id}; /metrics in the Prometheus text
 * format.  Edits, with the bearer token: PATCH a real server (admin_state
 * ready | drain | maint, or weight; reason, expires), POST
 * /instances/{id}/actions (demote, restore, set_priority).  An edit becomes
 * the JSON the engines take from vigilctl; the answer, once the engine has
 * applied and stored it, is the object as it is then.
 * Errors are JSON: {"error": {"status", "message", "field", "fix"}}.
 *
 * Pure: a request and a snapshot in, a status and a JSON text (or an edit
 * to send) out.
 */
#ifndef VIGIL_HTTP_API_H
#define VIGIL_HTTP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http_server.h"
#include "mgmt/mgmt_history.h"
#include "mgmt/mgmt_lvs.h"
#include "mgmt/mgmt_snap.h"
#include "mgmt/mgmt_split.h"

struct http_api_ctx {
	const struct snap *snap;         /* NULL: the store could not be read */
	const char *node;                /* router_id or the host name */
	const char *router_id;           /* NULL: not configured */
	const char *version;
	int64_t started_ms, now_ms;      /* Unix ms: mgmt's start, now */
	bool snmp_enabled, snmp_connected;
	const char *token;               /* "": edits are off */
	bool auth_reads;                 /* reads need the token too (the page's files do not) */
	bool cors;                       /* answer OPTIONS preflights (the server adds the headers) */
	const struct mgmt_lvs *lvs;      /* IPVS's figures; NULL: none */
	sqlite3 *db;                     /* the store, for /history and /events; NULL: 503 */
	/* split-brain detection (mgmt/mgmt_split.h); NULL: unknown */
	const struct mgmt_split *split;
	const struct sb_track *(*split_track)(const struct mgmt_split *s, int64_t inst_id);
	size_t (*split_peers)(const struct mgmt_split *s, const struct mgmt_split_peer **peers);
};

/* An edit for an engine, and what to show once it is done. */
struct http_edit {
	bool vrrp;                       /* the vrrp process, else the check process */
	char *json;                      /* malloc'd */
	int64_t inst_id, vs_id, rs_id;
};

/* 0: `out` holds the answer.  1: send `edit` (then http_api_edited). */
int http_api_handle(const struct http_api_ctx *c, const struct http_request *rq, struct http_reply *out,
		    struct http_edit *edit);
/* The engine's answer (status 0: done, else its HTTP-like code and text). */
void http_api_edited(const struct http_api_ctx *c, const struct http_edit *e, int status, const char *text,
		     struct http_reply *out);

/* A query parameter's time: Unix ms or RFC 3339; 0 when it is neither. */
int64_t http_api_time(const char *v);

#endif /* VIGIL_HTTP_API_H */
