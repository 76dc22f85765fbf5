//! Changes a waiting browser is told about the moment the server learns them:
//! a device login ended, an import arrived. The instance that learns it is
//! often not the one holding the browser's connection, so on PostgreSQL every
//! change goes through `NOTIFY` and each instance `LISTEN`s; SQLite is one
//! instance, and the change goes straight to its waiting requests.
//!
//! An event names only what changed (`device:<flow id>`); whoever waits reads
//! the new state from the database, where it is already written.

use tokio::sync::broadcast;

use crate::platform::Db;

/// The PostgreSQL channel (`LISTEN relay_events`).
const CHANNEL: &str = "relay_events";
/// Events a slow waiter may fall behind by before it re-reads (`Lagged`).
const BUFFER: usize = 1024;

/// What changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Topic {
    DeviceFlow(String),
    Import(String),
    /// Changes may have passed unheard (the database connection was lost):
    /// every waiter reads its state again. Never sent between instances.
    Resync,
}

impl Topic {
    /// Whether a waiter for `mine` must read its state again.
    pub fn concerns(&self, mine: &Topic) -> bool {
        self == mine || *self == Topic::Resync
    }
}

impl Topic {
    fn encode(&self) -> String {
        match self {
            Topic::DeviceFlow(id) => format!("device:{id}"),
            Topic::Import(id) => format!("import:{id}"),
            Topic::Resync => String::new(),
        }
    }

    fn decode(text: &str) -> Option<Topic> {
        match text.split_once(':')? {
            ("device", id) => Some(Topic::DeviceFlow(id.to_owned())),
            ("import", id) => Some(Topic::Import(id.to_owned())),
            _ => None,
        }
    }
}

/// This instance's end of the events: publish, and subscribe to hear them.
#[derive(Clone)]
pub struct Events {
    local: broadcast::Sender<Topic>,
    db: Db,
}

impl Events {
    pub fn new(db: &Db) -> Events {
        Events {
            local: broadcast::channel(BUFFER).0,
            db: db.clone(),
        }
    }

    /// Tells every instance (through the database on PostgreSQL). Call it
    /// after the change is committed. A failure is logged, not returned:
    /// a waiting browser still learns the change at its next reload.
    pub async fn publish(&self, topic: Topic) {
        match &self.db {
            Db::Sqlite(_) => {
                let _ = self.local.send(topic);
            }
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

    /// Every change from now on (subscribe before reading the state, so
    /// that nothing falls between the read and the wait).
    pub fn subscribe(&self) -> broadcast::Receiver<Topic> {
        self.local.subscribe()
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
                                let _ = self.local.send(topic);
                            }
                        }
                        // The connection was lost (the next call reconnects):
                        // whatever was sent meanwhile is unknown.
                        Ok(None) => {
                            let _ = self.local.send(Topic::Resync);
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "listening for changes failed; reconnecting");
                            let _ = self.local.send(Topic::Resync);
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
    use super::Topic;

    #[test]
    fn topics_travel_as_text() {
        for topic in [
            Topic::DeviceFlow("a3f".to_owned()),
            Topic::Import("b-4".to_owned()),
        ] {
            assert_eq!(Topic::decode(&topic.encode()), Some(topic));
        }
        assert_eq!(Topic::decode("nonsense"), None);
        assert_eq!(Topic::decode("other:x"), None);
    }
}
