//! Session JWTs for the CLI: EdDSA (Ed25519) signatures with a key id,
//! published as a JWKS so other services can verify them; every token is a
//! row too, so logging out revokes it before it expires.

use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use ring::signature::KeyPair;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::platform::{db, AppState, Clock, Db, Error};
use crate::vault::{Binding, Vault, WrappedKey};

/// The audience of every session token.
pub const AUDIENCE: &str = "relay-cli";
/// How long a session token lasts.
pub const LIFETIME_SECS: i64 = 60 * 60;
const PRIVATE_KEY: Binding<'static> = Binding {
    provider: "relay",
    field: "session-jwt-ed25519",
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub email: Option<String>,
    pub login: String,
    pub providers: Vec<String>,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the session token has expired")]
    Expired,
    #[error("the session token was revoked")]
    Revoked,
    #[error("the session token is not valid")]
    Invalid,
}

/// The data key of a signing key is bound to this name.
fn key_owner(kid: &str) -> String {
    format!("signing-key:{kid}")
}

/// Creates a new signing key and makes it the one that signs; the previous
/// one is retired but stays published until its tokens have expired.
pub async fn rotate(db: &Db, vault: &Vault, clock: &Clock) -> Result<String, Error> {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| Error::Crypto("generating an Ed25519 key failed"))?;
    let pair = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|_| Error::Crypto("reading the new Ed25519 key failed"))?;
    let public = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
    let kid = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
    let (wrapped, data_key) = vault.new_user_key(&key_owner(&kid));
    let sealed = data_key.seal(PRIVATE_KEY, &SecretString::from(B64.encode(pkcs8.as_ref())));
    let now = clock.now();
    db::on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
        "INSERT INTO signing_keys (kid, master_key_id, wrapped_key, sealed_private, public_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&kid)
    .bind(&wrapped.master_key_id)
    .bind(&wrapped.wrapped)
    .bind(&sealed)
    .bind(&public)
    .bind(now)
    .execute(&mut *tx)
    .await?;
        tx.commit().await?;
        tracing::info!(%kid, "new session signing key");
        Ok(kid)
    })
}

/// The key that signs now, created on first use.
async fn current(app: &AppState) -> Result<(String, EncodingKey), Error> {
    let row: Option<(String, String, String, String)> = db::fetch_optional!(
        app.db,
        sqlx::query_as(
            "SELECT kid, master_key_id, wrapped_key, sealed_private FROM signing_keys
         WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1",
        )
    )?;
    let (kid, master_key_id, wrapped, sealed) = match row {
        Some(row) => row,
        None => {
            match rotate(&app.db, &app.vault, &app.clock).await {
                // Another instance made the first key at the same moment: use it.
                Err(Error::Db(sqlx::Error::Database(e))) if e.is_unique_violation() => {}
                other => {
                    other?;
                }
            }
            return Box::pin(current(app)).await;
        }
    };
    let data_key = app.vault.unwrap_user_key(
        &key_owner(&kid),
        &WrappedKey {
            master_key_id,
            wrapped,
        },
    )?;
    let pkcs8 = data_key.open(PRIVATE_KEY, &sealed)?;
    let der = B64
        .decode(pkcs8.expose_secret())
        .map_err(|_| Error::Crypto("a stored signing key is not base64"))?;
    Ok((kid, EncodingKey::from_ed_der(&der)))
}

/// The public keys a token may be signed with: the current one and those
/// retired less than a token's lifetime ago.
pub async fn published(db: &Db, clock: &Clock) -> Result<Vec<(String, String)>, Error> {
    Ok(db::fetch_all!(
        db,
        sqlx::query_as(
            "SELECT kid, public_key FROM signing_keys
         WHERE retired_at IS NULL OR retired_at > $1
         ORDER BY CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, created_at DESC",
        )
        .bind(clock.now() - LIFETIME_SECS)
    )?)
}

