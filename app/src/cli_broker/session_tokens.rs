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
/// The `typ` of every session token (RFC 8725 §3.11: explicit typing, so no
/// other JWT this issuer signs could pass for one). RFC 9068's access-token type.
pub const TYPE: &str = "at+jwt";
/// Longer than any token we issue (about 600 bytes): anything longer is
/// refused before a byte of it is decoded.
pub const MAX_TOKEN_BYTES: usize = 4096;
/// How long a verifier trusts its copy of the published keys; a token with
/// an unknown key id makes it read them again at once (a rotation elsewhere).
const KEYS_CACHED_SECS: i64 = 60;
/// How far ahead of this server's clock another instance's may be.
const NBF_SKEW_SECS: i64 = 5;
const PRIVATE_KEY: Binding<'static> = Binding {
    provider: "relay",
    field: "session-jwt-ed25519",
    // Its data key is its own (bound to its kid): nothing else opens it.
    row: None,
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
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
}

/// Published keys: (kid, public key `x`), the current one first.
type Keys = std::sync::Arc<Vec<(String, String)>>;

/// The published keys as a verifier last read them, and when (cached:
/// every API call verifies a token).
#[derive(Default)]
pub struct KeyCache {
    read: std::sync::Mutex<Option<(i64, Keys)>>,
}

impl KeyCache {
    /// The keys, from the cache unless it is stale or lacks `kid`.
    async fn keys(&self, db: &Db, clock: &Clock, kid: &str) -> Result<Keys, Error> {
        let now = clock.now();
        if let Some((at, keys)) = self.read.lock().expect("not poisoned").as_ref() {
            if now - at < KEYS_CACHED_SECS && keys.iter().any(|(k, _)| k == kid) {
                return Ok(keys.clone());
            }
        }
        let keys = std::sync::Arc::new(published(db, clock).await?);
        *self.read.lock().expect("not poisoned") = Some((now, keys.clone()));
        Ok(keys)
    }
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
pub(crate) fn key_owner(kid: &str) -> String {
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
        nbf: iat,
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
    header.typ = Some(TYPE.to_owned());
    header.kid = Some(kid);
    let token = jsonwebtoken::encode(&header, &claims, &key)
        .map_err(|_| Error::Crypto("signing a session token failed"))?;
    Ok((token, LIFETIME_SECS))
}

fn issuer(app: &AppState) -> String {
    app.public_url.as_str().trim_end_matches('/').to_owned()
}

/// What is checked before any key is looked up: the length, then the
/// header (EdDSA only, our `typ`, a key id, no key or key URL of its own).
/// Returns the key id to verify with.
pub fn screen(token: &str) -> Result<String, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Invalid);
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
    // The key comes from our JWKS only: a token naming its own key (`jwk`),
    // or where to fetch one (`jku`, `x5u`), or a certificate, is a forgery.
    let names_its_own_key = header.jwk.is_some()
        || header.jku.is_some()
        || header.x5u.is_some()
        || header.x5c.is_some();
    if header.alg != Algorithm::EdDSA || header.typ.as_deref() != Some(TYPE) || names_its_own_key {
        return Err(TokenError::Invalid);
    }
    header.kid.ok_or(TokenError::Invalid)
}

/// Checks the token (`screen`), then its signature with a published key,
/// issuer, audience, expiry and not-before; then revocation.
pub async fn verify(app: &AppState, token: &str) -> Result<Result<Claims, TokenError>, Error> {
    let kid = match screen(token) {
        Ok(kid) => kid,
        Err(refused) => return Ok(Err(refused)),
    };
    let kid = kid.as_str();
    let keys = app.signing_keys.keys(&app.db, &app.clock, kid).await?;
    let Some((_, x)) = keys.iter().find(|(k, _)| k == kid) else {
        return Ok(Err(TokenError::Invalid));
    };
    let Ok(key) = DecodingKey::from_ed_components(x) else {
        return Ok(Err(TokenError::Invalid));
    };
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[issuer(app)]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
    // jsonwebtoken compares exp and nbf with the system clock: they are
    // checked below on the app's (which tests move), after the signature.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let claims = match jsonwebtoken::decode::<Claims>(token, &key, &validation) {
        Ok(data) => data.claims,
        Err(_) => return Ok(Err(TokenError::Invalid)),
    };
    let now = app.clock.now();
    if claims.nbf > now + NBF_SKEW_SECS {
        return Ok(Err(TokenError::Invalid));
    }
    if claims.exp <= now {
        return Ok(Err(TokenError::Expired));
    }
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
