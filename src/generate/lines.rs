//! The line writer: turns each [`Rec`] into one JSON line with the real file's key
//! order and separators, byte for byte.

use std::io::{self, Write};

use super::agents::Agents;
use super::digits::{date, push_clock, push_u64, START_DAY};
use super::simulation::{Kind, Page, Rec, TICK_SECS};
use super::vocabulary::{QUERY_FIRST, QUERY_LAST, QUERY_MIDDLE, REFERRERS, USER_AGENTS};

/// The real timestamps sit at :03, :18, :33 and :48 seconds, all with this fraction.
const FIRST_SECOND: u64 = 3;
const FRACTION: &[u8] = b".648681";

const FLUSH_AT: usize = 1 << 16;

pub(super) struct LineWriter {
    buf: Vec<u8>,
    /// "YYYY-MM-DD" by day since the start, filled on first use.
    dates: Vec<[u8; 10]>,
    /// With `--realistic`: a new user agent and ip for every line instead of the ones
    /// the simulation chose for the visit.
    agents: Option<Agents>,
}

impl LineWriter {
    pub(super) fn new(agents: Option<Agents>) -> LineWriter {
        LineWriter {
            buf: Vec::with_capacity(FLUSH_AT + 1024),
            dates: Vec::new(),
            agents,
        }
    }

    pub(super) fn flush_if_full(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes out what is left in the buffer.
    pub(super) fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Appends `r` as one line, ending with '\n'.
    pub(super) fn write(&mut self, r: &Rec) {
        self.write_head(r);
        self.write_timestamp(r.tick);
        write_details(&mut self.buf, r);
        self.buf.extend_from_slice(b"}}\n");
    }

    /// From `{"id": ` up to the customer-id's value: the keys every event has.
    fn write_head(&mut self, r: &Rec) {
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"id\": ");
        push_u64(b, r.id);
        b.extend_from_slice(b", \"type\": \"");
        b.extend_from_slice(r.kind.name());
        b.extend_from_slice(b"\", \"event\": {\"user-agent\": \"");
        let ip = match &mut self.agents {
            Some(agents) => {
                agents.write_user_agent(b);
                agents.ip()
            }
            None => {
                b.extend_from_slice(USER_AGENTS[r.ua as usize].as_bytes());
                r.ip
            }
        };
        b.extend_from_slice(b"\", \"ip\": \"");
        for (i, shift) in [24, 16, 8, 0].into_iter().enumerate() {
            if i > 0 {
                b.push(b'.');
            }
            push_u64(b, (ip >> shift & 0xff) as u64);
        }
        b.extend_from_slice(b"\", \"customer-id\": ");
        if r.customer == 0 {
            b.extend_from_slice(b"null");
        } else {
            push_u64(b, r.customer as u64);
        }
    }

    /// The timestamp key and value of an event at `tick`.
    fn write_timestamp(&mut self, tick: u32) {
        let secs = FIRST_SECOND + tick as u64 * TICK_SECS;
        let day = (secs / 86_400) as usize;
        while self.dates.len() <= day {
            self.dates.push(date(START_DAY + self.dates.len() as i64));
        }
        let b = &mut self.buf;
        b.extend_from_slice(b", \"timestamp\": \"");
        b.extend_from_slice(&self.dates[day]);
        let sod = (secs % 86_400) as u32;
        b.push(b'T');
        push_clock(b, sod);
        b.extend_from_slice(FRACTION);
        b.push(b'"');
    }
}

/// The keys that only some types have, after the timestamp.
fn write_details(b: &mut Vec<u8>, r: &Rec) {
    match r.kind {
        Kind::PageView => write_page(b, r),
        Kind::Search => {
            b.extend_from_slice(b", \"query\": \"");
            b.extend_from_slice(QUERY_FIRST[(r.value & 0xff) as usize].as_bytes());
            b.push(b' ');
            b.extend_from_slice(QUERY_MIDDLE[(r.value >> 8 & 0xff) as usize].as_bytes());
            b.push(b' ');
            b.extend_from_slice(QUERY_LAST[(r.value >> 16 & 0xff) as usize].as_bytes());
            b.push(b'"');
        }
        Kind::AddToCart | Kind::RemoveFromCart => {
            b.extend_from_slice(b", \"product\": ");
            push_u64(b, r.value as u64);
        }
        Kind::VisitPersonalRecommendation
        | Kind::VisitRelatedProduct
        | Kind::VisitRecentlyVisitedProduct => {
            b.extend_from_slice(b", \"product\": ");
            push_u64(b, r.value as u64);
            b.extend_from_slice(b", \"position\": ");
            push_u64(b, r.position as u64);
        }
        Kind::PlacedOrder | Kind::SignUpSuccess => {}
    }
}

/// The page of a page view and, if it has one, its referrer.
fn write_page(b: &mut Vec<u8>, r: &Rec) {
    b.extend_from_slice(b", \"page\": \"https://xcc-webshop.com");
    match r.page {
        Page::Home => {}
        Page::Category => {
            b.extend_from_slice(b"/category/");
            push_u64(b, r.value as u64);
        }
        Page::Product => {
            b.extend_from_slice(b"/products/");
            push_u64(b, r.value as u64);
        }
        Page::Cart => b.extend_from_slice(b"/cart"),
        Page::Checkout => b.extend_from_slice(b"/checkout"),
    }
    b.push(b'"');
    if r.referrer != 0 {
        b.extend_from_slice(b", \"referrer\": \"");
        b.extend_from_slice(REFERRERS[r.referrer as usize - 1].0.as_bytes());
        b.push(b'"');
    }
}
