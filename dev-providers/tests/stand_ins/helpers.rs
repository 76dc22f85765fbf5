use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use dev_providers::DevSettings;
use protocol::clock::Clock;
use reqwest::header::LOCATION;
use reqwest::{Client, Response, StatusCode};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use url::Url;

/// Where the client registered at the stand-ins lives: its redirect URIs
/// are `<RELAY>oauth/callback/<provider>`. Nothing listens there; the tests
/// read the redirects instead of following them.
pub const RELAY: &str = "http://relay.test/";

/// The stand-ins, running.
pub struct StandIns {
    pub base: Url,
    pub client: Client,
    /// What the stand-ins read as the time: moved instead of waiting.
    pub clock: Clock,
    _data: TempDir,
}

/// The stand-ins as `scripts/run` starts them (quirks on, 15-minute codes).
pub fn defaults() -> DevSettings {
    DevSettings {
        expires_in: 900,
        interval: 5,
        quirks: true,
        github_device_flow: true,
    }
}

pub async fn spawn() -> StandIns {
    spawn_with(defaults()).await
}

pub async fn spawn_with(settings: DevSettings) -> StandIns {
    let data = tempfile::tempdir().expect("temporary directory");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let clock = Clock::system();
    let router = dev_providers::router(
        data.path(),
        &base,
        &Url::parse(RELAY).unwrap(),
        settings,
        clock.clone(),
    )
    .await
    .expect("the stand-ins start");
    tokio::spawn(async move { axum::serve(listener, router).await });
    StandIns {
        base,
        client: browser(),
        clock,
        _data: data,
    }
}

/// A client that keeps cookies and, like a test of redirects must, does not follow them.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("expected a redirect, got {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

impl StandIns {
    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap()
    }

    /// The redirect URI registered for `provider`'s client.
    pub fn redirect_uri(&self, provider: &str) -> String {
        format!("{RELAY}oauth/callback/{provider}")
    }

    /// Where a client sends the browser to log in at `provider`, with an S256
    /// challenge of `verifier`.
    pub fn authorize_url(&self, provider: &str, verifier: &str) -> Url {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let mut url = self.url(&format!("{provider}/authorize"));
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", dev_providers::CLIENT_ID)
            .append_pair("redirect_uri", &self.redirect_uri(provider))
            .append_pair("state", "state-of-the-test-client")
            .append_pair("scope", "read:user")
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        url
    }

    /// Plays the person on the provider's page: chooses `login` and presses
    /// Authorize (or Cancel). Returns the redirect back to the client.
    pub async fn decide(&self, authorize_url: &Url, login: &str, decision: &str) -> Url {
        let page = self.client.get(authorize_url.clone()).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains(">Authorize</button>") && html.contains(">Cancel</button>"),
            "{html}"
        );
        let mut form: Vec<(String, String)> = authorize_url.query_pairs().into_owned().collect();
        form.push(("other_login".into(), login.into()));
        form.push(("decision".into(), decision.into()));
        let mut post_url = authorize_url.clone();
        post_url.set_query(None);
        let response = self.client.post(post_url).form(&form).send().await.unwrap();
        assert!(
            response.status().is_redirection(),
            "decision: {}",
            response.status()
        );
        Url::parse(&location(&response)).unwrap()
    }
}
