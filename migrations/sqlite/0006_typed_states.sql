-- Every state machine's column accepts only the states the code declares
-- (the enums of app/src/models.rs, backend/oauth_states.rs and
-- backend/cli_logins.rs; a unit test holds each list against its enum).
--
-- SQLite adds a CHECK constraint only by rebuilding the table: create it
-- anew, copy the rows, drop the old one, rename. That is done here for the
-- tables nothing references. `users` is referenced by every other table,
-- and dropping it would cascade-delete their rows (sqlx runs a migration in
-- a transaction, where foreign keys cannot be switched off), so its column
-- gets triggers that refuse the same values instead.

-- credentials.method: how the credential came to be. The unused `kind`
-- column ('oauth' on every row) goes.
CREATE TABLE credentials_new (
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider        TEXT NOT NULL,
    account         TEXT NOT NULL,            -- who the credential belongs to at the provider
    access_token    TEXT NOT NULL,            -- sealed: base64(nonce || AES-256-GCM ciphertext)
    refresh_token   TEXT,                     -- sealed, when the provider issued one
    expires_at      BIGINT,                   -- NULL: the token does not expire
    scopes          TEXT NOT NULL DEFAULT '',
    connected_at    BIGINT NOT NULL,
    refreshed_at    BIGINT NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('signin', 'device', 'redirect', 'import', 'token')),
    token_hint      TEXT,                     -- "prefix…last4" of a pasted token, the only part ever shown
    env_var         TEXT,                     -- where an agent CLI expects it
    needs_reconnect BIGINT,                   -- when the provider refused a refresh
    PRIMARY KEY (user_id, provider)
);
INSERT INTO credentials_new (user_id, provider, account, access_token, refresh_token, expires_at, scopes,
                             connected_at, refreshed_at, method, token_hint, env_var, needs_reconnect)
    SELECT user_id, provider, account, access_token, refresh_token, expires_at, scopes,
           connected_at, refreshed_at, method, token_hint, env_var, needs_reconnect
    FROM credentials;
DROP TABLE credentials;
ALTER TABLE credentials_new RENAME TO credentials;

-- oauth_states.purpose: what the login is for.
CREATE TABLE oauth_states_new (
    state_hash    TEXT PRIMARY KEY,
    provider      TEXT NOT NULL,
    purpose       TEXT NOT NULL CHECK (purpose IN ('signin', 'connect', 'cli')),
    pkce_verifier TEXT NOT NULL,
    return_to     TEXT,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT
);
INSERT INTO oauth_states_new (state_hash, provider, purpose, pkce_verifier, return_to, created_at, expires_at, used_at)
    SELECT state_hash, provider, purpose, pkce_verifier, return_to, created_at, expires_at, used_at
    FROM oauth_states;
DROP TABLE oauth_states;
ALTER TABLE oauth_states_new RENAME TO oauth_states;
CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);

-- device_flows.status: 'pending' until the provider, the clock or the user ends it.
CREATE TABLE device_flows_new (
    id                        TEXT PRIMARY KEY,
    user_id                   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider                  TEXT NOT NULL,
    device_code               TEXT NOT NULL,   -- sealed by the user's vault key; '' once ended
    user_code                 TEXT NOT NULL,
    verification_uri          TEXT NOT NULL,
    verification_uri_complete TEXT,
    interval_secs             BIGINT NOT NULL,
    expires_at                BIGINT NOT NULL,
    next_poll_at_ms           BIGINT NOT NULL, -- milliseconds: polls are due within the second
    status                    TEXT NOT NULL
        CHECK (status IN ('pending', 'connected', 'expired', 'denied', 'failed', 'cancelled')),
    failure                   TEXT,            -- the provider's error code, never its description
    account                   TEXT,
    polls                     BIGINT NOT NULL DEFAULT 0,
    lease_until_ms            BIGINT,
    created_at                BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL
);
INSERT INTO device_flows_new (id, user_id, provider, device_code, user_code, verification_uri,
                              verification_uri_complete, interval_secs, expires_at, next_poll_at_ms,
                              status, failure, account, polls, lease_until_ms, created_at, updated_at)
    SELECT id, user_id, provider, device_code, user_code, verification_uri,
           verification_uri_complete, interval_secs, expires_at, next_poll_at_ms,
           status, failure, account, polls, lease_until_ms, created_at, updated_at
    FROM device_flows;
