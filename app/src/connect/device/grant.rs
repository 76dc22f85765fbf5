//! The RFC 8628 client: requesting device codes and polling for the tokens,
//! one poll at a time (the schedule lives in `device_flows`, so a restart
//! loses nothing). Built on the `oauth2` crate; provider quirks are absorbed
//! here generically (see DESIGN.md, "Providers").

use crate::platform::Clock;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oauth2::{
    DeviceAuthorizationResponse, DeviceAuthorizationUrl, DeviceCodeErrorResponseType,
    ExtraDeviceAuthorizationFields, RequestTokenError, Scope,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::providers::oauth::{http_for_oauth, token_client, token_set, ExchangeError};
use crate::providers::registry::ProviderEndpoints;
use crate::vault::credentials::TokenSet;

/// Microsoft Entra adds a human-readable `message`; nobody else does.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Extras {
    pub message: Option<String>,
}
impl ExtraDeviceAuthorizationFields for Extras {}

/// What the provider handed out for one device flow.
pub struct DeviceCodes {
    pub device_code: SecretString,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: i64,
    pub interval: i64,
}

/// Asks the provider's device authorization endpoint for a code pair.
pub async fn request_codes(
    http: &reqwest::Client,
    provider: &ProviderEndpoints,
) -> Result<DeviceCodes, ExchangeError> {
    let device_url = provider
        .device_url
        .clone()
        .ok_or_else(|| ExchangeError::Rejected("device_flow_unsupported".to_owned()))?;
    let client = token_client(provider)
        .set_device_authorization_url(DeviceAuthorizationUrl::from_url(device_url));
    let response: DeviceAuthorizationResponse<Extras> = client
        .exchange_device_code()
        .add_scopes(provider.scopes.iter().map(|s| Scope::new(s.clone())))
        .request_async(&http_for_oauth(http))
        .await
        .map_err(|e| match e {
            RequestTokenError::ServerResponse(e) => ExchangeError::Rejected(e.error().to_string()),
            RequestTokenError::Request(e) => ExchangeError::Unavailable(e.to_string()),
            RequestTokenError::Parse(_, body) => {
                ExchangeError::Unavailable(format!("unreadable answer ({} bytes)", body.len()))
            }
            RequestTokenError::Other(e) => ExchangeError::Unavailable(e),
        })?;
    codes_from(&response, provider)
}

/// The longest a device code is kept, and the slowest and fastest polling,
/// whatever a provider says (its numbers are any u64 on the wire).
const MAX_EXPIRES_IN_SECS: u64 = 24 * 60 * 60;
const POLL_INTERVAL_SECS: std::ops::RangeInclusive<u64> = 1..=300;

/// The codes of a device authorization answer, checked and bounded.
pub fn codes_from(
    response: &DeviceAuthorizationResponse<Extras>,
    provider: &ProviderEndpoints,
) -> Result<DeviceCodes, ExchangeError> {
    let verification_uri = response.verification_uri().to_string();
    let verification_uri_complete = response
        .verification_uri_complete()
        .map(|u| u.secret().clone());
    // Both land in an `href` on the user's page: a `javascript:` or `data:`
    // address there would run as Relay.
    let unsafe_uri = std::iter::once(&verification_uri)
        .chain(&verification_uri_complete)
        .any(|uri| !safe_verification_uri(uri, provider));
    if unsafe_uri {
        return Err(ExchangeError::Rejected(UNSAFE_VERIFICATION_URI.to_owned()));
    }
    Ok(DeviceCodes {
        device_code: SecretString::from(response.device_code().secret().clone()),
        user_code: response.user_code().secret().clone(),
        verification_uri,
        verification_uri_complete,
        expires_in: response
            .expires_in()
            .as_secs()
            .clamp(1, MAX_EXPIRES_IN_SECS) as i64,
        interval: response
            .interval()
            .as_secs()
            .clamp(*POLL_INTERVAL_SECS.start(), *POLL_INTERVAL_SECS.end()) as i64,
    })
}

/// The code `request_codes` refuses a non-https verification address with.
pub const UNSAFE_VERIFICATION_URI: &str = "unsafe_verification_uri";

