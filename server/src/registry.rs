//! Builds the provider registry at start: the operator's provider apps (with
//! OIDC discovery where an issuer is given), and the development stand-ins
//! (when this build has them) for every provider the operator left unconfigured.

use anyhow::Context;
use app::providers::registry::{ProviderEndpoints, Registry};
use app::providers::ProviderId;
use serde::Deserialize;
use url::Url;

use crate::config::ProviderApp;

/// The development providers as the registry sees them (none in production).
#[derive(Default)]
pub struct StandIns {
    /// Used for every provider the operator did not configure.
    pub endpoints: Vec<ProviderEndpoints>,
    /// Where they prove credentials: used for every check the operator did
    /// not point elsewhere, so that no check leaves this machine.
    pub check_urls: Vec<(ProviderId, Url)>,
}

/// `check_urls`: the operator's `RELAY_<PROVIDER>_CHECK_URL`s. `https_only`
/// (production): a discovery document naming an http endpoint is refused,
/// as configured ones are.
pub async fn build(
    apps: &[ProviderApp],
    check_urls: &[(ProviderId, Url)],
    stand_ins: StandIns,
    http: &reqwest::Client,
    https_only: bool,
) -> anyhow::Result<Registry> {
    let mut configured = Vec::new();
    for app in apps {
        configured.push(resolve(app, http, https_only).await?);
    }
    let checks = app::providers::ALL
        .into_iter()
        .filter_map(|info| {
            let public = Url::parse(info.check?.url).ok();
            let find = |urls: &[(ProviderId, Url)]| {
                urls.iter()
                    .find(|(id, _)| *id == info.id)
                    .map(|(_, u)| u.clone())
            };
            let url = match (
                find(check_urls),
                configured.iter().find(|p| p.id == info.id),
            ) {
                (Some(url), _) => Some(url),
                // The operator's app at the provider's own endpoints: the
                // provider's check. At endpoints of the operator's (a proxy,
                // a test double), whose tokens the provider's check would
                // not know: only where RELAY_<PROVIDER>_CHECK_URL says.
                (None, Some(app)) => {
                    public.filter(|_| info.public.token_url == Some(app.token_url.as_str()))
                }
                (None, None) => find(&stand_ins.check_urls).or(public),
            };
            url.map(|url| (info.id, url))
        })
        .collect();
    for stand_in in stand_ins.endpoints {
        if !configured.iter().any(|p| p.id == stand_in.id) {
            configured.push(stand_in);
        }
    }
    anyhow::ensure!(
        configured
            .iter()
            .any(|p| p.id == app::providers::SIGN_IN.id),
        "no GitHub app configured: set RELAY_GITHUB_CLIENT_ID and RELAY_GITHUB_CLIENT_SECRET"
    );
    Ok(Registry::new(configured).with_check_urls(checks))
}

/// The endpoints an OpenID provider publishes (RFC 8414 / OIDC Discovery).
#[derive(Deserialize)]
struct Discovery {
    issuer: Url,
    authorization_endpoint: Option<Url>,
    token_endpoint: Option<Url>,
    device_authorization_endpoint: Option<Url>,
    userinfo_endpoint: Option<Url>,
    revocation_endpoint: Option<Url>,
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
}

