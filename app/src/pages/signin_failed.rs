use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::identity::LoginFailure;
use crate::providers;
use crate::ui::brand::Logo;

/// Where a failed provider callback lands: what happened, and how to retry.
#[component]
pub fn SigninFailed() -> impl IntoView {
    let query = use_query_map();
    let failure = move || LoginFailure::from_slug(&query.read().get("reason").unwrap_or_default());
    // Set for a failed connect: Try again connects that provider again.
    let connecting = move || {
        query
            .read()
            .get("provider")
            .and_then(|p| providers::find(&p))
    };
    let name = move || connecting().map_or("GitHub", |p| p.name);

    let back = move || match connecting() {
        Some(_) => ("/settings/providers", "Back to provider settings"),
        None => ("/", "Back to the start page"),
    };
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::BAD_REQUEST);
    }
    view! {
        <Title text=move || failure().title(name())/>
        <main class="landing" id="main">
            <section class="card hero" role="alert" aria-labelledby="failure-title">
                <Logo size=48/>
                <h1 id="failure-title">{move || failure().title(name())}</h1>
                <p class="tagline">{move || failure().explanation()}</p>
                {move || match connecting() {
                    // Connecting again is a POST, as every connect is.
                    Some(p) => view! {
                        <form method="post" action="/oauth/connect">
                            <input type="hidden" name="provider" value=p.id.as_str()/>
                            <button type="submit" class="btn btn-primary btn-block">"Try again"</button>
                        </form>
                    }.into_any(),
                    None => view! {
                        <a class="btn btn-primary btn-block" href="/oauth/start?provider=github" rel="external">"Try again"</a>
                    }.into_any(),
                }}
                <a class="link" href=move || back().0>{move || back().1}</a>
            </section>
        </main>
    }
}
