//! The CLI login broker over real HTTP: the browser step is played by the
//! test's cookie-keeping client, the terminal by a plain client. Session
//! JWTs are checked against the JWKS with ed25519-dalek, a library the
//! server does not use.

use app::platform::db;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD};
use base64::Engine;
use ed25519_dalek::{Signer, Verifier};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{location, spawn_app, spawn_app_with, TestApp};

/// A terminal's secrets: the state in the URL, the verifier kept back.
pub(crate) struct Terminal {
    pub(crate) state: String,
    pub(crate) verifier: String,
}

impl Terminal {
    pub(crate) fn new() -> Terminal {
        let random = || URL_SAFE_NO_PAD.encode(uuid_bytes());
        Terminal {
            state: random(),
            verifier: random(),
        }
    }

    pub(crate) fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }

    fn start_path(&self) -> String {
        self.start_path_with("github")
    }

    /// `relay auth <provider>`'s start URL.
    pub(crate) fn start_path_with(&self, provider: &str) -> String {
        format!(
            "/oauth/start?provider={provider}&mode=cli&state={}&code_challenge={}&code_challenge_method=S256",
            self.state,
            self.challenge()
        )
    }

    pub(crate) async fn poll(&self, app: &TestApp, verifier: &str) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .post(app.url("/cli/poll"))
            .json(&json!({ "state": self.state, "code_verifier": verifier }))
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }
}

pub(crate) fn uuid_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(16) {
        chunk.copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    bytes
}

/// The browser: opens the start URL, signs in at the development GitHub as
/// `login` (or cancels), confirms the terminal's code when asked, and
/// returns the final page.
pub(crate) async fn browser_signs_in(
    app: &TestApp,
    terminal: &Terminal,
    login: &str,
    decision: &str,
) -> (StatusCode, String) {
    let start = app.get(&terminal.start_path()).await;
    assert!(start.status().is_redirection(), "start: {}", start.status());
    let authorize = url::Url::parse(&location(&start)).unwrap();
    let callback = app.decide(&authorize, login, decision).await;
    let page = app.client.get(callback).send().await.unwrap();
    let (status, page) = (page.status(), page.text().await.unwrap());
    if !page.contains("Sign in your terminal?") {
        return (status, page);
    }
    let code = protocol::cli_login::user_code(&terminal.state);
    assert!(
        page.contains(&format!(
            "<p class=\"device-code\" aria-label=\"Code\">{code}</p>"
        )),
        "{page}"
    );
    confirm(app, "confirm").await
}

/// Presses a button of "Sign in your terminal?".
pub(crate) async fn confirm(app: &TestApp, decision: &str) -> (StatusCode, String) {
    let page = app
        .client
        .post(app.url("/cli/confirm"))
        .form(&[("decision", decision)])
        .send()
        .await
        .unwrap();
    (page.status(), page.text().await.unwrap())
}

pub(crate) async fn api(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (
        response.status(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// Signs `login` in through the broker and returns the session token.
pub(crate) async fn cli_token(app: &TestApp, login: &str) -> String {
    let terminal = Terminal::new();
    let (status, _) = browser_signs_in(app, &terminal, login, "authorize").await;
    assert_eq!(status, 200);
    let (status, body) = terminal.poll(app, &terminal.verifier).await;
    assert_eq!(status, 200, "{body}");
    body["session_jwt"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_terminal_signs_in_through_the_browser_and_gets_its_token_once() {
    let app = spawn_app().await;
    let terminal = Terminal::new();
    // Before the browser has even opened the link.
    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("pending"))
    );
    assert_eq!(body["interval"], 2);

    let (status, page) = browser_signs_in(&app, &terminal, "ada", "authorize").await;
    assert_eq!(status, 200);
    assert!(page.contains("You can close this tab"), "{page}");
    assert!(page.contains("Signed in as Ada Lovelace (@ada)"), "{page}");
    assert!(page.contains("Your terminal will continue on its own."));
    assert!(page.contains("<html lang=\"en\">") && page.contains("<h1 id=\"title\">"));
    // Nothing needs JavaScript; one small file may say when the terminal
    // collected its session (no inline script: the strict policy holds).
    assert_eq!(page.matches("<script").count(), 1, "{page}");
    assert!(page.contains(r#"<script src="/cli/terminal.js" defer></script>"#));

    // A wrong verifier never yields the token.
    let (status, body) = terminal
        .poll(&app, "not-the-verifier-at-all-not-at-all")
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("wrong_verifier")),
        "{body}"
    );
    assert!(body.get("session_jwt").is_none());

    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["login"], "ada");
    assert_eq!(body["expires_in"], 3600);
    let token = body["session_jwt"].as_str().unwrap().to_owned();

    // Handed out once.
    // The next poll is due: move the clock rather than wait.
    app.running.clock().advance(std::time::Duration::from_secs(
        app::cli_broker::logins::INTERVAL_SECS as u64,
    ));
    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("used"))
    );

    let (status, me) = api(&app, &token, "/api/me").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["login"], "ada");
    assert_eq!(me["providers"], json!(["github"]));
}

