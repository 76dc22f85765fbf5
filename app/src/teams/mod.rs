//! Agent teams as data: the roles an agent can take and the quick-start
//! templates, shared by the server and the browser. The rules a team must
//! follow are here too, so the form and the server say the same thing.

pub mod functions;
pub mod picker;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

use crate::providers::ProviderId;

/// What an agent does in a team.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Role {
    pub id: &'static str,
    pub name: &'static str,
    pub duty: &'static str,
}

pub const ROLES: [Role; 9] = [
    Role {
        id: "lead",
        name: "Lead",
        duty: "Plans the work and hands out tasks",
    },
    Role {
        id: "architect",
        name: "Architect",
        duty: "Checks design and structure",
    },
    Role {
        id: "reviewer",
        name: "Reviewer",
        duty: "Reviews every change for correctness",
    },
    Role {
        id: "security-auditor",
        name: "Security Auditor",
        duty: "Looks for vulnerabilities and leaked secrets",
    },
    Role {
        id: "frontend",
        name: "Frontend",
        duty: "Builds user interfaces",
    },
    Role {
        id: "backend",
        name: "Backend",
        duty: "Builds services and APIs",
    },
    Role {
        id: "tester",
        name: "Tester",
        duty: "Writes and runs tests",
    },
    Role {
        id: "documenter",
        name: "Documenter",
        duty: "Keeps the docs current",
    },
    Role {
        id: "developer",
        name: "Developer",
        duty: "Writes code for assigned tasks",
    },
];

pub fn role(id: &str) -> Option<&'static Role> {
    ROLES.iter().find(|r| r.id == id)
}

/// A quick-start team. `agents` are (name, role id); every agent of a
/// template works with the team's default provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    pub id: &'static str,
    pub name: &'static str,
    pub icon: &'static str,
    /// "Architect + Reviewer + Security Auditor".
    pub members: &'static str,
    pub summary: &'static str,
    pub agents: &'static [(&'static str, &'static str)],
    /// The provider chosen for the team unless the user picks another.
    pub preferred_provider: ProviderId,
}

pub const CODE_REVIEW: Template = Template {
    id: "code-review",
    name: "Code Review Team",
    icon: "👥",
    members: "Architect + Reviewer + Security Auditor",
    summary: "Auto-reviews PRs and suggests improvements",
    agents: &[
        ("Architect", "architect"),
        ("Reviewer", "reviewer"),
        ("Security Auditor", "security-auditor"),
    ],
    preferred_provider: crate::providers::ANTHROPIC.id,
};

pub const FEATURE_DEVELOPMENT: Template = Template {
    id: "feature-development",
    name: "Feature Development Team",
    icon: "🛠️",
    members: "Lead + Frontend + Backend + Tester",
    summary: "Coordinates multi-agent feature builds",
    agents: &[
        ("Lead", "lead"),
        ("Frontend", "frontend"),
        ("Backend", "backend"),
        ("Tester", "tester"),
    ],
    preferred_provider: crate::providers::ANTHROPIC.id,
};

/// The user names the team and composes its agents.
pub const CUSTOM: Template = Template {
    id: "custom",
    name: "Custom Team",
    icon: "📝",
    members: "Configure your own agent composition",
    summary: "Name it, choose each agent's role and provider",
    agents: &[
        ("Lead", "lead"),
        ("Developer", "developer"),
        ("Reviewer", "reviewer"),
    ],
    preferred_provider: crate::providers::ANTHROPIC.id,
};

pub const TEMPLATES: [&Template; 3] = [&CODE_REVIEW, &FEATURE_DEVELOPMENT, &CUSTOM];

pub fn template(id: &str) -> Option<&'static Template> {
    TEMPLATES.into_iter().find(|t| t.id == id)
}

pub const MAX_AGENTS: usize = 12;
pub const MAX_NAME_CHARS: usize = 60;
pub const MAX_AGENT_NAME_CHARS: usize = 40;

/// One agent as the form sends it. A row whose name is left empty is
/// dropped (that is how a plain form without JavaScript removes an agent).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub provider: String,
}

/// A saved team, as pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    pub id: String,
    pub name: String,
    pub template: String,
    pub default_provider: ProviderId,
    pub agents: Vec<AgentView>,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    pub name: String,
    pub role: String,
    pub provider: ProviderId,
}

