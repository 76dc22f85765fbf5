//! The relay-server under test: the release binary in its own process, with
//! its development providers, on free ports and a fresh data directory; and
//! what the kernel says the process uses (RSS, CPU time).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command};

use url::Url;

pub struct Server {
    child: Child,
    pub url: Url,
    pub dev_url: Url,
    /// From the start of the process until `/readyz` said ready (migrations applied).
    pub ready_after: Duration,
}

/// What the server is started with, besides its ports.
pub struct Setup<'a> {
    pub binary: &'a Path,
    pub site_root: &'a Path,
    pub data_dir: &'a Path,
    pub database_url: Option<&'a str>,
}

impl Server {
    pub async fn start(setup: &Setup<'_>) -> anyhow::Result<Server> {
        let port = free_port()?;
        let dev_port = free_port()?;
        let log = std::fs::File::create(setup.data_dir.join("server.log"))?;
        let mut command = Command::new(setup.binary);
        command
            .env("RELAY_ADDR", format!("127.0.0.1:{port}"))
            .env("RELAY_DEV_PROVIDERS_ADDR", format!("127.0.0.1:{dev_port}"))
            .env("RELAY_DATA_DIR", setup.data_dir)
            .env("LEPTOS_SITE_ROOT", setup.site_root)
            // The bench plays a load balancer in front of many people, each
            // from their own address (rate limits are per address).
            .env("RELAY_TRUSTED_PROXIES", "127.0.0.1")
            .env("RELAY_DEV_DEVICE_INTERVAL", "5")
            .env("RELAY_DEV_DEVICE_EXPIRES_IN", "900")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log);
        if let Some(url) = setup.database_url {
            command.env("DATABASE_URL", url);
        }
        let started = Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", setup.binary.display()))?;
        // Its stdout, line by line, read on a thread of its own (and kept
        // read, so the pipe never fills).
        let stdout = child.stdout.take().expect("piped");
        let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        let (mut url, mut dev_url) = (None, None);
        while url.is_none() || dev_url.is_none() {
            let Some(line) = lines.recv().await else {
                let _ = child.kill();
                bail!(
                    "relay-server stopped before it was running; see {}",
                    setup.data_dir.join("server.log").display()
                );
            };
            if let Some(at) = line.strip_prefix("Agent Relay Cloud is running at ") {
                url = Some(Url::parse(at.trim())?);
            }
            if let Some(at) = line.strip_prefix("Development providers (stand-in GitHub) at ") {
                dev_url = Some(Url::parse(at.trim())?);
            }
        }
        let url = url.expect("read above");
        let ready = url.join("readyz")?;
        let http = reqwest::Client::new();
        loop {
            if let Ok(answer) = http.get(ready.clone()).send().await {
                if answer.status().is_success() {
                    break;
                }
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("relay-server was not ready within 60 s");
            }
            // Polling a condition (the server's own answer), 2 ms apart.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok(Server {
            ready_after: started.elapsed(),
            child,
            url,
            dev_url: dev_url.expect("read above"),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, in bytes.
    pub fn rss(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .context("no VmRSS")?
            .parse()?;
        Ok(kib * 1024)
    }

    /// CPU time used so far (user + system).
    pub fn cpu(&self) -> anyhow::Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))?;
        // Fields after the command name (which may hold spaces) in parentheses.
        let rest = &stat[stat.rfind(')').context("bad stat")? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
        Ok(Duration::from_secs_f64(
            ticks as f64 / clock_ticks()? as f64,
        ))
    }

    /// Stops it as an operator would (SIGTERM) and waits.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status();
        let started = Instant::now();
        while self.child.try_wait()?.is_none() {
            if started.elapsed() > Duration::from_secs(30) {
                bail!("relay-server did not stop within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    }
}

impl Drop for Server {
    /// A run that failed half-way leaves no server behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn clock_ticks() -> anyhow::Result<u64> {
    let out = Command::new("getconf").arg("CLK_TCK").output()?;
    Ok(String::from_utf8(out.stdout)?.trim().parse()?)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The workspace root (bench/ is one of its members).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is inside the workspace")
        .to_owned()
}
