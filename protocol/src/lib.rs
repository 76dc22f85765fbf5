//! What Relay's parts must agree on and nothing else: plain data and pure
//! functions, no I/O. The browser, the server, the `relay` CLI and the
//! development providers all depend on it; it depends on none of them.
//!
//! - `time`: Unix seconds to and from the calendar (UTC).

pub mod time;
