//! The figures of `GET /metrics/sensitivity` without making sessions: a sweep over each
//! customer's events in `(timestamp, id)` order counts, at one session timeout, what the
//! sessionizer and the order rows would give — sessions, ordering sessions, the visits
//! before each order and the time before the first order — and [`Sensitivity`] adds the
//! customers up at every timeout into the rows of the endpoint. Pure: events in, rows out.

use super::sessionizer::PLACED_ORDER;

/// The timeouts every answer has, in minutes. The file's own timeout is added when it is
/// not one of them.
pub const TIMEOUT_MINUTES: [i64; 8] = [10, 15, 20, 30, 45, 60, 90, 120];

const MINUTE_US: i64 = 60_000_000;

/// The timeouts of the answer for a file whose own timeout is `file_seconds`, in seconds,
/// in order: [`TIMEOUT_MINUTES`], and the file's own when it is not among them.
pub fn timeouts_seconds(file_seconds: i64) -> Vec<i64> {
    let mut all: Vec<i64> = TIMEOUT_MINUTES.iter().map(|m| m * 60).collect();
    if !all.contains(&file_seconds) {
        all.push(file_seconds);
        all.sort_unstable();
    }
    all
}

/// One customer's sweep at one timeout.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub timeout_us: i64,
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
    pub fn new(timeout_us: i64) -> Self {
        Sweep {
            timeout_us,
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
        self.push_event(ts_us, kind == PLACED_ORDER)
    }

    /// As [`Sweep::push`], told only whether the event is a placed order.
    pub fn push_event(&mut self, ts_us: i64, placed_order: bool) -> Option<i64> {
        // The sessionizer's rule: the first event, and a gap of the timeout or more, start a
        // session.
        if self.sessions == 0 || ts_us - self.last_event_us >= self.timeout_us {
            if self.sessions > 0 && self.before_first_order_us.is_none() {
                self.closed_us += self.last_event_us - self.session_started_us;
            }
            self.sessions += 1;
            self.session_started_us = ts_us;
            self.session_ordering = false;
        }
        self.last_event_us = ts_us;
        if !placed_order || self.session_ordering {
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

    /// Minutes before the first order, as `queries/sessions/first_orders.sql` computes them.
    pub fn minutes_before_first_order(&self) -> Option<f64> {
        self.before_first_order_us
            .map(|us| us as f64 / MINUTE_US as f64)
    }
}

/// One row of `GET /metrics/sensitivity`: what `xcc sessionize --timeout T` and then
/// `xcc metrics orders` would give.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeoutRow {
    pub timeout_seconds: i64,
    pub sessions: i64,
    pub ordering_sessions: i64,
    pub median_visits_before_order: Option<f64>,
    pub median_session_duration_minutes_before_order: Option<f64>,
}

/// Every customer's sweeps at every timeout, added up: fed one customer's events at a time
/// (in `(ts_us, id)` order), it keeps one sweep per timeout for the customer at hand and,
/// for all customers, the counts, the visits of every order and the minutes of every first
/// order.
pub struct Sensitivity {
    current: Vec<Sweep>,
    totals: Vec<Totals>,
}

#[derive(Default)]
struct Totals {
    sessions: i64,
    ordering_sessions: i64,
    visits: Vec<i64>,
    minutes: Vec<f64>,
}

impl Sensitivity {
    /// Sweeps at these timeouts (seconds), e.g. [`timeouts_seconds`].
    pub fn new(timeouts_seconds: &[i64]) -> Self {
        Sensitivity {
            current: timeouts_seconds
                .iter()
                .map(|s| Sweep::new(s * 1_000_000))
                .collect(),
            totals: timeouts_seconds.iter().map(|_| Totals::default()).collect(),
        }
    }

    /// Takes the current customer's next event.
    pub fn push(&mut self, ts_us: i64, kind: &str) {
        self.push_event(ts_us, kind == PLACED_ORDER);
    }

    /// As [`Sensitivity::push`], told only whether the event is a placed order.
    pub fn push_event(&mut self, ts_us: i64, placed_order: bool) {
        for (sweep, totals) in self.current.iter_mut().zip(&mut self.totals) {
            if let Some(visits) = sweep.push_event(ts_us, placed_order) {
                totals.visits.push(visits);
            }
        }
    }

    /// Ends the current customer: the next event pushed is another customer's first.
    pub fn end_customer(&mut self) {
        for (sweep, totals) in self.current.iter_mut().zip(&mut self.totals) {
            totals.sessions += sweep.sessions;
            totals.ordering_sessions += sweep.ordering_sessions;
            totals.minutes.extend(sweep.minutes_before_first_order());
            *sweep = Sweep::new(sweep.timeout_us);
        }
    }

    /// The rows, one per timeout in the order given; the medians as `queries/orders.sql`
    /// takes them (the middle value, or the mean of the two middle ones; None without orders).
    pub fn rows(mut self) -> Vec<TimeoutRow> {
        self.end_customer();
        self.current
            .iter()
            .zip(self.totals)
            .map(|(sweep, mut totals)| {
                totals.visits.sort_unstable();
                totals.minutes.sort_by(f64::total_cmp);
                let visits: Vec<f64> = totals.visits.iter().map(|&v| v as f64).collect();
                TimeoutRow {
                    timeout_seconds: sweep.timeout_us / 1_000_000,
                    sessions: totals.sessions,
                    ordering_sessions: totals.ordering_sessions,
                    median_visits_before_order: median(&visits),
                    median_session_duration_minutes_before_order: median(&totals.minutes),
                }
            })
            .collect()
    }
}

/// The median of sorted values: the middle one, or the mean of the two middle ones.
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::sessionizer::{sessionize, SessionEvent};

    const MIN: i64 = MINUTE_US;

    /// Sweeps `events` at `timeout` minutes; returns the sweep and the visits of each order.
    fn sweep(timeout: i64, events: &[(i64, &str)]) -> (Sweep, Vec<i64>) {
        let mut s = Sweep::new(timeout * MIN);
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

    /// Two customers added up at two timeouts, by hand. Customer 1 as in
    /// `a_customer_by_hand_at_two_timeouts`; customer 2: view 0, order 5.
    /// - At 30 min: sessions 2 + 1 = 3, ordering 1 + 1 = 2; visits [1, 1] → 1; minutes
    ///   [5, 20] → 12.5.
    /// - At 10 min: sessions 6 + 1 = 7, ordering 2 + 1 = 3; visits [2, 3, 1] → 2; minutes
    ///   [8, 5] → 6.5.
    /// - At 25 min (a file's own timeout, in seconds 1500): the gaps of customer 1 of 25 or
    ///   more (25, 60) give [0 12 20] [45 58 70] [130]: 3 + 1 = 4 sessions, 3 ordering,
    ///   visits [1, 1, 1] → 1, minutes [20, 5] → 12.5.
    #[test]
    fn customers_add_up_into_rows() {
        let customer_1 = [
            (0, "page_view"),
            (12 * MIN, "page_view"),
            (20 * MIN, "placed_order"),
            (45 * MIN, "page_view"),
            (58 * MIN, "page_view"),
            (70 * MIN, "placed_order"),
            (130 * MIN, "page_view"),
        ];
        let customer_2 = [(0, "page_view"), (5 * MIN, "placed_order")];
        let mut all = Sensitivity::new(&[600, 1500, 1800]);
        for (t, k) in customer_1 {
            all.push(t, k);
        }
        all.end_customer();
        for (t, k) in customer_2 {
            all.push(t, k);
        }
        let row = |timeout_seconds, sessions, ordering_sessions, visits, minutes| TimeoutRow {
            timeout_seconds,
            sessions,
            ordering_sessions,
            median_visits_before_order: Some(visits),
            median_session_duration_minutes_before_order: Some(minutes),
        };
        assert_eq!(
            all.rows(),
            [
                row(600, 7, 3, 2.0, 6.5),
                row(1500, 4, 3, 1.0, 12.5),
                row(1800, 3, 2, 1.0, 12.5)
            ]
        );
    }

    #[test]
    fn no_orders_no_medians() {
        let mut all = Sensitivity::new(&[600]);
        all.push(0, "page_view");
        let rows = all.rows();
        assert_eq!((rows[0].sessions, rows[0].ordering_sessions), (1, 0));
        assert_eq!(rows[0].median_visits_before_order, None);
        assert_eq!(rows[0].median_session_duration_minutes_before_order, None);
        assert_eq!(Sensitivity::new(&[600]).rows()[0].sessions, 0);
    }

    #[test]
    fn the_files_own_timeout_joins_the_list_in_order() {
        assert_eq!(
            timeouts_seconds(1800),
            [600, 900, 1200, 1800, 2700, 3600, 5400, 7200]
        );
        assert_eq!(
            timeouts_seconds(90),
            [90, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200]
        );
        assert_eq!(
            timeouts_seconds(1500),
            [600, 900, 1200, 1500, 1800, 2700, 3600, 5400, 7200]
        );
    }

    #[test]
    fn medians_by_hand() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[1.0, 2.0, 10.0]), Some(2.0));
        assert_eq!(median(&[1.0, 2.0, 4.0, 10.0]), Some(3.0));
    }
}
