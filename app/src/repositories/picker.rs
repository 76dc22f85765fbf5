//! "Select Repositories": every repository with a checkbox, a search that
//! filters in the browser, and the count in the button. A plain form too, so
//! it works before (or without) the WebAssembly.

use std::collections::HashSet;

use leptos::prelude::*;

use crate::repositories::functions::SaveRepositories;
use crate::repositories::RepoListing;

#[component]
pub fn RepositoryPicker(listing: RepoListing) -> impl IntoView {
    let save = ServerAction::<SaveRepositories>::new();
    let selected = RwSignal::new(listing.selected.iter().copied().collect::<HashSet<i64>>());
    let query = RwSignal::new(String::new());
    // Effects run only in the browser: before hydration the button stays
    // enabled, and the server says so if nothing was chosen.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let total = listing.repos.len();
    let names: Vec<String> = listing
        .repos
        .iter()
        .map(|r| r.full_name.to_lowercase())
        .collect();
    // Lower-cased once per keystroke, not once per row.
    let needle = Memo::new(move |_| query.get().trim().to_lowercase());
    let shown = {
        let names = names.clone();
        move || needle.with(|q| names.iter().filter(|n| n.contains(q.as_str())).count())
    };
    let count = move || selected.with(HashSet::len);
    let label = move || match count() {
        1 => "Continue with 1 repository →".to_owned(),
        n => format!("Continue with {n} repositories →"),
    };
    let error = move || {
        save.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };

    view! {
        <ActionForm action=save attr:class="repo-form">
            <label for="repo-search" class="visually-hidden">"Search repositories"</label>
            <input id="repo-search" class="repo-search" type="search" placeholder="Search repositories…" autocomplete="off"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))/>
            <p class="muted repo-count" aria-live="polite">
                {move || {
                    let q = query.get();
                    if q.trim().is_empty() {
                        format!("{total} repositories · {} selected", count())
                    } else {
                        format!("{} of {total} match “{}” · {} selected", shown(), q.trim(), count())
                    }
                }}
            </p>
            {(total == 0).then(|| view! { <p class="empty">"No repositories yet. Create one on GitHub, then reload this page."</p> })}
            <ul class="repo-list">
                {listing.repos.into_iter().zip(names).map(|(repo, lower)| {
                    let id = repo.id;
                    let initially = selected.with_untracked(|s| s.contains(&id));
                    let hidden = move || needle.with(|q| !q.is_empty() && !lower.contains(q.as_str()));
                    let input_id = format!("repo-{id}");
                    view! {
                        <li hidden=hidden>
                            <input type="checkbox" id=input_id.clone() name="ids[]" value=id.to_string() checked=initially
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                                }/>
                            <label for=input_id>
                                <span class="repo-name">{repo.full_name}</span>
                                {repo.private.then(|| view! { <span class="badge badge-muted">"Private"</span> })}
                                <span class="repo-meta">
                                    <span aria-label=format!("{} stars", repo.stars)>"★ " {repo.stars}</span>
                                    <span>{repo.updated_ago}</span>
                                </span>
                            </label>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || (hydrated.get() && count() == 0) || save.pending().get()>
                    {label}
                </button>
            </div>
        </ActionForm>
    }
}
