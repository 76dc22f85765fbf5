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
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

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
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(acquire)
        .connect_with(options)
        .await?;
    Ok(Db::Sqlite(pool))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditAction;
    use crate::cli_broker::logins::CliLoginStatus;
    use crate::connect::device::DeviceFlowState;
    use crate::connect::self_hosted::EndpointKind;
    use crate::connect::CredentialMethod;
    use crate::identity::LoginFailure;
    use crate::onboarding::{Progress, Step};
    use crate::providers::oauth_states::Purpose;

    /// The quoted values of `column IN (…)` (or `NOT IN`) in a schema object's SQL.
    fn listed(sql: &str, column: &str) -> Vec<String> {
        let after_column = &sql[sql
            .find(&format!("{column} "))
            .expect("the column is checked")..];
        let list = &after_column[after_column.find("IN (").expect("an IN list") + 4..];
        let list = &list[..list.find(')').expect("the list ends")];
        let mut values: Vec<String> = list
            .split(',')
            .map(|v| v.trim().trim_matches('\'').to_owned())
            .collect();
        values.sort();
        values
    }

    fn spelled<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<String> {
        let mut values: Vec<String> = all.iter().map(|v| as_str(*v).to_owned()).collect();
        values.sort();
        values
    }

    #[tokio::test]
    async fn every_state_column_accepts_exactly_the_states_of_its_enum() {
        let Db::Sqlite(db) = memory().await else {
            unreachable!("memory() is SQLite")
        };
        let progress: Vec<Progress> = Step::ALL
            .into_iter()
            .map(Progress::At)
            .chain([Progress::Completed])
            .collect();
        let cases = [
            (
                "credentials",
                "method",
                spelled(CredentialMethod::ALL, CredentialMethod::as_str),
            ),
            (
                "oauth_states",
                "purpose",
                spelled(Purpose::ALL, Purpose::as_str),
            ),
            (
                "device_flows",
                "status",
                spelled(DeviceFlowState::ALL, DeviceFlowState::as_str),
            ),
            (
                "audit_log",
                "action",
                spelled(AuditAction::ALL, AuditAction::as_str),
            ),
            (
                "cli_logins",
                "status",
                spelled(CliLoginStatus::ALL, CliLoginStatus::as_str),
            ),
            (
                "cli_logins",
                "failure",
                spelled(LoginFailure::ALL, LoginFailure::as_str),
            ),
            (
                "self_hosted_endpoints",
                "kind",
                spelled(EndpointKind::ALL, EndpointKind::as_str),
            ),
            (
                "users_onboarding_step_insert",
                "onboarding_step",
                spelled(&progress, Progress::as_str),
            ),
            (
                "users_onboarding_step_update",
                "onboarding_step",
                spelled(&progress, Progress::as_str),
            ),
        ];
        for (object, column, expected) in cases {
            let sql: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = $1")
                .bind(object)
                .fetch_one(&db)
                .await
                .unwrap();
            assert_eq!(listed(&sql, column), expected, "{object}.{column}");
        }
    }

    #[tokio::test]
    async fn the_database_refuses_an_unknown_state() {
        let Db::Sqlite(db) = memory().await else {
            unreachable!("memory() is SQLite")
        };
        let audit =
            sqlx::query("INSERT INTO audit_log (id, action, at_ms) VALUES ('a', 'exploded', 0)")
                .execute(&db)
                .await;
        assert!(audit
            .unwrap_err()
            .to_string()
            .contains("CHECK constraint failed"));
        sqlx::query("INSERT INTO users (id, github_id, login, created_at, updated_at) VALUES ('u', 1, 'ada', 0, 0)")
            .execute(&db)
            .await
            .unwrap();
        let step = sqlx::query("UPDATE users SET onboarding_step = 'halfway' WHERE id = 'u'")
            .execute(&db)
            .await;
        assert!(step
            .unwrap_err()
            .to_string()
            .contains("CHECK constraint failed"));
    }

    /// A database made before states were checked keeps its rows, and its
    /// old spellings turn into the new ones.
    #[tokio::test]
    async fn rows_written_before_the_checks_survive_the_migration() {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        let all = sqlx::migrate!("../migrations/sqlite");
        let before = sqlx::migrate::Migrator {
            migrations: all
                .migrations
                .iter()
                .filter(|m| m.version < 6)
                .cloned()
                .collect(),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        before.run(&pool).await.unwrap();
        for sql in [
            "INSERT INTO users (id, github_id, login, onboarding_step, created_at, updated_at) VALUES ('u', 1, 'ada', 'team', 0, 0)",
            "INSERT INTO credentials (user_id, provider, kind, account, access_token, connected_at, refreshed_at, method) VALUES ('u', 'github', 'oauth', 'ada', 'sealed', 0, 0, 'signin')",
            "INSERT INTO audit_log (id, user_id, action, provider, at_ms) VALUES ('a', 'u', 'cli_login', '', 0)",
            "INSERT INTO cli_logins (state_hash, provider, code_challenge, user_code, status, failure, created_at, expires_at) VALUES ('x', 'google', 'c', 'ABCD-EFGH', 'failed', 'no_account', 0, 0)",
            "INSERT INTO cli_logins (state_hash, provider, code_challenge, user_code, status, failure, created_at, expires_at) VALUES ('y', 'github', 'c', 'ABCD-EFGH', 'denied', 'denied', 0, 0)",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        all.run(&pool).await.unwrap();

        let method: CredentialMethod =
            sqlx::query_scalar("SELECT method FROM credentials WHERE user_id = 'u'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(method, CredentialMethod::SignIn);
        let provider: Option<String> = sqlx::query_scalar("SELECT provider FROM audit_log")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(provider, None);
        let logins: Vec<(CliLoginStatus, Option<LoginFailure>)> =
            sqlx::query_as("SELECT status, failure FROM cli_logins ORDER BY state_hash")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            logins,
            [
                (CliLoginStatus::NoAccount, None),
                (CliLoginStatus::Denied, None)
            ]
        );
        // The references to users still hold: deleting the user takes its rows along.
        sqlx::query("DELETE FROM users WHERE id = 'u'")
            .execute(&pool)
            .await
            .unwrap();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credentials")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
}
