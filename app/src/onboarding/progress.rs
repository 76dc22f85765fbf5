//! The progress rule of onboarding: finishing a step moves the user on to the
//! next one, never back; someone who finished onboarding and reopened a step
//! goes home after it.

use crate::identity::users::{self, User};
use crate::onboarding::{Progress, Step};
use crate::platform::{Clock, Db, Error};
use crate::repositories::store as repositories;

/// What finishing a step means for a user.
#[derive(Debug, PartialEq, Eq)]
pub struct Finished {
    /// The progress to store, when it moves forward.
    pub advance_to: Option<Progress>,
    /// Where the browser goes next.
    pub go_to: String,
}

/// Why a step cannot be finished yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// "Select Repositories" is finished by choosing, not skipped.
    #[error("Choose at least one repository for the agents to work on.")]
    NothingChosen,
}

/// The rule itself: finishing `step` for a user at `current`.
pub fn finishing(current: Progress, step: Step) -> Finished {
    let next = step.next().map(Progress::At).unwrap_or(Progress::Completed);
    let advances = match (current, next) {
        (Progress::Completed, _) => false,
        (Progress::At(_), Progress::Completed) => true,
        (Progress::At(current), Progress::At(next)) => next.index() > current.index(),
    };
    let go_to = match current {
        Progress::Completed => Progress::Completed.home_path(),
        Progress::At(_) => next.home_path(),
    };
    Finished {
        advance_to: advances.then_some(next),
        go_to,
    }
}

/// Records that `user` finished `step`; answers where they go next.
pub async fn finish(db: &Db, user: &User, step: Step, clock: &Clock) -> Result<String, Error> {
    let finished = finishing(user.progress, step);
    if let Some(progress) = finished.advance_to {
        users::set_progress(db, &user.id, progress, clock).await?;
    }
    Ok(finished.go_to)
}

/// "Continue" on a step: finishes it unless the step needs something first.
pub async fn continue_past(
    db: &Db,
    user: &User,
    step: Step,
    clock: &Clock,
) -> Result<Result<String, Refusal>, Error> {
    if step == Step::Repositories && repositories::selected_ids(db, &user.id).await?.is_empty() {
        return Ok(Err(Refusal::NothingChosen));
    }
    finish(db, user, step, clock).await.map(Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finishing_the_current_step_moves_on_to_the_next() {
        let finished = finishing(Progress::At(Step::Repositories), Step::Repositories);
        assert_eq!(finished.advance_to, Some(Progress::At(Step::Providers)));
        assert_eq!(finished.go_to, "/onboarding/providers");
    }

    #[test]
    fn finishing_an_earlier_step_again_never_moves_back() {
        let finished = finishing(Progress::At(Step::Team), Step::Repositories);
        assert_eq!(finished.advance_to, None);
        assert_eq!(finished.go_to, "/onboarding/providers");
    }

    #[test]
    fn finishing_the_last_step_completes_onboarding() {
        let finished = finishing(Progress::At(Step::Ready), Step::Ready);
        assert_eq!(finished.advance_to, Some(Progress::Completed));
        assert_eq!(finished.go_to, "/dashboard");
    }

    #[test]
    fn a_reopened_step_after_onboarding_goes_home() {
        let finished = finishing(Progress::Completed, Step::Providers);
        assert_eq!(finished.advance_to, None);
        assert_eq!(finished.go_to, "/dashboard");
    }
}
