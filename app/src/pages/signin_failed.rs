use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::brand::Logo;
use crate::models::LoginFailure;

/// Where a failed provider callback lands: what happened, and how to retry.
#[component]
pub fn SigninFailed() -> impl IntoView {
    let query = use_query_map();
    let failure = move || LoginFailure::from_slug(&query.read().get("reason").unwrap_or_default());
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::BAD_REQUEST);
    }
    view! {
        <Title text=move || failure().title()/>
        <main class="landing" id="main">
            <section class="card hero" role="alert" aria-labelledby="failure-title">
                <Logo size=48/>
                <h1 id="failure-title">{move || failure().title()}</h1>
                <p class="tagline">{move || failure().explanation()}</p>
                <a class="btn btn-primary btn-block" href="/oauth/start?provider=github" rel="external">"Try again"</a>
                <a class="link" href="/">"Back to the start page"</a>
            </section>
        </main>
    }
}