/// Why a team was refused. `NeedsProvider` holds a provider id: the page
/// offers to connect it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Invalid(String),
    NeedsProvider(ProviderId),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Invalid(message) => f.write_str(message),
            Refusal::NeedsProvider(id) => f.write_str(&crate::providers::connect_first(*id)),
        }
    }
}

impl From<String> for Refusal {
    fn from(message: String) -> Self {
        Refusal::Invalid(message)
    }
}

/// A team's name, checked: trimmed, not empty, not too long.
pub fn check_team_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Give the team a name.".to_owned());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "A team name has at most {MAX_NAME_CHARS} characters."
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("A team name cannot contain control characters.".to_owned());
    }
    Ok(name.to_owned())
}

/// The agents of a custom team, checked against the roles and the providers
/// the user has connected.
pub fn check_agents(
    rows: &[AgentInput],
    connected: &[ProviderId],
) -> Result<Vec<AgentView>, Refusal> {
    let mut agents: Vec<AgentView> = Vec::new();
    for row in rows.iter().filter(|r| !r.name.trim().is_empty()) {
        let name = row.name.trim();
        if name.chars().count() > MAX_AGENT_NAME_CHARS {
            return Err(
                format!("An agent name has at most {MAX_AGENT_NAME_CHARS} characters.").into(),
            );
        }
        if name.chars().any(char::is_control) {
            return Err("An agent name cannot contain control characters."
                .to_owned()
                .into());
        }
        if agents.iter().any(|a| a.name.eq_ignore_ascii_case(name)) {
            return Err(
                format!("Two agents are called “{name}”: give each agent its own name.").into(),
            );
        }
        let role = role(&row.role)
            .ok_or_else(|| format!("“{name}” has no role we know: choose one from the list."))?;
        let provider = check_provider(&row.provider, connected)?;
        agents.push(AgentView {
            name: name.to_owned(),
            role: role.id.to_owned(),
            provider,
        });
    }
    if agents.is_empty() {
        return Err("Add at least one agent, with a name.".to_owned().into());
    }
    if agents.len() > MAX_AGENTS {
        return Err(format!("A team has at most {MAX_AGENTS} agents.").into());
    }
    Ok(agents)
}

/// A provider for an agent or a team: known, and connected by the user.
pub fn check_provider(id: &str, connected: &[ProviderId]) -> Result<ProviderId, Refusal> {
    let id = ProviderId::parse(id).ok_or_else(|| {
        format!(
            "There is no provider called “{}”.",
            id.chars().take(40).collect::<String>()
        )
    })?;
    if !connected.contains(&id) {
        return Err(Refusal::NeedsProvider(id));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, role: &str, provider: &str) -> AgentInput {
        AgentInput {
            name: name.to_owned(),
            role: role.to_owned(),
            provider: provider.to_owned(),
        }
    }

    #[test]
    fn templates_use_known_roles() {
        for t in TEMPLATES {
            for (_, role_id) in t.agents {
                assert!(role(role_id).is_some(), "{} uses {role_id}", t.id);
            }
        }
    }

    #[test]
    fn custom_agents_are_checked() {
        let connected = vec![crate::providers::ANTHROPIC.id];
        let ok = check_agents(
            &[
                row(" Lead ", "lead", "anthropic"),
                row("", "tester", "nope"),
            ],
            &connected,
        )
        .unwrap();
        assert_eq!(ok.len(), 1, "an empty row is dropped");
        assert_eq!(ok[0].name, "Lead");
        assert!(check_agents(
            &[
                row("a", "lead", "anthropic"),
                row("A", "tester", "anthropic")
            ],
            &connected
        )
        .unwrap_err()
        .to_string()
        .contains("Two agents are called"));
        assert!(check_agents(&[row("a", "chef", "anthropic")], &connected)
            .unwrap_err()
            .to_string()
            .contains("no role"));
        assert_eq!(
            check_agents(&[row("a", "lead", "openai")], &connected)
                .unwrap_err()
                .to_string(),
            "Please connect OpenAI first."
        );
        assert!(check_agents(&[row("a", "lead", "acme-ai")], &connected)
            .unwrap_err()
            .to_string()
            .contains("no provider called"));
        assert!(check_agents(&[], &connected).is_err());
        assert!(check_team_name("   ").is_err());
        assert_eq!(check_team_name(" Night shift ").unwrap(), "Night shift");
    }
}