#[tokio::test]
async fn polling_faster_than_the_interval_is_told_to_slow_down() {
    let app = spawn_app().await;
    let terminal = Terminal::new();
    app.get(&terminal.start_path()).await;
    let (first, _) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(first, 200);
    let (second, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(second, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"], "slow_down");
    assert_eq!(body["interval"], 2);
}

#[tokio::test]
async fn an_expired_a_reused_and_a_denied_login() {
    let app = spawn_app().await;
    // Expired: ten minutes pass (moved by hand).
    let terminal = Terminal::new();
    app.get(&terminal.start_path()).await;
    // (A second ago, not at 0: the hourly pruning forgets logins a day past expiry.)
    db::execute!(
        app.db(),
        sqlx::query("UPDATE cli_logins SET expires_at = $1").bind(app.running.clock().now() - 1)
    )
    .unwrap();
    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::GONE, Some("expired"))
    );

    // Reused: the same state cannot start a second login.
    let again = app.get(&terminal.start_path()).await;
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("already started"));

    // Denied at GitHub: the page says so, the terminal learns it.
    let denied = Terminal::new();
    let (status, page) = browser_signs_in(&app, &denied, "ada", "cancel").await;
    assert_eq!(status, 400);
    assert!(
        page.contains("Sign-in was cancelled") && page.contains("Run `relay auth` again"),
        "{page}"
    );
    let (status, body) = denied.poll(&app, &denied.verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("denied"))
    );
}

#[tokio::test]
async fn bad_start_links_get_a_clear_page() {
    let app = spawn_app().await;
    let terminal = Terminal::new();
    let challenge = terminal.challenge();
    let cases = [
        (format!("/oauth/start?provider=github&mode=cli&code_challenge={challenge}&code_challenge_method=S256"), "no state"),
        (format!("/oauth/start?provider=github&mode=cli&state=short&code_challenge={challenge}&code_challenge_method=S256"), "too short"),
        (format!("/oauth/start?provider=github&mode=cli&state={}&code_challenge_method=S256", terminal.state), "no PKCE challenge"),
        (format!("/oauth/start?provider=github&mode=cli&state={}&code_challenge={challenge}&code_challenge_method=plain", terminal.state), "only S256"),
        (format!("/oauth/start?provider=github&mode=cli&state={}&code_challenge={challenge}", terminal.state), "only S256"),
        (format!("/oauth/start?provider=acme&mode=cli&state={}&code_challenge={challenge}&code_challenge_method=S256", terminal.state), "Run `relay auth` with one of: google, github, microsoft"),
    ];
    for (path, says) in cases {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 400, "{path}");
        let page = response.text().await.unwrap();
        assert!(page.contains(says), "{path}: {page}");
    }
    let count: i64 = db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT COUNT(*) FROM cli_logins")
    )
    .unwrap();
    assert_eq!(count, 0, "nothing was recorded");
}

/// The JWKS and a token's parts.
pub(crate) async fn jwks(app: &TestApp) -> Value {
    app.get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap()
}

