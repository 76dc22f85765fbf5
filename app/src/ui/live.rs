//! The few things a server-rendered page does in the browser, as small
//! islands any page can use: Copy, a countdown, showing or hiding part of a
//! card, and moving on when the server pushes a change. Each renders on the server first, so a page
//! reads the same before the WebAssembly arrives (or without it).

use leptos::prelude::*;

use crate::ui::clock;

/// "Copy" (then "Copied" for two seconds): puts `text` on the clipboard.
#[island]
pub fn CopyButton(text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        clock::copy_to_clipboard(&text);
        copied.set(true);
        set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
    };
    view! {
        <button type="button" class="btn btn-secondary btn-small" on:click=copy>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}

/// Shows or hides part of `children` (server HTML) in place: a form or link
/// marked `data-reveal="open"` adds the class `revealed` to the wrapper
/// instead of going to its address, `data-reveal="close"` removes it; the
/// stylesheet shows `.when-revealed` and `.until-revealed` accordingly.
/// Without JavaScript the forms and links go where they say (the server then
/// renders the page `open`).
#[island]
pub fn Reveal(open: bool, class: String, children: Children) -> impl IntoView {
    let revealed = RwSignal::new(open);
    let act = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let marked = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("[data-reveal]").ok().flatten());
            if let Some(marked) = marked {
                let open = marked.get_attribute("data-reveal").as_deref() == Some("open");
                // A click on a link, or the submission of a form.
                let applies = ev.type_() == "submit" || marked.tag_name() == "A";
                if applies {
                    revealed.set(open);
                    // "Open Anthropic →" opens its tab as well; the rest stay here.
                    if marked.get_attribute("target").is_none() {
                        ev.prevent_default();
                    }
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <div class=format!("reveal {class}") class:revealed=move || revealed.get()
            on:click=move |ev| act(ev.into()) on:submit=move |ev| act(ev.into())>
            {children()}
        </div>
    }
}

/// "14:32", counting down each second on the browser's own clock (which keeps
/// it right after a sleeping tab wakes up).
#[island]
pub fn Countdown(seconds: i64) -> impl IntoView {
    let deadline = clock::deadline_in(seconds);
    let remaining = RwSignal::new(seconds);
    clock::every(1000, move || remaining.set(clock::seconds_until(deadline)));
    view! { <span class="countdown">{move || clock::mm_ss(remaining.get())}</span> }
}

/// Listens to `events` (server-sent events) and goes to `then` at the first
/// one: the server pushes the moment what this page shows has changed, and
/// renders the new state itself. Renders nothing.
#[island]
pub fn WhenChanged(events: String, then: String) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        if let Ok(source) = web_sys::EventSource::new(&events) {
            let on_change = Closure::<dyn FnMut(web_sys::MessageEvent)>::new({
                let source = source.clone();
                move |_: web_sys::MessageEvent| {
                    source.close();
                    clock::go_to(&then);
                }
            });
            let _ = source
                .add_event_listener_with_callback("changed", on_change.as_ref().unchecked_ref());
            // A form of the page (Cancel, Try Again) is leaving it: its own
            // answer decides where to go, not the change it causes.
            let on_leave = Closure::<dyn FnMut()>::new({
                let source = source.clone();
                move || source.close()
            });
            let _ = window().add_event_listener_with_callback(
                "beforeunload",
                on_leave.as_ref().unchecked_ref(),
            );
            // They live as long as the page: it is left at the first event.
            on_change.forget();
            on_leave.forget();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (events, then);
}
