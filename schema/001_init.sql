-- vigil state store, version 1: what the engines know, and what operators
-- asked for.  Times are Unix milliseconds.  Rows are never deleted from
-- the identity tables (vrrp_instance, virtual_server, real_server): their
-- ids are the SNMP indexes and REST ids, stable across restarts and reloads;
-- a row whose object left the configuration has present = 0.

CREATE TABLE vrrp_instance (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL UNIQUE,
    vrid               INTEGER NOT NULL,
    family             TEXT    NOT NULL,            -- inet | inet6
    interface          TEXT    NOT NULL,
    version            INTEGER NOT NULL,            -- VRRP 2 or 3
    config_priority    INTEGER NOT NULL,
    state              TEXT    NOT NULL DEFAULT 'INIT',
    effective_priority INTEGER,
    master_address     TEXT,
    state_since        INTEGER,
    present            INTEGER NOT NULL DEFAULT 1,
    updated            INTEGER NOT NULL
);

CREATE TABLE vrrp_transition (
    id          INTEGER PRIMARY KEY,
    instance_id INTEGER NOT NULL REFERENCES vrrp_instance(id),
    at          INTEGER NOT NULL,
    from_state  TEXT    NOT NULL,
    to_state    TEXT    NOT NULL,
    reason      TEXT    NOT NULL
);
CREATE INDEX vrrp_transition_instance ON vrrp_transition(instance_id, id);

CREATE TABLE virtual_server (
    id         INTEGER PRIMARY KEY,
    key        TEXT    NOT NULL UNIQUE,             -- "TCP 192.0.2.100:80", "FWM 1"
    scheduler  TEXT    NOT NULL,
    forwarding TEXT    NOT NULL,                    -- NAT | DR | TUN
    present    INTEGER NOT NULL DEFAULT 1,
    updated    INTEGER NOT NULL
);

CREATE TABLE real_server (
    id               INTEGER PRIMARY KEY,
    vs_id            INTEGER NOT NULL REFERENCES virtual_server(id),
    key              TEXT    NOT NULL,              -- "192.0.2.11:80"
    health           TEXT    NOT NULL DEFAULT 'unknown',   -- up | down | unknown
    health_reason    TEXT,
    health_since     INTEGER,
    config_weight    INTEGER NOT NULL,
    effective_weight INTEGER,                       -- NULL: not in IPVS
    present          INTEGER NOT NULL DEFAULT 1,
    updated          INTEGER NOT NULL,
    UNIQUE (vs_id, key)
);

CREATE TABLE health_transition (
    id          INTEGER PRIMARY KEY,
    rs_id       INTEGER NOT NULL REFERENCES real_server(id),
    at          INTEGER NOT NULL,
    from_health TEXT    NOT NULL,
    to_health   TEXT    NOT NULL,
    reason      TEXT    NOT NULL
);
CREATE INDEX health_transition_rs ON health_transition(rs_id, id);

-- An operator's setting on one object; at most one per object.
--   real_server:   drain (weight 0), maint (out of IPVS), weight (value)
--   vrrp_instance: demote (priority lowered by value)
CREATE TABLE override (
    id        INTEGER PRIMARY KEY,
    target    TEXT    NOT NULL,                     -- real_server | vrrp_instance
    target_id INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    value     INTEGER,
    who       TEXT    NOT NULL,
    reason    TEXT    NOT NULL DEFAULT '',
    created   INTEGER NOT NULL,
    expires   INTEGER,                              -- NULL: until cleared
    UNIQUE (target, target_id)
);

-- Every edit, applied or refused.
CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    who    TEXT    NOT NULL,
    action TEXT    NOT NULL,                        -- drain, undrain, maint, weight, demote, clear, expire
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL DEFAULT ''
);
