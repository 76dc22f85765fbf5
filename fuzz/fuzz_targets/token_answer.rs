//! A provider's token endpoint answer.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(answer) = serde_json::from_slice::<oauth2::basic::BasicTokenResponse>(body) else {
        return;
    };
    let clock = app::platform::Clock::system();
    let tokens = app::providers::oauth::token_set(&answer, &clock);
    if let Some(at) = tokens.expires_at {
        assert!(at >= clock.now());
    }
});
