-- The one-time import code, sealed under its owner's key and bound to its
-- row, while it waits: the providers page shows a waiting import again when
-- it is reloaded (a plain form starts one, then the page is rendered anew).
-- Cleared once the code is spent, cancelled or expired; the hash stays the lookup.
ALTER TABLE import_codes ADD COLUMN code_sealed TEXT;
