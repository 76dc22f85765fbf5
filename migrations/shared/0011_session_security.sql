-- "Sign out everywhere": a browser session is live only while it carries
-- its user's current generation; signing out everywhere increments it.
ALTER TABLE users ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
-- A user's terminal sessions, for counting and revoking them all at once.
CREATE INDEX session_tokens_user ON session_tokens (user_id, expires_at);
-- Sessions are now stored under the SHA-256 of their cookie's id, and carry
-- their sign-in time; rows from before hold the plain id: they go (everyone
-- signs in once more).
DELETE FROM sessions;
