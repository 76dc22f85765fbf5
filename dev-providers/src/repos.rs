//! A few hundred generated repositories per user, the same on every run.
//! Two kinds of login are special, for trying the edges: `many-…` has 1,000
//! repositories and `empty-…` has none.

use protocol::time::iso8601;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Clone, Debug, Serialize)]
pub struct Repo {
    pub id: i64,
    pub name: String,
    pub full_name: String,
    pub private: bool,
    pub owner: Owner,
    pub html_url: String,
    pub description: Option<String>,
    pub fork: bool,
    pub language: Option<&'static str>,
    pub stargazers_count: u32,
    pub default_branch: &'static str,
    pub created_at: String,
    pub updated_at: String,
    pub pushed_at: String,
    #[serde(skip)]
    pub updated_secs: i64,
    /// Agent definitions in `.claude/agents/` of the default branch (0: no such folder).
    #[serde(skip)]
    pub claude_agents: usize,
    /// Whether the default branch has a `teams.json`.
    #[serde(skip)]
    pub teams_json: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Owner {
    pub login: String,
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

const ADJECTIVES: [&str; 16] = [
    "swift", "quiet", "bright", "lunar", "rapid", "amber", "silver", "brave", "clever", "gentle",
    "hidden", "mighty", "nimble", "polar", "rustic", "solar",
];
const NOUNS: [&str; 18] = [
    "api",
    "frontend",
    "backend-api",
    "docs",
    "mobile-app",
    "gateway",
    "scheduler",
    "indexer",
    "dashboard",
    "cli",
    "sdk",
    "worker",
    "billing",
    "auth",
    "search",
    "pipeline",
    "infra",
    "website",
];
const LANGUAGES: [&str; 6] = ["Rust", "TypeScript", "Python", "Go", "Kotlin", "Swift"];

/// The repositories `login` can access, most recently updated first.
pub fn for_user(login: &str, user_id: i64, now: i64) -> Vec<Repo> {
    let seed = Sha256::digest(login.as_bytes());
    let count = repository_count(login, seed[0]);
    let orgs = [login.to_owned(), "acme".to_owned(), format!("{login}-labs")];
    (0..count)
        .map(|i| {
            let h = Sha256::digest([seed.as_slice(), &(i as u32).to_be_bytes()].concat());
            let owner = &orgs[i % orgs.len()];
            let name = match i {
                0..=17 => NOUNS[i].to_owned(),
                _ => format!(
                    "{}-{}-{}",
                    ADJECTIVES[h[0] as usize % 16],
                    NOUNS[h[1] as usize % 18],
                    i
                ),
            };
            // Spread updates from minutes to about two years ago, newest first.
            let spread = (i as i64).pow(2) * 900 * 90_000 / (count.max(300) as i64).pow(2);
            let updated = now - spread - (h[2] as i64) * 7;
            let created = updated - 86_400 * (30 + h[3] as i64 * 3);
            Repo {
                id: 100_000 + user_id % 10_000 * 1_000 + i as i64,
                full_name: format!("{owner}/{name}"),
                html_url: format!("https://github.com/{owner}/{name}"),
                name,
                private: h[4] % 3 == 0,
                owner: Owner {
                    login: owner.clone(),
                    id: user_id + (i % orgs.len()) as i64,
                    kind: if i % orgs.len() == 0 {
                        "User"
                    } else {
                        "Organization"
                    },
                },
                description: (h[5] % 4 != 0)
                    .then(|| format!("The {} service of {owner}", NOUNS[h[1] as usize % 18])),
                fork: h[6] % 9 == 0,
                language: Some(LANGUAGES[h[7] as usize % LANGUAGES.len()]),
                stargazers_count: u32::from(h[8]) * u32::from(h[9] % 8) + u32::from(h[10] % 50),
                default_branch: "main",
                created_at: iso8601(created),
                updated_at: iso8601(updated),
                pushed_at: iso8601(updated),
                updated_secs: updated,
                // Some repositories already hold agent configuration.
                claude_agents: if i % 5 == 1 {
                    2 + h[11] as usize % 3
                } else {
                    0
                },
                teams_json: i % 7 == 2,
            }
        })
        .collect()
}

/// 240–300 for most logins; see the module's comment for the others.
fn repository_count(login: &str, seed: u8) -> usize {
    let login = login.to_ascii_lowercase();
    if login.starts_with("many-") {
        1_000
    } else if login.starts_with("empty-") {
        0
    } else {
        240 + (seed as usize % 61)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_are_stable_and_newest_first() {
        let a = for_user("ada", 7, 2_000_000_000);
        let b = for_user("ada", 7, 2_000_000_000);
        assert!((240..=300).contains(&a.len()));
        assert_eq!(
            a.iter().map(|r| &r.full_name).collect::<Vec<_>>(),
            b.iter().map(|r| &r.full_name).collect::<Vec<_>>()
        );
        assert!(a.windows(2).all(|w| w[0].updated_secs >= w[1].updated_secs));
        assert_eq!(for_user("many-repos", 8, 2_000_000_000).len(), 1_000);
        assert!(for_user("empty-handed", 9, 2_000_000_000).is_empty());
    }
}
