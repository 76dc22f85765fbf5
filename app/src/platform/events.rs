//! Changes a waiting browser is told about the moment the server learns them:
//! a device login ended, an import arrived. The instance that learns it is
//! often not the one holding the browser's connection, so on PostgreSQL every
//! change goes through `NOTIFY` and each instance `LISTEN`s; SQLite is one
//! instance, and the change goes straight to its waiting requests.
//!
//! An event names only what changed (`device:<flow id>`); whoever waits reads
//! the new state from the database, where it is already written.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::platform::Db;

/// The PostgreSQL channel (`LISTEN relay_events`).
const CHANNEL: &str = "relay_events";

/// What changed.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Topic {
    DeviceFlow(String),
    Import(String),
    /// A confirmed terminal login, by its key (`cli_logins.state_hash`):
    /// the terminal collected its session.
    CliLogin(String),
    /// Changes may have passed unheard (the database connection was lost):
    /// every waiter reads its state again. Never sent between instances.
    Resync,
}

impl Topic {
    fn encode(&self) -> String {
        match self {
            Topic::DeviceFlow(id) => format!("device:{id}"),
            Topic::Import(id) => format!("import:{id}"),
            Topic::CliLogin(key) => format!("cli:{key}"),
            Topic::Resync => String::new(),
        }
    }

    fn decode(text: &str) -> Option<Topic> {
        match text.split_once(':')? {
            ("device", id) => Some(Topic::DeviceFlow(id.to_owned())),
            ("import", id) => Some(Topic::Import(id.to_owned())),
            ("cli", key) => Some(Topic::CliLogin(key.to_owned())),
            _ => None,
        }
    }
}

/// This instance's end of the events: publish, and wait for one topic.
#[derive(Clone)]
pub struct Events {
    waiting: Arc<Waiting>,
    db: Db,
}

/// The topics this instance's requests wait on, each with a counter that
/// moves at every change of it. A change wakes only the waiters of its own
/// topic: with ten thousand pages waiting, one login ending costs one
/// lookup, not ten thousand wake-ups.
#[derive(Default)]
struct Waiting {
    /// Each topic's counter and how many subscriptions hold it.
    topics: Mutex<HashMap<Topic, (watch::Sender<u64>, usize)>>,
}

impl Waiting {
    fn tell(&self, topic: &Topic) {
        let topics = self.topics.lock().expect("not poisoned");
        let bump = |counter: &watch::Sender<u64>| counter.send_modify(|n| *n += 1);
        match topic {
            Topic::Resync => topics.values().for_each(|(counter, _)| bump(counter)),
            one => {
                if let Some((counter, _)) = topics.get(one) {
                    bump(counter)
                }
            }
        }
    }
}

/// A request waiting on one topic; dropping it (the page left) forgets it.
pub struct Subscription {
    topic: Topic,
    changes: watch::Receiver<u64>,
    waiting: Arc<Waiting>,
}

impl Subscription {
    /// Returns once the topic changed (or everything must be read again)
    /// since the subscription was made or this last returned.
    pub async fn changed(&mut self) {
        // The sender lives as long as this subscription holds its topic.
        let _ = self.changes.changed().await;
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut topics = self.waiting.topics.lock().expect("not poisoned");
        if let Some((_, holders)) = topics.get_mut(&self.topic) {
            *holders -= 1;
            if *holders == 0 {
                topics.remove(&self.topic);
            }
        }
    }
}

impl Events {
    pub fn new(db: &Db) -> Events {
        Events {
            waiting: Arc::default(),
            db: db.clone(),
        }
    }

