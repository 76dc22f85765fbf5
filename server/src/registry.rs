//! Builds the provider registry at start: the operator's provider apps (with
//! OIDC discovery where an issuer is given), and the development stand-ins
//! (when this build has them) for every provider the operator left unconfigured.

use anyhow::Context;
use app::providers::registry::{ProviderEndpoints, Registry};
use serde::Deserialize;
use url::Url;

use crate::config::ProviderApp;

/// `stand_ins`: the development providers, used for every provider the
/// operator did not configure.
pub async fn build(
    apps: &[ProviderApp],
    stand_ins: Vec<ProviderEndpoints>,
    http: &reqwest::Client,
) -> anyhow::Result<Registry> {
    let mut configured = Vec::new();
    for app in apps {
        configured.push(resolve(app, http).await?);
    }
    for stand_in in stand_ins {
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
    Ok(Registry::new(configured))
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
}

async fn resolve(app: &ProviderApp, http: &reqwest::Client) -> anyhow::Result<ProviderEndpoints> {
    let env = |field: &str| format!("RELAY_{}_{field}", app.id.as_str().to_uppercase());
    let discovered =
        match &app.issuer {
            None => None,
            Some(issuer) => Some(discover(http, issuer).await.with_context(|| {
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
        issuer: discovered.map(|d| d.issuer),
    })
}

async fn discover(http: &reqwest::Client, issuer: &Url) -> anyhow::Result<Discovery> {
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
    Ok(discovery)
}
