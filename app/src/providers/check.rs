//! Asking a provider whether a credential works: the registry's `Check` (one
//! read-only request, usually its model list) and what the answer means.
//! The provider's own words are passed on, never the credential.

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use crate::providers::{Check, Finds, SentAs};

/// What a good answer showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proof {
    Models(usize),
    Account(String),
}

impl Proof {
    /// "12 models", "octocat": kept with the credential, shown after "Works: ".
    pub fn finding(&self) -> String {
        match self {
            Proof::Models(1) => "1 model".to_owned(),
            Proof::Models(n) => format!("{n} models"),
            Proof::Account(name) => format!("signed in as {name}"),
        }
    }
}

/// The provider's verdict on a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checked {
    Works(Proof),
    /// Refused (400, 401, 403): a key it does not know, revoked, or without
    /// access; the provider's message, or its status.
    Refused(String),
    /// No verdict (rate-limited, down, unreachable, an unreadable answer):
    /// the credential may well be good.
    NoVerdict(String),
}

/// Sends `token` to the check at `url` as `sent_as` says.
pub async fn check(
    http: &reqwest::Client,
    url: &Url,
    check: &Check,
    token: &SecretString,
    sent_as: SentAs,
) -> Checked {
    let secret = token.expose_secret();
    let mut request = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json");
    for (name, value) in check.headers {
        request = request.header(*name, *value);
    }
    request = match (sent_as, check.key_header) {
        (SentAs::Key, Some(header)) => request.header(header, secret),
        (SentAs::Key, None) => request.bearer_auth(secret),
        (SentAs::Bearer, _) => {
            for (name, value) in check.bearer_headers {
                request = request.header(*name, *value);
            }
            request.bearer_auth(secret)
        }
    };
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => return Checked::NoVerdict(format!("no answer ({})", e.without_url())),
    };
    let status = response.status();
    let body = response.bytes().await.unwrap_or_default();
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    if status.is_success() {
        return match json.as_ref().and_then(|j| proof(j, check.finds)) {
            Some(proof) => Checked::Works(proof),
            None => Checked::NoVerdict("an unreadable answer".to_owned()),
        };
    }
    let said = json
        .as_ref()
        .and_then(message)
        .map(|m| clean(&m, secret))
        .map(|m| format!("{m} (HTTP {})", status.as_u16()))
        .unwrap_or_else(|| format!("HTTP {status}"));
    match status.as_u16() {
        400 | 401 | 403 => Checked::Refused(said),
        429 => Checked::NoVerdict(format!("rate-limited: {said}")),
        _ => Checked::NoVerdict(said),
    }
}

fn proof(answer: &Value, finds: Finds) -> Option<Proof> {
    match finds {
        Finds::Models { list } => answer
            .get(list)
            .and_then(Value::as_array)
            .map(|models| Proof::Models(models.len())),
        Finds::Account => answer
            .get("login")
            .or_else(|| answer.get("email"))
            .and_then(Value::as_str)
            .filter(|name| !name.trim().is_empty())
            .map(|name| Proof::Account(name.chars().take(100).collect())),
    }
}

/// The message of an error answer, in the shapes providers use:
/// `{"error":{"message":…}}`, `{"message":…}`, `{"error_description":…}`,
/// `{"error":"…"}`.
fn message(answer: &Value) -> Option<String> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    text(answer.pointer("/error/message"))
        .or_else(|| text(answer.get("message")))
        .or_else(|| text(answer.get("error_description")))
        .or_else(|| text(answer.get("error")))
        .filter(|m| !m.trim().is_empty())
}

/// The provider's words, made safe to show: one line, at most 200
/// characters, and never the credential (some providers quote the key).
fn clean(message: &str, secret: &str) -> String {
    let redacted = if secret.len() >= 8 {
        message.replace(secret, "…")
    } else {
        message.to_owned()
    };
    let line: String = redacted
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    line.trim().trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_model_list_is_counted_and_an_account_named() {
        let models = json!({ "data": [{ "id": "a" }, { "id": "b" }] });
        assert_eq!(
            proof(&models, Finds::Models { list: "data" }),
            Some(Proof::Models(2))
        );
        assert_eq!(proof(&models, Finds::Models { list: "models" }), None);
        let user = json!({ "login": "octocat", "id": 1 });
        assert_eq!(
            proof(&user, Finds::Account).unwrap().finding(),
            "signed in as octocat"
        );
        assert_eq!(Proof::Models(12).finding(), "12 models");
    }

    #[test]
    fn the_providers_words_are_read_in_each_shape_and_never_repeat_the_key() {
        let key = "sk-proj-ABCDEFGHIJKLMNOP";
        let openai =
            json!({ "error": { "message": format!("Incorrect API key provided: {key}.") } });
        let said = clean(&message(&openai).unwrap(), key);
        assert_eq!(said, "Incorrect API key provided: …");
        assert_eq!(
            message(&json!({ "message": "Bad credentials" })).as_deref(),
            Some("Bad credentials")
        );
        assert_eq!(
            message(&json!({ "error": "invalid_token" })).as_deref(),
            Some("invalid_token")
        );
        assert_eq!(message(&json!({ "error": { "code": 1 } })), None);
        let long = clean(&"x\ny".repeat(200), key);
        assert!(
            long.chars().count() <= 200 && !long.contains('\n'),
            "{long}"
        );
    }
}
