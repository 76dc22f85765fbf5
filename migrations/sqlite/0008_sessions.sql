-- Browser sessions (tower-sessions' SQLite store, whose schema this is).
-- Until now the store created the table itself at startup, so it may exist.
CREATE TABLE IF NOT EXISTS sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);
