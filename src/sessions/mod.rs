//! Sessions: the pure sessionizer that cuts one customer's events into sessions, and the
//! rebuilds that keep the `sessions` table equal to sessionizing every stored event, the
//! order rows derived from the sessions, and the sweeps that give the same figures at other
//! timeouts from the events.

pub mod orders;
pub mod rebuild;
pub mod scan;
pub mod sensitivity;
pub mod sessionizer;
pub mod sweep;
pub mod texts;
