//! The figures of `GET /metrics/sensitivity` for one customer at one session timeout,
//! without making sessions: a sweep over the customer's events in `(timestamp, id)` order
//! that counts what the sessionizer and the order rows would give at that timeout — sessions,
//! ordering sessions, the visits before each order and the time before the first order.
//! Pure, and resumable: its state after the customer's last event is all it needs to take
//! later events, so an ingest of newer events continues it instead of starting over.

use super::sessionizer::PLACED_ORDER;

/// The timeouts every file keeps these figures for, in minutes. The file's own timeout is
/// added from its sessions when it is not one of them.
pub const TIMEOUT_MINUTES: [i64; 8] = [10, 15, 20, 30, 45, 60, 90, 120];

const MINUTE_US: i64 = 60_000_000;

/// One customer's sweep at one timeout.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub timeout_minutes: i64,
    /// Sessions so far; 0 before the first event.
    pub sessions: i64,
    pub ordering_sessions: i64,
    /// The latest event swept, and the start of the session it belongs to.
    pub last_event_us: i64,
    pub session_started_us: i64,
    /// Whether that session has had a placed_order yet.
    pub session_ordering: bool,
    /// The number of the latest ordering session, 0 before the first.
    pub last_ordering_session: i64,
    /// The durations of the closed sessions before the first ordering session, summed.
    pub closed_us: i64,
    /// Time in the shop before the first order: `closed_us` plus the time from the start of
    /// the first ordering session to its first placed_order.
    pub before_first_order_us: Option<i64>,
}

impl Sweep {
    pub fn new(timeout_minutes: i64) -> Self {
        Sweep {
            timeout_minutes,
            sessions: 0,
            ordering_sessions: 0,
            last_event_us: i64::MIN,
            session_started_us: i64::MIN,
            session_ordering: false,
            last_ordering_session: 0,
            closed_us: 0,
            before_first_order_us: None,
        }
    }

    /// Takes the next event (events must come in `(ts_us, id)` order). When the event is the
    /// first placed_order of its session, returns the visits before that order: the sessions
    /// since the previous ordering session (or since the first session), this one included.
    pub fn push(&mut self, ts_us: i64, kind: &str) -> Option<i64> {
        // The sessionizer's rule: the first event, and a gap of the timeout or more, start a
        // session.
        if self.sessions == 0 || ts_us - self.last_event_us >= self.timeout_minutes * MINUTE_US {
            if self.sessions > 0 && self.before_first_order_us.is_none() {
                self.closed_us += self.last_event_us - self.session_started_us;
            }
            self.sessions += 1;
            self.session_started_us = ts_us;
            self.session_ordering = false;
        }
        self.last_event_us = ts_us;
        if kind != PLACED_ORDER || self.session_ordering {
            return None;
        }
        self.session_ordering = true;
        self.ordering_sessions += 1;
        let visits = self.sessions - self.last_ordering_session;
        self.last_ordering_session = self.sessions;
        self.before_first_order_us
            .get_or_insert(self.closed_us + (ts_us - self.session_started_us));
        Some(visits)
    }

    /// Whether events at `ts_us` and later can be pushed onto this sweep and give what a sweep
    /// over all the customer's events would: they must all come after every event swept.
    /// (Equal timestamps would do as far as the figures go, but the events at the latest
    /// timestamp could not then be told apart from the ones already swept.)
    pub fn continues_at(&self, ts_us: i64) -> bool {
        self.sessions == 0 || ts_us > self.last_event_us
    }

    /// Minutes before the first order, as `queries/sessions/first_orders.sql` computes them.
    pub fn minutes_before_first_order(&self) -> Option<f64> {
        self.before_first_order_us
            .map(|us| us as f64 / MINUTE_US as f64)
    }
}

/// One order found by a sweep: at `timeout_minutes`, the customer's `order_number`th
/// ordering session, after `visits` visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweptOrder {
    pub timeout_minutes: i64,
    pub order_number: i64,
    pub visits: i64,
}

/// One customer's sweeps, one per timeout of [`TIMEOUT_MINUTES`], fed the same events, and
/// the orders they found.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerSweeps {
    pub sweeps: Vec<Sweep>,
    pub orders: Vec<SweptOrder>,
    /// Events at or before this were swept already and are skipped.
    swept_until_us: i64,
}

impl CustomerSweeps {
    /// Sweeps from the customer's first event.
    pub fn fresh() -> Self {
        CustomerSweeps {
            sweeps: TIMEOUT_MINUTES.iter().map(|&t| Sweep::new(t)).collect(),
            orders: Vec::new(),
            swept_until_us: i64::MIN,
        }
    }

