//! The development providers (`dev-providers/`), when this build has them:
//! started on their own origin, and registered as the providers the operator
//! left unconfigured. Only this module knows they exist.

use anyhow::Context;
use app::providers::registry::ProviderEndpoints;
use app::providers::ProviderId;
use secrecy::SecretString;
use tokio::net::TcpListener;
use url::Url;

use crate::config::{Config, DevProviders};
use crate::registry::StandIns;

/// The stand-ins' listener and router, and where they are reached.
pub struct Started {
    pub url: Url,
    pub listener: TcpListener,
    pub router: axum::Router,
}

pub async fn start(
    config: &Config,
    dev: DevProviders,
    relay_url: &Url,
    clock: app::platform::Clock,
) -> anyhow::Result<Started> {
    let listener = TcpListener::bind(dev.addr).await.with_context(|| {
        format!(
            "cannot listen on {} for the development providers (RELAY_DEV_PROVIDERS_ADDR)",
            dev.addr
        )
    })?;
    let url = Url::parse(&format!("http://{}/", listener.local_addr()?)).expect("valid URL");
    let settings = dev_providers::DevSettings {
        expires_in: dev.expires_in,
        interval: dev.interval,
        quirks: dev.quirks,
        github_device_flow: dev.github_device_flow,
    };
    let router = dev_providers::router(&config.data_dir, &url, relay_url, settings, clock).await?;
    Ok(Started {
        url,
        listener,
        router,
    })
}

/// The stand-ins as Relay's registry sees them: like providers an operator
/// configured, with Relay's own client registration and scopes, and the
/// endpoints that prove their keys.
pub fn registered(base: &Url) -> StandIns {
    let stand_ins = dev_providers::endpoints(base);
    StandIns {
        check_urls: stand_ins
            .iter()
            .filter_map(|s| Some((ProviderId::parse(s.id)?, s.check_url.clone()?)))
            .collect(),
        endpoints: endpoints(stand_ins),
    }
}

fn endpoints(stand_ins: Vec<dev_providers::Endpoints>) -> Vec<ProviderEndpoints> {
    stand_ins
        .into_iter()
        .filter_map(|stand_in| {
            let info = ProviderId::parse(stand_in.id)?.info();
            Some(ProviderEndpoints {
                id: info.id,
                client_id: dev_providers::CLIENT_ID.to_owned(),
                client_secret: Some(SecretString::from(dev_providers::CLIENT_SECRET.to_owned())),
                auth_url: stand_in.auth_url,
                token_url: stand_in.token_url,
                device_url: Some(stand_in.device_url),
                userinfo_url: Some(stand_in.userinfo_url),
                revoke_url: Some(stand_in.revoke_url),
                api_url: stand_in.api_url,
                scopes: info.scopes.iter().map(|s| s.to_string()).collect(),
                // They name themselves in every answer (RFC 9207), as a
                // careful provider does.
                issuer: Some(stand_in.issuer),
                issuer_in_callbacks: true,
            })
        })
        .collect()
}
