//! Provider credentials of a user, sealed by the vault. Plaintext tokens exist
//! only in memory, as `SecretString`s.

use secrecy::SecretString;

use crate::backend::vault::{Binding, Vault};
use crate::backend::{now, users, Db, Error};

/// Tokens as a provider issued them.
#[derive(Debug)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// Unix seconds; `None` for tokens that do not expire.
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
}

/// Stores (or replaces) a user's credential for `provider`.
pub async fn store(
    db: &Db,
    vault: &Vault,
    user_id: &str,
    provider: &str,
    account: &str,
    tokens: &TokenSet,
) -> Result<(), Error> {
    let key = users::data_key(db, vault, user_id).await?;
    let access = key.seal(
        Binding {
            provider,
            field: "access_token",
        },
        &tokens.access_token,
    );
    let refresh = tokens.refresh_token.as_ref().map(|t| {
        key.seal(
            Binding {
                provider,
                field: "refresh_token",
            },
            t,
        )
    });
    let now = now();
    sqlx::query(
        "INSERT INTO credentials (user_id, provider, kind, account, access_token, refresh_token, expires_at, scopes, connected_at, refreshed_at)
         VALUES ($1, $2, 'oauth', $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (user_id, provider) DO UPDATE SET
           kind = excluded.kind, account = excluded.account, access_token = excluded.access_token,
           refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
           scopes = excluded.scopes, refreshed_at = excluded.refreshed_at",
    )
    .bind(user_id)
    .bind(provider)
    .bind(account)
    .bind(access)
    .bind(refresh)
    .bind(tokens.expires_at)
    .bind(tokens.scopes.join(" "))
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The user's current access token for `provider`, if connected.
pub async fn access_token(
    db: &Db,
    vault: &Vault,
    user_id: &str,
    provider: &str,
) -> Result<Option<SecretString>, Error> {
    let sealed: Option<String> = sqlx::query_scalar(
        "SELECT access_token FROM credentials WHERE user_id = $1 AND provider = $2",
    )
    .bind(user_id)
    .bind(provider)
    .fetch_optional(db)
    .await?;
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let key = users::data_key(db, vault, user_id).await?;
    Ok(Some(key.open(
        Binding {
            provider,
            field: "access_token",
        },
        &sealed,
    )?))
}

/// The providers a user has connected, with the account each is connected as.
pub async fn connected(db: &Db, user_id: &str) -> Result<Vec<(String, String)>, Error> {
    Ok(sqlx::query_as(
        "SELECT provider, account FROM credentials WHERE user_id = $1 ORDER BY provider",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?)
}
