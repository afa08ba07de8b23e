//! The sessionizer: one customer's events in `(timestamp, id)` order in, sessions out.
//! Pure and streaming: it holds one session at a time.

/// What the sessionizer needs to know of an event, borrowed from wherever the event is
/// (a database row while streaming), so that reading an event allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEvent<'a> {
    pub id: i64,
    pub ts_us: i64,
    pub kind: &'a str,
    pub page: Option<&'a str>,
    pub referrer: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The id of the session's first event.
    pub id: i64,
    pub session_number: i64,
    pub started_us: i64,
    pub ended_us: i64,
    pub event_count: i64,
    pub page_view_count: i64,
    pub order_count: i64,
    pub first_order_us: Option<i64>,
    /// The first non-empty referrer among the session's events.
    pub referrer: Option<String>,
    /// The page of the session's first page view.
    pub landing_page: Option<String>,
}

impl Session {
    pub fn duration_us(&self) -> i64 {
        self.ended_us - self.started_us
    }

    pub fn referrer_host(&self) -> Option<String> {
        self.referrer.as_deref().and_then(referrer_host)
    }
}

pub const PLACED_ORDER: &str = "placed_order";
pub const PAGE_VIEW: &str = "page_view";

/// Cuts one customer's event stream into sessions: a new session starts at the first event
/// and whenever the gap to the previous event is `timeout_us` or more (Google Analytics'
/// rule, so a gap of exactly 30:00 starts a new session).
pub struct Sessionizer {
    timeout_us: i64,
    current: Option<Session>,
    sessions_done: i64,
}

impl Sessionizer {
    pub fn new(timeout_us: i64) -> Self {
        Self::numbered_from(timeout_us, 1)
    }

    /// A sessionizer whose first session gets `first_number`, for re-sessionizing a
    /// customer's tail after their earlier sessions.
    pub fn numbered_from(timeout_us: i64, first_number: i64) -> Self {
        Sessionizer {
            timeout_us,
            current: None,
            sessions_done: first_number - 1,
        }
    }

    /// Adds the next event (events must come in `(ts_us, id)` order); returns the session
    /// the event closed, if any.
    pub fn push(&mut self, event: &SessionEvent) -> Option<Session> {
        let closed = match &self.current {
            Some(s) if event.ts_us - s.ended_us >= self.timeout_us => self.current.take(),
            _ => None,
        };
        if closed.is_some() {
            self.sessions_done += 1;
        }
        let session = self.current.get_or_insert_with(|| Session {
            id: event.id,
            session_number: self.sessions_done + 1,
            started_us: event.ts_us,
            ended_us: event.ts_us,
            event_count: 0,
            page_view_count: 0,
            order_count: 0,
            first_order_us: None,
            referrer: None,
            landing_page: None,
        });
        session.ended_us = event.ts_us;
        session.event_count += 1;
        if event.kind == PAGE_VIEW {
            session.page_view_count += 1;
            if session.landing_page.is_none() {
                session.landing_page = event.page.map(str::to_string);
            }
        }
        if event.kind == PLACED_ORDER {
            session.order_count += 1;
            session.first_order_us.get_or_insert(event.ts_us);
        }
        if session.referrer.is_none() {
            if let Some(r) = event.referrer.filter(|r| !r.trim().is_empty()) {
                session.referrer = Some(r.to_string());
            }
        }
        closed
    }

    /// The last, still open session.
    pub fn finish(mut self) -> Option<Session> {
        self.current.take()
    }
}

/// Convenience for whole slices.
#[cfg(test)]
pub fn sessionize(events: &[SessionEvent], timeout_us: i64) -> Vec<Session> {
    let mut s = Sessionizer::new(timeout_us);
    let mut out: Vec<Session> = events.iter().filter_map(|e| s.push(e)).collect();
    out.extend(s.finish());
    out
}

