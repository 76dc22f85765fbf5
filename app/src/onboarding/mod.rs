//! The onboarding wizard: its steps in order, where each user stands, and the
//! rule that progress only moves forward.

pub mod functions;
#[cfg(feature = "ssr")]
pub mod progress;
pub mod steps;

use serde::{Deserialize, Serialize};

/// A step of the onboarding wizard, in order. "Sign up" precedes them all and
/// is done by the time a user can see the wizard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    Repositories,
    Providers,
    Team,
    Ready,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::Repositories, Step::Providers, Step::Team, Step::Ready];

    /// The URL segment and the value stored in `users.onboarding_step`.
    pub fn slug(self) -> &'static str {
        match self {
            Step::Repositories => "repositories",
            Step::Providers => "providers",
            Step::Team => "team",
            Step::Ready => "ready",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// The short name in the step indicator.
    pub fn label(self) -> &'static str {
        match self {
            Step::Repositories => "Repositories",
            Step::Providers => "Providers",
            Step::Team => "Team",
            Step::Ready => "Ready",
        }
    }

    /// The page heading, as in the design sketches.
    pub fn heading(self) -> &'static str {
        match self {
            Step::Repositories => "Select Repositories",
            Step::Providers => "Connect Your AI Providers",
            Step::Team => "Create Your First Agent Team",
            Step::Ready => "You're all set!",
        }
    }

    pub fn path(self) -> String {
        format!("/onboarding/{}", self.slug())
    }

    pub fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    pub fn next(self) -> Option<Step> {
        Step::ALL.get(self.index() + 1).copied()
    }

    pub fn previous(self) -> Option<Step> {
        self.index().checked_sub(1).map(|i| Step::ALL[i])
    }
}

/// Where a user stands in onboarding, as stored server-side
/// (`users.onboarding_step`: a step's slug, or "completed").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Progress {
    At(Step),
    Completed,
}

impl Progress {
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::At(step) => step.slug(),
            Progress::Completed => "completed",
        }
    }

    /// Where a signed-in user should land.
    pub fn home_path(self) -> String {
        match self {
            Progress::At(step) => step.path(),
            Progress::Completed => "/dashboard".to_owned(),
        }
    }
}

impl std::str::FromStr for Progress {
    type Err = crate::text_column::UnknownValue;

    fn from_str(value: &str) -> Result<Progress, Self::Err> {
        match value {
            "completed" => Ok(Progress::Completed),
            other => Step::from_slug(other).map(Progress::At).ok_or_else(|| {
                crate::text_column::UnknownValue {
                    of: "Progress",
                    value: other.chars().take(40).collect(),
                }
            }),
        }
    }
}

#[cfg(feature = "ssr")]
crate::text_column!(Progress);
