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

use std::collections::BinaryHeap;
use std::io::{self, Write};

/// What `xcc generate` makes.
pub struct GenerateOptions {
    /// Exact number of lines to write.
    pub events: u64,
    pub seed: u64,
    /// Size of the customer pool (ids `1..=customers`); `None` = [`default_customers`].
    /// `Some(0)` makes every event anonymous. With very few customers for many events
    /// the customer share drops below 28% rather than letting sessions run together.
    pub customers: Option<u64>,
}

/// Customers for a run of `events` lines when none is given: one per 150 events, at
/// least one. The real file has about 0.68 million lines and customer ids up to about
/// 4,400, one per ~155 lines; keeping that ratio keeps sessions per customer realistic
/// (about six in 30 days) at every size.
pub fn default_customers(events: u64) -> u64 {
    (events / 150).max(1)
}

/// Writes `opts.events` synthetic events as JSON lines (each ending with '\n') to `out`.
pub fn write_events(out: &mut impl Write, opts: &GenerateOptions) -> io::Result<()> {
    let customers = opts
        .customers
        .unwrap_or_else(|| default_customers(opts.events));
    let mut sim = Simulation::new(opts.events, customers, opts.seed);
    // A separate stream for the shuffle, so that window size never changes behaviour.
    let mut shuffle = Rng::new(opts.seed ^ 0x5348_5546_464c_4521);
    let window_cap = WINDOW.min(opts.events as usize);
    let mut window: Vec<Rec> = Vec::with_capacity(window_cap);
    let mut line = LineWriter::new();
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
    out.write_all(&line.buf)?;
    out.flush()
}

// ---------------------------------------------------------------------------------
// Calibration. Frequencies come from the first 1,152 lines of the real file.

/// Seconds per timestamp step of the real data.
const TICK_SECS: u64 = 15;
/// Length of the simulated period: 30 days in ticks.
const SPAN_TICKS: f64 = (30 * 86_400 / TICK_SECS) as f64;
/// The real timestamps sit at :03, :18, :33 and :48 seconds, all with this fraction.
const FIRST_SECOND: u64 = 3;
const FRACTION: &[u8] = b".648681";
/// 2022-04-20 as days since 1970-01-01.
const START_DAY: i64 = days_from_civil(2022, 4, 20);

/// Share of events with a customer-id in the real file.
const CUSTOMER_SHARE: f64 = 0.28;
/// Mean number of browsing steps after the landing page (exponential, floored).
const BROWSE_MEAN: f64 = 5.0;
const BROWSE_MAX: u16 = 27;
/// Mean events per visit that the distributions below produce (measured over a
/// million events: 5.50 and 6.33); they turn `events` into visit arrival rates.
const ANON_VISIT_LEN: f64 = 5.5;
const CUSTOMER_VISIT_LEN: f64 = 6.35;
/// Expected duration of a customer visit in ticks (steps × mean step gap).
const CUSTOMER_VISIT_TICKS: f64 = 40.0;
/// Shortest gap between two sessions of a customer: above the 30-minute timeout, so
/// that a planned new session really is one.
const MIN_SESSION_GAP_TICKS: u32 = 160;
/// When few customers must carry many events, their sessions would overlap; below
/// two hours of mean gap we give up on the 28% and let anonymous traffic fill in.
const MIN_MEAN_SESSION_GAP_TICKS: f64 = 480.0;
/// Share of anonymous visits ending in `sign_up_success` (0.17% of real events).
const SIGN_UP_PER_ANON_VISIT: f64 = 0.011;
/// A returning customer mostly uses the same device (ip and user-agent).
const HOME_DEVICE_SHARE: f64 = 0.75;

/// Browsing step weights (per mille). Landing pages and checkout page views come on
/// top, so page_view is weighted below its real 70%.
const STEP_WEIGHTS: [(Kind, u32); 7] = [
    (Kind::PageView, 652),
    (Kind::Search, 180),
    (Kind::AddToCart, 58),
    (Kind::VisitPersonalRecommendation, 40),
    (Kind::VisitRelatedProduct, 33),
    (Kind::RemoveFromCart, 21),
    (Kind::VisitRecentlyVisitedProduct, 16),
];

/// Referrer hosts with a skewed share; `www.google.com` next to `google.com` makes
/// the "group by host as written" rule visible.
const REFERRERS: [(&str, u32); 9] = [
    ("https://google.com", 30),
    ("https://smith.org", 18),
    ("https://www.google.com", 14),
    ("https://bing.com", 8),
    ("https://facebook.com", 8),
    ("https://gonzalez.com", 7),
    ("https://schmidt.com", 6),
    ("https://williams.com", 5),
    ("https://russell.com", 4),
];
const REFERRER_ON_LANDING: f64 = 0.42;
const REFERRER_LATER: f64 = 0.015;

const CATEGORIES: u32 = 22;
const PRODUCTS: u32 = 3600;
const POSITIONS: u32 = 7;

/// Events kept back for the window shuffle: 4 MiB, so a line's distance from its
/// time-order position is about 130,000 lines on average.
const WINDOW: usize = 1 << 17;
const FLUSH_AT: usize = 1 << 16;

// ---------------------------------------------------------------------------------
// Events.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    PageView,
    Search,
    AddToCart,
    RemoveFromCart,
    VisitPersonalRecommendation,
    VisitRelatedProduct,
    VisitRecentlyVisitedProduct,
    PlacedOrder,
    SignUpSuccess,
}

