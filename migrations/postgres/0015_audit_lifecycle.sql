-- audit_log.action: a provider refusing a credential Relay holds
-- ('needs_reconnect'), and a credential proven later ('verified').
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('connect', 'connect_failed', 'refresh', 'refresh_failed',
                      'disconnect', 'test', 'import', 'import_failed', 'team_created',
                      'cli_login', 'cli_login_refused', 'credential_fetched',
                      'needs_reconnect', 'verified'));
