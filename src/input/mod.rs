//! Where events come from and what they are: a source opened as one byte stream, split into
//! records, each parsed and validated into an event (with its timestamp) or a reject reason.
//! Everything here but `source` is pure: bytes in, values out.

pub mod blocks;
pub mod event;
pub mod gzip;
pub mod records;
pub mod sniff;
pub mod source;
pub mod timestamp;