    /// The stored sweeps of a customer whose earliest new event is at `earliest_new_us`,
    /// continued: events after the latest one swept are taken, the ones swept already are
    /// skipped. `None` when a new event is not after every swept one (a late event), so
    /// the customer must be swept again from the first event; also when the stored sweeps
    /// are not one per timeout.
    pub fn resume(sweeps: Vec<Sweep>, earliest_new_us: i64) -> Option<Self> {
        let timeouts: Vec<i64> = sweeps.iter().map(|s| s.timeout_minutes).collect();
        if timeouts != TIMEOUT_MINUTES || !sweeps.iter().all(|s| s.continues_at(earliest_new_us)) {
            return None;
        }
        let swept_until_us = sweeps.iter().map(|s| s.last_event_us).max()?;
        Some(CustomerSweeps {
            sweeps,
            orders: Vec::new(),
            swept_until_us,
        })
    }

    /// Takes the customer's next event, in `(ts_us, id)` order.
    pub fn push(&mut self, ts_us: i64, kind: &str) {
        if ts_us <= self.swept_until_us {
            return;
        }
        for sweep in &mut self.sweeps {
            if let Some(visits) = sweep.push(ts_us, kind) {
                self.orders.push(SweptOrder {
                    timeout_minutes: sweep.timeout_minutes,
                    order_number: sweep.ordering_sessions,
                    visits,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::sessionizer::{sessionize, SessionEvent};

    const MIN: i64 = MINUTE_US;

    /// Sweeps `events` at `timeout` minutes; returns the sweep and the visits of each order.
    fn sweep(timeout: i64, events: &[(i64, &str)]) -> (Sweep, Vec<i64>) {
        let mut s = Sweep::new(timeout);
        let visits = events.iter().filter_map(|(t, k)| s.push(*t, k)).collect();
        (s, visits)
    }

    /// A customer worked by hand at two timeouts. Events (minutes): view 0, view 12,
    /// order 20, view 45, view 58, order 70, view 130.
    /// - At 30 min: gaps 12, 8, 25, 13, 12, 60 → sessions [0–70] and [130]: 2 sessions,
    ///   1 ordering (the first, with 2 orders), visits [1], 20 minutes before the first order.
    /// - At 10 min: gaps ≥ 10 are 12, 25, 13, 12, 60 → sessions [0], [12, 20], [45], [58],
    ///   [70], [130]: 6 sessions; ordering are session 2 (visits 2) and session 5 (visits 3).
    ///   Before the first order: session 1 lasts 0, then 20 − 12 = 8 minutes.
    #[test]
    fn a_customer_by_hand_at_two_timeouts() {
        let events = [
            (0, "page_view"),
            (12 * MIN, "page_view"),
            (20 * MIN, "placed_order"),
            (45 * MIN, "page_view"),
            (58 * MIN, "page_view"),
            (70 * MIN, "placed_order"),
            (130 * MIN, "page_view"),
        ];
        let (s, visits) = sweep(30, &events);
        assert_eq!((s.sessions, s.ordering_sessions), (2, 1));
        assert_eq!(visits, [1]);
        assert_eq!(s.minutes_before_first_order(), Some(20.0));

        let (s, visits) = sweep(10, &events);
        assert_eq!((s.sessions, s.ordering_sessions), (6, 2));
        assert_eq!(visits, [2, 3]);
        assert_eq!(s.minutes_before_first_order(), Some(8.0));
    }

    /// Closed sessions before the first order add their durations: sessions [0, 5], [40, 50],
    /// [90 order] at 30 min → 5 + 10 + 0 = 15 minutes; a gap of exactly 30 starts a session.
    #[test]
    fn time_before_the_first_order_adds_the_earlier_sessions() {
        let events = [
            (0, "page_view"),
            (5 * MIN, "page_view"),
            (35 * MIN, "page_view"),
            (45 * MIN, "page_view"),
            (90 * MIN, "placed_order"),
        ];
        let (s, visits) = sweep(30, &events);
        assert_eq!(s.sessions, 3);
        assert_eq!(visits, [3]);
        assert_eq!(s.minutes_before_first_order(), Some(15.0));
    }

    /// The sweep's figures equal what the sessionizer's sessions give, on pseudo-random
    /// customers whose gaps straddle every timeout and include exact ones.
    #[test]
    fn figures_equal_the_sessionizers_at_every_timeout() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut orders_seen = 0;
        for customer in 0..300 {
            let mut t = 0;
            let events: Vec<(i64, &str)> = (0..1 + next(40))
                .map(|_| {
                    // Gaps from 0 to 150 minutes, a third of them whole minutes (exact
                    // timeouts among them), the rest with seconds.
                    t += match next(3) {
                        0 => next(151) as i64 * MIN,
                        _ => next(150 * 60) as i64 * 1_000_000,
                    };
                    let kind = if next(6) == 0 {
                        "placed_order"
                    } else {
                        "page_view"
                    };
                    (t, kind)
                })
                .collect();
            let as_events: Vec<SessionEvent> = events
                .iter()
                .enumerate()
                .map(|(i, (t, k))| SessionEvent {
                    id: i as i64,
                    ts_us: *t,
                    kind: k,
                    page: None,
                    referrer: None,
                })
                .collect();
            for timeout in TIMEOUT_MINUTES {
                let (s, visits) = sweep(timeout, &events);
                let sessions = sessionize(&as_events, timeout * MIN);
                let ordering: Vec<_> = sessions.iter().filter(|s| s.order_count > 0).collect();
                assert_eq!(s.sessions, sessions.len() as i64, "customer {customer}");
                assert_eq!(s.ordering_sessions, ordering.len() as i64);
                let mut previous = 0;
                let expected_visits: Vec<i64> = ordering
                    .iter()
                    .map(|o| {
                        let v = o.session_number - previous;
                        previous = o.session_number;
                        v
                    })
                    .collect();
                assert_eq!(visits, expected_visits, "customer {customer} at {timeout}");
                let expected_before = ordering.first().map(|first| {
                    sessions[..first.session_number as usize - 1]
                        .iter()
                        .map(|s| s.duration_us())
                        .sum::<i64>()
                        + (first.first_order_us.unwrap() - first.started_us)
                });
                assert_eq!(s.before_first_order_us, expected_before);
                orders_seen += visits.len();
            }
        }
        // The interesting branch ran: many customers ordered, some more than once.
        assert!(orders_seen > 1000, "{orders_seen}");
    }

    /// A sweep continued with later events ends where one sweep over all of them does.
    #[test]
    fn a_continued_sweep_equals_one_sweep_over_all_events() {
        let events = [
            (0, "page_view"),
            (20 * MIN, "placed_order"),
            (45 * MIN, "page_view"),
            (100 * MIN, "page_view"),
            (101 * MIN, "placed_order"),
        ];
        for cut in 0..=events.len() {
            for timeout in TIMEOUT_MINUTES {
                let (mut continued, mut visits) = sweep(timeout, &events[..cut]);
                if let Some((t, _)) = events.get(cut) {
                    assert!(continued.continues_at(*t));
                }
                visits.extend(
                    events[cut..]
                        .iter()
                        .filter_map(|(t, k)| continued.push(*t, k)),
                );
                let (whole, whole_visits) = sweep(timeout, &events);
                assert_eq!(continued, whole);
                assert_eq!(visits, whole_visits);
            }
        }
        let (s, _) = sweep(30, &events);
        assert!(
            !s.continues_at(101 * MIN),
            "an event at the latest timestamp"
        );
        assert!(s.continues_at(101 * MIN + 1));
    }

    /// Resumed sweeps skip the events they have seen (the stream of a re-sessionized
    /// customer starts at an earlier session), and refuse a late event.
    #[test]
    fn resumed_customer_sweeps_skip_what_they_swept_and_refuse_late_events() {
        let old = [(0, "page_view"), (10 * MIN, "placed_order")];
        let new = [(50 * MIN, "page_view"), (55 * MIN, "placed_order")];
        let mut first = CustomerSweeps::fresh();
        for (t, k) in old {
            first.push(t, k);
        }
        assert_eq!(first.orders.len(), TIMEOUT_MINUTES.len());
        assert!(CustomerSweeps::resume(first.sweeps.clone(), 10 * MIN).is_none());
        assert!(CustomerSweeps::resume(first.sweeps[1..].to_vec(), 50 * MIN).is_none());
        let mut resumed = CustomerSweeps::resume(first.sweeps.clone(), 50 * MIN).unwrap();
        for (t, k) in old.iter().chain(&new) {
            resumed.push(*t, k);
        }
        let mut whole = CustomerSweeps::fresh();
        for (t, k) in old.iter().chain(&new) {
            whole.push(*t, k);
        }
        assert_eq!(resumed.sweeps, whole.sweeps);
        // At timeouts up to 30 minutes the gap of 40 starts a second, ordering session:
        // order 2 after 1 visit; from 45 minutes on it is the first session, which ordered.
        let expected: Vec<SweptOrder> = TIMEOUT_MINUTES
            .iter()
            .filter(|&&t| t <= 40)
            .map(|&t| SweptOrder {
                timeout_minutes: t,
                order_number: 2,
                visits: 1,
            })
            .collect();
        assert_eq!(resumed.orders, expected);
        assert_eq!(whole.orders[TIMEOUT_MINUTES.len()..], expected[..]);
    }
}
