use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <main class="landing" id="main">
            <section class="card hero">
                <h1>"Page not found"</h1>
                <p class="tagline">"There is nothing at this address."</p>
                <a class="btn btn-primary" href="/">"Go to the start page"</a>
            </section>
        </main>
    }
}
