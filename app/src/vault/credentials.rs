//! Provider credentials of a user, sealed by the vault. Plaintext tokens exist
//! only in memory, as `SecretString`s.

use secrecy::SecretString;

use crate::connect::{CredentialMethod, Verification};
use crate::identity::users;
use crate::platform::{db, Clock, Db, Error};
use crate::providers::userinfo::Subject;
use crate::providers::ProviderId;
use crate::vault::{Binding, UserKey, Vault, WrappedKey};

/// Tokens as a provider issued them.
#[derive(Debug)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// Unix seconds; `None` for tokens that do not expire.
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
}

impl TokenSet {
    /// A pasted or imported token: no refresh token, no known expiry.
    pub fn bare(access_token: SecretString) -> TokenSet {
        TokenSet {
            access_token,
            refresh_token: None,
            expires_at: None,
            scopes: Vec::new(),
        }
    }
}

/// What is stored next to the sealed tokens (none of it secret).
pub struct Connection<'a> {
    /// The account's name, shown; `subject` is who it is.
    pub account: &'a str,
    /// The provider's stable id of the account, when it said: only a login
    /// credential with one can later sign its owner in from a terminal.
    pub subject: Option<&'a Subject>,
    pub method: CredentialMethod,
    /// Where an agent CLI expects this credential.
    pub env_var: &'a str,
    /// "prefix…last4" of a pasted token, the only part ever shown.
    pub token_hint: Option<String>,
    /// What the provider's check said, at connect.
    pub verification: Verification,
    /// What it found ("12 models"), when it was verified.
    pub proof: Option<&'a str>,
}

/// A stored credential's description, without its secrets.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CredentialRow {
    pub provider: ProviderId,
    pub account: String,
    pub method: CredentialMethod,
    pub env_var: Option<String>,
    pub token_hint: Option<String>,
    pub expires_at: Option<i64>,
    pub connected_at: i64,
    pub refreshed_at: i64,
    pub needs_reconnect: Option<i64>,
    pub has_refresh_token: bool,
    pub verification: Verification,
    pub verified_at: Option<i64>,
    pub proof: Option<String>,
}

/// The sealed tokens of one sealing, and the row's new seal id they are bound to.
struct SealedTokens {
    seal_id: String,
    access: String,
    refresh: Option<String>,
}

fn seal_tokens(
    key: &UserKey,
    provider: ProviderId,
    access: &SecretString,
    refresh: Option<&SecretString>,
) -> SealedTokens {
    let seal_id = uuid::Uuid::new_v4().simple().to_string();
    let binding = |field| Binding {
        provider: provider.as_str(),
        field,
        row: Some(&seal_id),
    };
    SealedTokens {
        access: key.seal(binding("access_token"), access),
        refresh: refresh.map(|t| key.seal(binding("refresh_token"), t)),
        seal_id: seal_id.clone(),
    }
}

/// Stores (or replaces) a user's credential for `provider`.
pub async fn store(
    db: &Db,
    vault: &Vault,
    user_id: &str,
    provider: ProviderId,
    connection: &Connection<'_>,
    tokens: &TokenSet,
    clock: &Clock,
) -> Result<(), Error> {
    let key = users::data_key(db, vault, user_id).await?;
    let sealed = seal_tokens(
        &key,
        provider,
        &tokens.access_token,
        tokens.refresh_token.as_ref(),
    );
    let now = clock.now();
    db::execute!(db, sqlx::query(
        "INSERT INTO credentials (user_id, provider, account, account_issuer, account_subject, access_token, refresh_token, seal_id, expires_at, scopes, connected_at, refreshed_at, method, token_hint, env_var, needs_reconnect, verification, verified_at, proof)
         VALUES ($1, $2, $3, $12, $13, $4, $5, $14, $6, $7, $8, $8, $9, $10, $11, NULL, $15, $16, $17)
         ON CONFLICT (user_id, provider) DO UPDATE SET
           account = excluded.account, account_issuer = excluded.account_issuer,
           account_subject = excluded.account_subject, access_token = excluded.access_token,
           refresh_token = excluded.refresh_token, seal_id = excluded.seal_id,
           expires_at = excluded.expires_at,
           scopes = excluded.scopes, connected_at = excluded.connected_at,
           refreshed_at = excluded.refreshed_at, method = excluded.method,
           token_hint = excluded.token_hint, env_var = excluded.env_var, needs_reconnect = NULL,
           verification = excluded.verification, verified_at = excluded.verified_at, proof = excluded.proof",
    )
    .bind(user_id)
    .bind(provider)
    .bind(connection.account)
    .bind(sealed.access)
    .bind(sealed.refresh)
    .bind(tokens.expires_at)
    .bind(tokens.scopes.join(" "))
    .bind(now)
    .bind(connection.method)
    .bind(connection.token_hint.as_deref())
    .bind(connection.env_var)
    .bind(connection.subject.map(|s| s.issuer.as_str()))
    .bind(connection.subject.map(|s| s.id.as_str()))
    .bind(sealed.seal_id)
    .bind(connection.verification)
    .bind((connection.verification == Verification::Verified).then_some(now))
    .bind(connection.proof))?;
    Ok(())
}

