//! Forged terminal session tokens (RFC 8725): each is presented to
//! `/api/me` and refused with 401, while the real token still works.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::cli_login::{api, cli_token, jwks, parts, server_key, sign, uuid_bytes};
use crate::helpers::{spawn_app, TestApp};

/// A real token, its header and claims, and the server's own signing key
/// (read from the database as the server stores it), to forge with.
struct Genuine {
    app: TestApp,
    token: String,
    header: Value,
    claims: Value,
    key: ed25519_dalek::SigningKey,
}

async fn genuine() -> Genuine {
    let app = spawn_app().await;
    let token = cli_token(&app, "grace").await;
    let (header, claims, _) = parts(&token);
    let key = server_key(&app, header["kid"].as_str().unwrap()).await;
    assert_eq!(api(&app, &token, "/api/me").await.0, StatusCode::OK);
    Genuine {
        app,
        token,
        header,
        claims,
        key,
    }
}

impl Genuine {
    /// Presents `token`; asserts it is refused and returns the error code.
    async fn refused(&self, token: &str) -> String {
        let (status, body) = api(&self.app, token, "/api/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        body["error"].as_str().unwrap_or_default().to_owned()
    }

    /// The genuine claims with `change` applied, signed by the server's key.
    fn resigned(&self, header: &Value, change: impl FnOnce(&mut Value)) -> String {
        let mut claims = self.claims.clone();
        change(&mut claims);
        sign(header, &claims, &self.key)
    }

    fn header_with(&self, change: impl FnOnce(&mut Value)) -> Value {
        let mut header = self.header.clone();
        change(&mut header);
        header
    }

    fn now(&self) -> i64 {
        self.claims["iat"].as_i64().unwrap()
    }
}

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn jwt_alg_none_in_any_case_is_refused() {
    let g = genuine().await;
    let signature = g.token.rsplit('.').next().unwrap();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = g.header_with(|h| h["alg"] = json!(alg));
        let body = format!("{}.{}", encode(&header), encode(&g.claims));
        g.refused(&format!("{body}.")).await;
        g.refused(&format!("{body}.{signature}")).await;
    }
}

#[tokio::test]
async fn jwt_hs256_signed_with_the_public_key_is_refused() {
    let g = genuine().await;
    let keys = jwks(&g.app).await;
    let public = keys["keys"][0]["x"].as_str().unwrap().to_owned();
    let header = g.header_with(|h| h["alg"] = json!("HS256"));
    let message = format!("{}.{}", encode(&header), encode(&g.claims));
    // The classic confusion: the verifier's public key used as an HMAC secret,
    // as text and as its raw bytes.
    for secret in [
        public.as_bytes().to_vec(),
        URL_SAFE_NO_PAD.decode(&public).unwrap(),
        keys.to_string().into_bytes(),
    ] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
        mac.update(message.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        g.refused(&format!("{message}.{tag}")).await;
    }
}

#[tokio::test]
async fn jwt_naming_its_own_key_by_jwk_jku_or_x5u_is_refused() {
    let g = genuine().await;
    let mine = ed25519_dalek::SigningKey::from_bytes(&uuid_bytes());
    let my_jwk = json!({
        "kty": "OKP", "crv": "Ed25519",
        "x": URL_SAFE_NO_PAD.encode(mine.verifying_key().as_bytes()),
    });
    for (name, value) in [
        ("jwk", my_jwk),
        ("jku", json!("https://evil.example/jwks.json")),
        ("x5u", json!("https://evil.example/cert.pem")),
        ("x5c", json!(["MIIBszCCAVmgAwIBAgIU"])),
    ] {
        let header = g.header_with(|h| h[name] = value.clone());
        // Signed by the attacker's key, and even by the server's own: the
        // key is taken from Relay's JWKS only, and such a header is refused.
        g.refused(&sign(&header, &g.claims, &mine)).await;
        g.refused(&g.resigned(&header, |_| {})).await;
    }
}

