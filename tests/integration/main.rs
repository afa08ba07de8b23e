//! xcc's integration tests, one test binary (`cargo test --test integration`): each module
//! drives the real `xcc` binary against temporary databases, local HTTP peers on 127.0.0.1
//! and the fixtures in tests/data, one area of the program per module. `util` holds the
//! helpers they share.

mod needs;
mod util;

mod analysts;
mod dashboard;
mod demo;
mod ingest;
mod metrics;
mod postgres;
mod ranges;
mod regressions;
mod reingest;
mod reliability;
mod sensitivity;
mod sessions;
mod share;
mod spark;
mod wrong_input;