pub(crate) fn parts(token: &str) -> (Value, Value, Vec<u8>) {
    let pieces: Vec<&str> = token.split('.').collect();
    assert_eq!(pieces.len(), 3);
    let decode = |p: &str| URL_SAFE_NO_PAD.decode(p).unwrap();
    (
        serde_json::from_slice(&decode(pieces[0])).unwrap(),
        serde_json::from_slice(&decode(pieces[1])).unwrap(),
        decode(pieces[2]),
    )
}

/// Signs `header.claims` with `key` (EdDSA), as any JWT library would.
pub(crate) fn sign(header: &Value, claims: &Value, key: &ed25519_dalek::SigningKey) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key.sign(message.as_bytes());
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// The server's own signing key, read the way the server stores it
/// (sealed under a data key wrapped by the master key).
pub(crate) async fn server_key(app: &TestApp, kid: &str) -> ed25519_dalek::SigningKey {
    use app::vault::{Binding, MasterKey, Vault, WrappedKey};
    use ed25519_dalek::pkcs8::DecodePrivateKey;
    use secrecy::ExposeSecret;
    let (master_key_id, wrapped, sealed): (String, String, String) =
        db::fetch_one!(app.db(), sqlx::query_as(
        "SELECT master_key_id, wrapped_key, sealed_private FROM signing_keys WHERE kid = $1",
    )
    .bind(kid))
        .unwrap();
    let master = std::fs::read_to_string(app.data_dir.path().join("master.key")).unwrap();
    let vault = Vault::new(MasterKey::parse(master.trim()).unwrap(), vec![]);
    let data_key = vault
        .unwrap_user_key(
            &format!("signing-key:{kid}"),
            &WrappedKey {
                master_key_id,
                wrapped,
            },
        )
        .unwrap();
    let pkcs8 = data_key
        .open(
            Binding {
                provider: "relay",
                field: "session-jwt-ed25519",
                row: None,
            },
            &sealed,
        )
        .unwrap();
    let der = B64.decode(pkcs8.expose_secret()).unwrap();
    ed25519_dalek::SigningKey::from_pkcs8_der(&der).expect("ring's PKCS#8 reads")
}

