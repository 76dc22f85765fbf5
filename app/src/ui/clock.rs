//! The browser's clock, clipboard and location, for countdowns, "Copy" and
//! reloads. On the server these do nothing: countdowns start ticking once the page is hydrated.

#[cfg(feature = "hydrate")]
use std::time::Duration;

#[cfg(feature = "hydrate")]
use leptos::prelude::*;

/// Milliseconds since the epoch on this browser's clock (0 on the server).
fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// The local moment `seconds` from now. Anchoring to the local clock keeps a
/// countdown right after the tab slept (timers pause, the clock does not).
pub fn deadline_in(seconds: i64) -> f64 {
    now_ms() + seconds as f64 * 1000.0
}

pub fn seconds_until(deadline: f64) -> i64 {
    ((deadline - now_ms()) / 1000.0).ceil().max(0.0) as i64
}

/// "14:32".
pub fn mm_ss(seconds: i64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// Runs `tick` every `ms` milliseconds while the calling component lives
/// (in the browser only: a timer cannot exist while rendering on the server).
pub fn every(ms: u64, tick: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(tick, Duration::from_millis(ms)) {
        on_cleanup(move || handle.clear());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ms, tick);
}

/// Goes to `path` (a server's answer said where).
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Loads this page again (after a change the server renders).
pub fn reload_page() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().reload();
    }
}

pub fn copy_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_minutes_and_seconds() {
        assert_eq!(super::mm_ss(872), "14:32");
        assert_eq!(super::mm_ss(59), "0:59");
        assert_eq!(super::mm_ss(0), "0:00");
    }
}
