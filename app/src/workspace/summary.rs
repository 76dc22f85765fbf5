//! The four lines of "You're all set!", also at the top of the dashboard:
//! repositories, agent providers, teams and where the dashboard is.

use leptos::prelude::*;

use crate::workspace::Workspace;

#[component]
pub fn WorkspaceSummary(workspace: Workspace) -> impl IntoView {
    let repositories = match workspace.repositories.len() {
        0 => "None yet".to_owned(),
        n => format!("{n} connected"),
    };
    let agents: Vec<&str> = workspace
        .providers
        .iter()
        .map(|id| id.info().short)
        .collect();
    let agents = if agents.is_empty() {
        "None yet".to_owned()
    } else {
        agents.join(", ")
    };
    let teams = if workspace.teams.is_empty() {
        "None yet".to_owned()
    } else {
        workspace
            .teams
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let url = workspace.dashboard_url.clone();
    let href = url.clone();
    view! {
        <dl class="summary">
            <div><dt><span aria-hidden="true">"📂 "</span>"Repositories"</dt><dd>{repositories}</dd></div>
            <div><dt><span aria-hidden="true">"🤖 "</span>"Agent Providers"</dt><dd>{agents}</dd></div>
            <div><dt><span aria-hidden="true">"👥 "</span>"Teams"</dt><dd>{teams}</dd></div>
            <div><dt><span aria-hidden="true">"🌐 "</span>"Dashboard"</dt><dd><a href=href>{url}</a></dd></div>
        </dl>
    }
}
