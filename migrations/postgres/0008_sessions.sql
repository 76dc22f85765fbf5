-- Browser sessions (tower-sessions' PostgreSQL store, whose schema this is).
-- Created here rather than by the store at startup: migrations hold a lock,
-- so instances starting together do not race to create it.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BYTEA NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL
);