    /// Tells every instance (through the database on PostgreSQL). Call it
    /// after the change is committed. A failure is logged, not returned:
    /// a waiting browser still learns the change at its next reload.
    pub async fn publish(&self, topic: Topic) {
        match &self.db {
            Db::Sqlite(_) => self.waiting.tell(&topic),
            Db::Postgres(pool) => {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(topic.encode())
                    .execute(pool)
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "could not publish a change");
                }
            }
        }
    }

    /// Changes of `topic` from now on (subscribe before reading the state,
    /// so that nothing falls between the read and the wait).
    pub fn subscribe(&self, topic: Topic) -> Subscription {
        let mut topics = self.waiting.topics.lock().expect("not poisoned");
        let (counter, holders) = topics
            .entry(topic.clone())
            .or_insert_with(|| (watch::channel(0).0, 0));
        *holders += 1;
        Subscription {
            changes: counter.subscribe(),
            topic,
            waiting: self.waiting.clone(),
        }
    }

    /// On PostgreSQL: hands every `NOTIFY` of any instance to this one's
    /// waiting requests, until `stop`. Reconnects after a lost connection
    /// (the waiting requests re-read the state then: a change may have
    /// passed unheard). Returns at once on SQLite.
    pub async fn relay_notifications(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let Db::Postgres(pool) = &self.db else {
            return;
        };
        loop {
            let mut listener = match sqlx::postgres::PgListener::connect_with(pool).await {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for changes; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => continue,
                        _ = stop.changed() => return,
                    }
                }
            };
            if let Err(e) = listener.listen(CHANNEL).await {
                tracing::warn!(error = %e, "cannot listen for changes; retrying");
                continue;
            }
            loop {
                tokio::select! {
                    received = listener.try_recv() => match received {
                        Ok(Some(note)) => {
                            if let Some(topic) = Topic::decode(note.payload()) {
                                self.waiting.tell(&topic);
                            }
                        }
                        // The connection was lost (the next call reconnects):
                        // whatever was sent meanwhile is unknown.
                        Ok(None) => {
                            self.waiting.tell(&Topic::Resync);
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "listening for changes failed; reconnecting");
                            self.waiting.tell(&Topic::Resync);
                            break;
                        }
                    },
                    _ = stop.changed() => return,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Events, Topic};
    use crate::platform::db;

    #[test]
    fn topics_travel_as_text() {
        for topic in [
            Topic::DeviceFlow("a3f".to_owned()),
            Topic::Import("b-4".to_owned()),
            Topic::CliLogin("9c1e".to_owned()),
        ] {
            assert_eq!(Topic::decode(&topic.encode()), Some(topic));
        }
        assert_eq!(Topic::decode("nonsense"), None);
        assert_eq!(Topic::decode("other:x"), None);
    }

    /// Whether `changed` has already returned (or would at once).
    async fn heard(subscription: &mut super::Subscription) -> bool {
        tokio::time::timeout(Duration::ZERO, subscription.changed())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_change_wakes_the_waiters_of_its_topic_only() {
        let events = Events::new(&db::memory().await);
        let flow = Topic::DeviceFlow("one".to_owned());
        let mut mine = events.subscribe(flow.clone());
        let mut also_mine = events.subscribe(flow.clone());
        let mut other = events.subscribe(Topic::DeviceFlow("two".to_owned()));
        let mut import = events.subscribe(Topic::Import("one".to_owned()));
        // Published before anyone waits: still heard (subscribed first).
        events.publish(flow).await;
        assert!(heard(&mut mine).await && heard(&mut also_mine).await);
        assert!(!heard(&mut other).await && !heard(&mut import).await);
        // Heard once: nothing more until the next change.
        assert!(!heard(&mut mine).await);
    }

    #[tokio::test]
    async fn resync_wakes_every_waiter_and_left_topics_are_forgotten() {
        let events = Events::new(&db::memory().await);
        let mut a = events.subscribe(Topic::DeviceFlow("a".to_owned()));
        let mut b = events.subscribe(Topic::Import("b".to_owned()));
        let gone = events.subscribe(Topic::DeviceFlow("c".to_owned()));
        drop(gone);
        assert_eq!(events.waiting.topics.lock().unwrap().len(), 2);
        events.waiting.tell(&Topic::Resync);
        assert!(heard(&mut a).await && heard(&mut b).await);
        drop((a, b));
        assert!(events.waiting.topics.lock().unwrap().is_empty());
    }
}
