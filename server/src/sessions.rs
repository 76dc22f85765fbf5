//! Browser sessions, kept in Relay's own database (table `sessions`, made by
//! the migrations), so every instance reads a session any other one created.
//! Rows are keyed by the hash of the cookie's id, never the id itself.

use app::platform::db::Db;
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{ExpiredDeletion, Result};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// tower-sessions' store for whichever backend the database is.
#[derive(Clone, Debug)]
pub enum SessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionStore {
    pub async fn new(db: &Db) -> anyhow::Result<Self> {
        const TABLE: &str = "sessions";
        Ok(match db {
            Db::Sqlite(pool) => Self::Sqlite(
                SqliteStore::new(pool.clone())
                    .with_table_name(TABLE)
                    .map_err(anyhow::Error::msg)?,
            ),
            Db::Postgres(pool) => {
                // Where the migrations made the table: the first schema of
                // the search path (`public`, or the operator's own).
                let schema: String = sqlx::query_scalar("SELECT current_schema()")
                    .fetch_one(pool)
                    .await?;
                Self::Postgres(
                    PostgresStore::new(pool.clone())
                        .with_schema_name(&schema)
                        .and_then(|store| store.with_table_name(TABLE))
                        .map_err(anyhow::Error::msg)?,
                )
            }
        })
    }
}

/// The id a session is stored under: the SHA-256 of the cookie's id (cut to
/// 128 bits), so a copy of the table hijacks no session.
fn stored_id(id: &Id) -> Id {
    let digest = Sha256::digest(id.0.to_le_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Id(i128::from_le_bytes(bytes))
}

/// `record` as it is stored: under the hash of its id.
fn stored(record: &Record) -> Record {
    Record {
        id: stored_id(&record.id),
        ..record.clone()
    }
}

impl SessionStore {
    async fn load_stored(&self, id: &Id) -> Result<Option<Record>> {
        use tower_sessions::SessionStore as _;
        match self {
            Self::Sqlite(store) => store.load(id).await,
            Self::Postgres(store) => store.load(id).await,
        }
    }
}

#[async_trait]
impl tower_sessions::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // A new id until its hash is free (128 random bits: at once, in practice).
        while self.load_stored(&stored_id(&record.id)).await?.is_some() {
            record.id = Id::default();
        }
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let record = stored(record);
        match self {
            Self::Sqlite(store) => store.save(&record).await,
            Self::Postgres(store) => store.save(&record).await,
        }
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        Ok(self
            .load_stored(&stored_id(id))
            .await?
            .map(|record| Record { id: *id, ..record }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let id = stored_id(id);
        match self {
            Self::Sqlite(store) => store.delete(&id).await,
            Self::Postgres(store) => store.delete(&id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    async fn delete_expired(&self) -> Result<()> {
        match self {
            Self::Sqlite(store) => store.delete_expired().await,
            Self::Postgres(store) => store.delete_expired().await,
        }
    }
}