impl Kind {
    fn name(self) -> &'static [u8] {
        match self {
            Kind::PageView => b"page_view",
            Kind::Search => b"search",
            Kind::AddToCart => b"add_product_to_cart",
            Kind::RemoveFromCart => b"remove_product_from_cart",
            Kind::VisitPersonalRecommendation => b"visit_personal_recommendation",
            Kind::VisitRelatedProduct => b"visit_related_product",
            Kind::VisitRecentlyVisitedProduct => b"visit_recently_visited_product",
            Kind::PlacedOrder => b"placed_order",
            Kind::SignUpSuccess => b"sign_up_success",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Page {
    Home,
    Category,
    Product,
    Cart,
    Checkout,
}

/// One event, compact so that the shuffle window stays small; formatted on output.
#[derive(Clone, Copy)]
struct Rec {
    id: u64,
    tick: u32,
    /// 0 = anonymous.
    customer: u32,
    ip: u32,
    /// Category or product number of a page view, product of a product event, or
    /// the three word indices of a search query.
    value: u32,
    ua: u16,
    kind: Kind,
    page: Page,
    /// Index into `REFERRERS` plus one; 0 = none.
    referrer: u8,
    position: u8,
}

// ---------------------------------------------------------------------------------
// Simulation.

/// What a visitor does at its next scheduled moment.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    /// A customer between sessions; the next moment starts a visit.
    Idle,
    Landing,
    Browse,
    /// An order needs something in the cart.
    OrderAdd,
    CartPage,
    Checkout,
    Order,
    SignUp,
    End,
}

#[derive(Clone, Copy)]
struct Visit {
    customer: u32,
    ip: u32,
    /// The product in view: what a product page shows and the cart receives.
    product: u32,
    /// Last product put in the cart; 0 = empty.
    cart: u32,
    ua: u16,
    /// Browsing steps still to come.
    left: u16,
    stage: Stage,
    wants_order: bool,
    cart_page: bool,
    sign_up: bool,
}

impl Visit {
    const EMPTY: Visit = Visit {
        customer: 0,
        ip: 0,
        product: 1,
        cart: 0,
        ua: 0,
        left: 0,
        stage: Stage::Idle,
        wants_order: false,
        cart_page: false,
        sign_up: false,
    };
}

struct Customer {
    ip: u32,
    ua: u16,
    /// Chance that a session ends in an order; 0 for customers who never order.
    order_chance: f32,
    /// Mean gap between sessions in ticks, beyond `MIN_SESSION_GAP_TICKS`.
    gap_mean: f32,
}

/// Heap entry: the next moment of a visitor. `key` is the tick in the high half and
/// a push counter in the low half, so that equal ticks come out first in, first out.
#[derive(PartialEq, Eq)]
struct Entry {
    key: u64,
    slot: u32,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest moment.
        (other.key, other.slot).cmp(&(self.key, self.slot))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Slot of the process that starts anonymous visits.
const SPAWNER: u32 = u32::MAX;

struct Simulation {
    rng: Rng,
    heap: BinaryHeap<Entry>,
    /// Slots `0..customers` belong to the customers; anonymous visits use the rest.
    visits: Vec<Visit>,
    free: Vec<u32>,
    customers: Vec<Customer>,
    pushes: u32,
    next_id: u64,
    /// Next anonymous arrival, in fractional ticks: at large sizes many visits start
    /// within one tick.
    spawn_at: f64,
    spawn_gap_mean: f64,
}

impl Simulation {
    fn new(events: u64, customers: u64, seed: u64) -> Simulation {
        // Customer ids are written as u32 in `Rec`; a larger pool could not fit in
        // memory anyway.
        let n_customers = customers.min(u32::MAX as u64 - 1) as usize;
        let events_per_tick = events as f64 / SPAN_TICKS;

        // Mean gap so that the customers together make CUSTOMER_SHARE of the events:
        // each customer makes CUSTOMER_VISIT_LEN events per cycle of a visit plus a gap.
        let mut gap_mean = MIN_MEAN_SESSION_GAP_TICKS;
        let mut customer_rate = 0.0;
        if n_customers > 0 && events > 0 {
            let cycle =
                n_customers as f64 * CUSTOMER_VISIT_LEN / (CUSTOMER_SHARE * events_per_tick);
            gap_mean = (cycle - CUSTOMER_VISIT_TICKS - MIN_SESSION_GAP_TICKS as f64)
                .max(MIN_MEAN_SESSION_GAP_TICKS);
            customer_rate = n_customers as f64 * CUSTOMER_VISIT_LEN
                / (CUSTOMER_VISIT_TICKS + MIN_SESSION_GAP_TICKS as f64 + gap_mean);
        }
        let anon_rate = (events_per_tick - customer_rate).max(events_per_tick * 0.05);
        let spawn_gap_mean = if anon_rate > 0.0 {
            ANON_VISIT_LEN / anon_rate
        } else {
            SPAN_TICKS
        };

        let mut sim = Simulation {
            rng: Rng::new(seed),
            heap: BinaryHeap::with_capacity(n_customers + 1024),
            visits: vec![Visit::EMPTY; n_customers],
            free: Vec::new(),
            customers: Vec::with_capacity(n_customers),
            pushes: 0,
            next_id: 1,
            spawn_at: 0.0,
            spawn_gap_mean,
        };
        for slot in 0..n_customers {
            let rng = &mut sim.rng;
            // Heavy, regular and occasional shoppers: sessions per customer vary
            // a lot, as they do in real shops. Mean activity is 1.
            let activity = match rng.below(20) {
                0..=7 => 0.3,
                8..=14 => 1.0,
                _ => 2.4,
            } / 1.07;
            let order_chance = if rng.unit() < 0.35 {
                0.0
            } else {
                0.1 + 0.6 * rng.unit()
            };
            let customer = Customer {
                ip: random_ip(rng),
                ua: rng.below(USER_AGENTS.len() as u64) as u16,
                order_chance: order_chance as f32,
                gap_mean: (gap_mean / activity) as f32,
            };
            // Memoryless start, so the period starts as if the shop had been open.
            let first = rng.exp(customer.gap_mean as f64);
            sim.customers.push(customer);
            sim.visits[slot].customer = slot as u32 + 1;
            sim.push(ticks(first), slot as u32);
        }
        sim.spawn_at = sim.rng.exp(spawn_gap_mean);
        sim.push(ticks(sim.spawn_at), SPAWNER);
        sim
    }

