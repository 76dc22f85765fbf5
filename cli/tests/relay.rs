//! The built `relay` binary against a real server on a random port (with its
//! development GitHub). The test plays the browser where a person would.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

struct Setup {
    running: server::Running,
    _data: tempfile::TempDir,
    config: tempfile::TempDir,
}

async fn setup() -> Setup {
    let data = tempfile::tempdir().unwrap();
    let mut vars = std::collections::HashMap::from([
        ("RELAY_ADDR", "127.0.0.1:0".to_owned()),
        ("RELAY_DEV_PROVIDERS_ADDR", "127.0.0.1:0".to_owned()),
        // Device logins answer within a second (`relay connect`).
        ("RELAY_DEV_DEVICE_INTERVAL", "1".to_owned()),
        ("RELAY_DATA_DIR", data.path().to_string_lossy().into_owned()),
    ]);
    // The PostgreSQL pass of scripts/test: a database of this test's own.
    if let Ok(cluster) = std::env::var("RELAY_TEST_POSTGRES_URL") {
        use sqlx::migrate::MigrateDatabase;
        let mut url = url::Url::parse(&cluster).unwrap();
        url.set_path(&format!("relay_cli_{}", uuid::Uuid::new_v4().simple()));
        sqlx::Postgres::create_database(url.as_str()).await.unwrap();
        vars.insert("DATABASE_URL", url.into());
    }
    let config = server::config::Config::from_lookup(|name| vars.get(name).cloned()).unwrap();
    let running = server::start(config).await.unwrap();
    Setup {
        running,
        _data: data,
        config: tempfile::tempdir().unwrap(),
    }
}

