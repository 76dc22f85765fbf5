-- Rate limits that hold across instances: one row per (limit, who) counts
-- the hits of the current fixed window. Old windows are pruned by housekeeping.
CREATE TABLE rate_limits (
    bucket       TEXT PRIMARY KEY,   -- "<limit>:<who>", e.g. "import_code:203.0.113.9"
    window_start BIGINT NOT NULL,    -- Unix seconds
    hits         BIGINT NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
