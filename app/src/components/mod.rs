pub mod brand;
pub mod header;
pub mod steps;