/// `/.well-known/jwks.json`.
pub async fn jwks(db: &Db, clock: &Clock) -> Result<serde_json::Value, Error> {
    let keys: Vec<_> = published(db, clock)
        .await?
        .into_iter()
        .map(|(kid, x)| {
            serde_json::json!({ "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid, "x": x })
        })
        .collect();
    Ok(serde_json::json!({ "keys": keys }))
}

/// Issues a token for `claims` (iss, aud, iat, exp and jti are set here).
pub async fn issue(
    app: &AppState,
    user_id: &str,
    login: &str,
    email: Option<String>,
    providers: &[crate::providers::ProviderId],
) -> Result<(String, i64), Error> {
    let (kid, key) = current(app).await?;
    let iat = app.clock.now();
    let claims = Claims {
        iss: issuer(app),
        aud: AUDIENCE.to_owned(),
        sub: user_id.to_owned(),
        email,
        login: login.to_owned(),
        providers: providers.iter().map(|p| p.as_str().to_owned()).collect(),
        iat,
        exp: iat + LIFETIME_SECS,
        jti: uuid::Uuid::new_v4().to_string(),
    };
    db::execute!(app.db, sqlx::query(
        "INSERT INTO session_tokens (jti, user_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&claims.jti)
    .bind(user_id)
    .bind(claims.iat)
    .bind(claims.exp))?;
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid);
    let token = jsonwebtoken::encode(&header, &claims, &key)
        .map_err(|_| Error::Crypto("signing a session token failed"))?;
    Ok((token, LIFETIME_SECS))
}

fn issuer(app: &AppState) -> String {
    app.public_url.as_str().trim_end_matches('/').to_owned()
}

/// Checks signature (EdDSA only, a published key), issuer, audience, expiry
/// and revocation.
pub async fn verify(app: &AppState, token: &str) -> Result<Result<Claims, TokenError>, Error> {
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return Ok(Err(TokenError::Invalid));
    };
    let keys = published(&app.db, &app.clock).await?;
    let Some((_, x)) = header
        .kid
        .as_deref()
        .and_then(|kid| keys.iter().find(|(k, _)| k == kid))
    else {
        return Ok(Err(TokenError::Invalid));
    };
    let Ok(key) = DecodingKey::from_ed_components(x) else {
        return Ok(Err(TokenError::Invalid));
    };
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[issuer(app)]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    validation.leeway = 0;
    let claims = match jsonwebtoken::decode::<Claims>(token, &key, &validation) {
        Ok(data) => data.claims,
        Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
            return Ok(Err(TokenError::Expired))
        }
        Err(_) => return Ok(Err(TokenError::Invalid)),
    };
    let revoked: Option<Option<i64>> = db::fetch_optional!(
        app.db,
        sqlx::query_scalar("SELECT revoked_at FROM session_tokens WHERE jti = $1 AND user_id = $2")
            .bind(&claims.jti)
            .bind(&claims.sub)
    )?;
    match revoked {
        Some(None) => Ok(Ok(claims)),
        Some(Some(_)) => Ok(Err(TokenError::Revoked)),
        None => Ok(Err(TokenError::Invalid)),
    }
}

/// How many terminal sessions of the user are live (issued, not revoked, not expired).
pub async fn live_count(db: &Db, user_id: &str, clock: &Clock) -> Result<i64, Error> {
    Ok(db::fetch_one!(
        db,
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM session_tokens
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2"
        )
        .bind(user_id)
        .bind(clock.now())
    )?)
}

/// Revokes every token of the user (signing out the terminals).
pub async fn revoke_all(db: &Db, user_id: &str, clock: &Clock) -> Result<(), Error> {
    db::execute!(
        db,
        sqlx::query(
            "UPDATE session_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL"
        )
        .bind(clock.now())
        .bind(user_id)
    )?;
    Ok(())
}

/// Revokes one token (logout).
pub async fn revoke(db: &Db, jti: &str, clock: &Clock) -> Result<(), Error> {
    db::execute!(
        db,
        sqlx::query(
            "UPDATE session_tokens SET revoked_at = $1 WHERE jti = $2 AND revoked_at IS NULL"
        )
        .bind(clock.now())
        .bind(jti)
    )?;
    Ok(())
}
