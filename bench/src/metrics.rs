//! Reads the server's own `/metrics` (what an operator's Prometheus reads).

use anyhow::Context;
use reqwest::Client;
use url::Url;

pub struct Scrape(String);

impl Scrape {
    pub async fn of(http: &Client, base: &Url) -> anyhow::Result<Scrape> {
        Ok(Scrape(
            http.get(base.join("metrics")?).send().await?.text().await?,
        ))
    }

    /// A gauge or counter without labels.
    pub fn value(&self, name: &str) -> anyhow::Result<f64> {
        self.0
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .with_context(|| format!("no {name} in /metrics"))?
            .trim()
            .parse()
            .with_context(|| format!("{name} is not a number"))
    }

    pub fn histogram(&self, name: &str) -> anyhow::Result<Histogram> {
        let mut buckets = Vec::new();
        for line in self.0.lines() {
            let Some(rest) = line.strip_prefix(&format!("{name}_bucket{{le=\"")) else {
                continue;
            };
            let (le, count) = rest.split_once("\"} ").context("a bucket line")?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse()?
            };
            buckets.push((le, count.trim().parse()?));
        }
        Ok(Histogram {
            buckets,
            sum: self.value(&format!("{name}_sum"))?,
            count: self.value(&format!("{name}_count"))?,
        })
    }
}

/// Cumulative buckets (upper bound, count), as Prometheus keeps them.
pub struct Histogram {
    buckets: Vec<(f64, f64)>,
    pub sum: f64,
    pub count: f64,
}

impl Histogram {
    /// What was observed after `earlier`.
    pub fn since(&self, earlier: &Histogram) -> Histogram {
        Histogram {
            buckets: self
                .buckets
                .iter()
                .zip(&earlier.buckets)
                .map(|((le, n), (_, m))| (*le, n - m))
                .collect(),
            sum: self.sum - earlier.sum,
            count: self.count - earlier.count,
        }
    }

    /// The bucket bound at or under which `share` of the observations fell.
    pub fn at_most(&self, share: f64) -> f64 {
        self.buckets
            .iter()
            .find(|(_, n)| *n >= share * self.count)
            .map_or(f64::NAN, |(le, _)| *le)
    }

    pub fn mean(&self) -> f64 {
        self.sum / self.count
    }
}
