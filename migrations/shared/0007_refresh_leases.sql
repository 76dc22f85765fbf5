-- One refresher of a credential across every instance. Whoever holds the
-- lease of (user, provider) is the only one that sends the refresh token to
-- the provider; the others wait and read what it stored. A holder that dies
-- loses the lease when it expires (expires_at_ms), so nothing waits forever.
CREATE TABLE refresh_leases (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    holder        TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, provider)
);
