//! Agent Relay Cloud's app, shared by server rendering (`ssr`) and hydration
//! (`hydrate`). One folder per domain; each holds its types (`mod.rs`), its
//! server functions (`functions.rs`), its components and, compiled with `ssr`
//! only, its server code. Nothing of the server reaches the WebAssembly.
//!
//! - `identity`: "Continue with GitHub", users, the browser session;
//! - `onboarding`: the wizard's steps and the progress rule;
//! - `repositories`: "Select Repositories", agent configuration, webhooks;
//! - `connect`: provider cards and the ways to connect (`device`, `import`,
//!   `self_hosted`, `redirect`, pasted tokens);
//! - `freshness`: refreshing credentials before they expire (`ssr`);
//! - `vault`: AES-256-GCM envelope encryption and the stored credentials (`ssr`);
//! - `teams`: agent teams and their templates; `workspace`: the summary;
//! - `cli_broker`: `relay auth`'s browser login and session JWTs (`ssr`);
//! - `audit`: who did what, when, from where;
//! - `providers`: the provider registry (what each provider is, and with
//!   `ssr` how this server reaches it: OAuth client, pending logins, callback);
//! - `platform` (`ssr`): application state, database, HTTP client, clock;
//! - `pages`: one module per route; `ui`: pieces every page shares.

// Server-rendered cards nest many typed views; their types run deep.
#![recursion_limit = "256"]

pub mod audit;
pub mod connect;
pub mod errors;
pub mod identity;
pub mod onboarding;
pub mod pages;
pub mod providers;
pub mod repositories;
pub mod teams;
pub mod text_column;
pub mod ui;
pub mod workspace;

#[cfg(feature = "ssr")]
pub mod cli_broker;
#[cfg(feature = "ssr")]
pub mod freshness;
#[cfg(feature = "ssr")]
pub mod platform;
#[cfg(all(test, feature = "ssr"))]
mod properties;
#[cfg(feature = "ssr")]
pub mod vault;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::pages::{
    dashboard::Dashboard, landing::Landing, not_found::NotFound, onboarding::Onboarding,
    settings::ProviderSettings, signin_failed::SigninFailed,
};

/// This render's nonce (the hydration script carries it too), announced in
/// the page's Content-Security-Policy.
fn page_nonce() -> Option<leptos::nonce::Nonce> {
    let nonce = leptos::nonce::use_nonce();
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response), Some(app)) = (
        &nonce,
        use_context::<leptos_axum::ResponseOptions>(),
        use_context::<platform::AppState>(),
    ) {
        if let Ok(value) = app.content_security_policy.for_page(nonce).parse() {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    nonce
}

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options islands=true/>
                <style nonce=page_nonce()>{providers::palette()}</style>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title formatter=|page: String| if page.is_empty() { "Agent Relay Cloud".to_owned() } else { format!("{page} · Agent Relay Cloud") }/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Landing/>
                // Async: the whole page is rendered before it is sent, so it works
                // without JavaScript (streamed Suspense would need JS to show up).
                <Route path=path!("/onboarding/:step") view=Onboarding ssr=SsrMode::Async/>
                <Route path=path!("/dashboard") view=Dashboard ssr=SsrMode::Async/>
                <Route path=path!("/settings/providers") view=ProviderSettings ssr=SsrMode::Async/>
                <Route path=path!("/signin/failed") view=SigninFailed/>
            </Routes>
        </Router>
    }
}
