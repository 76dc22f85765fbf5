-- Who a connected account is: the provider's stable subject (OpenID `sub`,
-- GitHub's numeric id) and the issuer that assigned it. A terminal login by
-- Google or Microsoft finds its user by these only, never by a name or email
-- (whoever runs a tenant chooses those). Credentials stored before this have
-- none, so they sign nobody in until connected again.
ALTER TABLE credentials ADD COLUMN account_issuer TEXT;
ALTER TABLE credentials ADD COLUMN account_subject TEXT;
CREATE INDEX credentials_account_subject ON credentials (provider, account_subject);

-- cli_logins.failure gains 'no_subject' (the provider named no subject).
ALTER TABLE cli_logins DROP CONSTRAINT cli_logins_failure_check;
ALTER TABLE cli_logins ADD CONSTRAINT cli_logins_failure_check
    CHECK (failure IN ('denied', 'state_mismatch', 'state_expired', 'state_used',
                       'provider_error', 'provider_unavailable', 'unknown_provider',
                       'bad_return', 'no_subject', 'internal'));
