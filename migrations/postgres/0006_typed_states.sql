-- The PostgreSQL form of migrations/sqlite/0006_typed_states.sql: the same
-- columns accept the same states, the same old rows are rewritten, and
-- credentials.kind goes. PostgreSQL adds a CHECK constraint in place (it
-- checks the existing rows), so no table is rebuilt and `users` gets a
-- constraint where SQLite needs triggers. The old spellings are rewritten
-- first, or the new constraints would refuse them.

-- credentials.method: how the credential came to be. The unused `kind`
-- column ('oauth' on every row) goes; so does method's default, which the
-- SQLite rebuild does not keep either (every INSERT names the method).
ALTER TABLE credentials
    DROP COLUMN kind,
    ALTER COLUMN method DROP DEFAULT,
    ADD CONSTRAINT credentials_method_check
        CHECK (method IN ('signin', 'device', 'redirect', 'import', 'token'));

-- oauth_states.purpose: what the login is for.
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_purpose_check
    CHECK (purpose IN ('signin', 'connect', 'cli'));

-- device_flows.status: 'pending' until the provider, the clock or the user ends it.
ALTER TABLE device_flows ADD CONSTRAINT device_flows_status_check
    CHECK (status IN ('pending', 'connected', 'expired', 'denied', 'failed', 'cancelled'));

-- audit_log.action: what happened. provider is NULL (no longer '') for what
-- concerns no provider, such as a terminal's sign-in.
UPDATE audit_log SET provider = NULL WHERE provider = '';
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('connect', 'connect_failed', 'refresh', 'refresh_failed',
                      'disconnect', 'test', 'import', 'import_failed', 'team_created',
                      'cli_login', 'cli_login_refused', 'credential_fetched'));

-- cli_logins.status: 'pending', then 'confirming', then 'done'; or it ends
-- 'denied', 'failed' (failure says how, as a /signin/failed reason) or
-- 'no_account' (until now a 'failed' row with failure 'no_account').
-- As in the SQLite copy, only a 'failed' row keeps its failure.
UPDATE cli_logins SET status = 'no_account', failure = NULL
    WHERE status = 'failed' AND failure = 'no_account';
UPDATE cli_logins SET failure = NULL
    WHERE status <> 'failed' AND failure IS NOT NULL;
ALTER TABLE cli_logins
    ADD CONSTRAINT cli_logins_status_check
        CHECK (status IN ('pending', 'confirming', 'done', 'denied', 'failed', 'no_account')),
    -- NULL passes (the IN is unknown, not false): most rows have no failure.
    ADD CONSTRAINT cli_logins_failure_check
        CHECK (failure IN ('denied', 'state_mismatch', 'state_expired', 'state_used',
                           'provider_error', 'provider_unavailable', 'unknown_provider',
                           'bad_return', 'internal'));

-- self_hosted_endpoints.kind: what answered the probe.
ALTER TABLE self_hosted_endpoints ADD CONSTRAINT self_hosted_endpoints_kind_check
    CHECK (kind IN ('ollama', 'openai', 'unknown'));

-- users.onboarding_step: a wizard step, or 'completed'.
ALTER TABLE users ADD CONSTRAINT users_onboarding_step_check
    CHECK (onboarding_step IN ('repositories', 'providers', 'team', 'ready', 'completed'));
