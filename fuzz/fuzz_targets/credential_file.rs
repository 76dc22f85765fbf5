//! An imported credential file (`POST /api/credentials/import`'s body).
#![no_main]
use libfuzzer_sys::fuzz_target;
use secrecy::ExposeSecret;

fuzz_target!(|file: &[u8]| {
    if let Ok((tokens, account)) = app::connect::import::store::parse_claude(file) {
        assert!(tokens.access_token.expose_secret().starts_with("sk-ant-"));
        assert!(!account.contains(tokens.access_token.expose_secret()));
    }
});
