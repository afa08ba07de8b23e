//! Where events come from and what they are: a source opened as one byte stream, split into
//! records, each parsed and validated into an event (with its timestamp) or a reject reason.
//! Everything here but `source` and `http` is pure: bytes in, values out (`validators` too:
//! what a download's server said identifies its body).

pub mod blocks;
pub mod event;
#[cfg(debug_assertions)]
mod fault;
pub mod gzip;
pub mod http;
pub mod records;
pub mod sniff;
pub mod source;
pub mod timestamp;
pub mod validators;
