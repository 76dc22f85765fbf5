//! "+ Add Self-Hosted Provider": name and URL, checked and probed by the
//! server; saved endpoints listed with what answered, and removable.

use leptos::prelude::*;

use crate::connect::self_hosted::functions::{remove_self_hosted, AddSelfHosted};
use crate::connect::self_hosted::SelfHostedView;

/// `endpoints` come with the page's provider statuses (a resource created
/// here, inside the page's Suspense, could stall server rendering);
/// `on_change` reloads them.
#[component]
pub fn SelfHostedEndpoints(
    endpoints: Vec<SelfHostedView>,
    on_change: Callback<()>,
) -> impl IntoView {
    let add = ServerAction::<AddSelfHosted>::new();
    let remove = Action::new(|id: &String| {
        let id = id.clone();
        async move { remove_self_hosted(id).await }
    });
    // Only a change reloads the list: a refused form keeps its input and error.
    Effect::new(move |_| {
        let added = matches!(add.value().get(), Some(Ok(_)));
        let removed = matches!(remove.value().get(), Some(Ok(())));
        if added || removed {
            on_change.run(());
        }
    });
    let open = RwSignal::new(false);
    let error = move || {
        add.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };

    view! {
        {(!endpoints.is_empty()).then(|| view! {
                    <ul class="endpoint-list">
                        {endpoints.into_iter().map(|e| {
                            let id = e.id.clone();
                            let label = format!("Remove {}", e.name);
                            view! {
                                <li class="endpoint">
                                    <div>
                                        <strong>{e.name.clone()}</strong>
                                        <code class="endpoint-url">{e.url.clone()}</code>
                                        <span class=if e.reachable { "endpoint-ok" } else { "endpoint-down" }>{e.summary()}</span>
                                    </div>
                                    <button type="button" class="btn btn-ghost btn-small" aria-label=label
                                        on:click=move |_| { remove.dispatch(id.clone()); }>"Remove"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
        })}
        <Show
            when=move || open.get()
            fallback=move || view! {
                <button type="button" class="btn btn-secondary" on:click=move |_| open.set(true)>"+ Add Self-Hosted Provider"</button>
            }
        >
            <ActionForm action=add attr:class="endpoint-form">
                <div class="field">
                    <label for="self-hosted-name">"Name"</label>
                    <input id="self-hosted-name" name="name" type="text" required maxlength="60" placeholder="Ollama on my workstation" autocomplete="off"/>
                </div>
                <div class="field">
                    <label for="self-hosted-url">"Endpoint URL"</label>
                    <input id="self-hosted-url" name="url" type="url" required placeholder="http://192.168.1.20:11434" autocomplete="off" spellcheck="false"/>
                </div>
                <div class="provider-actions">
                    <button type="submit" class="btn btn-primary" disabled=move || add.pending().get()>
                        {move || if add.pending().get() { "Checking…" } else { "Check and save" }}
                    </button>
                    <button type="button" class="btn btn-ghost" on:click=move |_| open.set(false)>"Close"</button>
                </div>
            </ActionForm>
        </Show>
        {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
    }
}
