-- version 3: each object's configuration summary, as JSON (the keywords
-- of keepalived.conf as vigild -d prints them; an instance's auth_pass is
-- left out).  For the SNMP tables and the REST API, which run in the
-- unprivileged mgmt process and do not read the configuration file.
ALTER TABLE vrrp_instance ADD COLUMN config TEXT;
ALTER TABLE virtual_server ADD COLUMN config TEXT;
ALTER TABLE real_server ADD COLUMN config TEXT;
