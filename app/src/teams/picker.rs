//! "Create Your First Agent Team": the templates as radio cards, the default
//! provider, and the agents of a Custom Team. One plain form: the Custom
//! Team's fields show through CSS when its card is chosen, and "+ Add agent"
//! is a link the server answers with one more row, so it all works before
//! (or without) the WebAssembly.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::connect::ProviderStatus;
use crate::onboarding::functions::ContinueOnboarding;
use crate::onboarding::Step;
use crate::providers::{self, ProviderId, ProviderInfo};
use crate::teams::functions::CreateTeam;
use crate::teams::{self, MAX_AGENTS, ROLES, TEMPLATES};
use crate::ui::form::{FormInPlace, Refusal};
use leptos::server_fn::ServerFn;

/// One agent row of the Custom Team form.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    key: usize,
    name: String,
    role: String,
    provider: ProviderId,
}

#[component]
pub fn TeamPicker(statuses: Vec<ProviderStatus>) -> impl IntoView {
    let create = ServerAction::<CreateTeam>::new();
    let skip = ServerAction::<ContinueOnboarding>::new();
    let query = use_query_map();
    let chosen_template = query
        .with_untracked(|q| q.get("template"))
        .and_then(|t| teams::template(&t))
        .unwrap_or(&teams::CODE_REVIEW);
    // How many agent rows to show: the template's, or more after "+ Add agent".
    let asked_rows = query
        .with_untracked(|q| q.get("agents"))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(teams::CUSTOM.agents.len())
        .clamp(1, MAX_AGENTS);
    let connected: Vec<&'static ProviderInfo> = statuses
        .iter()
        .filter(|s| s.is_connected())
        .map(|s| s.id.info())
        .collect();
    let preferred = chosen_template.preferred_provider.info();
    let preferred_connected = connected.contains(&preferred);
    // Chosen at first: the preferred provider if connected, else the first connected one.
    let initial: ProviderId = match (preferred_connected, connected.first()) {
        (false, Some(first)) => first.id,
        _ => preferred.id,
    };
    // The connected providers, then the preferred one even when it is not
    // (choosing it says what to do).
    let mut choices: Vec<(&'static ProviderInfo, bool)> =
        connected.iter().map(|p| (*p, true)).collect();
    if !preferred_connected {
        choices.push((preferred, false));
    }

    let rows: Vec<Row> = (0..asked_rows)
        .map(|i| {
            let (name, role) = teams::CUSTOM
                .agents
                .get(i)
                .copied()
                .unwrap_or(("", "developer"));
            Row {
                key: i,
                name: name.to_owned(),
                role: role.to_owned(),
                provider: initial,
            }
        })
        .collect();
    let choice_ids: Vec<(ProviderId, bool)> = choices.iter().map(|(p, ok)| (p.id, *ok)).collect();

    let error = create.value().get_untracked().and_then(Result::err);
    let skip_error = skip.value().get_untracked().and_then(Result::err);

    view! {
        <FormInPlace action=CreateTeam::PATH.to_owned() error id="team-form".to_owned() class="team-form".to_owned()>
            <fieldset class="templates">
                <legend>"🚀 Quick Start Templates"</legend>
                {TEMPLATES.into_iter().map(|t| {
                    let id = format!("template-{}", t.id);
                    view! {
                        <div class="template">
                            <input type="radio" name="template" id=id.clone() value=t.id checked=t.id == chosen_template.id/>
                            <label for=id>
                                <span class="template-name"><span aria-hidden="true">{t.icon}" "</span>{t.name}</span>
                                <span class="template-members">{t.members}</span>
                                <span class="muted">{t.summary}</span>
                            </label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>

            <div class="field">
                <label for="team-provider">"Default provider"</label>
                <select id="team-provider" name="provider">
                    {provider_options(&choice_ids, initial)}
                </select>
                {(!preferred_connected).then(|| view! {
                    <p class="muted">
                        {format!("{} is recommended for these templates and is not connected yet. ", preferred.agent)}
                        <a href=Step::Providers.path()>{format!("Connect {} →", preferred.name)}</a>
                    </p>
                })}
            </div>

            <fieldset class="custom-team">
                <legend>"Custom Team"</legend>
                <div class="field">
                    <label for="team-name">"Team name"</label>
                    <input id="team-name" name="name" type="text" maxlength="60" placeholder="e.g. Night Shift" autocomplete="off"/>
                </div>
                <p class="muted">"Each agent needs a name; leave a name empty to drop that agent."</p>
                <AgentRows rows choices=choice_ids initial/>
            </fieldset>
        </FormInPlace>
        <ActionForm action=skip attr:id="skip-team-form" attr:class="visually-hidden">
            <input type="hidden" name="step" value=Step::Team.slug()/>
        </ActionForm>
        {skip_error.map(|e| view! { <Refusal error=e/> })}
        <div class="actions">
            <a class="btn btn-secondary" href=Step::Providers.path()>"Back"</a>
            <button type="submit" form="skip-team-form" class="btn btn-ghost" >"Skip for now"</button>
            <button type="submit" form="team-form" class="btn btn-primary" >"Select template →"</button>
        </div>
    }
}

/// The providers an agent can use: the connected ones, and the preferred one
/// even when it is not (choosing it says what to do).
fn provider_options(choices: &[(ProviderId, bool)], selected: ProviderId) -> impl IntoView {
    choices
        .iter()
        .map(|(id, ok)| {
            let p = id.info();
            let label = if *ok {
                format!("{} ({})", p.agent, p.name)
            } else {
                format!("{} ({}) · not connected", p.agent, p.name)
            };
            view! { <option value=p.id.as_str() selected=p.id == selected>{label}</option> }
        })
        .collect_view()
}

/// The agents of a Custom Team, with "+ Add agent" and Remove: an island,
/// the page's only code. Without JavaScript "+ Add agent" is a link the
/// server answers with one more row.
#[island]
fn AgentRows(
    rows: Vec<Row>,
    choices: Vec<(ProviderId, bool)>,
    initial: ProviderId,
) -> impl IntoView {
    let next_key = StoredValue::new(rows.len());
    let rows = RwSignal::new(rows);
    let choices = StoredValue::new(choices);
    view! {
        <ol class="agent-rows">
            <For each=move || rows.get().into_iter().enumerate() key=|(i, row)| (*i, row.key) let((index, row))>
                <AgentRow index row rows choices/>
            </For>
        </ol>
        <a class="btn btn-secondary btn-small" href=move || format!("?template=custom&agents={}", (rows.with(Vec::len) + 1).min(MAX_AGENTS))
            on:click=move |ev| {
                ev.prevent_default();
                if rows.with(Vec::len) < MAX_AGENTS {
                    let key = next_key.get_value();
                    next_key.set_value(key + 1);
                    rows.update(|r| r.push(Row { key, name: String::new(), role: "developer".to_owned(), provider: initial }));
                }
            }>
            "+ Add agent"
        </a>
    }
}

/// One agent of a Custom Team: name, role, provider, and Remove.
#[component]
fn AgentRow(
    index: usize,
    row: Row,
    rows: RwSignal<Vec<Row>>,
    choices: StoredValue<Vec<(ProviderId, bool)>>,
) -> impl IntoView {
    let field = |part: &str| format!("agents[{index}][{part}]");
    let id = |part: &str| format!("agent-{index}-{part}");
    let key = row.key;
    view! {
        <li class="agent-row">
            <label for=id("name") class="visually-hidden">{format!("Agent {} name", index + 1)}</label>
            <input id=id("name") name=field("name") type="text" maxlength="40" value=row.name placeholder="Agent name" autocomplete="off"
                on:input=move |ev| {
                    let name = event_target_value(&ev);
                    rows.update(|r| if let Some(x) = r.iter_mut().find(|x| x.key == key) { x.name = name; });
                }/>
            <label for=id("role") class="visually-hidden">{format!("Agent {} role", index + 1)}</label>
            <select id=id("role") name=field("role")
                on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    if let Some(role) = teams::role(&chosen) {
                        rows.update(|r| if let Some(x) = r.iter_mut().find(|x| x.key == key) { x.role = role.id.to_owned(); });
                    }
                }>
                {ROLES.iter().map(|r| view! { <option value=r.id selected=r.id == row.role title=r.duty>{r.name}</option> }).collect_view()}
            </select>
            <label for=id("provider") class="visually-hidden">{format!("Agent {} provider", index + 1)}</label>
            <select id=id("provider") name=field("provider")
                on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    if let Some(p) = providers::find(&chosen) {
                        rows.update(|r| if let Some(x) = r.iter_mut().find(|x| x.key == key) { x.provider = p.id; });
                    }
                }>
                {choices.with_value(|c| provider_options(c, row.provider))}
            </select>
            <button type="button" class="btn btn-ghost btn-small" aria-label=format!("Remove agent {}", index + 1)
                on:click=move |_| rows.update(|r| r.retain(|x| x.key != key))>
                "Remove"
            </button>
        </li>
    }
}