/// The refresh token a refresh used: as stored (sealed), and opened.
pub struct UsedRefresh<'a> {
    pub sealed: &'a str,
    pub token: &'a SecretString,
}

/// Replaces the tokens after a refresh, only if the stored refresh token is
/// still the one that was used: a concurrent refresher that lost the race
/// changes nothing. A provider that does not rotate keeps the used refresh
/// token, sealed again under the row's new seal id. Returns whether it stored.
pub async fn store_refreshed(
    db: &Db,
    vault: &Vault,
    user_id: &str,
    provider: ProviderId,
    used: UsedRefresh<'_>,
    tokens: &TokenSet,
    clock: &Clock,
) -> Result<bool, Error> {
    let key = users::data_key(db, vault, user_id).await?;
    let refresh = tokens.refresh_token.as_ref().unwrap_or(used.token);
    let sealed = seal_tokens(&key, provider, &tokens.access_token, Some(refresh));
    let updated = db::execute!(
        db,
        sqlx::query(
            "UPDATE credentials SET access_token = $1, refresh_token = $2, seal_id = $8,
           expires_at = $3, refreshed_at = $4, needs_reconnect = NULL
         WHERE user_id = $5 AND provider = $6 AND refresh_token = $7",
        )
        .bind(sealed.access)
        .bind(sealed.refresh)
        .bind(tokens.expires_at)
        .bind(clock.now())
        .bind(user_id)
        .bind(provider)
        .bind(used.sealed)
        .bind(sealed.seal_id)
    )?;
    Ok(updated == 1)
}

/// The sealed tokens of a credential, read with its owner's wrapped data
/// key: one query is all a use of the credential reads.
pub struct Sealed {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// The id both are bound to (`None` for rows sealed before there was one).
    pub seal_id: Option<String>,
    pub expires_at: Option<i64>,
    /// Whether Relay may refresh it: only tokens Relay's own client was
    /// issued (an imported refresh token belongs to another client).
    pub refreshable: bool,
    /// Where an agent CLI expects it (`None`: the provider's default).
    pub env_var: Option<String>,
    /// The provider refused it: it is not handed out until reconnected.
    pub needs_reconnect: bool,
    key: WrappedKey,
}

#[derive(sqlx::FromRow)]
struct SealedRow {
    access_token: String,
    refresh_token: Option<String>,
    seal_id: Option<String>,
    expires_at: Option<i64>,
    method: CredentialMethod,
    env_var: Option<String>,
    needs_reconnect: bool,
    master_key_id: String,
    wrapped: String,
}

pub async fn sealed(db: &Db, user_id: &str, provider: ProviderId) -> Result<Option<Sealed>, Error> {
    let row: Option<SealedRow> =
        db::fetch_optional!(db, sqlx::query_as(
        "SELECT c.access_token, c.refresh_token, c.seal_id, c.expires_at, c.method, c.env_var,
           c.needs_reconnect IS NOT NULL AS needs_reconnect, k.master_key_id, k.wrapped
         FROM credentials c JOIN user_keys k ON k.user_id = c.user_id
         WHERE c.user_id = $1 AND c.provider = $2",
    )
    .bind(user_id)
    .bind(provider))?;
    Ok(row.map(|row| Sealed {
        refreshable: row.method.refreshable() && row.refresh_token.is_some(),
        access_token: row.access_token,
        refresh_token: row.refresh_token,
        seal_id: row.seal_id,
        expires_at: row.expires_at,
        env_var: row.env_var,
        needs_reconnect: row.needs_reconnect,
        key: WrappedKey {
            master_key_id: row.master_key_id,
            wrapped: row.wrapped,
        },
    }))
}

/// Which sealed field of a credential to open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Access,
    Refresh,
}

/// Opens one sealed field of a user's credential (`sealed` as `sealed()` read it).
pub fn open(
    vault: &Vault,
    user_id: &str,
    provider: ProviderId,
    sealed: &Sealed,
    field: Field,
) -> Result<SecretString, Error> {
    let key = vault.unwrap_user_key(user_id, &sealed.key)?;
    let (name, ciphertext) = match field {
        Field::Access => ("access_token", sealed.access_token.as_str()),
        Field::Refresh => (
            "refresh_token",
            sealed
                .refresh_token
                .as_deref()
                .ok_or(crate::vault::VaultError::Malformed)?,
        ),
    };
    let binding = Binding {
        provider: provider.as_str(),
        field: name,
        row: sealed.seal_id.as_deref(),
    };
    Ok(key.open(binding, ciphertext)?)
}

/// The user's current access token for `provider`, if connected (not refreshed;
/// see `freshness::access_token` for the refreshing read).
pub async fn access_token(
    db: &Db,
    vault: &Vault,
    user_id: &str,
    provider: ProviderId,
) -> Result<Option<SecretString>, Error> {
    match sealed(db, user_id, provider).await? {
        None => Ok(None),
        Some(s) => Ok(Some(open(vault, user_id, provider, &s, Field::Access)?)),
    }
}

