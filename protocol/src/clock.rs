//! The clock Relay and its development providers read: the system's, plus an
//! offset that only tests move (`advance`) instead of sleeping. Clones share
//! the offset, so a test that holds a clone moves every reader at once.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock, not moved.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Seconds since the Unix epoch: what every table stores.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Milliseconds since the Unix epoch, for schedules finer than a second.
    pub fn now_ms(&self) -> i64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        system + self.offset_ms.load(Ordering::SeqCst)
    }

    /// Moves this clock and its clones forward.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_a_clone_moves_the_original() {
        let clock = Clock::system();
        let before = clock.now();
        clock.clone().advance(Duration::from_secs(3600));
        let after = clock.now();
        assert!(
            (3600..3602).contains(&(after - before)),
            "{before} → {after}"
        );
    }
}
