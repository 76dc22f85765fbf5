//! The schema each backend's migrations build: every state column accepts
//! exactly the states the code declares, and refuses the others.

use app::audit::AuditAction;
use app::cli_broker::logins::CliLoginStatus;
use app::connect::device::DeviceFlowState;
use app::connect::self_hosted::EndpointKind;
use app::connect::CredentialMethod;
use app::identity::LoginFailure;
use app::onboarding::{Progress, Step};
use app::platform::db::{self, Db};
use app::providers::oauth_states::Purpose;

use crate::helpers::{spawn_app, test_config};
use secrecy::ExposeSecret;

/// The values between single quotes, sorted.
fn quoted(text: &str) -> Vec<String> {
    let mut values: Vec<String> = text
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    values.sort();
    values
}

/// The values `table.column` accepts, read from the schema itself: the
/// `column IN (…)` of SQLite's CREATE statement (for `users`, of its
/// triggers), or PostgreSQL's constraint `table_column_check`.
async fn accepted(db: &Db, table: &str, column: &str) -> Vec<String> {
    match db {
        Db::Sqlite(pool) => {
            let objects = if table == "users" {
                vec![
                    format!("users_{column}_insert"),
                    format!("users_{column}_update"),
                ]
            } else {
                vec![table.to_owned()]
            };
            let mut lists = Vec::new();
            for object in objects {
                let sql: String =
                    sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = $1")
                        .bind(&object)
                        .fetch_one(pool)
                        .await
                        .unwrap();
                let from_column = &sql[sql.find(&format!("{column} ")).expect("checked")..];
                let list = &from_column[from_column.find("IN (").expect("an IN list")..];
                lists.push(quoted(&list[..list.find(')').expect("the list ends")]));
            }
            assert!(lists.windows(2).all(|w| w[0] == w[1]), "{lists:?}");
            lists.remove(0)
        }
        Db::Postgres(pool) => {
            let definition: String = sqlx::query_scalar(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1",
            )
            .bind(format!("{table}_{column}_check"))
            .fetch_one(pool)
            .await
            .unwrap();
            quoted(&definition)
        }
    }
}

fn spelled<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<String> {
    let mut values: Vec<String> = all.iter().map(|v| as_str(*v).to_owned()).collect();
    values.sort();
    values
}

#[tokio::test]
async fn every_state_column_accepts_exactly_the_states_of_its_enum() {
    let app = spawn_app().await;
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
            "users",
            "onboarding_step",
            spelled(&progress, Progress::as_str),
        ),
    ];
    for (table, column, expected) in cases {
        assert_eq!(
            accepted(app.db(), table, column).await,
            expected,
            "{table}.{column} on {}",
            app.db().backend()
        );
    }
}

#[tokio::test]
async fn the_database_refuses_an_unknown_state() {
    let app = spawn_app().await;
    let refused = |result: Result<u64, sqlx::Error>| {
        let message = result.unwrap_err().to_string().to_lowercase();
        // SQLite: "CHECK constraint failed"; PostgreSQL: "violates check constraint".
        assert!(message.contains("check constraint"), "{message}");
    };
    refused(db::execute!(
        app.db(),
        sqlx::query("INSERT INTO audit_log (id, action, at_ms) VALUES ('a', 'exploded', 0)")
    ));
    db::execute!(
        app.db(),
        sqlx::query("INSERT INTO users (id, github_id, login, created_at, updated_at) VALUES ('u', 1, 'ada', 0, 0)")
    )
    .unwrap();
    refused(db::execute!(
        app.db(),
        sqlx::query("UPDATE users SET onboarding_step = 'halfway' WHERE id = 'u'")
    ));
}

/// A database made before states were checked keeps its rows, and its old
/// spellings turn into the new ones (each backend's own migration 0006).
#[tokio::test]
async fn rows_written_before_the_checks_survive_the_migration() {
    let data_dir = tempfile::tempdir().unwrap();
    let config = test_config(data_dir.path(), &[]).await;
    let db = db::open(config.database_url.expose_secret()).await.unwrap();
    let before = sqlx::migrate::Migrator {
        migrations: db
            .migrator()
            .iter()
            .filter(|m| m.version < 6)
            .cloned()
            .collect(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    db::on_pool!(db, |pool| before.run(pool).await).unwrap();
    for sql in [
        "INSERT INTO users (id, github_id, login, onboarding_step, created_at, updated_at) VALUES ('u', 1, 'ada', 'team', 0, 0)",
        "INSERT INTO credentials (user_id, provider, kind, account, access_token, connected_at, refreshed_at, method) VALUES ('u', 'github', 'oauth', 'ada', 'sealed', 0, 0, 'signin')",
        "INSERT INTO audit_log (id, user_id, action, provider, at_ms) VALUES ('a', 'u', 'cli_login', '', 0)",
        "INSERT INTO cli_logins (state_hash, provider, code_challenge, user_code, status, failure, created_at, expires_at) VALUES ('x', 'google', 'c', 'ABCD-EFGH', 'failed', 'no_account', 0, 0)",
        "INSERT INTO cli_logins (state_hash, provider, code_challenge, user_code, status, failure, created_at, expires_at) VALUES ('y', 'github', 'c', 'ABCD-EFGH', 'denied', 'denied', 0, 0)",
    ] {
        db::execute!(db, sqlx::query(sql)).unwrap();
    }
    db::on_pool!(db, |pool| db.migrator().run(pool).await).unwrap();

    let method: CredentialMethod = db::fetch_one!(
        db,
        sqlx::query_scalar("SELECT method FROM credentials WHERE user_id = 'u'")
    )
    .unwrap();
    assert_eq!(method, CredentialMethod::SignIn);
    let provider: Option<String> =
        db::fetch_one!(db, sqlx::query_scalar("SELECT provider FROM audit_log")).unwrap();
    assert_eq!(provider, None);
    let logins: Vec<(CliLoginStatus, Option<LoginFailure>)> = db::fetch_all!(
        db,
        sqlx::query_as("SELECT status, failure FROM cli_logins ORDER BY state_hash")
    )
    .unwrap();
    assert_eq!(
        logins,
        [
            (CliLoginStatus::NoAccount, None),
            (CliLoginStatus::Denied, None)
        ]
    );
    // The references to users still hold: deleting the user takes its rows along.
    db::execute!(db, sqlx::query("DELETE FROM users WHERE id = 'u'")).unwrap();
    let left: i64 =
        db::fetch_one!(db, sqlx::query_scalar("SELECT COUNT(*) FROM credentials")).unwrap();
    assert_eq!(left, 0);
}
