use leptos::prelude::*;
use leptos_meta::Title;

use crate::connect::functions::provider_statuses;
use crate::connect::provider_card::LocalTime;
use crate::connect::{ProviderStatus, Verification};
use crate::identity::functions::signed_in_user;
use crate::onboarding::Step;
use crate::repositories::{ChosenRepo, RepoEvent};
use crate::teams::{self, TeamView};
use crate::ui::header::AppHeader;
use crate::workspace::functions::load_workspace;
use crate::workspace::summary::WorkspaceSummary;
use crate::workspace::Workspace;

/// `/dashboard`: the home of a signed-in user: what the agents work on, with
/// what, in which teams, and what GitHub reported lately.
#[component]
pub fn Dashboard() -> impl IntoView {
    let user = Resource::new(|| (), |_| signed_in_user());
    let workspace = Resource::new(|| (), |_| load_workspace());
    let statuses = Resource::new(|| (), |_| provider_statuses(None, None));
    view! {
        <Title text="Dashboard"/>
        <Suspense fallback=|| view! { <p class="page-loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (user.await, workspace.await, statuses.await) {
                    (Ok(Some(user)), Ok(workspace), Ok(statuses)) => {
                        let greeting = format!("Welcome back, {}", user.display_name());
                        view! {
                            <AppHeader user/>
                            <main class="wizard dashboard" id="main">
                                <section class="card" aria-labelledby="dashboard-heading">
                                    <h1 id="dashboard-heading">"Dashboard"</h1>
                                    <p class="lead">{greeting}</p>
                                    <WorkspaceSummary workspace=workspace.clone()/>
                                </section>
                                <Repositories repos=workspace.repositories.clone()/>
                                <Providers statuses/>
                                <Teams teams=workspace.teams.clone()/>
                                <Activity workspace/>
                            </main>
                        }
                        .into_any()
                    }
                    (Ok(Some(_)), Err(e), _) | (Ok(Some(_)), _, Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    _ => view! { <p class="page-loading"><a href="/">"Please sign in"</a></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Repositories(repos: Vec<ChosenRepo>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="repos-heading">
            <div class="section-head">
                <h2 id="repos-heading">"Repositories"</h2>
                <a class="btn btn-secondary btn-small" href=Step::Repositories.path()>"Add repositories"</a>
            </div>
            {repos.is_empty().then(|| view! { <p class="muted">"No repositories chosen yet."</p> })}
            <ul class="plain-list">
                {repos.into_iter().map(|r| {
                    let found = match (&r.agent_config, &r.config_error, r.config_checked) {
                        (Some(found), _, _) => format!("Found {found}"),
                        (None, Some(error), _) => format!("Could not look for agent configuration: {error}"),
                        (None, None, true) => "No agent configuration yet".to_owned(),
                        (None, None, false) => "Looking for .claude/agents/ and teams.json…".to_owned(),
                    };
                    view! {
                        <li>
                            <span class="repo-name">{r.full_name}</span>
                            {r.private.then(|| view! { <span class="badge badge-muted">"Private"</span> })}
                            <span class="muted">{format!("★ {}", r.stars)}</span>
                            <span class="muted agent-config">{found}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Every provider with where it stands; the settings page does the rest.
#[component]
fn Providers(statuses: Vec<ProviderStatus>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="providers-heading">
            <div class="section-head">
                <h2 id="providers-heading">"AI providers"</h2>
                <a class="btn btn-secondary btn-small" href="/settings/providers">"Manage providers"</a>
            </div>
            <ul class="plain-list">
                {statuses.into_iter().map(|s| (s.id.info(), s)).map(|(p, s)| {
                    let (badge, class) = match &s.credential {
                        Some(c) if c.needs_reconnect => ("Needs reconnect".to_owned(), "badge badge-warning"),
                        Some(c) if c.verification == Verification::Pending => ("Not yet verified".to_owned(), "badge badge-warning"),
                        Some(c) => (format!("✓ Connected as {}", c.account), "badge badge-success"),
                        None if !s.endpoints.is_empty() => (format!("✓ {} endpoints", s.endpoints.len()), "badge badge-success"),
                        None => ("Not connected".to_owned(), "badge badge-muted"),
                    };
                    view! {
                        <li>
                            <span class="provider-dot" data-provider=p.id.as_str() aria-hidden="true"></span>
                            <a href=format!("/settings/providers#provider-{}", p.id)>{p.agent}</a>
                            <span class="muted">{p.name}</span>
                            <span class=class>{badge}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Teams(teams: Vec<TeamView>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="teams-heading">
            <div class="section-head">
                <h2 id="teams-heading">"Teams"</h2>
                <a class="btn btn-secondary btn-small" href=Step::Team.path()>"Create another team"</a>
            </div>
            {teams.is_empty().then(|| view! { <p class="muted">"No team yet: start from a template."</p> })}
            <ul class="plain-list">
                {teams.into_iter().map(|t| {
                    let agents = t.agents.iter().map(|a| {
                        let role = teams::role(&a.role).map_or(a.role.as_str(), |r| r.name);
                        let with = a.provider.info().short;
                        if a.name == role { format!("{} ({with})", a.name) } else { format!("{} – {role} ({with})", a.name) }
                    }).collect::<Vec<_>>().join(", ");
                    view! {
                        <li class="team">
                            <span class="team-name">{t.name.clone()}</span>
                            <span class="muted">{agents}</span>
                            <a href=format!("/teams/{}/teams.json", t.id) download="teams.json" aria-label=format!("Download teams.json of {}", t.name)>"Download teams.json"</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Activity(workspace: Workspace) -> impl IntoView {
    let hook = workspace
        .dashboard_url
        .replace("/dashboard", "/webhooks/github");
    view! {
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Recent activity"</h2>
            {workspace.events.is_empty().then(|| view! {
                <p class="muted">
                    "No pull request or issue events yet. GitHub sends them to "
                    <code>{hook}</code>
                    " once the repositories' webhooks point here."
                </p>
            })}
            <ul class="plain-list">
                {workspace.events.into_iter().map(|e: RepoEvent| {
                    let what = if e.event == "pull_request" { "Pull request" } else { "Issue" };
                    view! {
                        <li>
                            <span>{format!("{what} #{} {}: {}", e.number, e.action, e.title)}</span>
                            <span class="muted">{format!("{} · by {}", e.repository, e.sender)}</span>
                            <LocalTime at=e.at/>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="muted">
                "Reopen onboarding: "
                {Step::ALL.into_iter().filter(|s| *s != Step::Ready).map(|s| view! { <a href=s.path()>{s.heading()}</a>" · " }).collect_view()}
                <a href=Step::Ready.path()>"Summary"</a>
            </p>
        </section>
    }
}
