//! Browser sessions, kept in Relay's own database (table `sessions`, made by
//! the migrations), so every instance reads a session any other one created.

use app::platform::db::Db;
use async_trait::async_trait;
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

#[async_trait]
impl tower_sessions::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        match self {
            Self::Sqlite(store) => store.create(record).await,
            Self::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        match self {
            Self::Sqlite(store) => store.save(record).await,
            Self::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        match self {
            Self::Sqlite(store) => store.load(id).await,
            Self::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        match self {
            Self::Sqlite(store) => store.delete(id).await,
            Self::Postgres(store) => store.delete(id).await,
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
