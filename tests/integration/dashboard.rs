//! The dashboard at GET /: one self-contained page (with its script and style sheet, served by
//! xcc too), checked over the socket, then rendered by headless Chromium against the real
//! server, under the page's Content-Security-Policy, with its numbers compared to the JSON
//! endpoints and no message on the browser's console. Chromium is found by `needs::chromium`
//! (PATH, XCC_CHROMIUM); scripts/test installs it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{brief_picture, event, run, Served, Workspace};
use serde_json::{json, Value};

/// Normally a few seconds; virtual time makes the page's own timers cost nothing.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(60);
use xcc::dashboard::{PAGE as DASHBOARD, SCRIPT as DASHBOARD_JS, STYLE as DASHBOARD_CSS};
use xcc::serve::CONTENT_SECURITY_POLICY;
/// The layout check the tests add to the page (the page users load carries none), as a
/// script of the page's own origin: `/__layout_check.js`, served by the test's proxy.
const LAYOUT_CHECK: &str = include_str!("layout_check.js");
/// The SVG namespace the page's script passes to `createElementNS`: an identifier, never fetched.
const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

const GOOGLE: &str = "https://www.google.com/search?q=shoes";
const BING: &str = "https://bing.com/search";
const NEWSLETTER: &str = "https://news.example.org/may";
const LONG_HOST: &str = "https://a-rather-long-referrer-host-name.shop-partners.example.com/x";

/// The brief's picture plus customers from referrers over five days, chosen so that the
/// medians stay the picture's: customer 3 orders in their first session after 10 minutes
/// (1 visit), customer 4 in their third after 20 + 40 + 30 = 90 minutes (3 visits). Visits
/// {2, 1, 2, 1, 3} → median 2; minutes {50, 45, 10, 90} → median 47.5.
pub(crate) fn shop() -> Vec<String> {
    let (m, day) = (60, 86_400);
    let mut lines = brief_picture();
    let mut id = 100;
    let mut add = |customer: i64, seconds: i64, kind: &str, referrer: Option<&str>| {
        id += 1;
        lines.push(event(id, customer, seconds, kind, referrer));
    };
    add(3, day, "page_view", Some(GOOGLE));
    add(3, day + 5 * m, "page_view", None);
    add(3, day + 10 * m, "placed_order", None);
    for (seconds, kind) in [
        (0, "page_view"),
        (20 * m, "page_view"),
        (120 * m, "page_view"),
        (140 * m, "page_view"),
        (160 * m, "page_view"),
        (360 * m, "page_view"),
        (375 * m, "page_view"),
        (390 * m, "placed_order"),
    ] {
        add(4, 2 * day + seconds, kind, Some(NEWSLETTER));
    }
    // Customers who only browse, one session each, from every kind of referrer.
    let referrers = [
        None,
        Some(GOOGLE),
        Some(BING),
        Some(NEWSLETTER),
        Some(LONG_HOST),
    ];
    for customer in 5..=29 {
        let start = (customer % 5) * day + customer * 7 * m;
        let referrer = referrers[(customer % 5) as usize];
        add(customer, start, "page_view", referrer);
        add(customer, start + (customer % 7) * 3 * m, "page_view", None);
    }
    lines
}

