//! Agent teams: created from a template or composed by the user, stored with
//! their agents, and exported as `teams.json`.

use crate::connect::connections;
use crate::platform::{db, AppState, Db, Error};
use crate::providers::ProviderId;
use crate::repositories::store as repositories;
use crate::teams::{self, AgentInput, AgentView, Refusal, TeamView, Template};

/// What the team form sends.
#[derive(Clone, Debug, Default)]
pub struct NewTeam {
    pub template: String,
    /// Custom teams only: templates keep their own name.
    pub name: String,
    /// The team's default provider; template agents all use it.
    pub provider: String,
    /// Custom teams only.
    pub agents: Vec<AgentInput>,
}

/// Why a team was not created.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("{0}")]
    Refused(Refusal),
    #[error(transparent)]
    Backend(#[from] Error),
}

impl From<Refusal> for TeamError {
    fn from(r: Refusal) -> Self {
        TeamError::Refused(r)
    }
}

/// The providers a team may use: the ones the user has connected, in the
/// registry's order.
pub async fn connected_providers(app: &AppState, user_id: &str) -> Result<Vec<ProviderId>, Error> {
    Ok(
        connections::statuses(app, user_id, &connections::Shown::default())
            .await?
            .into_iter()
            .filter(|s| s.is_connected())
            .map(|s| s.id)
            .collect(),
    )
}

/// Checks `new` against the templates, roles and the user's connected
/// providers, then stores it. Nothing is stored when anything is wrong.
pub async fn create(app: &AppState, user_id: &str, new: &NewTeam) -> Result<TeamView, TeamError> {
    let template: &Template = teams::template(&new.template).ok_or_else(|| {
        Refusal::Invalid("Choose one of the templates, or Custom Team.".to_owned())
    })?;
    let connected = connected_providers(app, user_id).await?;
    let provider = teams::check_provider(&new.provider, &connected)?;
    let (name, agents) = if template.id == teams::CUSTOM.id {
        let name = teams::check_team_name(&new.name).map_err(Refusal::Invalid)?;
        (name, teams::check_agents(&new.agents, &connected)?)
    } else {
        let agents = template
            .agents
            .iter()
            .map(|(name, role)| AgentView {
                name: (*name).to_owned(),
                role: (*role).to_owned(),
                provider,
            })
            .collect();
        (template.name.to_owned(), agents)
    };
    let name_key = name.to_lowercase();
    let taken = {
        let message = format!(
            "You already have a team called “{name}”. Give this one another name (Custom Team)."
        );
        move || TeamError::from(Refusal::Invalid(message.clone()))
    };
    let same_name: i64 = db::fetch_one!(
        app.db,
        sqlx::query_scalar("SELECT COUNT(*) FROM teams WHERE user_id = $1 AND name_key = $2")
            .bind(user_id)
            .bind(&name_key)
    )
    .map_err(Error::from)?;
    if same_name > 0 {
        return Err(taken());
    }

    let team = TeamView {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        template: template.id.to_owned(),
        default_provider: provider,
        agents,
        created_at: app.clock.now(),
    };
    db::on_pool!(app.db, |pool| {
        let mut tx = pool.begin().await.map_err(Error::from)?;
        let inserted = sqlx::query(
        "INSERT INTO teams (id, user_id, name, name_key, template, default_provider, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&team.id)
    .bind(user_id)
    .bind(&team.name)
    .bind(&name_key)
    .bind(&team.template)
    .bind(team.default_provider)
    .bind(team.created_at)
    .execute(&mut *tx)
    .await;
        match inserted {
            // The same name, created by a second submit in the meantime.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(taken()),
            other => other.map_err(Error::from)?,
        };
        for (position, agent) in team.agents.iter().enumerate() {
            sqlx::query(
            "INSERT INTO team_agents (team_id, position, name, role, provider) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&team.id)
        .bind(position as i64)
        .bind(&agent.name)
        .bind(&agent.role)
        .bind(agent.provider)
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?;
        }
        tx.commit().await.map_err(Error::from)?;
        Ok(team)
    })
}

/// The user's teams, oldest first, with their agents.
#[derive(sqlx::FromRow)]
struct TeamRow {
    id: String,
    name: String,
    template: String,
    default_provider: ProviderId,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct AgentRow {
    team_id: String,
    name: String,
    role: String,
    provider: ProviderId,
}

pub async fn list(db: &Db, user_id: &str) -> Result<Vec<TeamView>, Error> {
    let rows: Vec<TeamRow> = db::fetch_all!(db, sqlx::query_as(
        "SELECT id, name, template, default_provider, created_at FROM teams WHERE user_id = $1 ORDER BY created_at, name",
    )
    .bind(user_id))?;
    let agents: Vec<AgentRow> = db::fetch_all!(db, sqlx::query_as(
        "SELECT a.team_id, a.name, a.role, a.provider FROM team_agents a JOIN teams t ON t.id = a.team_id
         WHERE t.user_id = $1 ORDER BY a.team_id, a.position",
    )
    .bind(user_id))?;
    Ok(rows
        .into_iter()
        .map(|team| TeamView {
            agents: agents
                .iter()
                .filter(|a| a.team_id == team.id)
                .map(|a| AgentView {
                    name: a.name.clone(),
                    role: a.role.clone(),
                    provider: a.provider,
                })
                .collect(),
            id: team.id,
            name: team.name,
            template: team.template,
            default_provider: team.default_provider,
            created_at: team.created_at,
        })
        .collect())
}

/// One of the user's teams as a `teams.json` document (the format is in the
/// README): the team, its agents with the CLI each runs, and the repositories
/// it works on. `None` when the user has no such team.
pub async fn export(db: &Db, user_id: &str, team_id: &str) -> Result<Option<String>, Error> {
    let Some(team) = list(db, user_id)
        .await?
        .into_iter()
        .find(|t| t.id == team_id)
    else {
        return Ok(None);
    };
    let repositories = repositories::chosen(db, user_id).await?;
    let document = serde_json::json!({
        "version": 1,
        "teams": [{
            "name": team.name,
            "template": team.template,
            "defaultProvider": team.default_provider,
            "repositories": repositories.iter().map(|r| &r.full_name).collect::<Vec<_>>(),
            "agents": team.agents.iter().map(|a| serde_json::json!({
                "name": a.name,
                "role": a.role,
                "provider": a.provider,
                "cli": a.provider.info().cli,
            })).collect::<Vec<_>>(),
        }],
    });
    Ok(Some(
        serde_json::to_string_pretty(&document).expect("JSON values serialise") + "\n",
    ))
}
