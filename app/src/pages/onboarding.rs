use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::connect::functions::provider_statuses;
use crate::connect::provider_card::ProviderCard;
use crate::connect::ProviderStatus;
use crate::identity::functions::signed_in_user;
use crate::identity::CurrentUser;
use crate::onboarding::functions::ContinueOnboarding;
use crate::onboarding::steps::StepIndicator;
use crate::onboarding::Step;
use crate::pages::not_found::NotFound;
use crate::repositories::functions::github_repositories;
use crate::repositories::picker::RepositoryPicker;
use crate::repositories::RepoListing;
use crate::teams::picker::TeamPicker;
use crate::ui::header::AppHeader;
use crate::workspace::functions::load_workspace;
use crate::workspace::summary::WorkspaceSummary;
use crate::workspace::Workspace;

/// `/onboarding/<step>`: the wizard frame around each step.
#[component]
pub fn Onboarding() -> impl IntoView {
    let params = use_params_map();
    let step = move || params.read().get("step").and_then(|s| Step::from_slug(&s));
    // Every resource is created here, up front: resources created inside a
    // resolved Suspend can stall server rendering.
    let user = Resource::new(|| (), |_| signed_in_user());
    let statuses = provider_statuses_of_the_page();
    // GitHub is asked only on the step that needs it.
    let repos = Resource::new(
        move || step() == Some(Step::Repositories),
        |wanted| async move {
            match wanted {
                true => github_repositories().await.map(Some),
                false => Ok(None),
            }
        },
    );
    let workspace = Resource::new(
        move || step() == Some(Step::Ready),
        |wanted| async move {
            match wanted {
                true => load_workspace().await.map(Some),
                false => Ok(None),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="page-loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let user = user.await;
                match (user, step()) {
                    (_, None) => view! { <NotFound/> }.into_any(),
                    (Ok(Some(user)), Some(step)) => view! { <WizardStep user step statuses repos workspace/> }.into_any(),
                    (Ok(None), _) => view! { <SignInAgain/> }.into_any(),
                    (Err(e), _) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WizardStep(
    user: CurrentUser,
    step: Step,
    statuses: Resource<Result<Vec<ProviderStatus>, crate::errors::AppError>>,
    repos: Resource<Result<Option<RepoListing>, crate::errors::AppError>>,
    workspace: Resource<Result<Option<Workspace>, crate::errors::AppError>>,
) -> impl IntoView {
    let advance = ServerAction::<ContinueOnboarding>::new();
    let pending = advance.pending();
    let error = move || advance.value().get().and_then(Result::err);
    view! {
        <Title text=step.heading()/>
        <AppHeader user/>
        <main class="wizard" id="main">
            <StepIndicator current=step/>
            <section class="card" aria-labelledby="step-heading">
                <h1 id="step-heading">
                    {(step == Step::Ready).then(|| view! { <span aria-hidden="true">"🎉 "</span> })}
                    {step.heading()}
                </h1>
                <p class="lead">{intro(step)}</p>
                <div class="step-body">{body(step, statuses, workspace)}</div>
                {(step == Step::Repositories).then(|| view! { <Repositories repos/> })}
                {move || error().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
                // The repository list and the team form have their own buttons.
                {(step != Step::Repositories && step != Step::Team).then(|| view! {
                    <div class="actions">
                        {step.previous().map(|p| view! { <a class="btn btn-secondary" href=p.path()>"Back"</a> })}
                        <ActionForm action=advance attr:class="inline">
                            <input type="hidden" name="step" value=step.slug()/>
                            {(step == Step::Providers).then(|| view! {
                                <button type="submit" class="btn btn-ghost" disabled=move || pending.get()>"Skip"</button>
                            })}
                            <button type="submit" class="btn btn-primary" disabled=move || pending.get()>
                                {primary_label(step)}
                            </button>
                        </ActionForm>
                    </div>
                })}
            </section>
        </main>
    }
}

fn intro(step: Step) -> &'static str {
    match step {
        Step::Repositories => "Which repositories should Agent Relay manage?",
        Step::Providers => {
            "Agent Relay works with multiple AI providers. Connect the ones you want to use."
        }
        Step::Team => "Teams are groups of AI agents that work together on tasks.",
        Step::Ready => "Your Agent Relay Cloud workspace is ready:",
    }
}

fn body(
    step: Step,
    statuses: Resource<Result<Vec<ProviderStatus>, crate::errors::AppError>>,
    workspace: Resource<Result<Option<Workspace>, crate::errors::AppError>>,
) -> impl IntoView {
    match step {
        Step::Repositories => view! {
            <p class="muted">"Agents work only on the repositories you choose here. You can change them later from the dashboard."</p>
        }
        .into_any(),
        Step::Providers => view! { <ProviderList statuses/> }.into_any(),
        Step::Team => view! {
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match statuses.await {
                        Ok(list) => view! { <TeamPicker statuses=list/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any(),
        Step::Ready => view! {
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match workspace.await {
                        Ok(Some(workspace)) => view! { <WorkspaceSummary workspace/> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <h2 class="subheading">"What's next?"</h2>
            <ul class="checklist">
                <li>"Open a PR to trigger automatic code review"</li>
                <li>"Use @agent-relay in PR comments to chat with agents"</li>
                <li>"Visit your dashboard to monitor agent activity"</li>
            </ul>
        }
        .into_any(),
    }
}

fn primary_label(step: Step) -> &'static str {
    match step {
        Step::Ready => "Open Dashboard →",
        _ => "Continue →",
    }
}

/// The repository list, or what went wrong with a Retry.
#[component]
fn Repositories(
    repos: Resource<Result<Option<RepoListing>, crate::errors::AppError>>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading your repositories from GitHub…"</p> }>
            {move || Suspend::new(async move {
                match repos.await {
                    Ok(Some(listing)) => view! { <RepositoryPicker listing/> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! {
                        <p class="form-error" role="alert">{e.to_string()}</p>
                        <a class="btn btn-secondary" href="/onboarding/repositories">"Retry"</a>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Every provider's status, and the finished login or import the page's
/// query asks to show (`?flow=…`, `?import=…`: where a pushed change leads).
pub fn provider_statuses_of_the_page(
) -> Resource<Result<Vec<ProviderStatus>, crate::errors::AppError>> {
    let query = leptos_router::hooks::use_query_map();
    Resource::new(
        move || query.with(|q| (q.get("flow"), q.get("import"))),
        |(flow, import)| provider_statuses(flow, import),
    )
}

/// A card per provider; GitHub Copilot arrives connected by the sign-up.
#[component]
pub fn ProviderList(
    statuses: Resource<Result<Vec<ProviderStatus>, crate::errors::AppError>>,
    #[prop(optional)] detailed: bool,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading providers…"</p> }>
            {move || Suspend::new(async move {
                match statuses.await {
                    Ok(list) => view! {
                        <div class="provider-list">
                            {list.into_iter().map(|status| view! { <ProviderCard status detailed/> }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <p class="muted">"You can always add more providers later in Settings."</p>
    }
}

#[component]
fn SignInAgain() -> impl IntoView {
    view! {
        <main class="landing" id="main">
            <section class="card hero">
                <h1>"Please sign in"</h1>
                <p class="tagline">"Your session has ended."</p>
                <a class="btn btn-primary" href="/">"Go to sign in"</a>
            </section>
        </main>
    }
}
