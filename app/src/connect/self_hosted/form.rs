//! "+ Add Self-Hosted Provider": name and URL, checked and probed by the
//! server; saved endpoints listed with what answered, and removable.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::connect::self_hosted::functions::{AddSelfHosted, RemoveSelfHosted};
use crate::connect::self_hosted::SelfHostedView;
use crate::errors::AppError;
use crate::ui::form::FormInPlace;
use crate::ui::live::Reveal;

/// `endpoints` come with the page's provider statuses. Every change is a
/// form the server answers by rendering the page anew.
#[component]
pub fn SelfHostedEndpoints(endpoints: Vec<SelfHostedView>) -> impl IntoView {
    // Without JavaScript the form opens by coming back with `?add=self-hosted`,
    // and comes back open with its error when the server refused it.
    let add = ServerAction::<AddSelfHosted>::new();
    let error = add.value().get_untracked().and_then(Result::err);
    let asked = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("add").as_deref() == Some("self-hosted"));
    let here = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    view! {
        {(!endpoints.is_empty()).then(|| view! {
            <ul class="endpoint-list">
                {endpoints.into_iter().map(|e| view! {
                    <li class="endpoint">
                        <div>
                            <strong>{e.name.clone()}</strong>
                            <code class="endpoint-url">{e.url.clone()}</code>
                            <span class=if e.reachable { "endpoint-ok" } else { "endpoint-down" }>{e.summary()}</span>
                        </div>
                        <form method="post" action=RemoveSelfHosted::PATH class="inline">
                            <input type="hidden" name="id" value=e.id.clone()/>
                            <button type="submit" class="btn btn-ghost btn-small" aria-label=format!("Remove {}", e.name)>"Remove"</button>
                        </form>
                    </li>
                }).collect_view()}
            </ul>
        })}
        <AddEndpoint here open=asked || error.is_some() error/>
    }
}

/// "+ Add Self-Hosted Provider" opens the form in place with JavaScript
/// (without it, the page comes back with `?add=self-hosted`); the form shows
/// a refusal in place, keeping what was typed.
#[component]
fn AddEndpoint(here: String, open: bool, error: Option<AppError>) -> impl IntoView {
    view! {
        <Reveal open class="add-endpoint".to_owned()>
            <form method="get" action=here.clone() class="inline until-revealed" data-reveal="open">
                <input type="hidden" name="add" value="self-hosted"/>
                <button type="submit" class="btn btn-secondary">"+ Add Self-Hosted Provider"</button>
            </form>
            <div class="when-revealed">
                <FormInPlace action=AddSelfHosted::PATH.to_owned() error class="endpoint-form".to_owned()>
                    <div class="field">
                        <label for="self-hosted-name">"Name"</label>
                        <input id="self-hosted-name" name="name" type="text" required maxlength="60" placeholder="Ollama on my workstation" autocomplete="off"/>
                    </div>
                    <div class="field">
                        <label for="self-hosted-url">"Endpoint URL"</label>
                        <input id="self-hosted-url" name="url" type="url" required placeholder="http://192.168.1.20:11434" autocomplete="off" spellcheck="false"/>
                    </div>
                    <div class="provider-actions">
                        <button type="submit" class="btn btn-primary">"Check and save"</button>
                        <a class="btn btn-ghost" href=here data-reveal="close">"Close"</a>
                    </div>
                </FormInPlace>
            </div>
        </Reveal>
    }
}