/// Every credential of a user, described without secrets.
pub async fn list(db: &Db, user_id: &str) -> Result<Vec<CredentialRow>, Error> {
    Ok(db::fetch_all!(db, sqlx::query_as(
        "SELECT provider, account, method, env_var, token_hint, expires_at, connected_at, refreshed_at,
           needs_reconnect, refresh_token IS NOT NULL AS has_refresh_token, verification, verified_at, proof
         FROM credentials WHERE user_id = $1 ORDER BY provider",
    )
    .bind(user_id))?)
}

pub async fn find(
    db: &Db,
    user_id: &str,
    provider: ProviderId,
) -> Result<Option<CredentialRow>, Error> {
    Ok(db::fetch_optional!(db, sqlx::query_as(
        "SELECT provider, account, method, env_var, token_hint, expires_at, connected_at, refreshed_at,
           needs_reconnect, refresh_token IS NOT NULL AS has_refresh_token, verification, verified_at, proof
         FROM credentials WHERE user_id = $1 AND provider = $2",
    )
    .bind(user_id)
    .bind(provider))?)
}

/// The one user who connected `provider` by logging in (redirect or device
/// code, not a pasted key) to the account `subject`. Nobody when no one did,
/// or when several did. Never by name or email: whoever runs a tenant
/// chooses those ("nOAuth").
pub async fn login_owner(
    db: &Db,
    provider: ProviderId,
    subject: &Subject,
) -> Result<Option<String>, Error> {
    let owners: Vec<(String, CredentialMethod)> = db::fetch_all!(
        db,
        sqlx::query_as(
            "SELECT user_id, method FROM credentials
             WHERE provider = $1 AND account_issuer = $2 AND account_subject = $3",
        )
        .bind(provider)
        .bind(&subject.issuer)
        .bind(&subject.id)
    )?;
    let mut logins = owners.into_iter().filter(|(_, method)| method.is_login());
    Ok(match (logins.next(), logins.next()) {
        (Some((only, _)), None) => Some(only),
        _ => None,
    })
}

/// The provider refused the refresh token: the user must connect again.
pub async fn mark_needs_reconnect(
    db: &Db,
    user_id: &str,
    provider: ProviderId,
    clock: &Clock,
) -> Result<(), Error> {
    db::execute!(
        db,
        sqlx::query(
            "UPDATE credentials SET needs_reconnect = $1 WHERE user_id = $2 AND provider = $3"
        )
        .bind(clock.now())
        .bind(user_id)
        .bind(provider)
    )?;
    Ok(())
}

/// Records what the provider's check said of a credential.
pub async fn set_verification(
    db: &Db,
    user_id: &str,
    provider: ProviderId,
    verification: Verification,
    proof: Option<&str>,
    clock: &Clock,
) -> Result<(), Error> {
    let verified_at = (verification == Verification::Verified).then(|| clock.now());
    db::execute!(
        db,
        sqlx::query(
            "UPDATE credentials SET verification = $1, proof = COALESCE($2, proof),
               verified_at = COALESCE($3, verified_at)
             WHERE user_id = $4 AND provider = $5"
        )
        .bind(verification)
        .bind(proof)
        .bind(verified_at)
        .bind(user_id)
        .bind(provider)
    )?;
    Ok(())
}

/// Credentials the provider has not yet given a verdict on, oldest first.
pub async fn unverified(db: &Db, limit: i64) -> Result<Vec<(String, ProviderId)>, Error> {
    Ok(db::fetch_all!(
        db,
        sqlx::query_as(
            "SELECT user_id, provider FROM credentials
             WHERE verification = $1 AND needs_reconnect IS NULL
             ORDER BY refreshed_at LIMIT $2",
        )
        .bind(Verification::Pending)
        .bind(limit)
    )?)
}

/// Deletes the credential; returns whether there was one.
pub async fn delete(db: &Db, user_id: &str, provider: ProviderId) -> Result<bool, Error> {
    let done = db::execute!(
        db,
        sqlx::query("DELETE FROM credentials WHERE user_id = $1 AND provider = $2")
            .bind(user_id)
            .bind(provider)
    )?;
    Ok(done > 0)
}

/// Credentials that expire before `deadline` and can be refreshed (the sweep).
pub async fn expiring(db: &Db, deadline: i64) -> Result<Vec<(String, ProviderId)>, Error> {
    let rows: Vec<(String, ProviderId, CredentialMethod)> = db::fetch_all!(
        db,
        sqlx::query_as(
            "SELECT user_id, provider, method FROM credentials
         WHERE expires_at IS NOT NULL AND expires_at < $1 AND refresh_token IS NOT NULL
           AND needs_reconnect IS NULL",
        )
        .bind(deadline)
    )?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, method)| method.refreshable())
        .map(|(user_id, provider, _)| (user_id, provider))
        .collect())
}
