-- version 5: an edit's audit row says what it changed: the operator setting
-- before and after ("ready" -> "drain", "weight 3" -> "ready", "none" ->
-- "demote 50").  Rows written before version 5 leave both NULL.
ALTER TABLE audit ADD COLUMN before TEXT;
ALTER TABLE audit ADD COLUMN after TEXT;
