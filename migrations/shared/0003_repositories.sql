-- The repositories a user chose for the agents ("Select Repositories"), with
-- what GitHub said about them when they were chosen. github_id is GitHub's
-- repository id, stable across renames.
CREATE TABLE repositories (
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    github_id      BIGINT NOT NULL,
    full_name      TEXT NOT NULL,
    private        BIGINT NOT NULL,
    stars          BIGINT NOT NULL,
    default_branch TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,            -- GitHub's updated_at, Unix seconds
    selected_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, github_id)
);
