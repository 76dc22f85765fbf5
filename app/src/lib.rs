//! The Leptos UI, shared by server rendering (`ssr`) and hydration (`hydrate`).
//!
//! - `pages/`: one module per route;
//! - `components/`: pieces the pages share;
//! - `functions/`: server functions, the typed doors into the backend;
//! - `providers`, `teams`: what providers and agent teams are, as data;
//! - `backend/` (`ssr` only): database, vault, OAuth — never in the WebAssembly.

pub mod components;
pub mod errors;
pub mod functions;
pub mod models;
pub mod pages;
pub mod providers;
pub mod teams;
pub mod text_column;

#[cfg(feature = "ssr")]
pub mod backend;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::pages::{
    dashboard::Dashboard, landing::Landing, not_found::NotFound, onboarding::Onboarding,
    settings::ProviderSettings, signin_failed::SigninFailed,
};

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
                <HydrationScripts options/>
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
    // Effects run only in the browser: this marks the page as hydrated
    // (the browser tests wait for it before clicking).
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/relay.css"/>
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
