//! An OAuth provider whose answers a test scripts, over real HTTP: the RFC
//! 8628 device grant, and refresh tokens that rotate with reuse detection
//! (RFC 9700 §4.14.2: a refresh token presented twice is refused), and a
//! login by redirect that approves at once, with a userinfo answer the test
//! chooses. Relay reaches it as OpenAI (`vars`) or as a login provider
//! (`login_vars`), through discovery-free endpoint settings.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Form, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::Notify;

/// How the provider answers one request to its token endpoint.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// `authorization_pending` (to a device-code poll).
    Pending,
    /// What a healthy provider answers: the grant, or the rotated tokens.
    Normal,
    /// Never answers; the request ends when the caller goes away.
    Hang,
    /// An overloaded provider: answers 503 after this long, never having
    /// processed the request.
    Stalls(Duration),
    /// HTTP 500 with an RFC 6749 error body.
    ServerError,
    /// HTTP 200 with a body that is not JSON.
    Malformed,
    /// Starts a 200 answer, then drops the connection mid-body.
    Dropped,
}

/// What the provider saw.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub device_polls: usize,
    pub refresh_requests: usize,
    /// Refresh tokens traded for new ones.
    pub rotations: usize,
    /// Refresh tokens presented again after their rotation.
    pub reused: usize,
    pub most_in_flight: usize,
}

#[derive(Default)]
struct State {
    seen: Seen,
    in_flight: usize,
    device_script: VecDeque<Answer>,
    refresh_script: VecDeque<Answer>,
    live_refresh_token: Option<String>,
    used_refresh_tokens: HashSet<String>,
    issued: usize,
    latency: Duration,
    userinfo: serde_json::Value,
    /// What `/device` names as the verification URI (a default when `None`).
    verification_uri: Option<String>,
}

#[derive(Clone)]
pub struct FakeProvider {
    pub base: String,
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
}

/// Counts a request in flight until it is answered or abandoned.
struct InFlight(Arc<Mutex<State>>);

impl InFlight {
    fn enter(state: &Arc<Mutex<State>>) -> Self {
        let mut s = state.lock().unwrap();
        s.in_flight += 1;
        s.seen.most_in_flight = s.seen.most_in_flight.max(s.in_flight);
        InFlight(state.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.lock().unwrap().in_flight -= 1;
    }
}

impl FakeProvider {
    /// A provider answering device polls by `device` and refreshes by
    /// `refresh`, one answer per request, then `Normal` ones.
    pub async fn start(device: &[Answer], refresh: &[Answer]) -> Self {
        Self::with_latency(device, refresh, Duration::ZERO).await
    }

