//! The visitors behind the events: customers and anonymous visitors simulated in time
//! order from a priority queue, one event at a time, each a compact [`Rec`].

use std::collections::BinaryHeap;

use super::rng::Rng;
use super::vocabulary::{QUERY_FIRST, QUERY_LAST, QUERY_MIDDLE, REFERRERS, USER_AGENTS};

// ---------------------------------------------------------------------------------
// Calibration. Frequencies come from the first 1,152 lines of the real file.

/// Seconds per timestamp step of the real data.
pub(super) const TICK_SECS: u64 = 15;
/// Length of the simulated period: 30 days in ticks.
const SPAN_TICKS: f64 = (30 * 86_400 / TICK_SECS) as f64;

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

const REFERRER_ON_LANDING: f64 = 0.42;
const REFERRER_LATER: f64 = 0.015;

const CATEGORIES: u32 = 22;
const PRODUCTS: u32 = 3600;
const POSITIONS: u32 = 7;

// ---------------------------------------------------------------------------------
// Events.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
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
    pub(super) fn name(self) -> &'static [u8] {
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
pub(super) enum Page {
    Home,
    Category,
    Product,
    Cart,
    Checkout,
}

/// One event, compact so that the shuffle window stays small; formatted on output.
#[derive(Clone, Copy)]
pub(super) struct Rec {
    pub(super) id: u64,
    pub(super) tick: u32,
    /// 0 = anonymous.
    pub(super) customer: u32,
    pub(super) ip: u32,
    /// Category or product number of a page view, product of a product event, or
    /// the three word indices of a search query.
    pub(super) value: u32,
    pub(super) ua: u16,
    pub(super) kind: Kind,
    pub(super) page: Page,
    /// Index into `REFERRERS` plus one; 0 = none.
    pub(super) referrer: u8,
    pub(super) position: u8,
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

impl Customer {
    /// A new customer whose sessions are `gap_mean` ticks apart on average, scaled by
    /// how active the customer is.
    fn random(rng: &mut Rng, gap_mean: f64) -> Customer {
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
        Customer {
            ip: random_ip(rng),
            ua: rng.below(USER_AGENTS.len() as u64) as u16,
            order_chance: order_chance as f32,
            gap_mean: (gap_mean / activity) as f32,
        }
    }
}

/// What a logged-in customer's visit is like on average: its browsing steps after the
/// landing page (the mean of the exponential), its events and its duration in ticks.
pub(super) struct CustomerVisit {
    browse_mean: f64,
    events: f64,
    ticks: f64,
}

/// Browsing steps, order steps and landing page of a customer's visit beyond its browsing
/// (6.35 - 4.5: the landing page and, for some, the cart, checkout and order).
const CUSTOMER_VISIT_OVERHEAD: f64 = 1.85;

impl CustomerVisit {
    /// The calibrated visit of the real file: about 6.35 events.
    pub(super) const DEFAULT: CustomerVisit = CustomerVisit {
        browse_mean: BROWSE_MEAN,
        events: CUSTOMER_VISIT_LEN,
        ticks: CUSTOMER_VISIT_TICKS,
    };

    /// A visit of `events` events on average (at least 2), so that the same logged-in
    /// events make more and shorter sessions (or fewer and longer ones). The browsing
    /// steps are floor(Exp(b)), whose mean is 1 / (e^(1/b) - 1): b is solved from it.
    pub(super) fn with_events(events: f64) -> CustomerVisit {
        let events = events.max(2.0);
        let browse = events - CUSTOMER_VISIT_OVERHEAD;
        CustomerVisit {
            browse_mean: 1.0 / (1.0 + 1.0 / browse).ln(),
            events,
            // Steps times the mean gap between steps, as in the default.
            ticks: CUSTOMER_VISIT_TICKS * (events - 1.0) / (CUSTOMER_VISIT_LEN - 1.0),
        }
    }
}

/// Mean gap between a customer's sessions and mean gap between anonymous arrivals,
/// in ticks, that together make `events` events over the span.
fn mean_gaps(events: u64, n_customers: usize, visit: &CustomerVisit) -> (f64, f64) {
    let events_per_tick = events as f64 / SPAN_TICKS;

    // Mean gap so that the customers together make CUSTOMER_SHARE of the events:
    // each customer makes CUSTOMER_VISIT_LEN events per cycle of a visit plus a gap.
    let mut gap_mean = MIN_MEAN_SESSION_GAP_TICKS;
    let mut customer_rate = 0.0;
    if n_customers > 0 && events > 0 {
        let cycle = n_customers as f64 * visit.events / (CUSTOMER_SHARE * events_per_tick);
        gap_mean =
            (cycle - visit.ticks - MIN_SESSION_GAP_TICKS as f64).max(MIN_MEAN_SESSION_GAP_TICKS);
        customer_rate = n_customers as f64 * visit.events
            / (visit.ticks + MIN_SESSION_GAP_TICKS as f64 + gap_mean);
    }
    let anon_rate = (events_per_tick - customer_rate).max(events_per_tick * 0.05);
    let spawn_gap_mean = if anon_rate > 0.0 {
        ANON_VISIT_LEN / anon_rate
    } else {
        SPAN_TICKS
    };
    (gap_mean, spawn_gap_mean)
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

pub(super) struct Simulation {
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
    /// Mean browsing steps of a customer's visit (anonymous visits keep BROWSE_MEAN).
    customer_browse_mean: f64,
}

impl Simulation {
    pub(super) fn new(events: u64, customers: u64, seed: u64, visit: &CustomerVisit) -> Simulation {
        // Customer ids are written as u32 in `Rec`; a larger pool could not fit in
        // memory anyway.
        let n_customers = customers.min(u32::MAX as u64 - 1) as usize;
        let (gap_mean, spawn_gap_mean) = mean_gaps(events, n_customers, visit);
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
            customer_browse_mean: visit.browse_mean,
        };
        for slot in 0..n_customers {
            let customer = Customer::random(&mut sim.rng, gap_mean);
            // Memoryless start, so the period starts as if the shop had been open.
            let first = sim.rng.exp(customer.gap_mean as f64);
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
    pub(super) fn next_event(&mut self) -> Rec {
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
        let browse_mean = if customer == 0 {
            BROWSE_MEAN
        } else {
            self.customer_browse_mean
        };
        let mut v = Visit {
            customer,
            stage: Stage::Landing,
            left: (rng.exp(browse_mean) as u16).min(BROWSE_MAX),
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
            Stage::Landing => landing(rng, v, &mut rec),
            Stage::Browse => browse(rng, v, &mut rec),
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

/// The page a visit lands on, sometimes with the referrer that brought it.
fn landing(rng: &mut Rng, v: &Visit, rec: &mut Rec) {
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

/// One browsing step: its kind by `STEP_WEIGHTS`, and what it does to the product in
/// view and the cart.
fn browse(rng: &mut Rng, v: &mut Visit, rec: &mut Rec) {
    v.left -= 1;
    rec.kind = pick_step(rng);
    match rec.kind {
        Kind::PageView => browse_page(rng, v, rec),
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

/// A page view while browsing: mostly categories and products, seldom a referrer.
fn browse_page(rng: &mut Rng, v: &mut Visit, rec: &mut Rec) {
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
pub(super) fn random_ip(rng: &mut Rng) -> u32 {
    let first = 1 + rng.below(223) as u32;
    first << 24 | (rng.next_u64() as u32 & 0x00ff_ffff)
}

fn ticks(t: f64) -> u32 {
    t.min(u32::MAX as f64 / 2.0) as u32
}
