//! The shape check of a pasted key or token, for every provider.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|token: &str| {
    for info in app::providers::ALL {
        if let Err(message) = info.recognise_token(token) {
            assert!(
                token.len() < 8 || !message.contains(token),
                "the message repeats the token"
            );
        }
    }
});
