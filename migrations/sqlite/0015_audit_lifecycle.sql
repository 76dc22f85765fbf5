-- audit_log.action: a provider refusing a credential Relay holds
-- ('needs_reconnect'), and a credential proven later ('verified').
-- SQLite changes a CHECK only by rebuilding the table.
CREATE TABLE audit_log_new (
    id       TEXT PRIMARY KEY,
    user_id  TEXT REFERENCES users (id) ON DELETE CASCADE,
    action   TEXT NOT NULL CHECK (action IN ('connect', 'connect_failed', 'refresh', 'refresh_failed',
                                             'disconnect', 'test', 'import', 'import_failed', 'team_created',
                                             'cli_login', 'cli_login_refused', 'credential_fetched',
                                             'needs_reconnect', 'verified')),
    provider TEXT,
    detail   TEXT NOT NULL DEFAULT '',
    source   TEXT NOT NULL DEFAULT '',         -- client IP address, or 'worker'
    at_ms    BIGINT NOT NULL                   -- milliseconds, so entries keep their order
);
INSERT INTO audit_log_new (id, user_id, action, provider, detail, source, at_ms)
    SELECT id, user_id, action, provider, detail, source, at_ms FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_user ON audit_log (user_id, at_ms);
