//! The database: SQLite (the embedded default) or PostgreSQL, chosen by
//! `DATABASE_URL`. Every query is written once, in the SQL both share, and
//! run through the macros below: they compile it for each backend's own
//! pool, so binds and rows stay typed on both (no `sqlx::Any`, whose type
//! mapping loses SQLite's integers-as-booleans and the sessions' typed store).
//! Migrations: `migrations/shared` holds the portable ones; each backend's
//! folder links to them and adds the ones whose SQL must differ.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Runs `$body` with `$pool` bound to the typed pool of whichever backend
/// `$db` is; the body is compiled once per backend.
#[doc(hidden)]
#[macro_export]
macro_rules! __db_on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match &$db {
            $crate::platform::db::Db::Sqlite($pool) => $body,
            $crate::platform::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs a statement; the number of rows it changed.
#[doc(hidden)]
#[macro_export]
macro_rules! __db_execute {
    ($db:expr, $query:expr) => {
        $crate::platform::db::on_pool!($db, |pool| $query
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __db_fetch_one {
    ($db:expr, $query:expr) => {
        $crate::platform::db::on_pool!($db, |pool| $query.fetch_one(pool).await)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __db_fetch_optional {
    ($db:expr, $query:expr) => {
        $crate::platform::db::on_pool!($db, |pool| $query.fetch_optional(pool).await)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __db_fetch_all {
    ($db:expr, $query:expr) => {
        $crate::platform::db::on_pool!($db, |pool| $query.fetch_all(pool).await)
    };
}

pub use crate::{
    __db_execute as execute, __db_fetch_all as fetch_all, __db_fetch_one as fetch_one,
    __db_fetch_optional as fetch_optional, __db_on_pool as on_pool,
};

/// The schema this build expects, per backend.
pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

impl Db {
    pub fn migrator(&self) -> &'static Migrator {
        match self {
            Db::Sqlite(_) => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// "sqlite" or "postgres", for logs and metrics.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Connections open and idle, for `/metrics`.
    pub fn pool_usage(&self) -> (u32, usize) {
        on_pool!(self, |pool| (pool.size(), pool.num_idle()))
    }
}

/// Whether `url` names a PostgreSQL database (else it is SQLite).
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

/// Opens the database at `url` (creating a SQLite file if missing) and
/// applies this build's migrations.
pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
    let db = open(url).await?;
    on_pool!(db, |pool| db.migrator().run(pool).await)?;
    Ok(db)
}

/// Opens the database at `url` without touching its schema.
pub async fn open(url: &str) -> Result<Db, sqlx::Error> {
    // A request waits this long for a connection before failing with 503.
    let acquire = Duration::from_secs(5);
    if is_postgres(url) {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(acquire)
            .connect_with(options)
            .await?;
        return Ok(Db::Postgres(pool));
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // In WAL mode NORMAL cannot corrupt the database; a power cut may
        // lose the last commits (not a crash of the process). FULL waited
        // for the disk at every commit, which bounded every write path
        // (bench/RESULTS.md). PostgreSQL is for deployments that need more.
        .synchronous(SqliteSynchronous::Normal)
        // Deleted rows are zeroed on the pages written anyway, so that a
        // deleted account's wrapped key does not linger in the file
        // (`identity/deletion.rs`); "fast" adds no I/O.
        .pragma("secure_delete", "fast")
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(acquire)
        .after_connect(|connection, _| Box::pin(busy_handler::install(connection)))
        .connect_with(options)
        .await?;
    Ok(Db::Sqlite(pool))
}

/// How a SQLite connection waits for another's write to finish.
///
/// SQLite's own handler (`busy_timeout`) sleeps 1, 2, 5, 10, … 100 ms
/// between tries. A write here takes tens of microseconds, so under load
/// the writers slept far longer than they had to wait: 4,030 sleeps of
/// 2.4 ms on average in 5 s of `/cli/poll` (bench/RESULTS.md). This one
/// tries again after 20 µs, doubling up to 1 ms, and still gives up after
/// about 5 s (the request then fails as it did).
mod busy_handler {
    use std::os::raw::{c_int, c_void};
    use std::sync::LazyLock;
    use std::time::Duration;

    const FIRST: Duration = Duration::from_micros(20);
    const LONGEST: Duration = Duration::from_millis(1);
    const GIVE_UP_AFTER: Duration = Duration::from_secs(5);

    /// The pause before try `tries + 1`.
    fn pause(tries: u32) -> Duration {
        FIRST.saturating_mul(1 << tries.min(10)).min(LONGEST)
    }

    /// How many tries add up to `GIVE_UP_AFTER` (about 5,000).
    fn tries_allowed() -> u32 {
        static TRIES: LazyLock<u32> = LazyLock::new(|| {
            let (mut waited, mut tries) = (Duration::ZERO, 0);
            while waited < GIVE_UP_AFTER {
                waited += pause(tries);
                tries += 1;
            }
            tries
        });
        *TRIES
    }

    /// Called by SQLite on the connection's own thread when the database
    /// is locked: nonzero means "try again". It cannot panic (no unwinding
    /// into C).
    extern "C" fn on_busy(_: *mut c_void, tries: c_int) -> c_int {
        let tries = u32::try_from(tries).unwrap_or(u32::MAX);
        if tries >= tries_allowed() {
            return 0;
        }
        std::thread::sleep(pause(tries));
        1
    }

    pub async fn install(connection: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
        let mut handle = connection.lock_handle().await?;
        // SAFETY: the handle is this connection's open database, locked for
        // the call; `on_busy` is a plain function that lives forever and
        // uses no argument pointer. Installing it replaces `busy_timeout`.
        let code = unsafe {
            libsqlite3_sys::sqlite3_busy_handler(
                handle.as_raw_handle().as_ptr(),
                Some(on_busy),
                std::ptr::null_mut(),
            )
        };
        match code {
            libsqlite3_sys::SQLITE_OK => Ok(()),
            _ => Err(sqlx::Error::Configuration(
                "SQLite refused the busy handler".into(),
            )),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn pauses_grow_to_a_millisecond_and_add_up_to_five_seconds() {
            assert_eq!(pause(0), FIRST);
            assert_eq!(pause(1), FIRST * 2);
            assert_eq!(pause(40), LONGEST);
            let total: Duration = (0..tries_allowed()).map(pause).sum();
            assert!(total >= GIVE_UP_AFTER && total < GIVE_UP_AFTER + LONGEST);
        }
    }
}

/// Whether `error` says the database could not be reached, rather than
/// that a statement failed: connection refused or reset, the pool out of
/// connections, or PostgreSQL shutting down, refusing connections, out of
/// them or read-only after a failover (SQLSTATE classes 08, 57P and 53,
/// and 25006).
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => e.code().is_some_and(|code| {
            ["08", "57P", "53"]
                .iter()
                .any(|class| code.starts_with(class))
                || code == "25006"
        }),
        _ => false,
    }
}

/// The `/readyz` check: how many of this build's migrations the database
/// has not applied (0: the schema is the one the code expects).
pub async fn unapplied_migrations(db: &Db) -> Result<usize, sqlx::Error> {
    let applied: Vec<i64> = fetch_all!(
        db,
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
    )?;
    Ok(db
        .migrator()
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .filter(|m| !applied.contains(&m.version))
        .count())
}

/// The `/healthz` check: one round trip to the database.
pub async fn ping(db: &Db) -> Result<(), sqlx::Error> {
    fetch_one!(db, sqlx::query_scalar::<_, i32>("SELECT 1")).map(|_| ())
}

/// A private in-memory database with the schema applied (unit tests).
#[cfg(test)]
pub async fn memory() -> Db {
    // One connection: every in-memory SQLite connection is its own database.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    SQLITE_MIGRATIONS.run(&pool).await.unwrap();
    Db::Sqlite(pool)
}