    fn push(&mut self, tick: u32, slot: u32) {
        self.pushes = self.pushes.wrapping_add(1);
        self.heap.push(Entry {
            key: (tick as u64) << 32 | self.pushes as u64,
            slot,
        });
    }

    /// The next event in time order; its id is the next id.
    fn next_event(&mut self) -> Rec {
        // Never empty: the spawner reschedules itself before it starts a visit.
        let Entry { key, slot } = self.heap.pop().expect("the spawner is always scheduled");
        let tick = (key >> 32) as u32;
        let slot = if slot == SPAWNER {
            self.spawn_at += self.rng.exp(self.spawn_gap_mean);
            self.push(ticks(self.spawn_at), SPAWNER);
            let slot = self.free.pop().unwrap_or_else(|| {
                self.visits.push(Visit::EMPTY);
                self.visits.len() as u32 - 1
            });
            self.start_visit(slot);
            slot
        } else {
            if self.visits[slot as usize].stage == Stage::Idle {
                self.start_visit(slot);
            }
            slot
        };
        let rec = self.emit(slot, tick);
        self.schedule(slot, tick);
        rec
    }

    fn start_visit(&mut self, slot: u32) {
        let rng = &mut self.rng;
        let customer = self.visits[slot as usize].customer;
        let mut v = Visit {
            customer,
            stage: Stage::Landing,
            left: (rng.exp(BROWSE_MEAN) as u16).min(BROWSE_MAX),
            product: random_product(rng),
            cart_page: rng.unit() < 0.5,
            ..Visit::EMPTY
        };
        if customer == 0 {
            v.ip = random_ip(rng);
            v.ua = rng.below(USER_AGENTS.len() as u64) as u16;
            v.sign_up = rng.unit() < SIGN_UP_PER_ANON_VISIT;
        } else {
            let c = &self.customers[customer as usize - 1];
            if rng.unit() < HOME_DEVICE_SHARE {
                v.ip = c.ip;
                v.ua = c.ua;
            } else {
                v.ip = random_ip(rng);
                v.ua = rng.below(USER_AGENTS.len() as u64) as u16;
            }
            v.wants_order = rng.unit() < c.order_chance as f64;
        }
        self.visits[slot as usize] = v;
    }

    fn emit(&mut self, slot: u32, tick: u32) -> Rec {
        let rng = &mut self.rng;
        let v = &mut self.visits[slot as usize];
        let mut rec = Rec {
            id: self.next_id,
            tick,
            customer: v.customer,
            ip: v.ip,
            value: 0,
            ua: v.ua,
            kind: Kind::PageView,
            page: Page::Home,
            referrer: 0,
            position: 0,
        };
        self.next_id += 1;
        match v.stage {
            Stage::Landing => {
                let r = rng.below(100);
                if r < 55 {
                    rec.page = Page::Category;
                    rec.value = 1 + rng.below(CATEGORIES as u64) as u32;
                } else if r < 95 {
                    rec.page = Page::Product;
                    rec.value = v.product;
                } else {
                    rec.page = Page::Home;
                }
                if rng.unit() < REFERRER_ON_LANDING {
                    rec.referrer = random_referrer(rng);
                }
            }
            Stage::Browse => {
                v.left -= 1;
                rec.kind = pick_step(rng);
                match rec.kind {
                    Kind::PageView => {
                        let r = rng.below(100);
                        if r < 69 {
                            rec.page = Page::Category;
                            rec.value = 1 + rng.below(CATEGORIES as u64) as u32;
                        } else if r < 93 {
                            rec.page = Page::Product;
                            // Often the product just found by search or a link.
                            if rng.unit() < 0.5 {
                                v.product = random_product(rng);
                            }
                            rec.value = v.product;
                        } else if r < 99 {
                            rec.page = Page::Cart;
                        } else {
                            rec.page = Page::Home;
                        }
                        if rng.unit() < REFERRER_LATER {
                            rec.referrer = random_referrer(rng);
                        }
                    }
                    Kind::Search => {
                        rec.value = random_query(rng);
                        v.product = random_product(rng);
                    }
                    Kind::AddToCart => {
                        rec.value = v.product;
                        v.cart = v.product;
                    }
                    Kind::RemoveFromCart => {
                        rec.value = if v.cart != 0 { v.cart } else { v.product };
                    }
                    _ => {
                        v.product = random_product(rng);
                        rec.value = v.product;
                        rec.position = rng.below(POSITIONS as u64) as u8;
                    }
                }
            }
            Stage::OrderAdd => {
                rec.kind = Kind::AddToCart;
                rec.value = v.product;
                v.cart = v.product;
            }
            Stage::CartPage => rec.page = Page::Cart,
            Stage::Checkout => rec.page = Page::Checkout,
            Stage::Order => rec.kind = Kind::PlacedOrder,
            Stage::SignUp => rec.kind = Kind::SignUpSuccess,
            Stage::Idle | Stage::End => unreachable!("only active visits emit events"),
        }
        rec
    }