/// The host of a referrer URL, lower-cased, without scheme, credentials, port or path:
/// `https://www.Google.com:443/x?q` → `www.google.com`. Hosts are kept as written otherwise
/// (`www.google.com` and `google.com` stay different).
pub fn referrer_host(referrer: &str) -> Option<String> {
    let s = referrer.trim();
    let after_scheme = match s.find("://") {
        Some(i) => &s[i + 3..],
        None => s.strip_prefix("//").unwrap_or(s),
    };
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        // IPv6 literal: keep what is inside the brackets.
        rest.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let host = host.trim_end_matches('.');
    if host.is_empty() {
        None
    } else {
        Some(host.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000_000;
    const SEC: i64 = 1_000_000;

    fn ev(id: i64, ts_us: i64, kind: &str) -> SessionEvent<'_> {
        SessionEvent {
            id,
            ts_us,
            kind,
            page: None,
            referrer: None,
        }
    }

    fn durations_in_minutes(sessions: &[Session]) -> Vec<f64> {
        sessions
            .iter()
            .map(|s| s.duration_us() as f64 / MIN as f64)
            .collect()
    }

    /// user-1 and user-2 of the brief's picture (brief/metrics.png), minute offsets chosen so
    /// that gaps between sessions exceed 30 minutes and durations match the picture.
    #[test]
    fn the_brief_picture() {
        let user1 = [
            ev(1, 0, "page_view"),
            ev(2, 15 * MIN, "page_view"),
            ev(3, 30 * MIN - SEC, "search"),
            ev(4, 30 * MIN, "page_view"), // gap 1 s: still session 1, which lasts 30 min
            ev(5, 90 * MIN, "page_view"),
            ev(6, 100 * MIN, "page_view"),
            ev(7, 110 * MIN, "placed_order"),
            ev(8, 200 * MIN, "page_view"),
            ev(9, 212 * MIN, "page_view"),
        ];
        let s = sessionize(&user1, 30 * MIN);
        assert_eq!(durations_in_minutes(&s), vec![30.0, 20.0, 12.0]);
        assert_eq!(
            s.iter().map(|s| s.order_count).collect::<Vec<_>>(),
            [0, 1, 0]
        );
        assert_eq!(s[1].first_order_us, Some(110 * MIN));
        assert_eq!(
            s.iter().map(|s| s.session_number).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(s.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 5, 8]);

        let user2 = [
            ev(10, 0, "page_view"),
            ev(11, 20 * MIN, "page_view"),
            ev(12, 45 * MIN, "placed_order"),
            ev(13, 100 * MIN, "page_view"),
            ev(14, 110 * MIN, "page_view"),
            ev(15, 120 * MIN, "page_view"),
            ev(16, 300 * MIN, "page_view"),
            ev(17, 300 * MIN + 10 * MIN + 30 * SEC, "placed_order"),
        ];
        let s = sessionize(&user2, 30 * MIN);
        assert_eq!(durations_in_minutes(&s), vec![45.0, 20.0, 10.5]);
        assert_eq!(
            s.iter().map(|s| s.order_count).collect::<Vec<_>>(),
            [1, 0, 1]
        );
    }

    #[test]
    fn a_gap_of_exactly_the_timeout_starts_a_new_session() {
        let s = sessionize(&[ev(1, 0, "a"), ev(2, 30 * MIN, "a")], 30 * MIN);
        assert_eq!(s.len(), 2);
        let s = sessionize(&[ev(1, 0, "a"), ev(2, 30 * MIN - 1, "a")], 30 * MIN);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].duration_us(), 29 * MIN + 59 * SEC + 999_999);
    }

    #[test]
    fn the_gap_is_measured_from_the_previous_event_not_the_session_start() {
        let events: Vec<_> = (0..10).map(|i| ev(i, i * 20 * MIN, "a")).collect();
        let s = sessionize(&events, 30 * MIN);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].duration_us(), 180 * MIN);
    }

    #[test]
    fn equal_timestamps_are_taken_in_id_order() {
        let events = [
            ev(5, 0, "page_view"),
            ev(6, 0, "placed_order"),
            ev(7, 0, "placed_order"),
        ];
        let s = sessionize(&events, 30 * MIN);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].id, 5);
        assert_eq!(s[0].order_count, 2);
        assert_eq!(s[0].first_order_us, Some(0));
        assert_eq!(s[0].duration_us(), 0);
    }

    #[test]
    fn one_event_session_lasts_zero() {
        let s = sessionize(&[ev(1, 42, "search")], 30 * MIN);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].duration_us(), 0);
        assert_eq!(s[0].event_count, 1);
        assert_eq!(s[0].order_count, 0);
        assert_eq!(s[0].first_order_us, None);
    }

    #[test]
    fn several_orders_in_one_session_and_an_order_in_the_first() {
        let events = [
            ev(1, 0, "placed_order"),
            ev(2, MIN, "page_view"),
            ev(3, 2 * MIN, "placed_order"),
            ev(4, 3 * MIN, "placed_order"),
        ];
        let s = sessionize(&events, 30 * MIN);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].session_number, 1);
        assert_eq!(s[0].order_count, 3);
        assert_eq!(s[0].first_order_us, Some(0));
        assert_eq!(s[0].page_view_count, 1);
    }

    #[test]
    fn referrer_and_landing_page_are_the_first_present() {
        let mut a = ev(1, 0, "search");
        a.referrer = Some("");
        let mut b = ev(2, SEC, "page_view");
        b.page = Some("https://xcc-webshop.com/");
        let mut c = ev(3, 2 * SEC, "page_view");
        c.page = Some("https://xcc-webshop.com/cart");
        c.referrer = Some("https://www.Google.com/search?q=x");
        let mut d = ev(4, 3 * SEC, "page_view");
        d.referrer = Some("https://bing.com");
        let s = sessionize(&[a, b, c, d], 30 * MIN);
        assert_eq!(
            s[0].referrer.as_deref(),
            Some("https://www.Google.com/search?q=x")
        );
        assert_eq!(s[0].referrer_host().as_deref(), Some("www.google.com"));
        assert_eq!(
            s[0].landing_page.as_deref(),
            Some("https://xcc-webshop.com/")
        );
    }

    #[test]
    fn referrer_hosts() {
        assert_eq!(
            referrer_host("https://www.google.com/x").as_deref(),
            Some("www.google.com")
        );
        assert_eq!(
            referrer_host("https://google.com").as_deref(),
            Some("google.com")
        );
        assert_eq!(
            referrer_host("HTTP://user:pw@Shop.Example:8080/a?b#c").as_deref(),
            Some("shop.example")
        );
        assert_eq!(
            referrer_host("gonzalez.com/x").as_deref(),
            Some("gonzalez.com")
        );
        assert_eq!(referrer_host("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(referrer_host(""), None);
        assert_eq!(referrer_host("https:///path"), None);
    }
}
