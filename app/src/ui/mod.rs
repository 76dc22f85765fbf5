//! Pieces every page shares: the brand, the header, the browser's clock.

pub mod brand;
pub mod clock;
pub mod header;
