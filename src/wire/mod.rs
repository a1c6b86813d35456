//! Wire formats: what travels on the link, below every other stage.
pub mod flags;
pub mod frame;
pub mod seq;
