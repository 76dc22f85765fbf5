-- Relay's schema. Written in the SQL that SQLite and PostgreSQL share:
-- TEXT ids (UUID v4), BIGINT Unix-second timestamps, TEXT for base64 ciphertexts.

-- One row per person, identified by their GitHub account (sign-up is "Continue with GitHub").
-- onboarding_step is the wizard step they reached ('repositories' … 'ready') or 'completed',
-- so a returning user resumes where they left.
CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    github_id       BIGINT NOT NULL UNIQUE,
    login           TEXT NOT NULL,
    name            TEXT,
    email           TEXT,
    avatar_url      TEXT,
    onboarding_step TEXT NOT NULL DEFAULT 'repositories',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- Each user's vault data key, wrapped (AES-256-GCM) by the master key named by master_key_id.
-- Deleting this row (or the user) makes every credential of the user unrecoverable.
CREATE TABLE user_keys (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    master_key_id TEXT NOT NULL,
    wrapped       TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- One credential per (user, provider). Token columns hold base64(nonce || AES-256-GCM ciphertext)
-- sealed with the user's data key; the associated data binds each to (user, provider, field).
CREATE TABLE credentials (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    kind          TEXT NOT NULL,            -- 'oauth' for now; API keys and imports come later
    account       TEXT NOT NULL,            -- who the credential belongs to at the provider
    access_token  TEXT NOT NULL,
    refresh_token TEXT,
    expires_at    BIGINT,                   -- NULL: the token does not expire
    scopes        TEXT NOT NULL DEFAULT '',
    connected_at  BIGINT NOT NULL,
    refreshed_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, provider)
);

-- Pending provider logins (authorization code + PKCE). The state itself lives only in the
-- browser (and its session); this table keys on its SHA-256. A row is single-use: used_at is
-- set by the one callback that consumes it, so a replay is recognised as such.
CREATE TABLE oauth_states (
    state_hash    TEXT PRIMARY KEY,
    provider      TEXT NOT NULL,
    purpose       TEXT NOT NULL,            -- 'signin' (later: 'connect', 'cli')
    pkce_verifier TEXT NOT NULL,
    return_to     TEXT,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT
);
CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);