    /// Decides the visitor's next moment after the event just emitted at `tick`.
    fn schedule(&mut self, slot: u32, tick: u32) {
        let v = &mut self.visits[slot as usize];
        let next = match v.stage {
            Stage::Landing | Stage::Browse if v.left > 0 => Stage::Browse,
            Stage::Landing | Stage::Browse => {
                if v.wants_order {
                    if v.cart == 0 {
                        Stage::OrderAdd
                    } else if v.cart_page {
                        Stage::CartPage
                    } else {
                        Stage::Checkout
                    }
                } else if v.sign_up {
                    Stage::SignUp
                } else {
                    Stage::End
                }
            }
            Stage::OrderAdd if v.cart_page => Stage::CartPage,
            Stage::OrderAdd | Stage::CartPage => Stage::Checkout,
            Stage::Checkout => Stage::Order,
            Stage::Order | Stage::SignUp => Stage::End,
            Stage::Idle | Stage::End => unreachable!("only active visits are scheduled"),
        };
        if next != Stage::End {
            v.stage = next;
            // The order is logged with the checkout page view's timestamp, as in
            // the real data.
            let gap = if next == Stage::Order {
                0
            } else {
                step_gap(&mut self.rng)
            };
            self.push(tick + gap, slot);
        } else if v.customer != 0 {
            v.stage = Stage::Idle;
            let mean = self.customers[v.customer as usize - 1].gap_mean as f64;
            let gap = MIN_SESSION_GAP_TICKS + ticks(self.rng.exp(mean));
            self.push(tick.saturating_add(gap), slot);
        } else {
            v.stage = Stage::End;
            self.free.push(slot);
        }
    }
}

/// Ticks between two events of a visit: mostly seconds to a minute, sometimes a few
/// minutes, rarely up to 20; never the 30 minutes that end a session. An occasional
/// 0 gives equal timestamps inside a visit, as the 15-second grid does in reality.
fn step_gap(rng: &mut Rng) -> u32 {
    let r = rng.below(100);
    (if r < 4 {
        0
    } else if r < 70 {
        1 + rng.below(4)
    } else if r < 95 {
        5 + rng.below(16)
    } else {
        21 + rng.below(60)
    }) as u32
}

fn pick_step(rng: &mut Rng) -> Kind {
    let mut r = rng.below(1000) as u32;
    for (kind, weight) in STEP_WEIGHTS {
        if r < weight {
            return kind;
        }
        r -= weight;
    }
    Kind::PageView
}

fn random_referrer(rng: &mut Rng) -> u8 {
    let total: u32 = REFERRERS.iter().map(|r| r.1).sum();
    let mut r = rng.below(total as u64) as u32;
    for (i, (_, weight)) in REFERRERS.iter().enumerate() {
        if r < *weight {
            return i as u8 + 1;
        }
        r -= weight;
    }
    1
}

/// Popular products are viewed more: the square skews towards low numbers.
fn random_product(rng: &mut Rng) -> u32 {
    let u = rng.unit();
    1 + ((u * u * PRODUCTS as f64) as u32).min(PRODUCTS - 1)
}

fn random_query(rng: &mut Rng) -> u32 {
    let a = rng.below(QUERY_FIRST.len() as u64) as u32;
    let b = rng.below(QUERY_MIDDLE.len() as u64) as u32;
    let c = rng.below(QUERY_LAST.len() as u64) as u32;
    a | b << 8 | c << 16
}

/// Public-looking IPv4 addresses: first octet 1..=223, like the real data.
fn random_ip(rng: &mut Rng) -> u32 {
    let first = 1 + rng.below(223) as u32;
    first << 24 | (rng.next_u64() as u32 & 0x00ff_ffff)
}

fn ticks(t: f64) -> u32 {
    t.min(u32::MAX as f64 / 2.0) as u32
}

// ---------------------------------------------------------------------------------
// Formatting.

struct LineWriter {
    buf: Vec<u8>,
    /// "YYYY-MM-DD" by day since the start, filled on first use.
    dates: Vec<[u8; 10]>,
}

impl LineWriter {
    fn new() -> LineWriter {
        LineWriter {
            buf: Vec::with_capacity(FLUSH_AT + 1024),
            dates: Vec::new(),
        }
    }

