-- version 2: counter snapshots, taken by the engines at a fixed interval
-- (VRRP adverts sent and received, checks run and failed), kept for trends.
CREATE TABLE counter_snapshot (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    target    TEXT    NOT NULL,                     -- vrrp_instance | real_server
    target_id INTEGER NOT NULL,
    name      TEXT    NOT NULL,
    value     INTEGER NOT NULL
);
CREATE INDEX counter_snapshot_target ON counter_snapshot(target, target_id, name, at);
