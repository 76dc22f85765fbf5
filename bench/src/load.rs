//! Requests per second and latency under load, measured by wrk (a separate
//! process, on the same 2 cores as the server: the ceiling pays the same).

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};

/// What one wrk run printed.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    pub per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub requests: u64,
    /// Answers other than 2xx or 3xx.
    pub refused: u64,
}

/// One run: `connections` open connections for `duration`, the requests of
/// `script` (a wrk Lua file) or plain GETs, with `headers`.
pub fn run(
    url: &str,
    connections: u32,
    duration: Duration,
    headers: &[String],
    script: Option<(&Path, &[String])>,
) -> anyhow::Result<Load> {
    let mut command = std::process::Command::new("wrk");
    command
        .arg("--threads=2")
        .arg(format!("--connections={connections}"))
        .arg(format!("--duration={}s", duration.as_secs().max(1)))
        .arg("--latency")
        .arg("--timeout=10s");
    for header in headers {
        command.arg("--header").arg(header);
    }
    if let Some((file, _)) = script {
        command.arg("--script").arg(file);
    }
    command.arg(url);
    if let Some((_, args)) = script {
        command.arg("--").args(args);
    }
    let out = command
        .output()
        .context("running wrk (bench/run installs it)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    }
    parse(&text).with_context(|| format!("reading wrk's output:\n{text}"))
}

fn parse(text: &str) -> anyhow::Result<Load> {
    let value = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    };
    let per_sec: f64 = value("Requests/sec:").context("no Requests/sec")?.parse()?;
    let p50 = duration(value("50%").context("no 50%")?)?;
    let p99 = duration(value("99%").context("no 99%")?)?;
    let requests: u64 = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .context("no request count")?
        .parse()?;
    let refused = value("Non-2xx or 3xx responses:").map_or(Ok(0), str::parse)?;
    Ok(Load {
        per_sec,
        p50,
        p99,
        requests,
        refused,
    })
}

/// wrk's "631.00us", "1.41ms", "2.00s".
fn duration(text: &str) -> anyhow::Result<Duration> {
    let (number, unit) = text.split_at(
        text.find(|c: char| c.is_ascii_alphabetic())
            .context("no unit")?,
    );
    let number: f64 = number.parse()?;
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        other => bail!("unknown unit {other}"),
    };
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_wrk_prints() {
        let text = "Running 10s test @ http://127.0.0.1:3000/livez
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms  300.00us   9.10ms   80.00%
    Req/Sec    13.10k     1.00k   15.00k    70.00%
  Latency Distribution
     50%  631.00us
     75%    1.00ms
     90%    1.20ms
     99%    2.41ms
  261234 requests in 10.00s, 40.00MB read
  Non-2xx or 3xx responses: 12
Requests/sec:  26123.40
Transfer/sec:      4.00MB
";
        let load = parse(text).unwrap();
        assert_eq!(load.requests, 261234);
        assert_eq!(load.refused, 12);
        assert!((load.per_sec - 26123.4).abs() < 0.01);
        assert_eq!(load.p50, Duration::from_micros(631));
        assert_eq!(load.p99, Duration::from_micros(2410));
    }
}
