//! xcc's integration tests, one test binary (`cargo test --test integration`): each module
//! drives the real `xcc` binary against temporary databases, local HTTP peers on 127.0.0.1
//! and the fixtures in tests/data, one area of the program per module. `util` holds the
//! helpers they share.

mod needs;
mod util;

mod analyst_tools;
mod analysts;
mod architecture;
mod dashboard;
mod demo;
mod docs;
mod flags;
mod hostile_file;
mod hostile_input;
mod ingest;
mod memory_bound;
mod metrics;
mod openapi;
mod postgres;
mod ranges;
mod refresh;
mod regressions;
mod reingest;
mod reliability;
mod report;
mod sensitivity;
mod server_bounds;
mod server_guard;
mod sessions;
mod share;
mod spark;
mod statistics;
mod wrong_input;
