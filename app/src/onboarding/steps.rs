use leptos::prelude::*;

use crate::onboarding::Step;

/// "Sign up · Repositories · Providers · Team · Ready", with the current step marked.
#[component]
pub fn StepIndicator(current: Step) -> impl IntoView {
    let item = |label: &'static str, state: &'static str, number: usize| {
        let aria_current = (state == "current").then_some("step");
        view! {
            <li class=format!("step step-{state}") aria-current=aria_current>
                <span class="step-dot" aria-hidden="true">{if state == "done" { "✓".to_owned() } else { number.to_string() }}</span>
                <span class="step-label">{label}</span>
                {(state == "done").then(|| view! { <span class="visually-hidden">" (done)"</span> })}
            </li>
        }
    };
    view! {
        <nav class="steps" aria-label="Onboarding progress">
            <ol>
                {item("Sign up", "done", 1)}
                {Step::ALL
                    .into_iter()
                    .map(|step| {
                        let state = if step.index() < current.index() {
                            "done"
                        } else if step == current {
                            "current"
                        } else {
                            "upcoming"
                        };
                        item(step.label(), state, step.index() + 2)
                    })
                    .collect_view()}
            </ol>
            // Phones show only the dots; this line names the current step.
            <p class="steps-caption" aria-hidden="true">
                {format!("Step {} of {} · {}", current.index() + 2, Step::ALL.len() + 1, current.label())}
            </p>
        </nav>
    }
}
