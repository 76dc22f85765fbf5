//! Users, identified by their GitHub account, and their vault data keys.

use crate::identity::CurrentUser;
use crate::onboarding::Progress;
use crate::platform::{db, Clock, Db, Error};
use crate::repositories::github::GithubUser;
use crate::vault::{UserKey, Vault, WrappedKey};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub github_id: i64,
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    #[sqlx(rename = "onboarding_step")]
    pub progress: Progress,
}

impl User {
    pub fn to_current(&self) -> CurrentUser {
        CurrentUser {
            login: self.login.clone(),
            name: self.name.clone(),
            avatar_url: self.avatar_url.clone(),
            progress: self.progress,
            terminals: 0,
        }
    }
}

/// Creates the user on first sign-in (with a fresh vault data key) or refreshes
/// their profile on later ones.
pub async fn upsert_from_github(
    db: &Db,
    vault: &Vault,
    gh: &GithubUser,
    clock: &Clock,
) -> Result<User, Error> {
    db::on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let now = clock.now();
        let user: User = sqlx::query_as(
            "INSERT INTO users (id, github_id, login, name, email, avatar_url, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (github_id) DO UPDATE SET
               login = excluded.login, name = excluded.name, email = excluded.email,
               avatar_url = excluded.avatar_url, updated_at = excluded.updated_at
             RETURNING id, github_id, login, name, email, avatar_url, onboarding_step",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(gh.id)
        .bind(&gh.login)
        .bind(&gh.name)
        .bind(&gh.email)
        .bind(&gh.avatar_url)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;

        let has_key: Option<String> =
            sqlx::query_scalar("SELECT user_id FROM user_keys WHERE user_id = $1")
                .bind(&user.id)
                .fetch_optional(&mut *tx)
                .await?;
        if has_key.is_none() {
            let (wrapped, _) = vault.new_user_key(&user.id);
            sqlx::query("INSERT INTO user_keys (user_id, master_key_id, wrapped, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&user.id)
                .bind(&wrapped.master_key_id)
                .bind(&wrapped.wrapped)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(user)
    })
}

pub async fn find(db: &Db, id: &str) -> Result<Option<User>, Error> {
    Ok(db::fetch_optional!(
        db,
        sqlx::query_as(
            "SELECT id, github_id, login, name, email, avatar_url, onboarding_step FROM users WHERE id = $1",
        )
        .bind(id)
    )?)
}

/// Moves the user to `progress`; reaching `Completed` records when onboarding ended.
pub async fn set_progress(
    db: &Db,
    id: &str,
    progress: Progress,
    clock: &Clock,
) -> Result<(), Error> {
    db::execute!(
        db,
        sqlx::query(
            "UPDATE users SET onboarding_step = $1, updated_at = $2,
               onboarded_at = CASE WHEN $3 THEN COALESCE(onboarded_at, $2) ELSE onboarded_at END
             WHERE id = $4",
        )
        .bind(progress)
        .bind(clock.now())
        .bind(progress == Progress::Completed)
        .bind(id)
    )?;
    Ok(())
}

/// The user's unwrapped data key, for sealing or opening their credentials.
pub async fn data_key(db: &Db, vault: &Vault, user_id: &str) -> Result<UserKey, Error> {
    let (master_key_id, wrapped): (String, String) = db::fetch_one!(
        db,
        sqlx::query_as("SELECT master_key_id, wrapped FROM user_keys WHERE user_id = $1")
            .bind(user_id)
    )?;
    Ok(vault.unwrap_user_key(
        user_id,
        &WrappedKey {
            master_key_id,
            wrapped,
        },
    )?)
}
