use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::header::AppHeader;
use crate::functions::account::signed_in_user;
use crate::models::Step;

/// `/dashboard`: the home of a signed-in user.
#[component]
pub fn Dashboard() -> impl IntoView {
    let user = Resource::new(|| (), |_| signed_in_user());
    view! {
        <Title text="Dashboard"/>
        <Suspense fallback=|| view! { <p class="page-loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => {
                        let greeting = format!("Welcome back, {}", user.display_name());
                        view! {
                            <AppHeader user/>
                            <main class="wizard" id="main">
                                <section class="card" aria-labelledby="dashboard-heading">
                                    <h1 id="dashboard-heading">"Dashboard"</h1>
                                    <p class="lead">{greeting}</p>
                                    <ul class="link-list">
                                        {Step::ALL
                                            .into_iter()
                                            .filter(|s| *s != Step::Ready)
                                            .map(|s| view! { <li><a href=s.path()>{s.heading()}</a></li> })
                                            .collect_view()}
                                        <li><a href="/settings/providers">"AI provider settings"</a></li>
                                    </ul>
                                </section>
                            </main>
                        }
                        .into_any()
                    }
                    _ => view! { <p class="page-loading"><a href="/">"Please sign in"</a></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
