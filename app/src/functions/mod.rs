//! Server functions, grouped by domain: thin typed doors into `crate::backend`.

pub mod account;
pub mod onboarding;
pub mod providers;
pub mod repositories;
pub mod teams;

/// Server functions live under `/fn/…`; `/api/…` is the CLI's bearer-token API.
pub const PREFIX: &str = "/fn";
