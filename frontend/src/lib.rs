//! The browser entry point: hydrates the islands (`#[island]` components) of
//! the server-rendered page; everything else stays plain server HTML.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // The islands are linked in through the app crate.
    #[allow(unused_imports)]
    use app::*;
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // The browser tests wait for this before they click.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
