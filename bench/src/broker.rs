//! What the broker's figures need: many terminals waiting on `relay auth`
//! (`POST /cli/poll` answers "pending"), and one signed-in terminal with a
//! stored key (`GET /api/credentials/anthropic` with its session token).

use std::path::Path;

use anyhow::{bail, Context};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures::{StreamExt, TryStreamExt};
use reqwest::header::{AUTHORIZATION, COOKIE};
use reqwest::{Client, StatusCode};
use sha2::{Digest, Sha256};
use url::Url;

use crate::person::{self, location, Person};

/// A terminal's secrets: the state in the start URL, the verifier kept back.
struct Terminal {
    state: String,
    verifier: String,
}

impl Terminal {
    fn new() -> Terminal {
        let random = || {
            let mut bytes = [0u8; 32];
            for half in bytes.chunks_mut(16) {
                half.copy_from_slice(uuid::Uuid::new_v4().as_bytes());
            }
            URL_SAFE_NO_PAD.encode(bytes)
        };
        Terminal {
            state: random(),
            verifier: random(),
        }
    }

    fn start_path(&self) -> String {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()));
        format!(
            "oauth/start?provider=github&mode=cli&state={}&code_challenge={challenge}&code_challenge_method=S256",
            self.state
        )
    }

    fn poll_body(&self) -> String {
        serde_json::json!({ "state": self.state, "code_verifier": self.verifier }).to_string()
    }
}

/// Starts `count` terminal logins nobody finishes; writes their poll bodies,
/// one per line, to `file` (the wrk script polls them in turn).
pub async fn waiting_terminals(
    http: &Client,
    base: &Url,
    count: usize,
    file: &Path,
) -> anyhow::Result<()> {
    let bodies: Vec<String> = futures::stream::iter(0..count)
        .map(|i| async move {
            let terminal = Terminal::new();
            // At most 60 starts a minute come from one address.
            let from = person::address(1_000_000 + (i / 50) as u32);
            let started = http
                .get(base.join(&terminal.start_path())?)
                .header("x-forwarded-for", from.to_string())
                .send()
                .await?;
            if !started.status().is_redirection() {
                bail!("starting a terminal login: {}", started.status());
            }
            Ok(terminal.poll_body())
        })
        .buffer_unordered(32)
        .try_collect()
        .await?;
    std::fs::write(file, bodies.join("\n") + "\n")?;
    Ok(())
}

/// `relay auth` as `person`, confirmed in their browser: the session token.
pub async fn signed_in_terminal(http: &Client, person: &Person) -> anyhow::Result<String> {
    let terminal = Terminal::new();
    let start = person.get(http, &terminal.start_path()).await?;
    let authorize = Url::parse(&location(&start)?)?;
    let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    form.push(("other_login".into(), person.login.clone()));
    form.push(("decision".into(), "authorize".into()));
    let mut post_to = authorize.clone();
    post_to.set_query(None);
    let callback = location(&http.post(post_to).form(&form).send().await?)?;
    let confirm_page = http
        .get(callback)
        .header(COOKIE, &person.cookie)
        .send()
        .await?;
    if confirm_page.status() != StatusCode::OK {
        bail!("the terminal's confirm page: {}", confirm_page.status());
    }
    let confirmed = http
        .post(person.url("cli/confirm"))
        .header(COOKIE, &person.cookie)
        .form(&[("decision", "confirm")])
        .send()
        .await?
        .text()
        .await?;
    if !confirmed.contains("You can close this tab") {
        bail!("the terminal was not confirmed: {confirmed}");
    }
    let answer: serde_json::Value = http
        .post(person.url("cli/poll"))
        .header("content-type", "application/json")
        .body(terminal.poll_body())
        .send()
        .await?
        .json()
        .await?;
    let jwt = answer["session_jwt"]
        .as_str()
        .with_context(|| format!("no session token in {answer}"))?;
    Ok(jwt.to_owned())
}

/// `relay keys add anthropic`: a pasted key for the credential figure.
pub async fn store_key(http: &Client, person: &Person, jwt: &str) -> anyhow::Result<()> {
    let key = format!("sk-ant-api03-{}", "benchmarkkey".repeat(6));
    let saved = http
        .post(person.url("api/keys"))
        .header(AUTHORIZATION, format!("Bearer {jwt}"))
        .json(&serde_json::json!({ "provider": "anthropic", "key": key }))
        .send()
        .await?;
    if saved.status() != StatusCode::CREATED {
        bail!("storing a key: {} {}", saved.status(), saved.text().await?);
    }
    Ok(())
}

/// wrk's script for the pending-poll figure: each request polls the next
/// waiting terminal of its thread's share, so no terminal polls faster
/// than it may (that would measure the `slow_down` answer instead).
pub const POLL_SCRIPT: &str = r#"
local bodies = {}
local next_one = 1
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  local n = 0
  for line in io.lines(args[1]) do
    if n % tonumber(args[2]) == id then table.insert(bodies, line) end
    n = n + 1
  end
end
function request()
  local body = bodies[next_one]
  next_one = next_one % #bodies + 1
  return wrk.format("POST", "/cli/poll", { ["Content-Type"] = "application/json" }, body)
end
"#;