    /// `start`, each answer taking `latency` (so overlapping requests show).
    pub async fn with_latency(device: &[Answer], refresh: &[Answer], latency: Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let provider = FakeProvider {
            base: format!("http://{}", listener.local_addr().unwrap()),
            state: Arc::new(Mutex::new(State {
                device_script: device.iter().copied().collect(),
                refresh_script: refresh.iter().copied().collect(),
                latency,
                ..State::default()
            })),
            arrived: Arc::new(Notify::new()),
        };
        let on_token = provider.clone();
        let on_userinfo = provider.clone();
        let on_device = provider.clone();
        let app = Router::new()
            .route(
                "/authorize",
                get(|Query(q): Query<HashMap<String, String>>| async move {
                    let mut back = url::Url::parse(&q["redirect_uri"]).unwrap();
                    back.query_pairs_mut()
                        .append_pair("code", "fake-authorization-code")
                        .append_pair("state", &q["state"]);
                    axum::response::Redirect::to(back.as_str())
                }),
            )
            .route(
                "/userinfo",
                get(move || {
                    let provider = on_userinfo.clone();
                    async move { Json(provider.state.lock().unwrap().userinfo.clone()) }
                }),
            )
            .route(
                "/device",
                post(move || {
                    let uri = on_device.state.lock().unwrap().verification_uri.clone();
                    let uri = uri.unwrap_or_else(|| "http://127.0.0.1/device".to_owned());
                    async move {
                        Json(json!({
                            "device_code": "fake-device-code", "user_code": "FAKE-CODE",
                            "verification_uri": uri, "expires_in": 600, "interval": 1
                        }))
                    }
                }),
            )
            .route(
                "/token",
                post(move |Form(form): Form<HashMap<String, String>>| {
                    let provider = on_token.clone();
                    async move { provider.token(form).await }
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        provider
    }

    /// Relay's settings that make this provider its OpenAI.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("RELAY_DEV_PROVIDERS", "on".to_owned()),
            ("RELAY_OPENAI_CLIENT_ID", "relay-test".to_owned()),
            ("RELAY_OPENAI_DEVICE_URL", format!("{}/device", self.base)),
            ("RELAY_OPENAI_TOKEN_URL", format!("{}/token", self.base)),
        ]
    }

    /// Relay's settings that make this provider `provider`'s login (by
    /// redirect, with userinfo).
    pub fn login_vars(&self, provider: &str) -> Vec<(String, String)> {
        let name = |field: &str| format!("RELAY_{}_{field}", provider.to_uppercase());
        vec![
            ("RELAY_DEV_PROVIDERS".to_owned(), "on".to_owned()),
            (name("CLIENT_ID"), "relay-test".to_owned()),
            (name("CLIENT_SECRET"), "relay-test-secret".to_owned()),
            (name("AUTH_URL"), format!("{}/authorize", self.base)),
            (name("TOKEN_URL"), format!("{}/token", self.base)),
            (name("USERINFO_URL"), format!("{}/userinfo", self.base)),
        ]
    }

    /// The verification URI `/device` hands out from now on.
    pub fn set_verification_uri(&self, uri: &str) {
        self.state.lock().unwrap().verification_uri = Some(uri.to_owned());
    }

    /// What `/userinfo` answers from now on.
    pub fn set_userinfo(&self, answer: serde_json::Value) {
        self.state.lock().unwrap().userinfo = answer;
    }

    pub fn seen(&self) -> Seen {
        self.state.lock().unwrap().seen.clone()
    }

    /// Waits until what the provider saw satisfies `done`.
    pub async fn until(&self, done: impl Fn(&Seen) -> bool) {
        loop {
            let arrived = self.arrived.notified();
            if done(&self.seen()) {
                return;
            }
            arrived.await;
        }
    }

    async fn token(&self, form: HashMap<String, String>) -> Response {
        let _in_flight = InFlight::enter(&self.state);
        let grant_type = form.get("grant_type").map(String::as_str);
        if grant_type == Some("authorization_code") {
            return self.grant(&form, false);
        }
        let is_refresh = grant_type == Some("refresh_token");
        let answer = {
            let mut s = self.state.lock().unwrap();
            let script = if is_refresh {
                s.seen.refresh_requests += 1;
                &mut s.refresh_script
            } else {
                s.seen.device_polls += 1;
                &mut s.device_script
            };
            script.pop_front().unwrap_or(Answer::Normal)
        };
        self.arrived.notify_waiters();
        let latency = self.state.lock().unwrap().latency;
        tokio::time::sleep(latency).await;
        match answer {
            Answer::Pending => oauth_error(StatusCode::BAD_REQUEST, "authorization_pending"),
            Answer::Normal => self.grant(&form, is_refresh),
            Answer::Hang => std::future::pending::<Response>().await,
            Answer::Stalls(delay) => {
                tokio::time::sleep(delay).await;
                oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")
            }
            Answer::ServerError => oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
            Answer::Malformed => {
                (StatusCode::OK, "<html>upstream proxy error</html>").into_response()
            }
            Answer::Dropped => {
                let broken = futures::stream::iter([
                    Ok(axum::body::Bytes::from_static(b"{\"access_token\": \"")),
                    Err(std::io::Error::other("connection reset")),
                ]);
                (
                    [("content-type", "application/json")],
                    Body::from_stream(broken),
                )
                    .into_response()
            }
        }
    }

    /// A grant (device code) or a rotation (refresh token), or the refusal
    /// of a refresh token that is not the live one.
    fn grant(&self, form: &HashMap<String, String>, is_refresh: bool) -> Response {
        let mut s = self.state.lock().unwrap();
        if is_refresh {
            let presented = form.get("refresh_token").cloned().unwrap_or_default();
            if s.live_refresh_token.as_ref() != Some(&presented) {
                if s.used_refresh_tokens.contains(&presented) {
                    s.seen.reused += 1;
                }
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            }
            s.used_refresh_tokens.insert(presented);
            s.seen.rotations += 1;
        }
        s.issued += 1;
        let n = s.issued;
        let refresh_token = format!("fake_rt_{n}_0123456789");
        s.live_refresh_token = Some(refresh_token.clone());
        Json(json!({
            "access_token": format!("fake_at_{n}_0123456789"), "token_type": "Bearer",
            "expires_in": 3600, "refresh_token": refresh_token
        }))
        .into_response()
    }
}

fn oauth_error(status: StatusCode, code: &str) -> Response {
    (status, Json(json!({ "error": code }))).into_response()
}