#[tokio::test]
async fn session_tokens_verify_against_the_jwks_and_end_at_logout() {
    let app = spawn_app().await;
    let token = cli_token(&app, "grace").await;
    let (header, claims, signature) = parts(&token);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    let kid = header["kid"].as_str().unwrap().to_owned();

    // Verified with ed25519-dalek against the published key.
    let keys = jwks(&app).await;
    let jwk = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (jwk["kty"].as_str(), jwk["crv"].as_str()),
        (Some("OKP"), Some("Ed25519"))
    );
    let public: [u8; 32] = URL_SAFE_NO_PAD
        .decode(jwk["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let verifying = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
    let signed = token.rsplit_once('.').unwrap().0;
    let signature = ed25519_dalek::Signature::from_slice(&signature).unwrap();
    verifying
        .verify(signed.as_bytes(), &signature)
        .expect("the JWKS key verifies the token");

    assert_eq!(
        claims["iss"],
        app.running.url.as_str().trim_end_matches('/')
    );
    assert_eq!(claims["aud"], "relay-cli");
    assert_eq!(claims["login"], "grace");
    assert_eq!(claims["providers"], json!(["github"]));
    assert!(claims["jti"].as_str().unwrap().len() >= 32);
    assert_eq!(claims["nbf"], claims["iat"]);
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert!(lifetime > 0 && lifetime <= 3600);
    assert_eq!(api(&app, &token, "/api/me").await.0, 200);

    // Forgeries, one test each: attacks::jwt.
    let key = server_key(&app, &kid).await;
    assert_eq!(
        api(&app, &sign(&header, &claims, &key), "/api/me").await.0,
        200,
        "the key read back signs like the server"
    );
    let refused = |(status, body): (StatusCode, Value)| {
        assert_eq!(status, 401, "{body}");
    };

    // Logged out: the same token is refused from then on.
    let logout = reqwest::Client::new()
        .post(app.url("/api/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 200);
    refused(api(&app, &token, "/api/me").await);
    refused(api(&app, "", "/api/me").await);
}

#[tokio::test]
async fn keys_are_added_listed_masked_and_removed_per_identity() {
    let app = spawn_app().await;
    let ada = cli_token(&app, "ada").await;
    let client = reqwest::Client::new();
    let key = app.mint_key("anthropic", "api").await;
    let hint = format!("sk-ant-api…{}", &key[key.len() - 4..]);
    let added = client
        .post(app.url("/api/keys"))
        .bearer_auth(&ada)
        .json(&json!({ "provider": "anthropic", "key": key }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let added: Value = added.json().await.unwrap();
    assert_eq!(added["env_var"], "ANTHROPIC_API_KEY");
    assert_eq!(added["kind"], "API key");

    let bad = client
        .post(app.url("/api/keys"))
        .bearer_auth(&ada)
        .json(&json!({ "provider": "openai", "key": key }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422, "an Anthropic key is not OpenAI's");
    let unknown = client
        .post(app.url("/api/keys"))
        .bearer_auth(&ada)
        .json(&json!({ "provider": "acme-ai", "key": key }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["error"],
        "unknown_provider"
    );

    let (status, list) = api(&app, &ada, "/api/keys").await;
    assert_eq!(status, 200);
    let listed = list.to_string();
    assert!(listed.contains(&format!("\"hint\":\"{hint}\"")), "{listed}");
    assert!(!listed.contains(&key[13..]), "never the key itself");

    // Another identity sees nothing of it and cannot delete it.
    let grace = cli_token(&app, "grace").await;
    assert_eq!(api(&app, &grace, "/api/keys").await.1["keys"], json!([]));
    let theirs = client
        .delete(app.url("/api/keys/anthropic"))
        .bearer_auth(&grace)
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 404);
    let (status, fetched) = api(&app, &grace, "/api/credentials/anthropic").await;
    assert_eq!(
        (status, fetched["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_connected"))
    );

    // The key is handed to agents in the variable they read.
    let (status, fetched) = api(&app, &ada, "/api/credentials/anthropic").await;
    assert_eq!(status, 200);
    assert_eq!(fetched["env"]["ANTHROPIC_API_KEY"], key.as_str());

    let removed = client
        .delete(app.url("/api/keys/anthropic"))
        .bearer_auth(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    assert_eq!(api(&app, &ada, "/api/keys").await.1["keys"], json!([]));
    let signin = client
        .delete(app.url("/api/keys/github"))
        .bearer_auth(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(signin.status(), 409, "the sign-in is not a key");
}

#[tokio::test]
async fn fetching_a_credential_near_expiry_refreshes_it_first() {
    let app = spawn_app_with(&crate::connect_device::FAST).await;
    app.sign_in("ada").await;
    crate::connect_freshness::connect(&app, "openai", "ada").await;
    let token = cli_token(&app, "ada").await;
    let (status, before) = api(&app, &token, "/api/credentials/openai").await;
    assert_eq!(status, 200, "{before}");
    let issued = crate::connect_freshness::refresh_tokens_issued(&app, "openai").await;

    crate::connect_freshness::nearly_expired(&app, "openai").await;
    let (status, after) = api(&app, &token, "/api/credentials/openai").await;
    assert_eq!(status, 200, "{after}");
    assert_ne!(after["env"], before["env"], "a new access token");
    assert_eq!(
        crate::connect_freshness::refresh_tokens_issued(&app, "openai").await,
        issued + 1,
        "refreshed exactly once"
    );
    let fetched: i64 = db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'credential_fetched'")
    )
    .unwrap();
    assert_eq!(fetched, 2, "each fetch is in the audit log");
}

#[tokio::test]
async fn rotating_the_signing_key_keeps_earlier_tokens_valid_until_they_expire() {
    let app = spawn_app().await;
    let before = cli_token(&app, "ada").await;
    let old_kid = parts(&before).0["kid"].as_str().unwrap().to_owned();

    let config = crate::helpers::test_config(app.data_dir.path(), &[]).await;
    let new_kid = server::rotate_signing_key(&config).await.unwrap();
    assert_ne!(new_kid, old_kid);

    let published: Vec<String> = jwks(&app).await["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        published,
        [new_kid.clone(), old_kid],
        "newest first, the old one still published"
    );
    let after = cli_token(&app, "ada").await;
    assert_eq!(parts(&after).0["kid"], new_kid.as_str());
    assert_eq!(
        api(&app, &before, "/api/me").await.0,
        200,
        "an earlier token still works"
    );
    assert_eq!(api(&app, &after, "/api/me").await.0, 200);
}

#[tokio::test]
async fn google_signs_a_terminal_in_as_the_user_who_connected_that_account() {
    let app = spawn_app().await;
    let providers: Value = app.get("/cli/providers").await.json().await.unwrap();
    assert_eq!(
        providers["providers"],
        json!(["google", "github", "microsoft"])
    );

    // Ada connects Google (as gemini-user) in the browser.
    app.sign_in("ada").await;
    let start = app
        .start_connect("provider=google&return_to=/settings/providers")
        .await;
    let authorize = url::Url::parse(&location(&start)).unwrap();
    let callback = app.decide(&authorize, "gemini-user", "authorize").await;
    assert!(app
        .client
        .get(callback)
        .send()
        .await
        .unwrap()
        .status()
        .is_redirection());

    let google_start = |t: &Terminal| t.start_path().replace("provider=github", "provider=google");
    let sign_in_with_google = |t: Terminal, login: &'static str| {
        let app = &app;
        async move {
            let start = app.get(&google_start(&t)).await;
            let authorize = url::Url::parse(&location(&start)).unwrap();
            assert!(
                authorize.path().ends_with("/google/authorize"),
                "{authorize}"
            );
            let callback = app.decide(&authorize, login, "authorize").await;
            let page = app.client.get(callback).send().await.unwrap();
            let (status, page) = (page.status(), page.text().await.unwrap());
            if page.contains("Sign in your terminal?") {
                let (status, page) = confirm(app, "confirm").await;
                return (t, status, page);
            }
            (t, status, page)
        }
    };

    let (terminal, status, page) = sign_in_with_google(Terminal::new(), "gemini-user").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("You can close this tab") && page.contains("(@ada)"),
        "{page}"
    );
    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(
        (status, body["login"].as_str()),
        (StatusCode::OK, Some("ada")),
        "{body}"
    );

    // A Google account nobody connected identifies nobody.
    let (stranger, status, page) = sign_in_with_google(Terminal::new(), "someone-else").await;
    assert_eq!(status, 403);
    assert!(page.contains("No Agent Relay Cloud account has the Google account someone-else@users.dev.example connected"), "{page}");
    let (status, body) = stranger.poll(&app, &stranger.verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_account"))
    );
}

#[tokio::test]
async fn only_the_browser_that_signed_in_can_confirm_and_it_can_refuse() {
    let app = spawn_app().await;
    let terminal = Terminal::new();
    let start = app.get(&terminal.start_path()).await;
    let authorize = url::Url::parse(&location(&start)).unwrap();
    let callback = app.decide(&authorize, "ada", "authorize").await;
    let page = app
        .client
        .get(callback)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Sign in your terminal?")
            && page.contains("If somebody sent you this link, cancel."),
        "{page}"
    );

    // Signed in at GitHub is not enough: until confirmed, the terminal waits.
    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("pending"))
    );

    // Another browser cannot confirm it.
    let other = crate::helpers::browser();
    let forged = other
        .post(app.url("/cli/confirm"))
        .form(&[("decision", "confirm")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    // The next poll is due: move the clock rather than wait.
    app.running.clock().advance(std::time::Duration::from_secs(
        app::cli_broker::logins::INTERVAL_SECS as u64,
    ));
    let (_, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(body["status"], "pending");

    // The browser that signed in says it is not theirs.
    let (status, page) = confirm(&app, "cancel").await;
    assert_eq!(status, 200);
    assert!(page.contains("Your terminal was not signed in."), "{page}");
    // The next poll is due: move the clock rather than wait.
    app.running.clock().advance(std::time::Duration::from_secs(
        app::cli_broker::logins::INTERVAL_SECS as u64,
    ));
    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("denied"))
    );
}
