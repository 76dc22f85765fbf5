//! A provider's userinfo answer (or GitHub's `/user`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Some(account) = app::providers::userinfo::parse(body, "https://idp.example") {
        assert!(!account.name.trim().is_empty() && account.name.chars().count() <= 200);
        if let Some(subject) = account.subject {
            assert!(!subject.id.trim().is_empty());
        }
    }
});
