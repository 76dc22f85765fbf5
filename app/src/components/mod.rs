pub mod brand;
pub mod clock;
pub mod device_login;
pub mod header;
pub mod import_panel;
pub mod provider_card;
pub mod self_hosted;
pub mod steps;
