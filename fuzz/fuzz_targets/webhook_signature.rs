//! A webhook delivery's `X-Hub-Signature-256` header against its body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

fuzz_target!(|input: (&str, &[u8])| {
    let (signature, body) = input;
    let secret = SecretString::from("a webhook secret".to_owned());
    // A forged signature never verifies (a right one by chance: 2^-256).
    assert!(app::repositories::webhooks::verify(&secret, body, Some(signature)).is_err());
});
