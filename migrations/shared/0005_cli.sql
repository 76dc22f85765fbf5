-- The CLI login broker: pending terminal logins, the keys that sign session
-- JWTs, and the tokens issued (so one can be revoked before it expires).

-- A terminal's login, started by the browser at /oauth/start?mode=cli.
-- state_hash is the SHA-256 of the CLI's state; code_challenge the S256 PKCE
-- challenge the CLI's /cli/poll must match; user_code the short code the
-- terminal shows and the browser must confirm. status: 'pending' until the
-- provider login ends as 'confirming' (user_id set; the browser is asked to
-- confirm the code), then 'done', or as 'denied' or 'failed'; the token is
-- handed out once (delivered_at).
CREATE TABLE cli_logins (
    state_hash     TEXT PRIMARY KEY,
    provider       TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    user_code      TEXT NOT NULL,
    status         TEXT NOT NULL,
    failure        TEXT,
    user_id        TEXT REFERENCES users (id) ON DELETE CASCADE,
    last_poll_ms   BIGINT,
    delivered_at   BIGINT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX cli_logins_expires_at ON cli_logins (expires_at);

-- Ed25519 keys that sign session JWTs. The private key (PKCS#8) is sealed
-- under a data key wrapped by the master key, like a user's credentials.
-- The newest unretired key signs; retired keys stay published in the JWKS
-- until every token they signed has expired.
CREATE TABLE signing_keys (
    kid            TEXT PRIMARY KEY,
    master_key_id  TEXT NOT NULL,
    wrapped_key    TEXT NOT NULL,
    sealed_private TEXT NOT NULL,
    public_key     TEXT NOT NULL,     -- base64url of the 32-byte public key (JWK "x")
    created_at     BIGINT NOT NULL,
    retired_at     BIGINT
);
-- At most one key signs at a time.
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;

-- Every session JWT issued, by its jti: a revoked one is refused everywhere.
CREATE TABLE session_tokens (
    jti        TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX session_tokens_expires_at ON session_tokens (expires_at);
