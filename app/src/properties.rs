//! Property tests of everything that parses outside input: provider token,
//! device and userinfo answers, GitHub's webhook signatures, imported
//! credential files, session-token headers and the pasted-token shape
//! check. Each runs on thousands of generated inputs: nothing panics, the
//! bounds hold, and no message repeats a secret. (`fuzz/` runs the same
//! parsers under libFuzzer for longer, on nightly.)

use proptest::prelude::*;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::cli_broker::session_tokens::{screen, MAX_TOKEN_BYTES, TYPE};
use crate::connect::device::grant::{codes_from, Extras};
use crate::connect::import::store::parse_claude;
use crate::platform::Clock;
use crate::providers::registry::ProviderEndpoints;
use crate::providers::{oauth, userinfo, ALL};
use crate::repositories::webhooks;

/// Text a provider or an attacker could send: any Unicode, often ASCII.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,80}",
        any::<String>(),
        "(sk-ant-|sk-|ghp_|https://|javascript:)[ -~]{0,60}",
    ]
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn provider(device_url: &str) -> ProviderEndpoints {
    ProviderEndpoints {
        id: crate::providers::GOOGLE.id,
        client_id: "relay".to_owned(),
        client_secret: None,
        auth_url: None,
        token_url: url::Url::parse("https://idp.example/token").unwrap(),
        device_url: Some(url::Url::parse(device_url).unwrap()),
        userinfo_url: None,
        revoke_url: None,
        api_url: None,
        scopes: Vec::new(),
        issuer: None,
        issuer_in_callbacks: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn credential_files_of_any_bytes_are_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_claude(&bytes);
    }

    #[test]
    fn credential_files_are_refused_without_repeating_their_tokens(
        access in text(), refresh in text(), plan in text(), expires in any::<i64>(),
    ) {
        let file = json!({ "claudeAiOauth": {
            "accessToken": access, "refreshToken": refresh,
            "expiresAt": expires, "subscriptionType": plan, "scopes": ["user:inference"],
        }});
        match parse_claude(file.to_string().as_bytes()) {
            Ok((tokens, account)) => {
                prop_assert!(access.starts_with("sk-ant-") && refresh.starts_with("sk-ant-"));
                prop_assert_eq!(tokens.access_token.expose_secret(), access.as_str());
                prop_assert!(!account.contains(&access) && account.len() < 100);
            }
            Err(message) => {
                for secret in [&access, &refresh] {
                    prop_assert!(secret.len() < 8 || !message.contains(secret.as_str()), "{}", message);
                }
            }
        }
    }

    #[test]
    fn pasted_tokens_are_recognised_or_refused_without_being_repeated(token in text()) {
        for info in ALL {
            match info.recognise_token(&token) {
                Ok(shape) => {
                    prop_assert!(token.len() >= 20 && token.len() <= 4096);
                    prop_assert!(!shape.kind.contains(&token));
                }
                Err(message) => prop_assert!(token.len() < 8 || !message.contains(&token), "{}", message),
            }
        }
    }

    #[test]
    fn webhook_signatures_verify_only_for_their_body(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        forged in text(),
        flip in any::<prop::sample::Index>(),
    ) {
        use hmac::{Hmac, Mac};
        let secret = SecretString::from("a webhook secret".to_owned());
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"a webhook secret").unwrap();
        mac.update(&body);
        let signature = format!("sha256={}", crate::vault::hex(&mac.finalize().into_bytes()));
        prop_assert!(webhooks::verify(&secret, &body, Some(&signature)).is_ok());
        prop_assert!(forged == signature || webhooks::verify(&secret, &body, Some(&forged)).is_err());
        if !body.is_empty() {
            let mut changed = body.clone();
            changed[flip.index(body.len())] ^= 1;
            prop_assert!(webhooks::verify(&secret, &changed, Some(&signature)).is_err());
        }
    }

    #[test]
    fn session_token_headers_are_screened_before_any_key_is_read(
        token in prop_oneof![text(), "[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,100}"],
        alg in prop_oneof![Just("EdDSA".to_owned()), text()],
        typ in prop_oneof![Just(TYPE.to_owned()), text()],
        extra in prop_oneof![Just(None), Just(Some("jku")), Just(Some("jwk")), Just(Some("x5u"))],
        padding in 0usize..8192,
    ) {
        let _ = screen(&token);
        let mut header = json!({ "alg": alg, "typ": typ, "kid": "k1" });
        if let Some(name) = extra {
            header[name] = json!("https://evil.example/");
        }
        let token = format!("{}.{}.sig", b64url(header.to_string().as_bytes()), "a".repeat(padding));
        let screened = screen(&token);
        let acceptable = alg == "EdDSA" && typ == TYPE && extra.is_none() && token.len() <= MAX_TOKEN_BYTES;
        prop_assert_eq!(screened.is_ok(), acceptable, "{:?}", screened);
    }

    #[test]
    fn device_answers_are_bounded_and_only_safe_addresses_are_shown(
        expires_in in any::<u64>(),
        interval in prop_oneof![Just(None), any::<u64>().prop_map(Some)],
        uri in prop_oneof![text(), "(https|http|javascript|data):[ -~]{0,40}"],
        plain_provider in any::<bool>(),
    ) {
        let mut answer = json!({
            "device_code": "d", "user_code": "U", "verification_uri": uri, "expires_in": expires_in,
        });
        if let Some(interval) = interval {
            answer["interval"] = json!(interval);
        }
        let Ok(response) = serde_json::from_value::<oauth2::DeviceAuthorizationResponse<Extras>>(answer) else {
            return Ok(());
        };
        let endpoints = provider(if plain_provider { "http://127.0.0.1/device" } else { "https://idp.example/device" });
        if let Ok(codes) = codes_from(&response, &endpoints) {
            prop_assert!((1..=24 * 60 * 60).contains(&codes.expires_in));
            prop_assert!((1..=300).contains(&codes.interval));
            let shown = url::Url::parse(&codes.verification_uri).unwrap();
            prop_assert!(shown.scheme() == "https" || (plain_provider && shown.scheme() == "http"));
        }
    }

    #[test]
    fn token_answers_of_any_lifetime_expire_in_the_future(
        expires_in in any::<u64>(), body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let _ = serde_json::from_slice::<oauth2::basic::BasicTokenResponse>(&body);
        let answer = json!({ "access_token": "at", "token_type": "bearer", "expires_in": expires_in });
        let response: oauth2::basic::BasicTokenResponse = serde_json::from_value(answer).unwrap();
        let clock = Clock::system();
        let tokens = oauth::token_set(&response, &clock);
        prop_assert!(tokens.expires_at.unwrap() >= clock.now());
    }

    #[test]
    fn userinfo_answers_name_an_account_without_trusting_unverified_email(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        sub in prop_oneof![Just(None), text().prop_map(Some)],
        email in text(),
        verified in prop_oneof![Just(json!(true)), Just(json!(false)), Just(json!("true")), Just(json!(null))],
        name in prop_oneof![Just(None), text().prop_map(Some)],
    ) {
        let _ = userinfo::parse(&body, "https://idp.example");
        let mut answer = json!({ "email": email, "email_verified": verified });
        if let Some(sub) = &sub {
            answer["sub"] = json!(sub);
        }
        if let Some(name) = &name {
            answer["name"] = json!(name);
        }
        if let Some(account) = userinfo::parse(answer.to_string().as_bytes(), "https://idp.example") {
            prop_assert!(account.name.chars().count() <= 200 && !account.name.trim().is_empty());
            if let Some(subject) = &account.subject {
                prop_assert_eq!(Some(&subject.id), sub.as_ref());
            }
            let trusted = verified == json!(true) || verified == json!("true");
            if account.name == email && email.chars().count() <= 200 && !trusted {
                // Only by coincidence: the name or subject said the same.
                prop_assert!(name.as_deref() == Some(email.as_str()) || sub.as_deref() == Some(email.as_str()));
            }
        }
    }
}
