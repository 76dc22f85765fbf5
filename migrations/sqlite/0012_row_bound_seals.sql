-- Every sealing of a credential's tokens gets a new id, bound into the
-- ciphertexts' associated data: a ciphertext copied from another row, or
-- restored from an older version of this one, no longer opens. Rows sealed
-- before keep NULL (and their old binding) until their next refresh or connect.
ALTER TABLE credentials ADD COLUMN seal_id TEXT;
-- Device codes are now bound to their flow's id: flows still pending from
-- before could not be opened, so they end here (the user starts again).
UPDATE device_flows SET status = 'cancelled' WHERE status = 'pending';

-- cli_logins.failure gains 'wrong_issuer' (RFC 9207: the answer's `iss`
-- named another server, or none where the provider promises one).
CREATE TABLE cli_logins_new (
    state_hash     TEXT PRIMARY KEY,
    provider       TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    user_code      TEXT NOT NULL,
    status         TEXT NOT NULL
        CHECK (status IN ('pending', 'confirming', 'done', 'denied', 'failed', 'no_account')),
    failure        TEXT CHECK (failure IN ('denied', 'state_mismatch', 'state_expired', 'state_used',
                                           'provider_error', 'provider_unavailable', 'unknown_provider',
                                           'bad_return', 'no_subject', 'wrong_issuer', 'internal')),
    user_id        TEXT REFERENCES users (id) ON DELETE CASCADE,
    last_poll_ms   BIGINT,
    delivered_at   BIGINT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
INSERT INTO cli_logins_new SELECT state_hash, provider, code_challenge, user_code, status, failure,
                                  user_id, last_poll_ms, delivered_at, created_at, expires_at
                           FROM cli_logins;
DROP TABLE cli_logins;
ALTER TABLE cli_logins_new RENAME TO cli_logins;
CREATE INDEX cli_logins_expires_at ON cli_logins (expires_at);
