//! The few things a server-rendered page does in the browser, as small
//! islands any page can use: Copy, a countdown, and moving on when the
//! server pushes a change. Each renders on the server first, so a page
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
