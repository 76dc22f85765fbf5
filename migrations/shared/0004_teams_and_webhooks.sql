-- Finishing onboarding: what Relay found in each chosen repository, the
-- agent teams, and the GitHub webhook deliveries of chosen repositories.

-- What the default branch already holds for agents, looked up through
-- GitHub's contents API when the repository is chosen:
-- agent_config is a short summary ("3 agents in .claude/agents/", …) or NULL
-- when nothing was found; config_checked_at is NULL until the lookup ended;
-- config_error says why it failed ("GitHub answered HTTP 403"), if it did.
ALTER TABLE repositories ADD COLUMN agent_config TEXT;
ALTER TABLE repositories ADD COLUMN config_checked_at BIGINT;
ALTER TABLE repositories ADD COLUMN config_error TEXT;

-- When the user finished the wizard (NULL: not yet).
ALTER TABLE users ADD COLUMN onboarded_at BIGINT;
UPDATE users SET onboarded_at = updated_at WHERE onboarding_step = 'completed';

-- An agent team: a named group of agents working on the user's repositories.
-- template is 'code-review', 'feature-development' or 'custom'; name_key is
-- the name lower-cased by the application (the same on every database), so
-- "Night Shift" and "night shift" are one name.
CREATE TABLE teams (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL,
    template         TEXT NOT NULL,
    default_provider TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    UNIQUE (user_id, name_key)
);

-- The agents of a team, in order. name is unique in its team (case-insensitively,
-- enforced by the application); role is one of the roles of `app::teams::ROLES`.
CREATE TABLE team_agents (
    team_id  TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name     TEXT NOT NULL,
    role     TEXT NOT NULL,
    provider TEXT NOT NULL,
    PRIMARY KEY (team_id, position)
);

-- Every verified webhook delivery, so a replay is recognised: by GitHub's
-- delivery id, and by the digest of the signed body (the id is not signed).
CREATE TABLE webhook_deliveries (
    delivery_id TEXT PRIMARY KEY,
    body_sha256 TEXT NOT NULL UNIQUE,
    event       TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_received_at ON webhook_deliveries (received_at);

-- pull_request and issues events of chosen repositories, as the dashboard shows them.
CREATE TABLE repository_events (
    id          TEXT PRIMARY KEY,
    github_id   BIGINT NOT NULL,          -- the repository
    full_name   TEXT NOT NULL,
    event       TEXT NOT NULL,            -- 'pull_request' or 'issues'
    action      TEXT NOT NULL,            -- 'opened', 'closed', …
    number      BIGINT NOT NULL,
    title       TEXT NOT NULL,
    sender      TEXT NOT NULL,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (delivery_id),
    received_at BIGINT NOT NULL
);
CREATE INDEX repository_events_github_id ON repository_events (github_id, received_at);
