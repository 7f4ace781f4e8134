-- version 4: the vrrp_scripts, with ids that stay (KEEPALIVED-MIB's
-- vrrpScriptIndex, the REST ids), their settings as JSON (vigild -d's
-- keywords) and their last result: init | initfailed | good | bad.
CREATE TABLE vrrp_script (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    config       TEXT,
    result       TEXT    NOT NULL DEFAULT 'init',
    result_since INTEGER,
    present      INTEGER NOT NULL DEFAULT 1,
    updated      INTEGER NOT NULL
);
