//! Who a provider token belongs to: the stable subject that identifies the
//! account, and the name shown for it ("Logged in as …").

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::providers::registry::ProviderEndpoints;
use crate::providers::ProviderInfo;

/// A person's account at a provider, as the provider names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Shown, never trusted: a verified email, else a username or name.
    pub name: String,
    /// Who the account is. `None` when the provider did not say.
    pub subject: Option<Subject>,
}

/// The provider's own identifier of an account (OpenID `sub`, GitHub's
/// numeric `id`), with the issuer that assigned it. Names and emails can be
/// chosen by whoever runs a tenant; only this identifies a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub issuer: String,
    pub id: String,
}

/// The fields of OpenID userinfo and of GitHub's `/user` that matter here.
#[derive(Deserialize)]
struct UserInfo {
    sub: Option<String>,
    /// GitHub's `/user` has no `sub`: its numeric `id` is the stable one
    /// (the login can be renamed and then taken by someone else).
    id: Option<serde_json::Value>,
    email: Option<String>,
    email_verified: Option<serde_json::Value>,
    preferred_username: Option<String>,
    login: Option<String>,
    name: Option<String>,
}

impl UserInfo {
    fn subject(&self) -> Option<String> {
        let sub = self.sub.clone().filter(|s| !s.trim().is_empty());
        let github_id = match &self.id {
            Some(serde_json::Value::Number(n)) if n.is_u64() => Some(n.to_string()),
            _ => None,
        };
        sub.or(github_id).filter(|s| s.len() <= 255)
    }

    /// An email is shown as the account only when the provider vouches for
    /// it (`email_verified`; some providers send the string "true"). GitHub
    /// sends a login, which comes first for it anyway.
    fn verified_email(&self) -> Option<String> {
        let verified = matches!(&self.email_verified, Some(serde_json::Value::Bool(true)))
            || matches!(&self.email_verified, Some(serde_json::Value::String(s)) if s == "true");
        self.email.clone().filter(|_| verified)
    }

    fn name(self) -> Option<String> {
        let email = self.verified_email();
        let subject = self.subject();
        [
            self.login,
            email,
            self.preferred_username,
            self.name,
            subject,
        ]
        .into_iter()
        .flatten()
        .find(|s| !s.trim().is_empty())
        .map(|s| s.chars().take(200).collect())
    }
}

/// Reads a userinfo answer. `issuer` is who assigns its subjects.
pub fn parse(body: &[u8], issuer: &str) -> Option<Account> {
    let info: UserInfo = serde_json::from_slice(body).ok()?;
    let subject = info.subject().map(|id| Subject {
        issuer: issuer.to_owned(),
        id,
    });
    let name = info.name()?;
    Some(Account { name, subject })
}

/// The account the token belongs to. Never fails: without an answer the
/// credential is still good, it is just named after the provider (and has
/// no subject, so it cannot sign anyone in).
pub async fn account(
    http: &reqwest::Client,
    endpoints: &ProviderEndpoints,
    info: &ProviderInfo,
    token: &SecretString,
) -> Account {
    let unnamed = || Account {
        name: format!("your {} account", info.name),
        subject: None,
    };
    match who(http, endpoints, token).await {
        Ok(Some(account)) => account,
        Ok(None) => unnamed(),
        Err(e) => {
            tracing::warn!(provider = %info.id, error = %e, "userinfo failed");
            unnamed()
        }
    }
}

/// Asks the userinfo endpoint who `token` belongs to. `Ok(None)`: the
/// provider has no userinfo endpoint. The error says what the provider did.
pub async fn who(
    http: &reqwest::Client,
    endpoints: &ProviderEndpoints,
    token: &SecretString,
) -> Result<Option<Account>, String> {
    let Some(url) = &endpoints.userinfo_url else {
        return Ok(None);
    };
    let response = http
        .get(url.clone())
        .bearer_auth(token.expose_secret())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("no answer ({})", e.without_url()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("no answer ({})", e.without_url()))?;
    parse(&body, &endpoints.subject_issuer())
        .map(Some)
        .ok_or_else(|| "an unreadable answer".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Option<Account> {
        parse(json.as_bytes(), "https://issuer.example")
    }

    #[test]
    fn the_subject_is_sub_or_githubs_numeric_id_never_a_name() {
        let oidc =
            read(r#"{"sub":"abc-123","email":"a@x.example","email_verified":true}"#).unwrap();
        assert_eq!(oidc.subject.unwrap().id, "abc-123");
        let github = read(r#"{"id":583231,"login":"octocat"}"#).unwrap();
        assert_eq!(github.subject.unwrap().id, "583231");
        assert_eq!(github.name, "octocat");
        // A string "id" is not GitHub's number, and names never stand in.
        let nameless = read(r#"{"id":"583231","email":"a@x.example","name":"Ada"}"#).unwrap();
        assert_eq!(nameless.subject, None);
        assert_eq!(nameless.name, "Ada");
    }

    #[test]
    fn an_unverified_email_is_not_shown_as_the_account() {
        let unverified =
            read(r#"{"sub":"1","email":"victim@x.example","preferred_username":"mallory"}"#)
                .unwrap();
        assert_eq!(unverified.name, "mallory");
        let refused =
            read(r#"{"sub":"1","email":"victim@x.example","email_verified":false,"name":"M"}"#)
                .unwrap();
        assert_eq!(refused.name, "M");
        let verified =
            read(r#"{"sub":"1","email":"ada@x.example","email_verified":"true"}"#).unwrap();
        assert_eq!(verified.name, "ada@x.example");
    }

    #[test]
    fn an_answer_that_names_nobody_is_unreadable() {
        assert_eq!(read("{}"), None);
        assert_eq!(read("not json"), None);
    }
}
