//! Synthetic clickstream for `xcc generate`: JSON lines shaped like the public
//! `events.json` of the assessment, so ingest, sessionizing and the metrics can be
//! tested and benchmarked at any size without downloading the real file.
//!
//! What the output imitates, and why:
//! - The line shape and key order of the real file, byte for byte (`", "` and `": "`
//!   separators), because ingest must handle exactly that.
//! - Timestamps on a 15-second grid with one constant fraction (`.648681`), because
//!   that is what makes equal timestamps within one customer common in the real data,
//!   the case that `(timestamp, id)` ordering exists for.
//! - About 28% of events carry a customer-id; type frequencies, referrer share and
//!   page mix follow the first lines of the real file.
//! - Behaviour that the metrics need to be non-trivial: visits of a few to ~30 events,
//!   customers who come back after hours or days, some who never order, some who order
//!   several times, and a checkout page view sharing its timestamp with each order.
//! - Ids grow with time, but lines come out shuffled, like the real file.
//!
//! User agents and ips come from the visits: one of 32 user agents from the real file
//! and one ip per visitor or device. The real file has a Faker-made one of each on
//! almost every line, which is what `realistic` gives (see `agents`) for measuring
//! sizes and speeds on real-shaped text; everything else stays the same.
//!
//! The span is always about 30 days from 2022-04-20, so more events mean denser days.
//!
//! Memory hardly grows with `events`: visits are simulated in time order from a
//! priority queue of visitors, and a fixed window of 131,072 finished events is
//! emitted in random order (a window shuffle). Up to that many events the output is a
//! full random permutation; beyond it, lines are shuffled locally and the file runs
//! roughly from early to late. Only the customer pool costs memory, about 50 bytes a
//! customer (0.3 bytes an event with the default pool): 5 million events take ~8 MB.
//!
//! Output depends only on the options: same options, same bytes.

mod agents;
mod digits;
mod lines;
mod pipe;
mod rng;
mod simulation;
#[cfg(test)]
mod tests;
mod vocabulary;

use std::io::{self, Write};

use agents::Agents;
use lines::LineWriter;
use rng::Rng;
use simulation::{CustomerVisit, Rec, Simulation};

/// Events kept back for the window shuffle: 4 MiB, so a line's distance from its
/// time-order position is about 130,000 lines on average.
const WINDOW: usize = 1 << 17;

/// What `xcc generate` makes.
pub struct GenerateOptions {
    /// Exact number of lines to write.
    pub events: u64,
    pub seed: u64,
    /// Size of the customer pool (ids `1..=customers`); `None` = [`default_customers`].
    /// `Some(0)` makes every event anonymous. With very few customers for many events
    /// the customer share drops below 28% rather than letting sessions run together.
    pub customers: Option<u64>,
    /// A new Faker-style user agent and a random ip on every line, like the real file.
    /// They come from their own random stream, so all other bytes are the same as
    /// without it.
    pub realistic: bool,
    /// Mean events of a logged-in customer's visit; `None` = the real file's, about 6.35.
    /// Fewer give customers more, shorter sessions for the same number of lines.
    pub visit_events: Option<f64>,
}

/// Customers for a run of `events` lines when none is given: one per 150 events, at
/// least one. The real file has about 0.68 million lines and customer ids up to about
/// 4,400, one per ~155 lines; keeping that ratio keeps sessions per customer realistic
/// (about six in 30 days) at every size.
pub fn default_customers(events: u64) -> u64 {
    (events / 150).max(1)
}

/// The events as a stream to read, written by a thread of their own into a pipe: how
/// `xcc demo` hands them to the ingest. When the reader stops early, the writer's broken
/// pipe ends the thread; a thread that fails ends the stream with an error.
pub fn reader(opts: GenerateOptions) -> io::Result<impl io::Read + Send> {
    pipe::ThreadReader::spawn("xcc-generate", move |out| write_events(out, &opts))
}

/// Writes `opts.events` synthetic events as JSON lines (each ending with '\n') to `out`.
pub fn write_events(out: &mut impl Write, opts: &GenerateOptions) -> io::Result<()> {
    let customers = opts
        .customers
        .unwrap_or_else(|| default_customers(opts.events));
    let visit = match opts.visit_events {
        Some(events) => CustomerVisit::with_events(events),
        None => CustomerVisit::DEFAULT,
    };
    let mut sim = Simulation::new(opts.events, customers, opts.seed, &visit);
    // A separate stream for the shuffle, so that window size never changes behaviour.
    let mut shuffle = Rng::new(opts.seed ^ 0x5348_5546_464c_4521);
    let window_cap = WINDOW.min(opts.events as usize);
    let mut window: Vec<Rec> = Vec::with_capacity(window_cap);
    // Its own stream ("USERAGNT"), like the shuffle's, so that the rest is unchanged.
    let agents = opts
        .realistic
        .then(|| Agents::new(opts.seed ^ 0x5553_4552_4147_4e54));
    let mut line = LineWriter::new(agents);
    for _ in 0..opts.events {
        let rec = sim.next_event();
        if window.len() < WINDOW {
            window.push(rec);
            continue;
        }
        let i = shuffle.below(WINDOW as u64) as usize;
        let old = std::mem::replace(&mut window[i], rec);
        line.write(&old);
        line.flush_if_full(out)?;
    }
    while !window.is_empty() {
        let i = shuffle.below(window.len() as u64) as usize;
        let rec = window.swap_remove(i);
        line.write(&rec);
        line.flush_if_full(out)?;
    }
    line.finish(out)?;
    out.flush()
}
