-- Whether the provider confirmed that a credential works (providers::check):
-- 'unchecked' (no check exists for it here, or it was stored before Relay
-- checked credentials), 'pending' (the provider gave no verdict: checked
-- again later), 'verified'. `proof` is what the last check found
-- ("12 models"), `verified_at` when.
ALTER TABLE credentials ADD COLUMN verification TEXT NOT NULL DEFAULT 'unchecked'
  CHECK (verification IN ('unchecked', 'pending', 'verified'));
ALTER TABLE credentials ADD COLUMN verified_at BIGINT;
ALTER TABLE credentials ADD COLUMN proof TEXT;
-- The sweep looks for the ones still waiting for a verdict.
CREATE INDEX credentials_pending ON credentials (refreshed_at) WHERE verification = 'pending';
