pub mod dashboard;
pub mod landing;
pub mod not_found;
pub mod onboarding;
pub mod settings;
pub mod signin_failed;
