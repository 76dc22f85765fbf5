//! A terminal's bearer token, screened before any key is read.
#![no_main]
use app::cli_broker::session_tokens::{screen, MAX_TOKEN_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|token: &str| {
    if screen(token).is_ok() {
        assert!(token.len() <= MAX_TOKEN_BYTES);
    }
});