DROP TABLE device_flows;
ALTER TABLE device_flows_new RENAME TO device_flows;
CREATE INDEX device_flows_due ON device_flows (status, next_poll_at_ms);
CREATE INDEX device_flows_user ON device_flows (user_id, created_at);

-- audit_log.action: what happened. provider is NULL (no longer '') for what
-- concerns no provider, such as a terminal's sign-in.
CREATE TABLE audit_log_new (
    id       TEXT PRIMARY KEY,
    user_id  TEXT REFERENCES users (id) ON DELETE CASCADE,
    action   TEXT NOT NULL CHECK (action IN ('connect', 'connect_failed', 'refresh', 'refresh_failed',
                                             'disconnect', 'test', 'import', 'import_failed', 'team_created',
                                             'cli_login', 'cli_login_refused', 'credential_fetched')),
    provider TEXT,
    detail   TEXT NOT NULL DEFAULT '',
    source   TEXT NOT NULL DEFAULT '',         -- client IP address, or 'worker'
    at_ms    BIGINT NOT NULL                   -- milliseconds, so entries keep their order
);
INSERT INTO audit_log_new (id, user_id, action, provider, detail, source, at_ms)
    SELECT id, user_id, action, NULLIF(provider, ''), detail, source, at_ms FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_user ON audit_log (user_id, at_ms);

-- cli_logins.status: 'pending', then 'confirming' (the browser confirms the
-- terminal's code), then 'done'; or it ends 'denied', 'failed' (failure says
-- how, as a /signin/failed reason) or 'no_account' (nobody here connected the
-- account that signed in; until now a 'failed' row with failure 'no_account').
CREATE TABLE cli_logins_new (
    state_hash     TEXT PRIMARY KEY,
    provider       TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    user_code      TEXT NOT NULL,
    status         TEXT NOT NULL
        CHECK (status IN ('pending', 'confirming', 'done', 'denied', 'failed', 'no_account')),
    failure        TEXT CHECK (failure IN ('denied', 'state_mismatch', 'state_expired', 'state_used',
                                           'provider_error', 'provider_unavailable', 'unknown_provider',
                                           'bad_return', 'internal')),
    user_id        TEXT REFERENCES users (id) ON DELETE CASCADE,
    last_poll_ms   BIGINT,
    delivered_at   BIGINT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
INSERT INTO cli_logins_new (state_hash, provider, code_challenge, user_code, status, failure, user_id,
                            last_poll_ms, delivered_at, created_at, expires_at)
    SELECT state_hash, provider, code_challenge, user_code,
           CASE WHEN status = 'failed' AND failure = 'no_account' THEN 'no_account' ELSE status END,
           CASE WHEN status = 'failed' AND failure <> 'no_account' THEN failure END,
           user_id, last_poll_ms, delivered_at, created_at, expires_at
    FROM cli_logins;
DROP TABLE cli_logins;
ALTER TABLE cli_logins_new RENAME TO cli_logins;
CREATE INDEX cli_logins_expires_at ON cli_logins (expires_at);

-- self_hosted_endpoints.kind: what answered the probe.
CREATE TABLE self_hosted_endpoints_new (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('ollama', 'openai', 'unknown')),
    models     BIGINT,                          -- how many models the probe listed
    reachable  BIGINT NOT NULL,                 -- 1 when the last probe answered
    checked_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
INSERT INTO self_hosted_endpoints_new (id, user_id, name, url, kind, models, reachable, checked_at, created_at)
    SELECT id, user_id, name, url, kind, models, reachable, checked_at, created_at FROM self_hosted_endpoints;
DROP TABLE self_hosted_endpoints;
ALTER TABLE self_hosted_endpoints_new RENAME TO self_hosted_endpoints;
CREATE INDEX self_hosted_endpoints_user ON self_hosted_endpoints (user_id, created_at);

-- users.onboarding_step: a wizard step, or 'completed'.
CREATE TRIGGER users_onboarding_step_insert BEFORE INSERT ON users
    WHEN NEW.onboarding_step NOT IN ('repositories', 'providers', 'team', 'ready', 'completed')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: onboarding_step');
END;
CREATE TRIGGER users_onboarding_step_update BEFORE UPDATE OF onboarding_step ON users
    WHEN NEW.onboarding_step NOT IN ('repositories', 'providers', 'team', 'ready', 'completed')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: onboarding_step');
END;
