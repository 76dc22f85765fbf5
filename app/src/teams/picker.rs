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
use crate::providers::{ProviderId, ProviderInfo};
use crate::teams::functions::CreateTeam;
use crate::teams::{self, MAX_AGENTS, ROLES, TEMPLATES};
use crate::ui::form::{FormInPlace, Refusal};
use leptos::server_fn::ServerFn;

/// One agent row of the Custom Team form.
#[derive(Clone, Debug)]
struct Row {
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

/// The agents of a Custom Team, with "+ Add agent" and Remove. The rows are
/// server HTML; with JavaScript, the `AgentEditor` island adds (from the
/// `<template>` row) and removes them in place and numbers them again.
/// Without it "+ Add agent" is a link the server answers with one more row,
/// and emptying a name drops that agent.
#[component]
fn AgentRows(
    rows: Vec<Row>,
    choices: Vec<(ProviderId, bool)>,
    initial: ProviderId,
) -> impl IntoView {
    let more = (rows.len() + 1).min(MAX_AGENTS);
    let blank = Row {
        name: String::new(),
        role: "developer".to_owned(),
        provider: initial,
    };
    view! {
        <AgentEditor max=MAX_AGENTS>
            <ol class="agent-rows">
                {rows.into_iter().enumerate().map(|(index, row)| agent_row(index, row, &choices)).collect_view()}
            </ol>
            <template class="agent-row-template">{agent_row(0, blank, &choices)}</template>
            <a class="btn btn-secondary btn-small" href=format!("?template=custom&agents={more}") data-add-agent="">
                "+ Add agent"
            </a>
        </AgentEditor>
    }
}

/// One agent of a Custom Team: name, role, provider, and Remove. The
/// `data-part` fields are numbered again by the editor when rows change.
fn agent_row(index: usize, row: Row, choices: &[(ProviderId, bool)]) -> impl IntoView {
    let field = |part: &str| format!("agents[{index}][{part}]");
    let id = |part: &str| format!("agent-{index}-{part}");
    let n = index + 1;
    view! {
        <li class="agent-row">
            <label for=id("name") class="visually-hidden" data-label="name">{format!("Agent {n} name")}</label>
            <input id=id("name") name=field("name") data-part="name" type="text" maxlength="40" value=row.name placeholder="Agent name" autocomplete="off"/>
            <label for=id("role") class="visually-hidden" data-label="role">{format!("Agent {n} role")}</label>
            <select id=id("role") name=field("role") data-part="role">
                {ROLES.iter().map(|r| view! { <option value=r.id selected=r.id == row.role title=r.duty>{r.name}</option> }).collect_view()}
            </select>
            <label for=id("provider") class="visually-hidden" data-label="provider">{format!("Agent {n} provider")}</label>
            <select id=id("provider") name=field("provider") data-part="provider">
                {provider_options(choices, row.provider)}
            </select>
            <button type="button" class="btn btn-ghost btn-small" aria-label=format!("Remove agent {n}") data-remove-agent="">
                "Remove"
            </button>
        </li>
    }
}

/// Adds and removes agent rows in place (`children`: the rows, their
/// `<template>`, and "+ Add agent"), at most `max`.
#[island]
fn AgentEditor(max: usize, children: Children) -> impl IntoView {
    let editor = NodeRef::<leptos::html::Div>::new();
    let act = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(editor) = editor.get_untracked() {
            rows::act(&editor, &ev, max);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, max);
    };
    view! { <div node_ref=editor on:click=act>{children()}</div> }
}

/// The rows of the editor, changed in the page itself.
#[cfg(feature = "hydrate")]
mod rows {
    use wasm_bindgen::JsCast;
    use web_sys::{Element, HtmlDivElement, HtmlTemplateElement, MouseEvent};

    pub fn act(editor: &HtmlDivElement, ev: &MouseEvent, max: usize) {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        let Ok(Some(list)) = editor.query_selector("ol.agent-rows") else {
            return;
        };
        if let Ok(Some(button)) = target.closest("[data-remove-agent]") {
            if let Ok(Some(row)) = button.closest("li") {
                row.remove();
            }
        } else if target.closest("[data-add-agent]").ok().flatten().is_some() {
            ev.prevent_default();
            let template = editor
                .query_selector("template.agent-row-template")
                .ok()
                .flatten()
                .and_then(|t| t.dyn_into::<HtmlTemplateElement>().ok());
            if let Some(template) = template.filter(|_| (list.child_element_count() as usize) < max)
            {
                if let Ok(row) = template.content().clone_node_with_deep(true) {
                    let _ = list.append_child(&row);
                }
            }
        } else {
            return;
        }
        renumber(&list);
    }

    /// Row `i` is agent `i + 1`: its fields' ids and names, labels and Remove.
    fn renumber(list: &Element) {
        let rows = list.children();
        for i in 0..rows.length() {
            let Some(row) = rows.item(i) else { continue };
            let n = i + 1;
            each(&row, "[data-part]", |field| {
                let part = field.get_attribute("data-part").unwrap_or_default();
                let _ = field.set_attribute("id", &format!("agent-{i}-{part}"));
                let _ = field.set_attribute("name", &format!("agents[{i}][{part}]"));
            });
            each(&row, "[data-label]", |label| {
                let part = label.get_attribute("data-label").unwrap_or_default();
                let _ = label.set_attribute("for", &format!("agent-{i}-{part}"));
                label.set_text_content(Some(&format!("Agent {n} {part}")));
            });
            each(&row, "[data-remove-agent]", |button| {
                let _ = button.set_attribute("aria-label", &format!("Remove agent {n}"));
            });
        }
    }

    fn each(row: &Element, selector: &str, mut change: impl FnMut(&Element)) {
        let Ok(found) = row.query_selector_all(selector) else {
            return;
        };
        for i in 0..found.length() {
            if let Some(element) = found.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                change(&element);
            }
        }
    }
}