    fn flush_if_full(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn write(&mut self, r: &Rec) {
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"id\": ");
        push_u64(b, r.id);
        b.extend_from_slice(b", \"type\": \"");
        b.extend_from_slice(r.kind.name());
        b.extend_from_slice(b"\", \"event\": {\"user-agent\": \"");
        b.extend_from_slice(USER_AGENTS[r.ua as usize].as_bytes());
        b.extend_from_slice(b"\", \"ip\": \"");
        for (i, shift) in [24, 16, 8, 0].into_iter().enumerate() {
            if i > 0 {
                b.push(b'.');
            }
            push_u64(b, (r.ip >> shift & 0xff) as u64);
        }
        b.extend_from_slice(b"\", \"customer-id\": ");
        if r.customer == 0 {
            b.extend_from_slice(b"null");
        } else {
            push_u64(b, r.customer as u64);
        }
        b.extend_from_slice(b", \"timestamp\": \"");
        let secs = FIRST_SECOND + r.tick as u64 * TICK_SECS;
        let day = (secs / 86_400) as usize;
        while self.dates.len() <= day {
            let (y, m, d) = civil_from_days(START_DAY + self.dates.len() as i64);
            let mut s = [0u8; 10];
            s[..4].copy_from_slice(&[
                b'0' + (y / 1000 % 10) as u8,
                b'0' + (y / 100 % 10) as u8,
                b'0' + (y / 10 % 10) as u8,
                b'0' + (y % 10) as u8,
            ]);
            s[4] = b'-';
            s[5..7].copy_from_slice(&two_digits(m));
            s[7] = b'-';
            s[8..10].copy_from_slice(&two_digits(d));
            self.dates.push(s);
        }
        b.extend_from_slice(&self.dates[day]);
        let sod = (secs % 86_400) as u32;
        b.push(b'T');
        b.extend_from_slice(&two_digits(sod / 3600));
        b.push(b':');
        b.extend_from_slice(&two_digits(sod / 60 % 60));
        b.push(b':');
        b.extend_from_slice(&two_digits(sod % 60));
        b.extend_from_slice(FRACTION);
        b.push(b'"');
        match r.kind {
            Kind::PageView => {
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
        b.extend_from_slice(b"}}\n");
    }
}

fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

fn two_digits(n: u32) -> [u8; 2] {
    [b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8]
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of `days_from_civil`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

// ---------------------------------------------------------------------------------
// Randomness: xoshiro256** seeded by splitmix64, written out so that the output is
// fixed by the seed and does not change with a crate's version.

struct Rng {
    s: [u64; 4],
}

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (multiply-shift; the bias is far below what matters here).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Exponentially distributed with the given mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -(1.0 - self.unit()).ln() * mean
    }
}

// ---------------------------------------------------------------------------------
// Vocabulary. User agents are taken from the real file; queries are built like its
// catch-phrase queries. None contains a quote or backslash, so no escaping is needed.

const USER_AGENTS: [&str; 32] = [
    "Mozilla/5.0 (Macintosh; U; PPC Mac OS X 10 9_6; rv:1.9.3.20) Gecko/2021-06-25 16:39:27 Firefox/8.0",
    "Mozilla/5.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.1)",
    "Mozilla/5.0 (compatible; MSIE 7.0; Windows 98; Win 9x 4.90; Trident/5.1)",
    "Mozilla/5.0 (Windows; U; Windows NT 6.2) AppleWebKit/532.12.5 (KHTML, like Gecko) Version/4.0 Safari/532.12.5",
    "Opera/9.48.(X11; Linux i686; fy-DE) Presto/2.9.183 Version/10.00",
    "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 5.1; Trident/3.1)",
    "Mozilla/5.0 (Linux; Android 4.2.2) AppleWebKit/534.2 (KHTML, like Gecko) Chrome/33.0.830.0 Safari/534.2",
    "Mozilla/5.0 (Android 3.0; Mobile; rv:50.0) Gecko/50.0 Firefox/50.0",
    "Opera/9.42.(Windows NT 6.1; bs-BA) Presto/2.9.167 Version/10.00",
    "Opera/8.56.(Windows NT 6.2; ja-JP) Presto/2.9.182 Version/12.00",
    "Mozilla/5.0 (X11; Linux x86_64; rv:1.9.7.20) Gecko/2018-06-12 14:40:16 Firefox/3.8",
    "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/532.2 (KHTML, like Gecko) Chrome/32.0.855.0 Safari/532.2",
    "Mozilla/5.0 (compatible; MSIE 7.0; Windows NT 10.0; Trident/5.1)",
    "Mozilla/5.0 (Macintosh; U; PPC Mac OS X 10 9_0 rv:4.0; oc-FR) AppleWebKit/535.46.5 (KHTML, like Gecko) Version/4.0.1 Safari/535.46.5",
    "Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10 8_1 rv:6.0; sd-PK) AppleWebKit/532.27.4 (KHTML, like Gecko) Version/5.0 Safari/532.27.4",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 9_3_5 like Mac OS X) AppleWebKit/535.1 (KHTML, like Gecko) CriOS/59.0.889.0 Mobile/96L339 Safari/535.1",
    "Mozilla/5.0 (compatible; MSIE 7.0; Windows 95; Trident/4.0)",
    "Opera/8.56.(Windows NT 6.2; fr-LU) Presto/2.9.183 Version/11.00",
    "Mozilla/5.0 (compatible; MSIE 5.0; Windows 98; Trident/5.1)",
    "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/31.0.898.0 Safari/535.2",
    "Mozilla/5.0 (iPad; CPU iPad OS 10_3_3 like Mac OS X) AppleWebKit/536.0 (KHTML, like Gecko) CriOS/20.0.875.0 Mobile/04Q016 Safari/536.0",
    "Opera/8.76.(X11; Linux x86_64; sv-FI) Presto/2.9.172 Version/11.00",
    "Mozilla/5.0 (Macintosh; PPC Mac OS X 10 7_1 rv:6.0; lij-IT) AppleWebKit/532.24.3 (KHTML, like Gecko) Version/4.0.4 Safari/532.24.3",
    "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)",
    "Opera/8.81.(X11; Linux x86_64; gez-ET) Presto/2.9.190 Version/11.00",
    "Mozilla/5.0 (compatible; MSIE 6.0; Windows NT 5.0; Trident/3.1)",
    "Mozilla/5.0 (X11; Linux i686) AppleWebKit/534.2 (KHTML, like Gecko) Chrome/14.0.860.0 Safari/534.2",
    "Mozilla/5.0 (iPod; U; CPU iPhone OS 3_2 like Mac OS X; te-IN) AppleWebKit/535.24.2 (KHTML, like Gecko) Version/3.0.5 Mobile/8B114 Safari/6535.24.2",
    "Mozilla/5.0 (Android 3.2.4; Mobile; rv:17.0) Gecko/17.0 Firefox/17.0",
    "Mozilla/5.0 (iPad; CPU iPad OS 9_3_5 like Mac OS X) AppleWebKit/531.2 (KHTML, like Gecko) CriOS/27.0.840.0 Mobile/25J839 Safari/531.2",
    "Mozilla/5.0 (Linux; Android 2.2) AppleWebKit/536.2 (KHTML, like Gecko) Chrome/46.0.817.0 Safari/536.2",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/532.1 (KHTML, like Gecko) Chrome/38.0.832.0 Safari/532.1",
];

const QUERY_FIRST: [&str; 32] = [
    "Adaptive",
    "Ameliorated",
    "Balanced",
    "Configurable",
    "Cross-platform",
    "Decentralized",
    "Digitized",
    "Ergonomic",
    "Focused",
    "Front-line",
    "Future-proofed",
    "Implemented",
    "Innovative",
    "Intuitive",
    "Managed",
    "Monitored",
    "Multi-lateral",
    "Optimized",
    "Organic",
    "Phased",
    "Quality-focused",
    "Re-engineered",
    "Right-sized",
    "Seamless",
    "Secured",
    "Self-enabling",
    "Sharable",
    "Synchronized",
    "Synergistic",
    "Universal",
    "Versatile",
    "Visionary",
];

const QUERY_MIDDLE: [&str; 28] = [
    "24/7",
    "4thgeneration",
    "asymmetric",
    "bi-directional",
    "bifurcated",
    "client-driven",
    "cohesive",
    "dedicated",
    "didactic",
    "discrete",
    "executive",
    "fault-tolerant",
    "full-range",
    "holistic",
    "human-resource",
    "local",
    "modular",
    "national",
    "optimal",
    "real-time",
    "responsive",
    "systemic",
    "tangible",
    "uniform",
    "well-modulated",
    "zero-defect",
    "6th-generation",
    "actuating",
];

const QUERY_LAST: [&str; 28] = [
    "Graphic Interface",
    "analyzer",
    "application",
    "approach",
    "architecture",
    "attitude",
    "capacity",
    "complexity",
    "core",
    "customer loyalty",
    "groupware",
    "infrastructure",
    "initiative",
    "leverage",
    "matrices",
    "middleware",
    "moderator",
    "open architecture",
    "orchestration",
    "paradigm",
    "service-desk",
    "strategy",
    "support",
    "system engine",
    "task-force",
    "workforce",
    "toolset",
    "framework",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn generate(events: u64, seed: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let opts = GenerateOptions {
            events,
            seed,
            customers: None,
        };
        write_events(&mut out, &opts).unwrap();
        out
    }

    // A minimal JSON reader, enough to check every generated line for real (no
    // crates may be used).
    #[derive(Debug, PartialEq)]
    enum Json {
        Null,
        Bool(bool),
        Num(String),
        Str(String),
        Arr(Vec<Json>),
        Obj(Vec<(String, Json)>),
    }

    impl Json {
        fn get(&self, key: &str) -> Option<&Json> {
            match self {
                Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }
        fn keys(&self) -> Vec<&str> {
            match self {
                Json::Obj(fields) => fields.iter().map(|(k, _)| k.as_str()).collect(),
                _ => Vec::new(),
            }
        }
        fn str(&self) -> &str {
            match self {
                Json::Str(s) => s,
                other => panic!("not a string: {other:?}"),
            }
        }
        fn int(&self) -> Option<u64> {
            match self {
                Json::Num(n) => Some(n.parse().expect("an integer")),
                _ => None,
            }
        }
    }

    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl Parser<'_> {
        fn parse(line: &str) -> Result<Json, String> {
            let mut p = Parser {
                s: line.as_bytes(),
                i: 0,
            };
            let v = p.value()?;
            p.ws();
            if p.i != p.s.len() {
                return Err(format!("trailing data at {}", p.i));
            }
            Ok(v)
        }
        fn ws(&mut self) {
            while self.i < self.s.len() && b" \t\r\n".contains(&self.s[self.i]) {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: u8) -> Result<(), String> {
            self.ws();
            if self.s.get(self.i) == Some(&c) {
                self.i += 1;
                Ok(())
            } else {
                Err(format!("expected {:?} at {}", c as char, self.i))
            }
        }
        fn lit(&mut self, word: &str, v: Json) -> Result<Json, String> {
            if self.s[self.i..].starts_with(word.as_bytes()) {
                self.i += word.len();
                Ok(v)
            } else {
                Err(format!("bad literal at {}", self.i))
            }
        }
        fn value(&mut self) -> Result<Json, String> {
            self.ws();
            match self.s.get(self.i) {
                Some(b'{') => {
                    self.i += 1;
                    let mut fields = Vec::new();
                    self.ws();
                    if self.s.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        return Ok(Json::Obj(fields));
                    }
                    loop {
                        self.ws();
                        let k = self.string()?;
                        self.eat(b':')?;
                        fields.push((k, self.value()?));
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                return Ok(Json::Obj(fields));
                            }
                            _ => return Err(format!("bad object at {}", self.i)),
                        }
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    let mut items = Vec::new();
                    self.ws();
                    if self.s.get(self.i) == Some(&b']') {
                        self.i += 1;
                        return Ok(Json::Arr(items));
                    }
                    loop {
                        items.push(self.value()?);
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                return Ok(Json::Arr(items));
                            }
                            _ => return Err(format!("bad array at {}", self.i)),
                        }
                    }
                }
                Some(b'"') => Ok(Json::Str(self.string()?)),
                Some(b'n') => self.lit("null", Json::Null),
                Some(b't') => self.lit("true", Json::Bool(true)),
                Some(b'f') => self.lit("false", Json::Bool(false)),
                Some(c) if *c == b'-' || c.is_ascii_digit() => {
                    let start = self.i;
                    self.i += 1;
                    while self.i < self.s.len() && b"0123456789.eE+-".contains(&self.s[self.i]) {
                        self.i += 1;
                    }
                    Ok(Json::Num(
                        String::from_utf8(self.s[start..self.i].to_vec()).unwrap(),
                    ))
                }
                _ => Err(format!("unexpected input at {}", self.i)),
            }
        }
        fn string(&mut self) -> Result<String, String> {
            if self.s.get(self.i) != Some(&b'"') {
                return Err(format!("expected string at {}", self.i));
            }
            self.i += 1;
            let start = self.i;
            while let Some(&c) = self.s.get(self.i) {
                match c {
                    b'"' => {
                        let s = String::from_utf8(self.s[start..self.i].to_vec())
                            .map_err(|e| e.to_string())?;
                        self.i += 1;
                        return Ok(s);
                    }
                    // The generator never escapes; an escape or control byte in the
                    // output would be a bug.
                    b'\\' => return Err("escape in string".into()),
                    c if c < 0x20 => return Err("control character in string".into()),
                    _ => self.i += 1,
                }
            }
            Err("unterminated string".into())
        }
    }

    #[test]
    fn the_test_parser_rejects_broken_json() {
        assert!(Parser::parse(r#"{"a": 1, "b": [null, "x"]}"#).is_ok());
        assert!(Parser::parse(r#"{"a": 1"#).is_err());
        assert!(Parser::parse(r#"{"a": "x}"#).is_err());
        assert!(Parser::parse(r#"{"a": 1}}"#).is_err());
        assert!(Parser::parse(r#"{"a" 1}"#).is_err());
    }

    struct Event {
        id: u64,
        kind: String,
        customer: Option<u64>,
        timestamp: String,
        /// Seconds since 2022-04-20T00:00:00.
        secs: i64,
        page: Option<String>,
    }

    fn seconds(ts: &str) -> i64 {
        let n = |a: usize, b: usize| ts[a..b].parse::<i64>().unwrap();
        let day = days_from_civil(n(0, 4), n(5, 7), n(8, 10)) - START_DAY;
        day * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)
    }

    fn parse_all(bytes: &[u8]) -> Vec<Event> {
        let text = std::str::from_utf8(bytes).unwrap();
        text.lines()
            .map(|line| {
                let v = Parser::parse(line).unwrap_or_else(|e| panic!("{e}: {line}"));
                let ev = v.get("event").unwrap();
                let timestamp = ev.get("timestamp").unwrap().str().to_string();
                Event {
                    id: v.get("id").unwrap().int().unwrap(),
                    kind: v.get("type").unwrap().str().to_string(),
                    customer: ev.get("customer-id").unwrap().int(),
                    secs: seconds(&timestamp),
                    timestamp,
                    page: ev.get("page").map(|p| p.str().to_string()),
                }
            })
            .collect()
    }

    /// Each customer's events in `(timestamp, id)` order.
    fn by_customer(events: &[Event]) -> HashMap<u64, Vec<&Event>> {
        let mut map: HashMap<u64, Vec<&Event>> = HashMap::new();
        for e in events {
            if let Some(c) = e.customer {
                map.entry(c).or_default().push(e);
            }
        }
        for list in map.values_mut() {
            list.sort_by_key(|e| (e.secs, e.id));
        }
        map
    }

    #[test]
    fn same_seed_gives_identical_bytes() {
        let a = generate(20_000, 7);
        assert!(!a.is_empty());
        assert_eq!(a, generate(20_000, 7));
    }

    #[test]
    fn different_seeds_give_different_bytes() {
        assert_ne!(generate(20_000, 7), generate(20_000, 8));
        assert_ne!(generate(5, 1), generate(5, 2));
    }

    #[test]
    fn writes_exactly_the_requested_number_of_lines() {
        for n in [0u64, 1, 7, 10_000] {
            let out = generate(n, 3);
            let lines = out.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(lines as u64, n, "for {n} events");
            assert!(n == 0 || out.ends_with(b"}}\n"));
            assert!(!out.windows(2).any(|w| w == b"\n\n"), "no blank lines");
        }
    }

    #[test]
    fn more_lines_than_the_shuffle_window_stream_through() {
        let n = WINDOW as u64 + 10_000;
        let out = generate(n, 11);
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count() as u64, n);
        let events = parse_all(&out);
        let ids: HashSet<u64> = events.iter().map(|e| e.id).collect();
        assert_eq!(ids.len() as u64, n);
        assert_eq!(ids.iter().max(), Some(&n), "ids are 1..=n");
    }

    #[test]
    fn every_line_is_json_with_the_real_files_key_order() {
        let out = generate(50_000, 5);
        let text = std::str::from_utf8(&out).unwrap();
        let mut seen_types = HashSet::new();
        for line in text.lines() {
            assert!(line.starts_with("{\"id\": "), "{line}");
            assert!(line.contains(", \"type\": \""), "{line}");
            assert!(
                line.contains("\", \"event\": {\"user-agent\": \""),
                "{line}"
            );
            let v = Parser::parse(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert_eq!(v.keys(), ["id", "type", "event"], "{line}");
            let kind = v.get("type").unwrap().str();
            let ev = v.get("event").unwrap();
            let keys = ev.keys();
            assert_eq!(
                keys[..4],
                ["user-agent", "ip", "customer-id", "timestamp"],
                "{line}"
            );
            let extra: &[&str] = match kind {
                "page_view" if ev.get("referrer").is_some() => &["page", "referrer"],
                "page_view" => &["page"],
                "search" => &["query"],
                "add_product_to_cart" | "remove_product_from_cart" => &["product"],
                "visit_personal_recommendation"
                | "visit_related_product"
                | "visit_recently_visited_product" => &["product", "position"],
                "placed_order" | "sign_up_success" => &[],
                other => panic!("unexpected type {other}"),
            };
            assert_eq!(keys[4..], *extra, "{line}");
            let ip: Vec<u32> = ev
                .get("ip")
                .unwrap()
                .str()
                .split('.')
                .map(|p| p.parse().unwrap())
                .collect();
            assert!(ip.len() == 4 && ip.iter().all(|&o| o <= 255), "{line}");
            if let Some(page) = ev.get("page") {
                assert!(page.str().starts_with("https://xcc-webshop.com"), "{line}");
            }
            seen_types.insert(kind.to_string());
        }
        assert_eq!(seen_types.len(), 9, "all types occur: {seen_types:?}");
    }

    #[test]
    fn ids_are_unique_and_grow_with_time() {
        let mut events = parse_all(&generate(50_000, 9));
        let ids: HashSet<u64> = events.iter().map(|e| e.id).collect();
        assert_eq!(ids.len(), events.len());
        events.sort_by_key(|e| e.id);
        assert!(events.windows(2).all(|w| w[0].secs <= w[1].secs));
    }

    #[test]
    fn about_28_percent_of_events_have_a_customer() {
        let events = parse_all(&generate(50_000, 13));
        let share =
            events.iter().filter(|e| e.customer.is_some()).count() as f64 / events.len() as f64;
        assert!((0.20..=0.36).contains(&share), "customer share {share}");
    }

    #[test]
    fn timestamps_are_on_the_15_second_grid_with_one_fraction() {
        let events = parse_all(&generate(50_000, 17));
        for e in &events {
            let t = e.timestamp.as_bytes();
            assert_eq!(t.len(), 26, "{}", e.timestamp);
            assert_eq!(
                (t[4], t[7], t[10], t[13], t[16]),
                (b'-', b'-', b'T', b':', b':')
            );
            assert!(e.timestamp.ends_with(".648681"), "{}", e.timestamp);
            assert_eq!(e.secs % 15, 3, "{}", e.timestamp);
            assert!(e.secs >= 0, "{}", e.timestamp);
        }
    }

    #[test]
    fn spans_about_30_days_from_2022_04_20_at_any_size() {
        for n in [20_000, 200_000] {
            let events = parse_all(&generate(n, 19));
            let first = events.iter().map(|e| e.secs).min().unwrap();
            let last = events.iter().map(|e| e.secs).max().unwrap();
            assert!(first < 86_400, "starts on 2022-04-20 for {n}");
            let days = (last - first) as f64 / 86_400.0;
            assert!((26.0..=34.0).contains(&days), "{days} days for {n}");
        }
    }

    #[test]
    fn output_is_not_in_time_order() {
        let events = parse_all(&generate(50_000, 23));
        let descents = events.windows(2).filter(|w| w[1].secs < w[0].secs).count();
        // A random order has a descent at about every second pair.
        assert!(descents > events.len() / 3, "{descents} descents");
    }

    #[test]
    fn every_order_shares_its_timestamp_with_a_checkout_view_of_the_customer() {
        let events = parse_all(&generate(50_000, 29));
        let checkouts: HashSet<(u64, i64)> = events
            .iter()
            .filter(|e| e.kind == "page_view")
            .filter(|e| e.page.as_deref() == Some("https://xcc-webshop.com/checkout"))
            .filter_map(|e| Some((e.customer?, e.secs)))
            .collect();
        let orders: Vec<&Event> = events.iter().filter(|e| e.kind == "placed_order").collect();
        assert!(orders.len() > 100, "{} orders", orders.len());
        for o in orders {
            let c = o.customer.expect("orders come from customers");
            assert!(checkouts.contains(&(c, o.secs)), "order {} alone", o.id);
        }
    }

    #[test]
    fn customers_return_and_order_zero_one_or_more_times() {
        let events = parse_all(&generate(50_000, 31));
        let customers = by_customer(&events);
        let mut returning = 0;
        let mut never = 0;
        let mut repeat = 0;
        for list in customers.values() {
            let sessions = 1 + list
                .windows(2)
                .filter(|w| w[1].secs - w[0].secs >= 30 * 60)
                .count();
            let orders = list.iter().filter(|e| e.kind == "placed_order").count();
            returning += usize::from(sessions >= 2);
            never += usize::from(orders == 0);
            repeat += usize::from(orders >= 2);
        }
        assert!(returning > 0 && never > 0 && repeat > 0);
        // Not just one of each: these are the shapes the metrics are about.
        assert!(
            returning * 2 > customers.len(),
            "{returning} of {}",
            customers.len()
        );
    }

    #[test]
    fn visits_have_short_gaps_between_their_events() {
        let events = parse_all(&generate(50_000, 37));
        let mut gaps = 0;
        let mut short = 0;
        for list in by_customer(&events).values() {
            for w in list.windows(2) {
                gaps += 1;
                short += usize::from(w[1].secs - w[0].secs < 30 * 60);
            }
        }
        // Most consecutive events of a customer lie inside one visit.
        assert!(short * 10 > gaps * 7, "{short} of {gaps} gaps are short");
    }

    #[test]
    fn customer_pool_is_respected() {
        let mut out = Vec::new();
        let opts = GenerateOptions {
            events: 30_000,
            seed: 41,
            customers: Some(50),
        };
        write_events(&mut out, &opts).unwrap();
        let events = parse_all(&out);
        assert_eq!(events.len(), 30_000);
        let ids: HashSet<u64> = events.iter().filter_map(|e| e.customer).collect();
        assert!(ids.iter().all(|&c| (1..=50).contains(&c)), "{ids:?}");
        assert!(ids.len() > 40);

        let opts = GenerateOptions {
            events: 5_000,
            seed: 41,
            customers: Some(0),
        };
        let mut out = Vec::new();
        write_events(&mut out, &opts).unwrap();
        let events = parse_all(&out);
        assert_eq!(events.len(), 5_000);
        assert!(events.iter().all(|e| e.customer.is_none()));
    }

    #[test]
    fn default_customers_scales_with_events() {
        assert_eq!(default_customers(0), 1);
        assert_eq!(default_customers(149), 1);
        assert_eq!(default_customers(150_000), 1_000);
        assert_eq!(default_customers(680_000), 4_533);
    }

    #[test]
    fn dates_convert_both_ways() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(START_DAY, 19_102);
        assert_eq!(civil_from_days(START_DAY), (2022, 4, 20));
        assert_eq!(civil_from_days(START_DAY + 11), (2022, 5, 1));
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        for d in 18_000..21_000 {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m as i64, dd as i64), d);
        }
    }
}