/// A verification address is shown as a link: https only, or plain http
/// from a provider that is itself reached over plain http (a development
/// provider; production refuses those).
fn safe_verification_uri(uri: &str, provider: &ProviderEndpoints) -> bool {
    let plain_provider = provider
        .device_url
        .as_ref()
        .is_some_and(|u| u.scheme() == "http");
    match url::Url::parse(uri) {
        Ok(url) if url.host().is_some() && uri.len() <= 2048 => {
            url.scheme() == "https" || (url.scheme() == "http" && plain_provider)
        }
        _ => false,
    }
}

/// The outcome of one poll of the token endpoint.
#[derive(Debug)]
pub enum Poll {
    /// Not yet: poll again after `interval` (grown by 5 s on `slow_down`,
    /// doubled when the provider could not be reached).
    Pending {
        interval: Duration,
    },
    Granted(TokenSet),
    Denied,
    Expired,
    /// Any other OAuth error; the code only, never a description.
    Failed(String),
    /// An unreadable or server-error answer: try again later.
    Unavailable(String),
}

/// Error codes meaning "the user said no" and "too late", across providers
/// (Microsoft says `authorization_declined`, and `code_expired` for expiry).
const DENIED: [&str; 2] = ["access_denied", "authorization_declined"];
const EXPIRED: [&str; 2] = ["expired_token", "code_expired"];
/// Error codes of a provider having a bad moment, not of a bad flow.
const TRANSIENT: [&str; 2] = ["server_error", "temporarily_unavailable"];

/// Polls the token endpoint exactly once.
///
/// The `oauth2` crate's poller loops until an answer, sleeping in between. Its
/// sleep here records the next interval and stops the loop, so the crate does
/// the protocol (grant type, `slow_down`, backoff on network errors) and the
/// database keeps the schedule.
pub async fn poll_once(
    http: &reqwest::Client,
    provider: &ProviderEndpoints,
    codes: &DeviceCodes,
    remaining: Duration,
    interval: Duration,
    clock: &Clock,
) -> Poll {
    let response: DeviceAuthorizationResponse<Extras> =
        match serde_json::from_value(serde_json::json!({
            "device_code": codes.device_code.expose_secret(),
            "user_code": codes.user_code,
            "verification_uri": codes.verification_uri,
            "expires_in": remaining.as_secs().max(1),
            "interval": interval.as_secs(),
        })) {
            Ok(response) => response,
            Err(e) => return Poll::Failed(format!("invalid stored flow: {e}")),
        };
    let client = token_client(provider);
    let next_interval = Arc::new(Mutex::new(None));
    let stop = Arc::new(tokio::sync::Notify::new());
    let sleep = {
        let (next_interval, stop) = (next_interval.clone(), stop.clone());
        move |wait: Duration| {
            *next_interval.lock().expect("not poisoned") = Some(wait);
            stop.notify_one();
            std::future::pending::<()>()
        }
    };
    let http = http_for_oauth(http);
    let request = client
        .exchange_device_access_token(&response)
        .request_async(&http, sleep, Some(remaining));
    let result = tokio::select! {
        result = request => result,
        _ = stop.notified() => {
            let interval = next_interval.lock().expect("not poisoned").unwrap_or(interval);
            return Poll::Pending { interval };
        }
    };
    match result {
        Ok(tokens) => Poll::Granted(token_set(&tokens, clock)),
        Err(RequestTokenError::ServerResponse(e)) => {
            let code = match e.error() {
                DeviceCodeErrorResponseType::AccessDenied => "access_denied".to_owned(),
                DeviceCodeErrorResponseType::ExpiredToken => "expired_token".to_owned(),
                other => other.to_string(),
            };
            if DENIED.contains(&code.as_str()) {
                Poll::Denied
            } else if EXPIRED.contains(&code.as_str()) {
                Poll::Expired
            } else if TRANSIENT.contains(&code.as_str()) {
                Poll::Unavailable(code)
            } else {
                Poll::Failed(code)
            }
        }
        Err(RequestTokenError::Parse(_, body)) => {
            Poll::Unavailable(format!("unreadable answer ({} bytes)", body.len()))
        }
        Err(RequestTokenError::Request(e)) => Poll::Unavailable(e.to_string()),
        Err(RequestTokenError::Other(e)) => Poll::Unavailable(e),
    }
}
