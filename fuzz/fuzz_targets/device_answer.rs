//! A provider's RFC 8628 device authorization answer.
#![no_main]
use app::connect::device::grant::{codes_from, Extras};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(answer) = serde_json::from_slice::<oauth2::DeviceAuthorizationResponse<Extras>>(body)
    else {
        return;
    };
    let provider = app::providers::registry::ProviderEndpoints {
        id: app::providers::GOOGLE.id,
        client_id: "relay".to_owned(),
        client_secret: None,
        auth_url: None,
        token_url: url::Url::parse("https://idp.example/token").unwrap(),
        device_url: Some(url::Url::parse("https://idp.example/device").unwrap()),
        userinfo_url: None,
        revoke_url: None,
        api_url: None,
        scopes: Vec::new(),
        issuer: None,
        issuer_in_callbacks: false,
    };
    if let Ok(codes) = codes_from(&answer, &provider) {
        assert!((1..=300).contains(&codes.interval));
        assert!(codes.expires_in >= 1);
        assert_eq!(
            url::Url::parse(&codes.verification_uri).unwrap().scheme(),
            "https"
        );
    }
});
