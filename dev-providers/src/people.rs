//! The demo users a developer can sign in as.

use sha2::{Digest, Sha256};

#[derive(Clone, Debug)]
pub struct Person {
    pub login: String,
    pub name: String,
    pub id: i64,
}

pub const DEMO: [(&str, &str); 3] = [
    ("ada", "Ada Lovelace"),
    ("grace", "Grace Hopper"),
    ("katherine", "Katherine Johnson"),
];

/// Any valid GitHub login is a person here: the demo ones have names, others
/// are made up on the spot (tests use fresh logins to be new users).
pub fn person(login: &str) -> Option<Person> {
    if !is_valid_login(login) {
        return None;
    }
    let name = DEMO
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(login))
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| login.to_owned());
    Some(Person {
        login: login.to_owned(),
        name,
        id: stable_id(login),
    })
}

/// GitHub's rule: 1–39 alphanumerics or single hyphens, not at either end.
pub fn is_valid_login(login: &str) -> bool {
    !login.is_empty()
        && login.len() <= 39
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !login.starts_with('-')
        && !login.ends_with('-')
        && !login.contains("--")
}

/// A numeric id that stays the same for a login across restarts.
pub fn stable_id(login: &str) -> i64 {
    let digest = Sha256::digest(login.to_ascii_lowercase().as_bytes());
    let mut bytes = [0u8; 8];
    bytes[2..].copy_from_slice(&digest[..6]);
    1_000_000 + i64::from_be_bytes(bytes) % 90_000_000
}
