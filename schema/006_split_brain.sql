-- version 6: split-brain detection's changes (doc/split-brain.md), one row
-- each time an instance's status changes: ok | suspect | split | no-master
-- (unknown before the first decision), with the evidence mgmt had.
CREATE TABLE split_brain_event (
    id          INTEGER PRIMARY KEY,
    instance_id INTEGER NOT NULL REFERENCES vrrp_instance(id),
    at          INTEGER NOT NULL,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    evidence    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX split_brain_event_instance ON split_brain_event(instance_id, id);
