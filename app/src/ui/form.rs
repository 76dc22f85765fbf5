//! Forms that work as plain HTML and, once the page is hydrated, answer in
//! place. Every form posts to its server function: without JavaScript the
//! browser follows the server's redirect (back to the page, with a refusal
//! in its URL); with it, the form is sent by `fetch`, a refusal shows under
//! the form with everything typed still there, and success moves on as the
//! server says. No server-function client is compiled into the WebAssembly.

use leptos::prelude::*;

use crate::errors::AppError;
use crate::onboarding::Step;

/// A `<form method="post">` around `children` (server HTML, which may hold
/// islands of their own), answered in place.
#[island]
pub fn FormInPlace(
    /// The server function's path (`<Fn as ServerFn>::PATH`).
    action: String,
    /// The refusal the page came back with, if this form's.
    error: Option<AppError>,
    #[prop(optional)] id: Option<String>,
    #[prop(optional)] class: Option<String>,
    /// Show the server function's answer (a sentence) in place of moving on.
    #[prop(optional)]
    shows_answer: Option<bool>,
    children: Children,
) -> impl IntoView {
    let shows_answer = shows_answer.unwrap_or(false);
    let error = RwSignal::new(error);
    let busy = RwSignal::new(false);
    let answer = RwSignal::new(None::<String>);
    let submit = move |ev| send_in_place(ev, error, busy, shows_answer.then_some(answer));
    view! {
        <form method="post" action=action id=id class=class on:submit=submit aria-busy=move || busy.get().then_some("true")>
            {children()}
        </form>
        {shows_answer.then(|| view! {
            <p class="test-result" role="status">{move || answer.get().map(|m| view! { <span class="ok">{m}</span> })}</p>
        })}
        {move || error.get().map(|e| view! { <Refusal error=e/> })}
    }
}

/// Sends the submitted form by `fetch` instead of leaving the page: a
/// refusal goes to `error`, success moves on as the server says. `busy`
/// while it is on its way (a second submit is ignored).
/// With `answer`, the answer (a JSON string) is shown there instead.
pub fn send_in_place(
    ev: leptos::ev::SubmitEvent,
    error: RwSignal<Option<AppError>>,
    busy: RwSignal<bool>,
    answer: Option<RwSignal<Option<String>>>,
) {
    ev.prevent_default();
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
        let Some(form) = form.filter(|_| !busy.get_untracked()) else {
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match (send(&form).await, answer) {
                (Ok(sent), Some(answer)) => {
                    error.set(None);
                    answer.set(Some(serde_json::from_str(&sent.body).unwrap_or(sent.body)));
                    busy.set(false);
                }
                (Ok(sent), None) => sent.follow(),
                (Err(refused), _) => {
                    answer.inspect(|a| a.set(None));
                    error.set(Some(refused));
                    busy.set(false);
                }
            }
        });
    }
    // On the server a form is never submitted.
    #[cfg(not(feature = "hydrate"))]
    let _ = (error, busy, answer);
}

/// A refusal as users read it, with the way out where there is one.
#[component]
pub fn Refusal(error: AppError) -> impl IntoView {
    let connect = match &error {
        AppError::NeedsProvider(id) => Some(*id),
        _ => None,
    };
    view! {
        <p class="form-error" role="alert">
            {error.to_string()}
            {connect.map(|id| view! {
                " " <a href=Step::Providers.path()>{format!("Connect {} →", id.name())}</a>
            })}
        </p>
    }
}

/// What a server function answered: where it sends the browser, if
/// anywhere, and its value (JSON).
pub struct Answer {
    pub location: Option<String>,
    pub body: String,
}

impl Answer {
    /// Goes where the server said, else shows the page as it is now.
    pub fn follow(self) {
        match self.location {
            Some(to) => crate::ui::clock::go_to(&to),
            None => crate::ui::clock::reload_page(),
        }
    }
}

/// Posts `form` as the browser would, but asks for JSON.
#[cfg(feature = "hydrate")]
pub async fn send(form: &web_sys::HtmlFormElement) -> Result<Answer, AppError> {
    let fields = web_sys::FormData::new_with_form(form).map_err(|_| unreachable_form())?;
    post(&form.action(), &fields).await
}

/// Posts `fields` (a `FormData`, or pairs) to a server function, as a form.
#[cfg(feature = "hydrate")]
pub async fn post(url: &str, fields: &wasm_bindgen::JsValue) -> Result<Answer, AppError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let transport = |_| AppError::Transport("no answer".to_owned());
    let body = web_sys::UrlSearchParams::new_with_str_sequence_sequence(fields)
        .map_err(|_| unreachable_form())?;
    let headers = web_sys::Headers::new().map_err(transport)?;
    headers
        .set("Accept", "application/json")
        .map_err(transport)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&body);
    let response: web_sys::Response = JsFuture::from(window().fetch_with_str_and_init(url, &init))
        .await
        .map_err(transport)?
        .dyn_into()
        .map_err(transport)?;
    let text = JsFuture::from(response.text().map_err(transport)?)
        .await
        .map_err(transport)?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        Ok(Answer {
            location: response.headers().get("Location").ok().flatten(),
            body: text,
        })
    } else {
        Err(serde_json::from_str(&text).unwrap_or(AppError::Internal))
    }
}

/// Asks a server function for a value (JSON), with `pairs` as its form.
#[cfg(feature = "hydrate")]
pub async fn ask<T: serde::de::DeserializeOwned>(
    path: &str,
    pairs: &[(&str, &str)],
) -> Result<T, AppError> {
    let answer = post(path, &fields(pairs)).await?;
    serde_json::from_str(&answer.body).map_err(|_| AppError::Internal)
}

/// `[["id", "…"], …]`: pairs for `post`.
#[cfg(feature = "hydrate")]
pub fn fields(pairs: &[(&str, &str)]) -> wasm_bindgen::JsValue {
    pairs
        .iter()
        .map(|(name, value)| js_sys::Array::of2(&(*name).into(), &(*value).into()))
        .collect::<js_sys::Array>()
        .into()
}

#[cfg(feature = "hydrate")]
fn unreachable_form() -> AppError {
    AppError::Transport("the form could not be read".to_owned())
}
