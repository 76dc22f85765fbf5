-- Every sealing of a credential's tokens gets a new id, bound into the
-- ciphertexts' associated data: a ciphertext copied from another row, or
-- restored from an older version of this one, no longer opens. Rows sealed
-- before keep NULL (and their old binding) until their next refresh or connect.
ALTER TABLE credentials ADD COLUMN seal_id TEXT;
-- Device codes are now bound to their flow's id: flows still pending from
-- before could not be opened, so they end here (the user starts again).
UPDATE device_flows SET status = 'cancelled' WHERE status = 'pending';

-- cli_logins.failure gains 'wrong_issuer' (RFC 9207: the answer's `iss`
-- named another server, or none where the provider promises one).
ALTER TABLE cli_logins DROP CONSTRAINT cli_logins_failure_check;
ALTER TABLE cli_logins ADD CONSTRAINT cli_logins_failure_check
    CHECK (failure IN ('denied', 'state_mismatch', 'state_expired', 'state_used',
                       'provider_error', 'provider_unavailable', 'unknown_provider',
                       'bad_return', 'no_subject', 'wrong_issuer', 'internal'));