async fn resolve(
    app: &ProviderApp,
    http: &reqwest::Client,
    https_only: bool,
) -> anyhow::Result<ProviderEndpoints> {
    let env = |field: &str| format!("RELAY_{}_{field}", app.id.as_str().to_uppercase());
    let discovered =
        match &app.issuer {
            None => None,
            Some(issuer) => Some(discover(http, issuer, https_only).await.with_context(|| {
                format!("OIDC discovery at {} failed ({})", issuer, env("ISSUER"))
            })?),
        };
    let pick = |own: &Option<Url>, found: fn(&Discovery) -> &Option<Url>| {
        own.clone()
            .or_else(|| discovered.as_ref().and_then(|d| found(d).clone()))
    };
    let token_url = pick(&app.token_url, |d| &d.token_endpoint)
        .with_context(|| format!("{} has no token endpoint: set {}", app.id, env("TOKEN_URL")))?;
    Ok(ProviderEndpoints {
        id: app.id,
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
        auth_url: pick(&app.auth_url, |d| &d.authorization_endpoint),
        token_url,
        device_url: pick(&app.device_url, |d| &d.device_authorization_endpoint),
        userinfo_url: pick(&app.userinfo_url, |d| &d.userinfo_endpoint),
        revoke_url: pick(&app.revoke_url, |d| &d.revocation_endpoint),
        api_url: app.api_url.clone(),
        scopes: app.scopes.clone(),
        issuer_in_callbacks: discovered
            .as_ref()
            .is_some_and(|d| d.authorization_response_iss_parameter_supported),
        issuer: discovered.map(|d| d.issuer),
    })
}

async fn discover(
    http: &reqwest::Client,
    issuer: &Url,
    https_only: bool,
) -> anyhow::Result<Discovery> {
    let url = Url::parse(&format!(
        "{}/.well-known/openid-configuration",
        issuer.as_str().trim_end_matches('/')
    ))?;
    let discovery: Discovery = http
        .get(url)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(e.without_url()))?
        .error_for_status()
        .map_err(|e| anyhow::anyhow!(e.without_url()))?
        .json()
        .await
        .map_err(|e| anyhow::anyhow!(e.without_url()))?;
    // OIDC Discovery §4.3: the document must name the issuer it was fetched for.
    anyhow::ensure!(
        discovery.issuer.as_str().trim_end_matches('/') == issuer.as_str().trim_end_matches('/'),
        "the document names another issuer ({})",
        discovery.issuer
    );
    if https_only {
        if let Some((name, url)) = discovery
            .endpoints()
            .find(|(_, url)| url.scheme() != "https")
        {
            anyhow::bail!(
                "production mode requires https endpoints: the document's {name} is {}://…",
                url.scheme()
            );
        }
    }
    Ok(discovery)
}

impl Discovery {
    /// Every endpoint the document names, by its field name.
    fn endpoints(&self) -> impl Iterator<Item = (&'static str, &Url)> {
        [
            ("authorization_endpoint", &self.authorization_endpoint),
            ("token_endpoint", &self.token_endpoint),
            (
                "device_authorization_endpoint",
                &self.device_authorization_endpoint,
            ),
            ("userinfo_endpoint", &self.userinfo_endpoint),
            ("revocation_endpoint", &self.revocation_endpoint),
        ]
        .into_iter()
        .filter_map(|(name, url)| url.as_ref().map(|url| (name, url)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{routing::get, Json, Router};

    /// An OpenID provider on loopback whose discovery document names its
    /// token endpoint with `endpoint_scheme`; returns its issuer.
    async fn provider_publishing(endpoint_scheme: &'static str) -> Url {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let document = serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": "https://idp.example/authorize",
            "token_endpoint": format!("{endpoint_scheme}://idp.example/token"),
            "authorization_response_iss_parameter_supported": true,
        });
        let app = Router::new().route(
            "/.well-known/openid-configuration",
            get(move || async move { Json(document) }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Url::parse(&issuer).unwrap()
    }

    #[tokio::test]
    async fn discovery_in_production_refuses_a_plain_http_endpoint() {
        let http = reqwest::Client::new();
        let issuer = provider_publishing("http").await;
        let err = discover(&http, &issuer, true).await.err().unwrap();
        assert!(
            err.to_string()
                .contains("the document's token_endpoint is http://"),
            "{err}"
        );
        // Development takes it (the stand-ins are plain http on loopback).
        assert!(discover(&http, &issuer, false).await.is_ok());
        let issuer = provider_publishing("https").await;
        let found = discover(&http, &issuer, true).await.unwrap();
        assert!(found.authorization_response_iss_parameter_supported);
    }
}
