/*
 * snap_json.c - the snapshot's objects as JSON: one definition of what an
 * instance, a virtual server and a real server look like, for the REST API
 * (http/http_api.c) and `vigilctl --json` alike.  Pure.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "mgmt/snap_json.h"
#include "mgmt/split_brain.h"

/* ---- values ------------------------------------------------------------------ */

/* "2026-12-04T15:20:01.123Z", or null for none */
json_t *snap_jtime(int64_t ms)
{
	char buf[80];
	time_t t;
	struct tm tm;

	if (ms <= 0)
		return json_null();
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return json_string(buf);
}

json_t *snap_jtext(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *jaddr(int family, const unsigned char *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, buf, sizeof(buf)))
		return json_null();
	return json_string(buf);
}

const char *snap_admin_name(enum snap_admin k)
{
	switch (k) {
	case SNAP_DRAIN: return "drain";
	case SNAP_MAINT: return "maint";
	case SNAP_WEIGHT: return "weight";
	case SNAP_DEMOTE: return "demote";
	default: return "ready";
	}
}

static json_t *joverride(const struct snap_override *o)
{
	if (o->kind == SNAP_READY)
		return json_null();
	return json_pack("{s:s, s:I, s:o, s:o, s:o, s:o}", "kind", snap_admin_name(o->kind), "value", (json_int_t)o->value,
			 "who", snap_jtext(o->who), "reason", snap_jtext(o->reason), "since", snap_jtime(o->created_ms),
			 "expires", snap_jtime(o->expires_ms));
}

const char *snap_health_name(enum snap_health h)
{
	return h == SNAP_UP ? "up" : h == SNAP_DOWN ? "down" : "unknown";
}

static const char *family_name(int f)
{
	return f == AF_INET6 ? "inet6" : "inet";
}

/* ---- objects -------------------------------------------------------------------- */

json_t *snap_jsplit_brain(const struct sb_track *sb, const struct snap_inst *in)
{
	json_t *ev = json_array();

	if (sb) {
		for (size_t i = 0; i < sb->n_evidence; i++)
			json_array_append_new(ev, json_string(sb->evidence[i]));
		return json_pack("{s:s, s:o, s:o}", "status", sb_status_name(sb->status), "since",
				 snap_jtime(sb->since_ms), "evidence", ev);
	}
	/* no live view (vigilctl): the last change mgmt stored */
	if (!in || !in->sb_status)
		return json_pack("{s:s, s:n, s:o}", "status", "unknown", "since", "evidence", ev);
	for (const char *p = in->sb_evidence; p && *p;) {
		size_t n = strcspn(p, "\n");

		json_array_append_new(ev, json_stringn(p, n));
		p += n + (p[n] ? 1 : 0);
	}
	return json_pack("{s:s, s:o, s:o}", "status", in->sb_status, "since", snap_jtime(in->sb_since_ms),
			 "evidence", ev);
}

json_t *snap_jinstance(const struct snap_inst *in, const struct sb_track *sb)
{
	json_t *vips = json_array(), *tracks = json_array();

	for (size_t i = 0; i < in->n_vips; i++) {
		char a[INET6_ADDRSTRLEN + 8] = "";

		if (inet_ntop(in->vips[i].family, in->vips[i].addr, a, INET6_ADDRSTRLEN))
			snprintf(a + strlen(a), sizeof(a) - strlen(a), "/%d", in->vips[i].prefix);
		json_array_append_new(vips, json_pack("{s:s, s:o, s:b}", "address", a, "dev", snap_jtext(in->vips[i].dev),
						      "advertised", !in->vips[i].excluded));
	}
	for (size_t i = 0; i < in->n_track_scripts; i++)
		json_array_append_new(tracks, json_pack("{s:s, s:s}", "script", in->track_scripts[i].name, "kind",
							"script"));
	for (size_t i = 0; i < in->n_track_ifs; i++)
		json_array_append_new(tracks, json_pack("{s:s, s:s}", "interface", in->track_ifs[i].name, "kind",
							"interface"));
	return json_pack("{s:I, s:s, s:i, s:s, s:s, s:i, s:s, s:s, s:i, s:i, s:o, s:o, s:o, s:i, s:b, s:o, "
			 "s:o, s:o, s:{s:I, s:I, s:I, s:I}, s:o}",
			 "id", (json_int_t)in->id, "name", in->name, "vrid", in->vrid, "interface", in->ifname,
			 "family", family_name(in->family), "version", in->version,
			 "state", snap_state_name(in->state), "initial_state", snap_state_name(in->initial),
			 "base_priority", in->config_priority, "effective_priority", in->effective_priority,
			 "master", snap_jtext(in->master),
			 "last_transition", json_pack("{s:o, s:o}", "at", snap_jtime(in->state_since_ms),
						      "reason", snap_jtext(in->last_reason)),
			 "vips", vips, "advert_interval_ms", in->advert_ms, "preempt", in->preempt,
			 "sync_group", snap_jtext(in->sync_group), "trackers", tracks, "override", joverride(&in->ov),
			 "statistics", "transitions", (json_int_t)in->transitions,
			 "adverts_sent", (json_int_t)in->adverts_sent, "adverts_received",
			 (json_int_t)in->adverts_received, "became_master", (json_int_t)in->become_master,
			 "split_brain", snap_jsplit_brain(sb, in));
}