#[tokio::test]
async fn jwt_wrong_audience_issuer_or_type_is_refused() {
    let g = genuine().await;
    let header = g.header.clone();
    g.refused(&g.resigned(&header, |c| c["aud"] = json!("another-service")))
        .await;
    g.refused(&g.resigned(&header, |c| c["iss"] = json!("https://evil.example")))
        .await;
    // Explicit typing: another kind of JWT signed by the same key is no session.
    for typ in [json!("JWT"), json!("id_token+jwt"), Value::Null] {
        let header = g.header_with(|h| h["typ"] = typ.clone());
        g.refused(&g.resigned(&header, |_| {})).await;
    }
    let header = g.header_with(|h| {
        h.as_object_mut().unwrap().remove("typ");
    });
    g.refused(&g.resigned(&header, |_| {})).await;
}

#[tokio::test]
async fn jwt_expired_is_refused() {
    let g = genuine().await;
    let now = g.now();
    let token = g.resigned(&g.header, |c| c["exp"] = json!(now - 1));
    assert_eq!(g.refused(&token).await, "token_expired");
    // And the genuine one, once its hour has passed on the server's clock.
    g.app
        .running
        .clock()
        .advance(std::time::Duration::from_secs(3601));
    assert_eq!(g.refused(&g.token).await, "token_expired");
}

#[tokio::test]
async fn jwt_not_yet_valid_is_refused() {
    let g = genuine().await;
    let now = g.now();
    g.refused(&g.resigned(&g.header, |c| c["nbf"] = json!(now + 3600)))
        .await;
}

#[tokio::test]
async fn jwt_without_exp_or_nbf_is_refused() {
    let g = genuine().await;
    for claim in ["exp", "nbf", "aud", "iss", "sub"] {
        g.refused(&g.resigned(&g.header, |c| {
            c.as_object_mut().unwrap().remove(claim);
        }))
        .await;
    }
}

#[tokio::test]
async fn jwt_tampered_is_refused() {
    let g = genuine().await;
    let mut claims = g.claims.clone();
    claims["login"] = json!("ada");
    claims["sub"] = json!("someone-else");
    let pieces: Vec<&str> = g.token.split('.').collect();
    g.refused(&format!("{}.{}.{}", pieces[0], encode(&claims), pieces[2]))
        .await;
    // One flipped bit of the signature.
    let mut signature = URL_SAFE_NO_PAD.decode(pieces[2]).unwrap();
    signature[0] ^= 1;
    let flipped = URL_SAFE_NO_PAD.encode(signature);
    g.refused(&format!("{}.{}.{flipped}", pieces[0], pieces[1]))
        .await;
}

#[tokio::test]
async fn jwt_unknown_or_missing_kid_is_refused() {
    let g = genuine().await;
    let stranger = ed25519_dalek::SigningKey::from_bytes(&uuid_bytes());
    let unknown = g.header_with(|h| h["kid"] = json!("0123456789abcdef"));
    g.refused(&sign(&unknown, &g.claims, &stranger)).await;
    g.refused(&g.resigned(&unknown, |_| {})).await;
    let none = g.header_with(|h| {
        h.as_object_mut().unwrap().remove("kid");
    });
    g.refused(&g.resigned(&none, |_| {})).await;
}

#[tokio::test]
async fn jwt_of_several_megabytes_is_refused_before_it_is_parsed() {
    let g = genuine().await;
    // Just over the cap: a well-formed, validly signed token, refused for its size.
    let padded = g.resigned(&g.header, |c| c["pad"] = json!("x".repeat(4096)));
    g.refused(&padded).await;
    // Megabytes: refused by the server before any handler runs.
    let huge = g.resigned(&g.header, |c| c["pad"] = json!("x".repeat(4 << 20)));
    let response = reqwest::Client::new()
        .get(g.app.url("/api/me"))
        .bearer_auth(&huge)
        .send()
        .await;
    if let Ok(response) = response {
        assert!(response.status().is_client_error(), "{}", response.status());
    }
    assert_eq!(api(&g.app, &g.token, "/api/me").await.0, StatusCode::OK);
}