#[test]
fn the_dashboard_shows_the_numbers_the_api_serves() {
    let w = Workspace::new();
    let (out, _) = w.ingest("-", shop().join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let server = Served::start(&w.db(), &["--quiet"]);

    let orders = server.get_json("/metrics/orders");
    assert_eq!(orders["median_visits_before_order"].as_f64(), Some(2.0));
    assert_eq!(
        orders["median_session_duration_minutes_before_order"].as_f64(),
        Some(47.5)
    );
    let summary = server.get_json("/metrics/summary");
    assert!(
        server.get_json("/metrics/daily")["days"]
            .as_array()
            .unwrap()
            .len()
            >= 5
    );
    assert!(
        server.get_json("/metrics/referrers")["referrers"]
            .as_array()
            .unwrap()
            .len()
            >= 5
    );

    let (status, headers, html) = server.request("GET", "/");
    assert_eq!(status, 200);
    assert!(
        headers.contains(&("content-type".into(), "text/html; charset=utf-8".into())),
        "{headers:?}"
    );
    assert_eq!(
        html, DASHBOARD,
        "GET / serves src/dashboard/dashboard.html as is"
    );
    assert!(
        headers.contains(&(
            "content-security-policy".into(),
            CONTENT_SECURITY_POLICY.into()
        )),
        "{headers:?}"
    );
    assert_self_contained(&html);
    for (path, file) in [
        ("/dashboard.js", DASHBOARD_JS),
        ("/dashboard.css", DASHBOARD_CSS),
    ] {
        let (status, _, body) = server.request("GET", path);
        assert_eq!(status, 200, "{path}");
        assert_eq!(body, file, "{path}");
        assert_self_contained(&body);
    }

    let Some(chromium) = browser("dashboard::the_dashboard_shows_the_numbers_the_api_serves")
    else {
        return;
    };
    let (dom, console) = chromium.dump_dom_logged(&format!("{}/", server.base));
    assert_eq!(attribute(&dom, "<body ", "data-ready"), "true", "{dom}");
    // Under its Content-Security-Policy: nothing refused, no error, nothing logged at all.
    assert!(
        console.is_empty(),
        "the page wrote on the console:\n{}",
        console.join("\n")
    );
    for key in [
        "median_visits_before_order",
        "median_session_duration_minutes_before_order",
    ] {
        assert_shows(&dom, key, &orders[key]);
    }
    for key in [
        "sessions",
        "customers",
        "ordering_sessions",
        "events_stored",
        "events_rejected",
        "first_event_at",
        "last_event_at",
        "session_timeout_seconds",
    ] {
        assert_shows(&dom, key, &summary[key]);
    }
    assert!(dom.contains(">47.5 min<"), "the minutes are readable");
    for chart in [
        "chart-daily",
        "chart-visits",
        "chart-minutes",
        "chart-referrers",
    ] {
        assert!(svg_rects(&dom, chart) > 0, "{chart} has no bars: {dom}");
    }
    // Five days of sessions, two bars (all, with an order) per day.
    assert!(svg_rects(&dom, "chart-daily") >= 10);
    // The data ends during its last day: that day, and only it, is marked partial.
    let partial_days = server.get_json("/metrics/daily")["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["partial"] == 1)
        .count();
    assert_eq!(partial_days, 1);
    assert_eq!(dom.matches("data-partial=\"true\"").count(), 1, "{dom}");
    assert!(dom.contains("a-rather-long-referrer-host-name.shop-partners.example.com"));
    // The shop's few sessions show no difference; the sentence carries the API's p-value.
    let difference = &server.get_json("/metrics/referrers")["difference"];
    assert!(
        difference["p_value"].as_f64().unwrap() >= 0.05,
        "{difference}"
    );
    let verdict = attribute(&dom, "id=\"referrers-difference\"", "data-p-value");
    assert_eq!(verdict.parse::<f64>().ok(), difference["p_value"].as_f64());
    assert!(
        dom.contains(
            ">Session duration does not differ by referrer beyond chance (Kruskal–Wallis, p = "
        ),
        "{dom}"
    );
    // One ingest: no line of one point over time, but a note that it comes with the next (a
    // report leaves the card out: see report::the_medians_over_time_are_shown_from_two_loads_on).
    assert_eq!(dom.matches("data-point=").count(), 0);
    assert!(
        dom.contains("One point so far: the line is drawn from the next load of data on."),
        "{dom}"
    );
    assert!(!tag(&dom, "id=\"history-card\"").contains(" hidden"));

    let png = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dashboard.png");
    chromium.screenshot(&format!("{}/", server.base), &png);
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let (width, height) = (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    );
    assert_eq!((width, height), (1280, 1600));
    // A blank or unstyled page compresses to a few KB; charts and text do not.
    assert!(bytes.len() > 40_000, "{} bytes only", bytes.len());
}

/// Two referrers whose sessions cannot be mistaken for each other: ten direct customers, one
/// session each, of 1, 2, … 10 minutes, each ending in an order; ten from slow.example of
/// 31, 32, … 40 minutes (a page view every 20 minutes keeps a session going).
///
/// By hand: all 20 durations differ, and the direct ones take ranks 1–10 (R = 55), the slow
/// ones 11–20 (R = 155): Kruskal–Wallis H = 12 / (20 · 21) · (55² + 155²) / 10 − 3 · 21 =
/// 100/7 = 14.29 on 1 degree of freedom, p = erfc(√(50/7)) = 0.00016 < 0.001. Mann–Whitney:
/// slow.example is longer in all 10 · 10 = 100 pairs, U = 100 against a mean of 50,
/// σ = √(100 · 21 / 12) = 13.23, z = 49.5 / 13.23 = 3.74, p = 0.00018 < 0.001 (Holm's
/// correction of one test changes nothing). The medians' intervals of 10 values are
/// [x(2), x(9)], since P(B ≤ 1) = 11/1024 ≤ 0.025 < P(B ≤ 2) = 56/1024: [2, 9] and
/// [32, 39] minutes. The ten orders each take 1 visit ([1, 1]) and 1 to 10 minutes ([2, 9]).
pub(crate) fn slow_referrer() -> Vec<String> {
    let mut lines = Vec::new();
    let mut id = 0;
    let mut add = |customer: i64, seconds: i64, kind: &str, referrer: Option<&str>| {
        id += 1;
        lines.push(event(id, customer, seconds, kind, referrer));
    };
    for i in 1..=10 {
        let start = i * 3_600;
        add(i, start, "page_view", None);
        add(i, start + i * 60, "placed_order", None);
        let slow = 100 + i;
        add(slow, start, "page_view", Some("https://slow.example/a"));
        add(slow, start + 20 * 60, "page_view", None);
        add(slow, start + (30 + i) * 60, "page_view", None);
    }
    lines
}

/// The sentences the page gives for [`slow_referrer`], derived there by hand.
pub(crate) const SLOW_VERDICT: &str = "Session duration differs by referrer (Kruskal–Wallis, \
    p < 0.001, over 20 sessions from 2 referrers): sessions from slow.example (p < 0.001) are \
    longer than direct ones (Mann–Whitney with Holm's correction).";
/// The intervals drawn for [`slow_referrer`] (`data-ci95`, in minutes), in the page's order:
/// the two headline medians' (visits, minutes), then the chart's rows, (direct) first.
pub(crate) const SLOW_INTERVALS: [&str; 4] = ["1,1", "2,9", "2,9", "32,39"];

#[test]
fn a_difference_by_referrer_is_said_in_words_and_each_interval_drawn() {
    let Some(chromium) =
        browser("dashboard::a_difference_by_referrer_is_said_in_words_and_each_interval_drawn")
    else {
        return;
    };
    let w = Workspace::new();
    let (out, _) = w.ingest("-", slow_referrer().join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let server = Served::start(&w.db(), &["--quiet"]);
    // With the layout check of every_chart_is_laid_out_cleanly_from_400_to_1280_pixels.
    let url = format!("{}/", with_layout_check(&server.base));
    for width in [400, 1280] {
        let dom = chromium.dump_dom_at(&url, width);
        assert_eq!(attribute(&dom, "<body ", "data-ready"), "true", "{dom}");
        assert_eq!(attribute(&dom, "<body ", "data-layout-checked"), "true");
        for check in ["data-overlaps", "data-outside"] {
            let marker = "id=\"chart-referrers\"";
            assert_eq!(attribute(&dom, marker, check), "0", "{check} at {width} px");
        }
        // The DOM as Chromium writes it escapes the text's "<".
        let shown = SLOW_VERDICT.replace('<', "&lt;");
        assert!(dom.contains(&format!(">{shown}<")), "at {width} px: {dom}");
        assert_eq!(
            attribute(&dom, "id=\"referrers-difference\"", "data-differs"),
            "true"
        );
        // One interval per referrer row, in the order of the rows: (direct) has more sessions.
        assert_eq!(intervals(&dom), SLOW_INTERVALS, "at {width} px");
        assert!(
            dom.contains(">95% confidence interval of the median: 1 visit.<"),
            "{dom}"
        );
        assert!(
            dom.contains(">95% confidence interval of the median: 2 min to 9 min.<"),
            "{dom}"
        );
    }
    let png = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dashboard-slow-referrer.png");
    chromium.screenshot_sized(&format!("{}/", server.base), &png, "1280,2300");
}

/// Every interval the page shows, as its `data-ci95` (empty ones, for a median without an
/// interval, left out), in the order of the page.
pub(crate) fn intervals(dom: &str) -> Vec<String> {
    dom.match_indices("data-ci95=\"")
        .map(|(at, m)| dom[at + m.len()..].split('"').next().unwrap().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

/// What a browser asks for once it has the page, each fetch on a connection of its own.
const PAGE_FETCHES: [&str; 5] = [
    "/metrics/orders",
    "/metrics/summary",
    "/metrics/daily",
    "/metrics/distributions",
    "/metrics/referrers",
];

/// A browser loads the page, then opens several connections at once for its fetches and keeps
/// all of them open (keep-alive). Every request must get its answer. With tiny_http 0.12's
/// thread pool, connections that arrive faster than its idle threads wake up are queued for
/// threads that are already taken, and those fetches wait until another connection closes:
/// in a browser, for as long as it keeps its connections.
#[test]
fn a_browsers_burst_of_keep_alive_connections_is_all_answered() {
    let w = Workspace::new();
    let (out, _) = w.ingest("-", shop().join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    for trial in 1..=3 {
        let server = Served::start(&w.db(), &["--quiet"]);
        let host = server.base.trim_start_matches("http://").to_string();
        let address: SocketAddr = host.parse().unwrap();
        let send = |stream: &mut TcpStream, path: &str| {
            let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n");
            stream.write_all(request.as_bytes()).unwrap();
        };
        let mut page = TcpStream::connect(address).unwrap();
        send(&mut page, "/");
        assert_answered(&mut page, "/", trial);
        // The browser parses the page and starts its script; the server's threads go idle.
        thread::sleep(Duration::from_millis(200));
        // Then its fetches go out at once, each on a new connection.
        let mut fetches: Vec<TcpStream> = PAGE_FETCHES
            .iter()
            .map(|_| TcpStream::connect(address).unwrap())
            .collect();
        for (path, stream) in PAGE_FETCHES.iter().zip(&mut fetches) {
            send(stream, path);
        }
        // Read every answer while all connections stay open, as in the browser.
        for (path, stream) in PAGE_FETCHES.iter().zip(&mut fetches) {
            assert_answered(stream, path, trial);
        }
        drop(page);
    }
}

fn assert_answered(stream: &mut TcpStream, path: &str, trial: usize) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut status_line = [0u8; 12];
    let answered = stream.read_exact(&mut status_line);
    assert!(
        answered.is_ok(),
        "trial {trial}: GET {path} got no answer in 5 s while the page's other connections \
         stayed open ({answered:?})"
    );
    assert_eq!(&status_line, b"HTTP/1.1 200", "GET {path}");
}

/// What the page does with what the real server seldom sends: a failing endpoint, no orders
/// yet, and markup in a referrer host. A stand-in server serves the same page with such answers.
#[test]
fn failures_nulls_and_markup_in_the_data_show_as_text() {
    let Some(chromium) = browser("dashboard::failures_nulls_and_markup_in_the_data_show_as_text")
    else {
        return;
    };
    let hostile = "<img src=x onerror=alert(1)>evil.example";
    let base = stand_in_server(vec![
        (
            "/metrics/orders",
            200,
            json!({"median_visits_before_order": null, "median_session_duration_minutes_before_order": null}),
        ),
        (
            "/metrics/summary",
            200,
            json!({"events_stored": 2, "events_rejected": 1, "customers": 1, "sessions": 1,
                   "ordering_sessions": 0, "first_event_at": "2022-05-01T00:00:00Z",
                   "last_event_at": "2022-05-01T00:10:00Z", "session_timeout_seconds": 2700,
                   "ingests": 1}),
        ),
        (
            "/metrics/daily",
            500,
            json!({"error": "the database could not answer: disk I/O error"}),
        ),
        (
            "/metrics/distributions",
            200,
            json!({"visits_before_order": [], "minutes_before_first_order": []}),
        ),
        (
            "/metrics/referrers",
            200,
            json!({"referrers": [{"referrer_host": hostile, "sessions": 1, "ordering_sessions": 0,
                   "ordering_share": 0.0, "median_minutes": 10.0, "mean_minutes": 10.0,
                   "p90_minutes": 10.0}]}),
        ),
        ("/metrics/history", 200, json!({"history": []})),
    ]);
    let dom = chromium.dump_dom(&format!("{base}/"));

    assert_eq!(attribute(&dom, "<body ", "data-ready"), "error", "{dom}");
    let errors = tag(&dom, r#"id="errors""#);
    assert!(
        !errors.contains("hidden"),
        "the error box is visible: {errors}"
    );
    assert!(
        dom.contains("/metrics/daily: HTTP 500, the database could not answer: disk I/O error"),
        "{dom}"
    );
    for key in [
        "median_visits_before_order",
        "median_session_duration_minutes_before_order",
    ] {
        assert_eq!(
            attribute(&dom, &format!(r#"data-metric="{key}""#), "data-value"),
            "null"
        );
    }
    assert!(dom.contains(">no orders yet<"), "{dom}");
    assert!(
        dom.contains(">45 min<"),
        "the timeout from the summary: {dom}"
    );
    assert!(
        !dom.contains("<img"),
        "markup from the data became markup: {dom}"
    );
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;evil.example"));
    assert!(svg_rects(&dom, "chart-referrers") > 0);
}

/// The page must work offline: nothing from another host. The page (or its script, or its
/// style sheet) loads nothing but the script and the style sheet, from its own server.
fn assert_self_contained(text: &str) {
    let lower = text
        .to_ascii_lowercase()
        .replace(SVG_NAMESPACE, "")
        .replacen("<script src=\"/dashboard.js\"></script>", "", 1)
        .replacen("<link rel=\"stylesheet\" href=\"/dashboard.css\">", "", 1);
    for needle in [
        "http://",
        "https://",
        "src=",
        "<link",
        "@import",
        "url(",
        "href=\"//",
        "import(",
    ] {
        assert!(
            !lower.contains(needle),
            "the dashboard refers to something outside itself ({needle:?})"
        );
    }
}

/// A headline element's `data-value` must be the JSON value as JavaScript's `String()` prints it.
fn assert_shows(dom: &str, key: &str, want: &Value) {
    let shown = attribute(dom, &format!(r#"data-metric="{key}""#), "data-value");
    match want {
        Value::Null => assert_eq!(shown, "null", "{key}"),
        Value::String(s) => assert_eq!(&shown, s, "{key}"),
        Value::Number(n) => {
            let parsed: f64 = shown
                .parse()
                .unwrap_or_else(|_| panic!("{key}: data-value {shown:?} is not a number"));
            assert_eq!(Some(parsed), n.as_f64(), "{key}");
        }
        other => panic!("{key}: unexpected JSON {other}"),
    }
}

/// The start tag that contains `marker`, e.g. `<div class="n" data-metric="sessions" …>`.
pub(crate) fn tag<'a>(dom: &'a str, marker: &str) -> &'a str {
    let at = dom
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in the page: {dom}"));
    let start = dom[..=at].rfind('<').unwrap();
    let end = at + dom[at..].find('>').unwrap();
    &dom[start..=end]
}

/// The value of `name` in the start tag that contains `marker`.
pub(crate) fn attribute(dom: &str, marker: &str, name: &str) -> String {
    let tag = tag(dom, marker);
    let prefix = format!(r#" {name}=""#);
    let at = tag
        .find(&prefix)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        + prefix.len();
    let value = &tag[at..at + tag[at..].find('"').unwrap()];
    value
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// How many `<rect>` the first SVG after the element with this id has.
pub(crate) fn svg_rects(dom: &str, id: &str) -> usize {
    let start = dom
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &dom[start..];
    let end = rest.find("</svg>").unwrap_or(0);
    rest[..end].matches("<rect").count()
}

pub(crate) struct Chromium(PathBuf);

/// Headless Chromium, or None when it is missing and XCC_SKIP_BROWSER=1 skips `check`.
pub(crate) fn browser(check: &str) -> Option<Chromium> {
    crate::needs::chromium(check).map(Chromium)
}

impl Chromium {
    /// The DOM after the page's scripts ran: virtual time lets the fetches and drawing finish.
    fn dump_dom(&self, url: &str) -> String {
        self.run(&["--dump-dom", url]).0
    }

    /// The DOM, and every message the page wrote on the browser's console: Chromium logs
    /// each one (a script's error, a resource refused by the Content-Security-Policy, a failed
    /// load, any console.log) as a line with `:CONSOLE` on stderr, whatever its level.
    pub(crate) fn dump_dom_logged(&self, url: &str) -> (String, Vec<String>) {
        let (dom, stderr) = self.run(&["--enable-logging=stderr", "--v=0", "--dump-dom", url]);
        let console = stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_string)
            .collect();
        (dom, console)
    }

    /// The DOM after the page's scripts ran in a window `width` pixels wide.
    pub(crate) fn dump_dom_at(&self, url: &str, width: u32) -> String {
        self.run(&["--dump-dom", &format!("--window-size={width},2600"), url])
            .0
    }

    fn screenshot(&self, url: &str, png: &Path) {
        self.screenshot_sized(url, png, "1280,1600");
    }

    /// A screenshot `width` pixels wide and tall enough for the whole page.
    fn screenshot_at(&self, url: &str, png: &Path, width: u32) {
        self.screenshot_sized(url, png, &format!("{width},2600"));
    }

    pub(crate) fn screenshot_sized(&self, url: &str, png: &Path, size: &str) {
        std::fs::create_dir_all(png.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(png);
        let target = format!("--screenshot={}", png.display());
        self.run(&[&target, &format!("--window-size={size}"), url]);
        assert!(png.exists(), "chromium wrote no {}", png.display());
    }

    /// Runs Chromium with `args`: its stdout and stderr.
    pub(crate) fn run(&self, args: &[&str]) -> (String, String) {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(&self.0)
            // Its own process group, so that a timeout ends the browser's helpers too.
            .process_group(0)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--virtual-time-budget=10000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.0.display()));
        let stdout = drain(child.stdout.take().unwrap());
        let stderr = drain(child.stderr.take().unwrap());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > CHROMIUM_TIMEOUT {
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.wait();
                panic!(
                    "chromium {args:?} did not finish in {} s: with virtual time it waits for every \
                     request of the page, so one of them probably never got an answer",
                    CHROMIUM_TIMEOUT.as_secs()
                );
            }
            thread::sleep(Duration::from_millis(50));
        };
        let stdout = stdout.join().unwrap();
        let stderr = stderr.join().unwrap();
        assert!(status.success(), "chromium {args:?}: {status}\n{stderr}");
        (stdout, stderr)
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Serves the dashboard at / and the given (path, status, JSON) answers; 404 for the rest.
fn stand_in_server(answers: Vec<(&'static str, u16, Value)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let answers = answers.clone();
            thread::spawn(move || answer(stream, &answers));
        }
    });
    base
}

fn answer(mut stream: TcpStream, answers: &[(&str, u16, Value)]) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    let _ = reader.read_line(&mut request_line);
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("");
    let (status, content_type, body) = match answers.iter().find(|(p, _, _)| *p == path) {
        Some((_, status, body)) => (*status, "application/json", body.to_string()),
        None if path == "/" => (200, "text/html; charset=utf-8", DASHBOARD.to_string()),
        None if path == "/dashboard.js" => (200, "text/javascript", DASHBOARD_JS.to_string()),
        None if path == "/dashboard.css" => (200, "text/css", DASHBOARD_CSS.to_string()),
        None => (
            404,
            "application/json",
            r#"{"error":"not found"}"#.to_string(),
        ),
    };
    // The page under the real server's policy.
    let policy = if path == "/" {
        format!("Content-Security-Policy: {CONTENT_SECURITY_POLICY}\r\n")
    } else {
        String::new()
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n{policy}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

#[test]
fn browsers_get_an_icon_instead_of_a_404() {
    let w = Workspace::new();
    w.ingest(crate::util::REAL_HEAD, b"");
    let server = Served::start(&w.db(), &["--quiet"]);
    let (status, headers, body) = server.request("GET", "/favicon.ico");
    assert_eq!(status, 200);
    assert!(
        headers.contains(&("content-type".into(), "image/svg+xml".into())),
        "{headers:?}"
    );
    assert!(body.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
}

/// Widths from a phone's to a desktop's, with both sides of the page's one breakpoint
/// (`max-width: 900px`, where the two-column grid becomes one column).
const LAYOUT_WIDTHS: [u32; 6] = [400, 600, 899, 901, 1100, 1280];

/// Every chart at each of [`LAYOUT_WIDTHS`]: no two texts overlap and none sticks out of its
/// chart, by the check the test injects into the page (`layout_check.js`: the boxes of every
/// text, written as data-overlaps and data-outside on each chart). Screenshots of 400 and
/// 1280 px are kept in target/ to look at.
#[test]
fn every_chart_is_laid_out_cleanly_from_400_to_1280_pixels() {
    let Some(chromium) =
        browser("dashboard::every_chart_is_laid_out_cleanly_from_400_to_1280_pixels")
    else {
        return;
    };
    let w = Workspace::new();
    let (out, _) = w.ingest("-", shop().join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A second ingest, so that the medians over time are a line of two points.
    let more = [
        event(9_001, 90, 6 * 86_400, "page_view", None),
        event(9_002, 90, 6 * 86_400 + 600, "placed_order", None),
    ];
    let (out, _) = w.ingest("-", more.join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let server = Served::start(&w.db(), &["--quiet"]);
    let url = format!("{}/", with_layout_check(&server.base));
    // The check runs as a script of the page's origin, under the page's policy: nothing is
    // refused, nothing written on the console.
    let (dom, console) = chromium.dump_dom_logged(&url);
    assert_eq!(attribute(&dom, "<body ", "data-layout-checked"), "true");
    assert!(console.is_empty(), "{}", console.join("\n"));
    for width in LAYOUT_WIDTHS {
        let dom = chromium.dump_dom_at(&url, width);
        assert_eq!(attribute(&dom, "<body ", "data-ready"), "true", "{dom}");
        assert_eq!(attribute(&dom, "<body ", "data-layout-checked"), "true");
        for chart in [
            "chart-daily",
            "chart-history",
            "chart-sensitivity",
            "chart-visits",
            "chart-minutes",
            "chart-referrers",
        ] {
            let marker = format!("id=\"{chart}\"");
            assert_eq!(
                attribute(&dom, &marker, "data-overlaps"),
                "0",
                "{chart} at {width} px: {}",
                attribute(&dom, &marker, "data-overlapping")
            );
            assert_eq!(
                attribute(&dom, &marker, "data-outside"),
                "0",
                "{chart} at {width} px"
            );
            let drawn = match chart {
                "chart-history" => dom.matches("data-point=").count(),
                "chart-sensitivity" => dom.matches("data-timeout-point=").count(),
                _ => svg_rects(&dom, chart),
            };
            assert!(drawn > 0, "{chart} at {width} px has nothing drawn");
        }
        if width == 400 || width == 1280 {
            let png =
                Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/dashboard-{width}.png"));
            chromium.screenshot_at(&url, &png, width);
        }
    }
}

/// How the test's proxy adds the layout check to the page.
#[derive(Clone, Copy)]
enum Inject {
    /// `<script src="/__layout_check.js">`: the page's own origin, which its
    /// Content-Security-Policy allows (`script-src 'self'`).
    Script,
    /// The check inline, as markup put into a page would be: the policy refuses it.
    Inline,
}

/// A stand-in in front of the real server at `base` that adds the layout check to the page
/// at `/`, serves it at `/__layout_check.js`, and passes every other answer on as it is
/// (the page's headers too, its Content-Security-Policy among them); its base URL.
fn with_layout_check(base: &str) -> String {
    proxy(base, Inject::Script)
}

fn proxy(base: &str, inject: Inject) -> String {
    let upstream: SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let front = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            thread::spawn(move || pass_on(stream, upstream, inject));
        }
    });
    front
}

fn pass_on(mut client: TcpStream, upstream: SocketAddr, inject: Inject) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut request_line = String::new();
    let _ = reader.read_line(&mut request_line);
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
        line.clear();
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    if path == "/__layout_check.js" {
        let _ = write!(
            client,
            "HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nX-Content-Type-Options: nosniff\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{LAYOUT_CHECK}",
            LAYOUT_CHECK.len()
        );
        let _ = client.flush();
        return;
    }
    let mut server = TcpStream::connect(upstream).unwrap();
    write!(
        server,
        "GET {path} HTTP/1.1\r\nHost: {upstream}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).unwrap();
    let is_page = path == "/" || path.starts_with("/?");
    if is_page {
        let text = String::from_utf8(answer).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let mut lines = head.lines();
        let status = lines.next().unwrap();
        // The server's headers, but for the length (the body grows) and the connection.
        let headers: String = lines
            .filter(|l| {
                let name = l.split(':').next().unwrap_or("").to_ascii_lowercase();
                name != "content-length" && name != "connection"
            })
            .map(|l| format!("{l}\r\n"))
            .collect();
        assert!(
            headers.contains("Content-Security-Policy: "),
            "{status}\n{headers}"
        );
        assert!(body.contains("</body>"), "{status}");
        let script = match inject {
            Inject::Script => "<script src=\"/__layout_check.js\"></script>".to_string(),
            Inject::Inline => format!("<script>{LAYOUT_CHECK}</script>"),
        };
        let body = body.replacen("</body>", &format!("{script}</body>"), 1);
        answer = format!(
            "{status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes();
    }
    let _ = client.write_all(&answer);
    let _ = client.flush();
}

/// The timeouts chart: one point per timeout and median, the file's own timeout marked; after
/// `xcc sessionize --timeout 25m`, 25 minutes joins the eight timeouts and is the one marked.
#[test]
fn the_timeouts_chart_marks_the_files_own_timeout() {
    let Some(chromium) = browser("dashboard::the_timeouts_chart_marks_the_files_own_timeout")
    else {
        return;
    };
    let w = Workspace::new();
    let (out, _) = w.ingest("-", shop().join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (timeout, points, marked) in [(None, 8, "30 min"), (Some("25m"), 9, "25 min")] {
        if let Some(t) = timeout {
            let out = run(
                &["sessionize", "--db", &w.db_str(), "--timeout", t, "--quiet"],
                b"",
            );
            assert_eq!(out.code, 0, "{}", out.stderr);
        }
        let server = Served::start(&w.db(), &["--quiet"]);
        let sensitivity = server.get_json("/metrics/sensitivity");
        assert_eq!(sensitivity["timeouts"].as_array().unwrap().len(), points);
        let dom = chromium.dump_dom(&format!("{}/", server.base));
        assert_eq!(attribute(&dom, "<body ", "data-ready"), "true", "{dom}");
        // Every timeout has both medians here (the shop has orders at every timeout).
        assert_eq!(dom.matches("data-timeout-point=").count(), 2 * points);
        assert_eq!(attribute(&dom, "data-marked=", "data-marked"), marked);
    }
}

/// A range in the page's URL: the form shows it, the headline numbers are the API's for it,
/// and the note says what the range applies to.
#[test]
fn a_date_range_in_the_url_is_shown_and_applied() {
    let Some(chromium) = browser("dashboard::a_date_range_in_the_url_is_shown_and_applied") else {
        return;
    };
    let w = Workspace::new();
    let (out, _) = w.ingest("-", shop().join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let server = Served::start(&w.db(), &["--quiet"]);
    let days: Vec<String> = server.get_json("/metrics/daily")["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["day"].as_str().unwrap().to_string())
        .collect();
    let (from, to) = (&days[1], &days[3]);
    let query = format!("from={from}&to={to}");
    let orders = server.get_json(&format!("/metrics/orders?{query}"));
    let whole = server.get_json("/metrics/orders");
    assert_ne!(
        orders, whole,
        "the range must change the answer for this test to mean anything"
    );
    assert!(orders["median_visits_before_order"].is_number());

    let dom = chromium.dump_dom(&format!("{}/?{query}", server.base));
    assert_eq!(attribute(&dom, "<body ", "data-ready"), "true", "{dom}");
    for key in [
        "median_visits_before_order",
        "median_session_duration_minutes_before_order",
    ] {
        assert_shows(&dom, key, &orders[key]);
    }
    assert_eq!(attribute(&dom, "id=\"range-from\"", "value"), *from);
    assert_eq!(attribute(&dom, "id=\"range-to\"", "value"), *to);
    assert!(dom.contains("Showing from "), "{dom}");
    assert!(!tag(&dom, "id=\"range-clear\"").contains("hidden"));

    // A referrer too: the menu has it chosen, and a wrong date is the API's sentence on the page.
    let dom = chromium.dump_dom(&format!("{}/?referrer=news.example.org", server.base));
    assert!(
        tag(&dom, "<option value=\"news.example.org\"").contains("selected"),
        "{dom}"
    );
    let dom = chromium.dump_dom(&format!("{}/?from=May", server.base));
    assert_eq!(attribute(&dom, "<body ", "data-ready"), "error");
    assert!(dom.contains("from must be a date like 2022-04-01 (UTC), not \"May\""));
}

/// The console check of these tests sees what the page's Content-Security-Policy blocks: the
/// same layout check put inline into the page, as markup from elsewhere would be, is refused,
/// never runs, and the refusal is on the console; the page itself still draws.
#[test]
fn the_pages_policy_refuses_an_inline_script_and_the_console_says_so() {
    let Some(chromium) =
        browser("dashboard::the_pages_policy_refuses_an_inline_script_and_the_console_says_so")
    else {
        return;
    };
    let w = Workspace::new();
    let (out, _) = w.ingest("-", shop().join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let server = Served::start(&w.db(), &["--quiet"]);
    let (dom, console) =
        chromium.dump_dom_logged(&format!("{}/", proxy(&server.base, Inject::Inline)));
    assert_eq!(attribute(&dom, "<body ", "data-ready"), "true", "{dom}");
    assert!(
        !tag(&dom, "<body ").contains("data-layout-checked"),
        "the inline script ran: {dom}"
    );
    assert!(
        console
            .iter()
            .any(|l| l.contains("violates the following Content Security Policy directive")),
        "no refusal on the console: {console:?}"
    );
}
