//! "Select Repositories": every repository with a checkbox, a search that
//! filters in the browser, and the count in the button. The list is server
//! HTML and a plain form; the search and the count are one small island
//! over it, so a thousand rows cost no WebAssembly.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::repositories::functions::SaveRepositories;
use crate::repositories::RepoListing;
use crate::ui::form::FormInPlace;

/// The form, and what the server said when it refused it.
#[component]
pub fn RepositoryPicker(listing: RepoListing) -> impl IntoView {
    let save = ServerAction::<SaveRepositories>::new();
    let error = save.value().get_untracked().and_then(Result::err);
    let total = listing.repos.len();
    let selected = listing.selected.len();
    let chosen = |id: i64| listing.selected.contains(&id);
    let rows = listing
        .repos
        .iter()
        .map(|repo| {
            let input_id = format!("repo-{}", repo.id);
            view! {
                // The lower-cased name is what the search compares with.
                <li data-name=repo.full_name.to_lowercase()>
                    <input type="checkbox" id=input_id.clone() name="ids[]" value=repo.id.to_string() checked=chosen(repo.id)/>
                    <label for=input_id>
                        <span class="repo-name">{repo.full_name.clone()}</span>
                        {repo.private.then(|| view! { <span class="badge badge-muted">"Private"</span> })}
                        <span class="repo-meta">
                            <span aria-label=format!("{} stars", repo.stars)>"★ " {repo.stars}</span>
                            <span>{repo.updated_ago.clone()}</span>
                        </span>
                    </label>
                </li>
            }
        })
        .collect_view();
    view! {
        <FormInPlace action=SaveRepositories::PATH.to_owned() error class="repo-form".to_owned()>
            <RepositorySearch total selected>
                {(total == 0).then(|| view! { <p class="empty">"No repositories yet. Create one on GitHub, then reload this page."</p> })}
                <ul class="repo-list">{rows}</ul>
            </RepositorySearch>
        </FormInPlace>
    }
}

/// The search box, the count and the button around the list (`children`,
/// server HTML): typing hides the rows whose name does not match; ticking a
/// box updates the count.
#[island]
fn RepositorySearch(total: usize, selected: usize, children: Children) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let shown = RwSignal::new(total);
    let count = RwSignal::new(selected);
    // Effects run only in the browser: before hydration the button stays
    // enabled, and the server says so if nothing was chosen.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let list = NodeRef::<leptos::html::Div>::new();

    let filter = move |ev| {
        let text = event_target_value(&ev);
        #[cfg(feature = "hydrate")]
        if let Some(list) = list.get_untracked() {
            // Lower-cased once per keystroke, not once per row (by the
            // browser: Unicode tables of our own would weigh more than the search).
            let needle = String::from(js_sys::JsString::from(text.trim()).to_lower_case());
            shown.set(rows::filter(&list, &needle));
        }
        query.set(text);
    };
    let recount = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(list) = list.get_untracked() {
            count.set(rows::checked(&list));
        }
    };
    let label = move || match count.get() {
        1 => "Continue with 1 repository →".to_owned(),
        n => format!("Continue with {n} repositories →"),
    };
    view! {
        <label for="repo-search" class="visually-hidden">"Search repositories"</label>
        <input id="repo-search" class="repo-search" type="search" placeholder="Search repositories…" autocomplete="off"
            on:input=filter/>
        <p class="muted repo-count" aria-live="polite">
            {move || {
                let q = query.get();
                if q.trim().is_empty() {
                    format!("{total} repositories · {} selected", count.get())
                } else {
                    format!("{} of {total} match “{}” · {} selected", shown.get(), q.trim(), count.get())
                }
            }}
        </p>
        <div node_ref=list on:change=recount>{children()}</div>
        <div class="actions">
            <button type="submit" class="btn btn-primary" disabled=move || hydrated.get() && count.get() == 0>
                {label}
            </button>
        </div>
    }
}

/// The rows, read and changed in the page itself.
#[cfg(feature = "hydrate")]
mod rows {
    use wasm_bindgen::JsCast;

    /// Hides the rows whose name does not contain `needle`; returns how many show.
    pub fn filter(list: &web_sys::HtmlDivElement, needle: &str) -> usize {
        let Ok(rows) = list.query_selector_all("li[data-name]") else {
            return 0;
        };
        let mut shown = 0;
        for i in 0..rows.length() {
            let Some(row) = rows
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
            else {
                continue;
            };
            let name = row.get_attribute("data-name").unwrap_or_default();
            let matches = name.contains(needle);
            row.set_hidden(!matches);
            shown += usize::from(matches);
        }
        shown
    }

    pub fn checked(list: &web_sys::HtmlDivElement) -> usize {
        list.query_selector_all("input[type=checkbox]:checked")
            .map(|boxes| boxes.length() as usize)
            .unwrap_or(0)
    }
}
