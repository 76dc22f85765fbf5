//! The vault on one core: sealing and opening a 2 KB credential through
//! Relay's vault (associated data, base64, a zeroed plaintext) next to raw
//! AES-256-GCM on the same bytes; and what getting a user's key costs.

use std::time::{Duration, Instant};

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::Aes256Gcm;
use app::platform::db::Db;
use app::vault::{Binding, MasterKey, Vault};
use secrecy::{ExposeSecret, SecretString};

pub struct Figures {
    /// Seal + open pairs per second through the vault.
    pub vault_per_sec: f64,
    /// Encrypt + decrypt pairs per second, raw AES-256-GCM.
    pub raw_per_sec: f64,
    /// Of a seal + open, what base64 (the stored text form) costs alone.
    pub base64: Duration,
    /// Unwrapping a user's data key (in memory).
    pub unwrap: Duration,
    /// Reading the wrapped key from the database and unwrapping it, as each use does.
    pub data_key: Option<Duration>,
}

/// How long each figure is measured.
const FOR: Duration = Duration::from_secs(2);

pub async fn measure(server_db: Option<(&Db, &Vault, &str)>) -> anyhow::Result<Figures> {
    let vault = Vault::new(MasterKey::parse(&MasterKey::generate_hex())?, vec![]);
    let (wrapped, key) = vault.new_user_key("bench-user");
    // 2 KB of token-like text (credentials are text).
    let secret: String = (0..2048).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    let secret = SecretString::from(secret);
    let binding = Binding {
        provider: "anthropic",
        field: "access_token",
        row: Some("0b9f3c4e-5a51-4f0c-9d7e-2f1c8e6a4b21"),
    };
    let vault_per_sec = per_sec(|| {
        let sealed = key.seal(binding, &secret);
        let opened = key.open(binding, &sealed).expect("opens");
        assert_eq!(opened.expose_secret().len(), 2048);
    });

    let raw = Aes256Gcm::new(&Aes256Gcm::generate_key(OsRng));
    let aad = b"relay.v1|secret|user:bench-user|provider:anthropic|field:access_token|row:0b9f3c4e-5a51-4f0c-9d7e-2f1c8e6a4b21";
    let plain = secret.expose_secret().as_bytes();
    let raw_per_sec = per_sec(|| {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = raw
            .encrypt(&nonce, Payload { msg: plain, aad })
            .expect("seals");
        let opened = raw
            .decrypt(&nonce, Payload { msg: &sealed, aad })
            .expect("opens");
        assert_eq!(opened.len(), 2048);
    });

    // The stored form is base64 text of nonce + ciphertext + tag.
    let stored = vec![7u8; 12 + 2048 + 16];
    // With the vault's encoder (app/src/vault/mod.rs, STORED).
    let base64 = per_sec(|| {
        let text = base64_simd::STANDARD.encode_to_string(&stored);
        let back = base64_simd::STANDARD.decode_to_vec(&text).expect("decodes");
        assert_eq!(back.len(), stored.len());
    });

    let unwraps = per_sec(|| {
        vault
            .unwrap_user_key("bench-user", &wrapped)
            .expect("unwraps");
    });
    let data_key = match server_db {
        None => None,
        Some((db, vault, user_id)) => {
            let started = Instant::now();
            let mut n = 0u32;
            while started.elapsed() < FOR {
                app::identity::users::data_key(db, vault, user_id).await?;
                n += 1;
            }
            Some(started.elapsed() / n)
        }
    };
    Ok(Figures {
        vault_per_sec,
        raw_per_sec,
        base64: Duration::from_secs_f64(1.0 / base64),
        unwrap: Duration::from_secs_f64(1.0 / unwraps),
        data_key,
    })
}

fn per_sec(mut once: impl FnMut()) -> f64 {
    for _ in 0..1000 {
        once();
    }
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < FOR {
        for _ in 0..100 {
            once();
        }
        n += 100;
    }
    n as f64 / started.elapsed().as_secs_f64()
}
