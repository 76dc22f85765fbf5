-- Connecting AI providers: device flows, how each credential was connected, and the audit log.

-- How a credential came to be and how it may be shown:
-- method is 'signin', 'device', 'redirect', 'import' or 'token' (pasted);
-- token_hint is "prefix…last4" for pasted tokens (the only part ever shown);
-- env_var is where an agent CLI expects it; needs_reconnect is set when the
-- provider rejected a refresh (the user must connect again).
ALTER TABLE credentials ADD COLUMN method TEXT NOT NULL DEFAULT 'signin';
ALTER TABLE credentials ADD COLUMN token_hint TEXT;
ALTER TABLE credentials ADD COLUMN env_var TEXT;
ALTER TABLE credentials ADD COLUMN needs_reconnect BIGINT;

-- RFC 8628 device authorization flows Relay polls on a user's behalf. They are
-- rows, not memory, so a restarted server (or another instance) carries on:
-- the worker that polls a flow holds a short lease on it.
-- status: 'pending' until it ends as 'connected', 'expired', 'denied', 'failed' or 'cancelled'.
CREATE TABLE device_flows (
    id                        TEXT PRIMARY KEY,
    user_id                   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider                  TEXT NOT NULL,
    device_code               TEXT NOT NULL,   -- sealed by the user's vault key
    user_code                 TEXT NOT NULL,
    verification_uri          TEXT NOT NULL,
    verification_uri_complete TEXT,
    interval_secs             BIGINT NOT NULL,
    expires_at                BIGINT NOT NULL,
    next_poll_at_ms           BIGINT NOT NULL, -- milliseconds: polls are due within the second
    status                    TEXT NOT NULL,
    failure                   TEXT,            -- the provider's error code, never its description
    account                   TEXT,
    polls                     BIGINT NOT NULL DEFAULT 0,
    lease_until_ms            BIGINT,
    created_at                BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL
);
CREATE INDEX device_flows_due ON device_flows (status, next_poll_at_ms);
CREATE INDEX device_flows_user ON device_flows (user_id, created_at);

-- Who did what to which credential, when and from where. Never a secret.
-- action: 'connect', 'refresh', 'disconnect', 'import', 'test' and their failures ('connect_failed', …).
CREATE TABLE audit_log (
    id         TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    action     TEXT NOT NULL,
    provider   TEXT,
    detail     TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT '',       -- client IP address, or 'worker'
    at_ms      BIGINT NOT NULL                 -- milliseconds, so entries keep their order
);
CREATE INDEX audit_log_user ON audit_log (user_id, at_ms);

-- One-time codes for importing a credential file from the user's own machine
-- ("Import from Local Claude"). Stored as SHA-256 hashes; single use, 10 minutes.
CREATE TABLE import_codes (
    id         TEXT PRIMARY KEY,               -- what the page polls; not the code
    code_hash  TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    account    TEXT                            -- set when the import succeeded
);

-- Self-hosted model servers (Ollama, LM Studio, OpenAI-compatible) a user added.
CREATE TABLE self_hosted_endpoints (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    url           TEXT NOT NULL,
    kind          TEXT NOT NULL,               -- 'ollama' or 'openai' (what answered the probe), or 'unknown'
    models        BIGINT,                      -- how many models the probe listed
    reachable     BIGINT NOT NULL,             -- 1 when the last probe answered
    checked_at    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX self_hosted_endpoints_user ON self_hosted_endpoints (user_id, created_at);
