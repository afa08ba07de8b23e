//! Sessions: the pure sessionizer that cuts one customer's events into sessions, and the
//! rebuilds that keep the `sessions` table equal to sessionizing every stored event, and the
//! order rows derived from the sessions.

pub mod orders;
pub mod rebuild;
pub mod sessionizer;
