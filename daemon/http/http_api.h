/*
 * http_api.h - the REST API under /api/v1, answered from mgmt's snapshot of
 * the state store (mgmt/mgmt_snap.h); ids are the store's row ids, the same
 * as the SNMP indexes, stable across reloads and restarts.
 *
 * Read-only so far (issue #7's first part): GET /status, /instances,
 * /instances/{id}, /virtual-servers, /virtual-servers/{id},
 * /virtual-servers/{id}/real-servers, /virtual-servers/{id}/real-servers/{id};
 * and /metrics in the Prometheus text format.
 * Errors are JSON: {"error": {"status", "message", "field", "fix"}}.
 *
 * Pure: a request and a snapshot in, a status and a JSON text out.
 */
#ifndef VIGIL_HTTP_API_H
#define VIGIL_HTTP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http_server.h"
#include "mgmt/mgmt_snap.h"

struct http_api_ctx {
	const struct snap *snap;         /* NULL: the store could not be read */
	const char *node;                /* router_id or the host name */
	const char *version;
	int64_t started_ms, now_ms;      /* Unix ms: mgmt's start, now */
	bool snmp_enabled, snmp_connected;
};

void http_api_handle(const struct http_api_ctx *c, const char *method, const char *path, const char *body,
		     size_t len, struct http_reply *out);

#endif /* VIGIL_HTTP_API_H */