impl Setup {
    /// A new key from the development provider's console, as a user gets
    /// one from the provider's (keys are proven before they are stored).
    async fn mint_key(&self, provider: &str, kind: &str) -> String {
        let dev = self.running.dev_providers_url.as_ref().unwrap();
        let answer: Value = reqwest::Client::new()
            .post(dev.join(&format!("{provider}/console/keys")).unwrap())
            .header("accept", "application/json")
            .form(&[("kind", kind)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["key"].as_str().unwrap().to_owned()
    }

    fn server(&self) -> String {
        self.running.url.as_str().trim_end_matches('/').to_owned()
    }

    fn relay(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_relay"));
        command
            .env("RELAY_CONFIG_DIR", self.config.path())
            .env("RELAY_SERVER", self.server())
            .env_remove("HOME");
        command
    }

    /// Runs `relay args…` to the end (off the async runtime: the server runs on it).
    async fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = self.relay();
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let input = stdin.map(str::to_owned);
        tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().unwrap();
            if let Some(input) = input {
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(input.as_bytes())
                    .unwrap();
            }
            drop(child.stdin.take());
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap()
    }

    /// `relay auth --no-browser`, with the test signing in as `login` at the URL it prints.
    async fn auth(&self, login: &str) -> Output {
        let mut child = self
            .relay()
            .args(["auth", "--no-browser"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (url, rest) = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            let url = lines
                .by_ref()
                .map(Result::unwrap)
                .find_map(|l| l.trim().starts_with("http").then(|| l.trim().to_owned()))
                .expect("relay prints the URL");
            (url, lines)
        })
        .await
        .unwrap();
        assert!(
            url.contains("/oauth/start?provider=github&mode=cli&state="),
            "{url}"
        );
        assert!(
            url.contains("code_challenge_method=S256") && !url.contains("verifier"),
            "{url}"
        );
        let page = browser_signs_in(&url, login).await;
        let mut output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        // What was printed after the URL (the QR code, then the outcome).
        let after: Vec<String> =
            tokio::task::spawn_blocking(move || rest.map(Result::unwrap).collect())
                .await
                .unwrap();
        // The code the terminal printed is the one the browser confirmed.
        let code = after
            .iter()
            .find_map(|l| l.strip_prefix("Your code is "))
            .and_then(|rest| rest.split(':').next())
            .expect("relay prints its code")
            .to_owned();
        assert!(
            page.contains(&format!(">{code}</p>")),
            "{code} not on {page}"
        );
        output.stdout = after.join("\n").into_bytes();
        output
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The person at the browser: opens the link, chooses `login`, presses Authorize.
async fn browser_signs_in(url: &str, login: &str) -> String {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let start = browser.get(url).send().await.unwrap();
    let authorize = url::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    form.push(("other_login".into(), login.into()));
    form.push(("decision".into(), "authorize".into()));
    let mut post = authorize.clone();
    post.set_query(None);
    let decided = browser.post(post).form(&form).send().await.unwrap();
    let callback = decided.headers()["location"].to_str().unwrap().to_owned();
    let page = browser
        .get(callback)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sign in your terminal?"), "{page}");
    let server = &url[..url.find("oauth/start").unwrap()];
    let confirmed = browser
        .post(format!("{server}cli/confirm"))
        .form(&[("decision", "confirm")])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    let done = confirmed.text().await.unwrap();
    assert!(done.contains("You can close this tab"), "{done}");
    page
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_whoami_keys_env_and_logout() {
    let setup = setup().await;
    let out = setup.auth("ada").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!("Logged in as ada at {}.", setup.server())),
        "{}",
        text(&out.stdout)
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(setup.config.path().join("session.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only its owner can read the session");
    }

    let who = setup.run(&["whoami"], None).await;
    assert_eq!(
        text(&who.stdout).lines().next().unwrap(),
        format!("ada (Ada Lovelace) at {}", setup.server())
    );
    let who: Value =
        serde_json::from_slice(&setup.run(&["whoami", "--json"], None).await.stdout).unwrap();
    assert_eq!(who["login"], "ada");

    let key = setup.mint_key("anthropic", "api").await;
    let added = setup
        .run(&["keys", "add", "anthropic"], Some(&format!("{key}\n")))
        .await;
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(
        !text(&added.stdout).contains(&key[13..]),
        "the key is never echoed"
    );
    assert!(
        text(&added.stdout).contains("✓ Works: 12 models."),
        "{}",
        text(&added.stdout)
    );
    let listed = setup.run(&["keys", "ls"], None).await;
    assert!(
        text(&listed.stdout).contains("anthropic")
            && text(&listed.stdout).contains(&format!("sk-ant-api…{}", &key[key.len() - 4..]))
            && text(&listed.stdout).contains("verified"),
        "{}",
        text(&listed.stdout)
    );
    let listed: Value =
        serde_json::from_slice(&setup.run(&["keys", "ls", "--json"], None).await.stdout).unwrap();
    assert_eq!(listed["keys"][0]["env_var"], "ANTHROPIC_API_KEY");

    let check = format!("test \"$ANTHROPIC_API_KEY\" = \"{key}\"");
    let env = setup
        .run(&["env", "anthropic", "--", "sh", "-c", &check], None)
        .await;
    assert!(
        env.status.success(),
        "the command sees the key: {}",
        text(&env.stderr)
    );
    let code = setup
        .run(&["env", "anthropic", "--", "sh", "-c", "exit 7"], None)
        .await;
    assert_eq!(
        code.status.code(),
        Some(7),
        "the command's exit code is kept"
    );

    let removed = setup.run(&["keys", "rm", "anthropic"], None).await;
    assert!(text(&removed.stdout).contains("Deleted the anthropic key."));
    let gone = setup.run(&["env", "anthropic", "--", "true"], None).await;
    assert_eq!(gone.status.code(), Some(1));
    assert!(
        text(&gone.stderr).contains("Anthropic is not connected"),
        "{}",
        text(&gone.stderr)
    );

    let out = setup.run(&["logout"], None).await;
    assert_eq!(text(&out.stdout).trim(), "Logged out.");
    let who = setup.run(&["whoami"], None).await;
    assert_eq!(who.status.code(), Some(3));
    assert_eq!(
        text(&who.stderr).trim(),
        "relay: not logged in. Run `relay auth` first."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_has_its_message_and_exit_code() {
    let setup = setup().await;
    // Unreachable server.
    let mut command = setup.relay();
    command
        .args(["whoami"])
        .env("RELAY_SERVER", "http://127.0.0.1:9");
    std::fs::write(
        setup.config.path().join("session.json"),
        r#"{"server":"http://127.0.0.1:9","token":"x","login":"ada","expires_at":4000000000}"#,
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out.stderr).contains("cannot reach the Relay server at http://127.0.0.1:9"),
        "{}",
        text(&out.stderr)
    );

    // Expired session.
    std::fs::write(
        setup.config.path().join("session.json"),
        format!(
            r#"{{"server":"{}","token":"x","login":"ada","expires_at":1}}"#,
            setup.server()
        ),
    )
    .unwrap();
    let out = setup.run(&["keys", "ls"], None).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("your session has expired. Run `relay auth` again."));

    // A token the server does not accept.
    std::fs::write(
        setup.config.path().join("session.json"),
        format!(
            r#"{{"server":"{}","token":"not.a.token","login":"ada","expires_at":4000000000}}"#,
            setup.server()
        ),
    )
    .unwrap();
    let out = setup.run(&["whoami"], None).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));

    // Not logged in.
    std::fs::remove_file(setup.config.path().join("session.json")).unwrap();
    let out = setup.run(&["keys", "ls"], None).await;
    assert_eq!(out.status.code(), Some(3));

    // Unknown providers.
    let out = setup.run(&["auth", "acme", "--no-browser"], None).await;
    assert_eq!(out.status.code(), Some(5));
    assert!(
        text(&out.stderr).contains("unknown provider “acme”"),
        "{}",
        text(&out.stderr)
    );
    setup.auth("grace").await;
    let out = setup
        .run(&["keys", "add", "acme-ai", "some-key-value"], None)
        .await;
    assert_eq!(out.status.code(), Some(5));
    assert!(
        text(&out.stderr).contains("Unknown provider “acme-ai”"),
        "{}",
        text(&out.stderr)
    );
    let out = setup.run(&["env", "acme-ai", "--", "true"], None).await;
    assert_eq!(out.status.code(), Some(5));
    // A key of the wrong shape.
    let out = setup.run(&["keys", "add", "openai", "hello"], None).await;
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_import_sends_the_claude_file_with_the_code() {
    let setup = setup().await;
    // The browser side: sign in and open "Import from Local Claude" for its code.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let start = browser
        .get(format!("{}/oauth/start?provider=github", setup.server()))
        .send()
        .await
        .unwrap();
    let authorize = url::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    form.push(("other_login".into(), "ada".into()));
    form.push(("decision".into(), "authorize".into()));
    let mut post = authorize.clone();
    post.set_query(None);
    let decided = browser.post(post).form(&form).send().await.unwrap();
    browser
        .get(decided.headers()["location"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    let started: Value = browser
        .post(format!("{}/fn/providers/import/start", setup.server()))
        .form(&[("provider", "anthropic")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = started["code"].as_str().unwrap().to_owned();

    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("credentials.json");
    let access = setup.mint_key("anthropic", "oauth").await;
    let refresh = format!("{}cliimport{}", "sk-ant-ort01-", "FAKE".repeat(4));
    std::fs::write(
        &file,
        format!(r#"{{"claudeAiOauth":{{"accessToken":"{access}","refreshToken":"{refresh}","expiresAt":1900000000000,"scopes":["user:inference"]}}}}"#),
    )
    .unwrap();
    let link = home.path().join("link.json");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let out = setup
            .run(
                &[
                    "credentials",
                    "import",
                    "claude",
                    "--code",
                    &code,
                    "--file",
                    path(&link),
                    "--yes",
                ],
                None,
            )
            .await;
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("is a symbolic link; refusing to follow it"),
            "{}",
            text(&out.stderr)
        );
    }
    let out = setup
        .run(
            &[
                "credentials",
                "import",
                "claude",
                "--code",
                &code,
                "--file",
                path(&file),
            ],
            None,
        )
        .await;
    assert_eq!(out.status.code(), Some(1), "no terminal to ask: refused");
    assert!(text(&out.stderr).contains("pass --yes"));

    let out = setup
        .run(
            &[
                "credentials",
                "import",
                "claude",
                "--code",
                &code,
                "--file",
                path(&file),
                "--yes",
            ],
            None,
        )
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("Imported: anthropic is connected as "),
        "{}",
        text(&out.stdout)
    );

    let again = setup
        .run(
            &[
                "credentials",
                "import",
                "claude",
                "--code",
                &code,
                "--file",
                path(&file),
                "--yes",
            ],
            None,
        )
        .await;
    assert_eq!(again.status.code(), Some(1), "the code works once");
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_cancels_a_waiting_login_cleanly() {
    let setup = setup().await;
    let mut child = setup
        .relay()
        .args(["auth", "--no-browser"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // Read up to the code (the last line before waiting), and keep reading
    // after that, as a terminal would.
    let (seen, rest) = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let seen = lines
            .by_ref()
            .map(Result::unwrap)
            .find(|l| l.starts_with("Your code is "))
            .expect("relay prints its code");
        (seen, lines)
    })
    .await
    .unwrap();
    assert!(seen.contains("the browser asks you to confirm it"));
    // Keep reading what it prints, so a full pipe never blocks it.
    let drain = std::thread::spawn(move || rest.count());
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(killed.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(130));
    drain.join().expect("its output was read to the end");
    assert!(
        text(&out.stderr).contains("relay: cancelled."),
        "{}",
        text(&out.stderr)
    );
    assert!(!setup.config.path().join("session.json").exists());
}

#[tokio::test]
async fn relay_connect_runs_the_device_login_from_the_terminal() {
    let setup = setup().await;
    let signed_in = setup.auth("ada").await;
    assert!(signed_in.status.success(), "{}", text(&signed_in.stderr));

    let mut child = setup
        .relay()
        .args(["connect", "anthropic"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Reads stderr to its end (a closed pipe would stop relay), handing on
    // the code and the line after it.
    let reader = std::thread::spawn(move || {
        let mut lines = BufReader::new(stderr).lines().map(Result::unwrap);
        let code = lines
            .by_ref()
            .find_map(|l| {
                l.strip_prefix("! First copy your one-time code: ")
                    .map(str::to_owned)
            })
            .expect("relay prints the code");
        let url = lines.next().expect("and where to enter it");
        tx.send((code, url)).unwrap();
        lines.collect::<Vec<_>>().join("\n")
    });
    let (code, url) = tokio::task::spawn_blocking(move || rx.recv().unwrap())
        .await
        .unwrap();
    let dev = setup.running.dev_providers_url.clone().unwrap();
    assert!(url.contains(&format!("{dev}device")), "{url}");
    // The person enters the code at the provider and authorizes.
    let answer = reqwest::Client::new()
        .post(dev.join("device").unwrap())
        .form(&[
            ("user_code", code.as_str()),
            ("other_login", "claude-user"),
            ("decision", "authorize"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let rest = reader.join().unwrap();
    assert!(output.status.success(), "{rest}");
    assert_eq!(
        text(&output.stdout).trim(),
        "✓ Connected anthropic as claude-user@users.dev.example."
    );
    // The browser's settings show it: the same credential, from the same flow.
    let who = setup.run(&["whoami"], None).await;
    assert!(
        text(&who.stdout).contains("anthropic"),
        "{}",
        text(&who.stdout)
    );

    // `--key`: a key read from stdin, proven at the provider like any other.
    let key = setup.mint_key("openai", "api").await;
    let added = setup
        .run(&["connect", "openai", "--key"], Some(&format!("{key}\n")))
        .await;
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(
        text(&added.stdout).contains("✓ Works: 12 models."),
        "{}",
        text(&added.stdout)
    );
}
