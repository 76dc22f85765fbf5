//! Pieces every page shares: the brand, the header, the browser's clock,
//! forms answered in place, and the small live islands (Copy, countdowns,
//! pushed changes).

pub mod brand;
pub mod clock;
pub mod form;
pub mod header;
pub mod live;
