//! What Relay's parts must agree on and nothing else: plain data and pure
//! functions, no I/O (serde, and sha2 for one digest), and the one clock
//! they all read. The browser, the server, the `relay` CLI and the
//! development providers depend on it; it depends on none of them.
//!
//! - `api`: the JSON of the CLI's requests and the server's answers, and the
//!   one error shape of the plain routes with its stable codes;
//! - `clock`: the time every part reads, which tests move instead of sleeping;
//! - `cli_login`: the confirmation code of a terminal's login;
//! - `credential_files`: the agent CLIs' credential files that can be imported;
//! - `time`: Unix seconds to and from the calendar (UTC).

pub mod api;
pub mod cli_login;
pub mod clock;
pub mod credential_files;
pub mod time;
