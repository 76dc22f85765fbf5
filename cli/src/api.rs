//! The server's bearer-token API, and every error the CLI can end with
//! (each with its own exit code, so scripts can tell them apart).

use protocol::api::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

use crate::session::Session;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot reach the Relay server at {server} ({reason}). Is it running? Choose another with --server or RELAY_SERVER.")]
    Unreachable { server: String, reason: String },
    #[error("not logged in. Run `relay auth` first.")]
    NotLoggedIn,
    #[error("your session has expired. Run `relay auth` again.")]
    Expired,
    #[error("{0}")]
    UnknownProvider(String),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Local(String),
    #[error("cancelled.")]
    Cancelled,
}

impl CliError {
    /// 1: refused or failed; 3: not logged in or expired; 4: server
    /// unreachable; 5: unknown provider; 130: cancelled (Ctrl-C).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Refused(_) | CliError::Local(_) => 1,
            CliError::NotLoggedIn | CliError::Expired => 3,
            CliError::Unreachable { .. } => 4,
            CliError::UnknownProvider(_) => 5,
            CliError::Cancelled => 130,
        }
    }
}

/// A path segment, escaped (provider names come from the command line).
pub fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The error a refusal of the server stands for: decided by its code, the
/// message only shown. `None`: the body was not an `ErrorBody`.
pub fn refusal(status: u16, body: Option<ErrorBody>) -> CliError {
    let Some(body) = body else {
        return CliError::Refused(format!("the server answered HTTP {status}"));
    };
    match body.error {
        ErrorCode::NotSignedIn => CliError::NotLoggedIn,
        ErrorCode::TokenExpired => CliError::Expired,
        ErrorCode::UnknownProvider => CliError::UnknownProvider(body.message),
        _ => CliError::Refused(body.message),
    }
}

pub struct Api {
    base: Url,
    http: reqwest::Client,
}

impl Api {
    pub fn new(server: &str) -> Result<Api, CliError> {
        let mut base = Url::parse(server)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| CliError::Local(format!("“{server}” is not an http(s) URL")))?;
        // A session token goes over plain http to this machine only.
        let loopback = matches!(base.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if base.scheme() == "http" && !loopback {
            return Err(CliError::Local(format!(
                "refusing to talk to {server} over plain http: use https (http is for this machine only)"
            )));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(30))
            .user_agent(concat!("relay-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::Local(e.to_string()))?;
        Ok(Api { base, http })
    }

    /// The server as the user gave it, without a trailing slash.
    pub fn server(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_owned()
    }

    pub fn url(&self, path: &str) -> Url {
        self.base
            .join(path.trim_start_matches('/'))
            .expect("a path joins onto the server URL")
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        session: &Session,
        path: &str,
    ) -> Result<T, CliError> {
        let request = self.http.get(self.url(path)).bearer_auth(&session.token);
        self.send(request).await
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        session: &Session,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, CliError> {
        let request = self
            .http
            .post(self.url(path))
            .bearer_auth(&session.token)
            .json(body);
        self.send(request).await
    }

    pub async fn delete<T: DeserializeOwned>(
        &self,
        session: &Session,
        path: &str,
    ) -> Result<T, CliError> {
        let request = self.http.delete(self.url(path)).bearer_auth(&session.token);
        self.send(request).await
    }

    /// Sends, reads the answer as `T`, and turns the server's refusals into
    /// their errors.
    pub async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, CliError> {
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(|e| {
                CliError::Local(format!(
                    "{} answered in a shape this relay does not understand ({}); update relay",
                    self.server(),
                    e.without_url()
                ))
            });
        }
        Err(refusal(status.as_u16(), response.json().await.ok()))
    }

    pub fn unreachable(&self, e: reqwest::Error) -> CliError {
        let reason = if e.is_timeout() {
            "timed out".to_owned()
        } else if e.is_connect() {
            "connection refused".to_owned()
        } else {
            e.without_url().to_string()
        };
        CliError::Unreachable {
            server: self.server(),
            reason,
        }
    }
}
