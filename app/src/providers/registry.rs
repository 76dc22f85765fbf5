//! How this server reaches each provider: the configured half of the provider
//! registry (the static half is `crate::providers`). Built once at start from
//! `RELAY_<PROVIDER>_…` variables, or from the development providers.

use secrecy::SecretString;
use url::Url;

use crate::providers::{self, ConnectMethod, ProviderId, ProviderInfo};

/// One provider's OAuth client registration and endpoints.
#[derive(Clone, Debug)]
pub struct ProviderEndpoints {
    pub id: ProviderId,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    /// Authorization endpoint: present means "connect by redirect".
    pub auth_url: Option<Url>,
    pub token_url: Url,
    /// RFC 8628 device authorization endpoint: present means "connect by code".
    pub device_url: Option<Url>,
    pub userinfo_url: Option<Url>,
    /// RFC 7009 revocation endpoint, used on disconnect.
    pub revoke_url: Option<Url>,
    /// GitHub's REST API root (`/user`, `/user/repos`).
    pub api_url: Option<Url>,
    pub scopes: Vec<String>,
    /// The OpenID issuer, when the endpoints were discovered from one: it
    /// names who assigns the accounts' subjects, and RFC 9207's `iss`.
    pub issuer: Option<Url>,
    /// Whether the provider names itself (`iss`) in every authorization
    /// response (RFC 9207's `authorization_response_iss_parameter_supported`).
    pub issuer_in_callbacks: bool,
}

impl ProviderEndpoints {
    /// RFC 9207: an authorization response's `iss` must be this provider's
    /// issuer, and must be there when the provider says it always is.
    /// Without a known issuer (no discovery) there is nothing to compare.
    pub fn check_callback_issuer(&self, iss: Option<&str>) -> Result<(), IssuerMismatch> {
        let trimmed = |s: &str| s.trim_end_matches('/').to_owned();
        match (iss, &self.issuer) {
            (Some(got), Some(issuer)) if trimmed(got) != trimmed(issuer.as_str()) => {
                Err(IssuerMismatch)
            }
            (None, Some(_)) if self.issuer_in_callbacks => Err(IssuerMismatch),
            _ => Ok(()),
        }
    }

    /// Who assigns this provider's account subjects: its OpenID issuer, else
    /// the origin of the endpoint that names accounts (userinfo, or the API).
    pub fn subject_issuer(&self) -> String {
        match (
            &self.issuer,
            self.userinfo_url.as_ref().or(self.api_url.as_ref()),
        ) {
            (Some(issuer), _) => issuer.as_str().trim_end_matches('/').to_owned(),
            (None, Some(url)) => url.origin().ascii_serialization(),
            (None, None) => self.token_url.origin().ascii_serialization(),
        }
    }
}

/// An authorization response whose `iss` is not its provider's.
#[derive(Debug, PartialEq, Eq)]
pub struct IssuerMismatch;

/// Every configured provider. A provider missing here offers only the
/// methods that need no configuration (import, access token).
#[derive(Clone, Debug)]
pub struct Registry {
    configured: Vec<ProviderEndpoints>,
    /// Where each provider's credential check is sent (`providers::Check`).
    check_urls: Vec<(ProviderId, Url)>,
}

impl Registry {
    /// `configured` must include the sign-in provider.
    pub fn new(configured: Vec<ProviderEndpoints>) -> Registry {
        assert!(
            configured.iter().any(|p| p.id == providers::SIGN_IN.id),
            "{} must be configured: it is the sign-in provider",
            providers::SIGN_IN.name
        );
        Registry {
            configured,
            check_urls: Vec::new(),
        }
    }

    /// Where the checks go: the configured or public URL of each provider
    /// that has a check (`providers::Check`).
    pub fn with_check_urls(mut self, check_urls: Vec<(ProviderId, Url)>) -> Registry {
        self.check_urls = check_urls;
        self
    }

    /// Where `id`'s credentials are proven; `None`: they cannot be here.
    pub fn check_url(&self, id: ProviderId) -> Option<&Url> {
        self.check_urls
            .iter()
            .find(|(p, _)| *p == id)
            .map(|(_, url)| url)
    }

    pub fn endpoints(&self, id: ProviderId) -> Option<&ProviderEndpoints> {
        self.configured.iter().find(|p| p.id == id)
    }

    /// The sign-in provider (GitHub), whose token also reads the repositories.
    pub fn github(&self) -> &ProviderEndpoints {
        self.endpoints(providers::SIGN_IN.id)
            .expect("checked in Registry::new")
    }

    /// The ways `info` can be connected here, the preferred one first.
    pub fn methods(&self, info: &ProviderInfo) -> Vec<ConnectMethod> {
        let mut methods = Vec::new();
        if let Some(endpoints) = self.endpoints(info.id) {
            if endpoints.auth_url.is_some() {
                methods.push(ConnectMethod::Redirect);
            }
            if endpoints.device_url.is_some() {
                methods.push(ConnectMethod::DeviceCode);
            }
        }
        if info.import.is_some() {
            methods.push(ConnectMethod::Import);
        }
        methods.extend(info.always.iter().copied());
        methods
    }

    pub fn supports(&self, info: &ProviderInfo, method: ConnectMethod) -> bool {
        self.methods(info).contains(&method)
    }
}
