//! The browser entry point: hydrates the islands (`#[island]` components) of
//! the server-rendered page; everything else stays plain server HTML.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // The islands are linked in through the app crate.
    #[allow(unused_imports)]
    use app::*;
    // A panic's message in the console, in development builds only: the
    // hook and the formatting it pulls in are 700 B of the first load, and
    // a panicking island leaves its page working as plain HTML anyway.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Leptos' loader hydrates each island after this returns, one after the
    // other in promise callbacks; a timeout runs once they all have. Only
    // then does the page work, and say so: the browser tests and
    // bench/tti.mjs wait for this before they click. (Set here at once, a
    // click could land before its island listened and leave the page.)
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}