/* IPVS's figures of a service or destination (null: none, e.g. no IPVS). */
static json_t *jconnections(const struct lb_live *l)
{
	if (!l)
		return json_null();
	return json_pack("{s:I, s:I, s:I}", "active", (json_int_t)l->active_conns,
			 "inactive", (json_int_t)l->inact_conns, "total", (json_int_t)l->stats.conns);
}

static json_t *jrates(const struct lb_live *l)
{
	if (!l)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "connections_per_s", (json_int_t)l->stats.cps,
			 "in_packets_per_s", (json_int_t)l->stats.inpps, "out_packets_per_s",
			 (json_int_t)l->stats.outpps, "in_bytes_per_s", (json_int_t)l->stats.inbps,
			 "out_bytes_per_s", (json_int_t)l->stats.outbps);
}

json_t *snap_jreal_server(const struct snap_rs *r, const struct lb_live *l)
{
	json_t *override_w = r->ov.kind == SNAP_WEIGHT ? json_integer(r->ov.value) : json_null();
	const char *admin = r->ov.kind == SNAP_DRAIN || r->ov.kind == SNAP_MAINT ? snap_admin_name(r->ov.kind) : "ready";

	return json_pack("{s:I, s:I, s:s, s:o, s:i, s:{s:s, s:o, s:o}, s:b, s:{s:i, s:o, s:o}, s:s, s:o, "
			 "s:{s:I, s:I}, s:o, s:o}",
			 "id", (json_int_t)r->id, "virtual_server_id", (json_int_t)r->vs_id, "key", r->key,
			 "address", jaddr(r->family, r->addr), "port", r->port,
			 "health", "state", snap_health_name(r->health), "reason", snap_jtext(r->health_reason),
			 "since", snap_jtime(r->health_since_ms),
			 "in_service", r->alive,
			 "weight", "configured", r->config_weight, "override", override_w,
			 "effective", r->effective_weight < 0 ? json_null() : json_integer(r->effective_weight),
			 "admin_state", admin, "override", joverride(&r->ov),
			 "checks", "run", (json_int_t)r->checks, "failed", (json_int_t)r->checks_failed,
			 "connections", jconnections(l), "rates", jrates(l));
}

static const char *proto_name(int p)
{
	return p == 1 ? "TCP" : p == 2 ? "UDP" : p == 3 ? "SCTP" : "none";
}

json_t *snap_jvirtual_server(const struct snap_vs *v, const struct lb_live *l)
{
	long up_weight = 0;

	for (size_t i = 0; i < v->n_rs; i++)
		if (v->rs[i].alive)
			up_weight += v->rs[i].config_weight;
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:I, s:i, s:i, s:b, s:o, s:o}",
			 "id", (json_int_t)v->id, "key", v->key,
			 "address", v->fwmark ? json_null() : jaddr(v->family, v->addr),
			 "port", v->fwmark ? json_null() : json_integer(v->port),
			 "fwmark", v->fwmark ? json_integer(v->mark) : json_null(),
			 "protocol", proto_name(v->protocol), "scheduler", v->sched ? v->sched : "",
			 "forwarding", v->kind == 1 ? "NAT" : v->kind == 3 ? "TUN" : "DR",
			 "real_servers_total", (json_int_t)v->n_rs, "real_servers_up", (int)v->rs_up,
			 "quorum", v->quorum, "quorum_met", up_weight >= v->quorum,
			 "connections", jconnections(l), "rates", jrates(l));
}
