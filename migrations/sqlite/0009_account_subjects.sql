-- Who a connected account is: the provider's stable subject (OpenID `sub`,
-- GitHub's numeric id) and the issuer that assigned it. A terminal login by
-- Google or Microsoft finds its user by these only, never by a name or email
-- (whoever runs a tenant chooses those). Credentials stored before this have
-- none, so they sign nobody in until connected again.
ALTER TABLE credentials ADD COLUMN account_issuer TEXT;
ALTER TABLE credentials ADD COLUMN account_subject TEXT;
CREATE INDEX credentials_account_subject ON credentials (provider, account_subject);

-- cli_logins.failure gains 'no_subject' (the provider named no subject).
CREATE TABLE cli_logins_new (
    state_hash     TEXT PRIMARY KEY,
    provider       TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    user_code      TEXT NOT NULL,
    status         TEXT NOT NULL
        CHECK (status IN ('pending', 'confirming', 'done', 'denied', 'failed', 'no_account')),
    failure        TEXT CHECK (failure IN ('denied', 'state_mismatch', 'state_expired', 'state_used',
                                           'provider_error', 'provider_unavailable', 'unknown_provider',
                                           'bad_return', 'no_subject', 'internal')),
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
