//! `xcc report`: one self-contained HTML file with the dashboard's answers. Its embedded JSON
//! is each endpoint's answer (`xcc metrics NAME`) for the same file and filter; headless
//! Chromium opens it from file:// and makes no request, writes nothing on the console and
//! lays it out cleanly at 400 and 1280 px; markup in the data stays text; it holds aggregates
//! only and stays small; it prints on A4; a file without orders says so.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use crate::dashboard::{
    attribute, browser, intervals, shop, slow_referrer, svg_rects, tag, Chromium, SLOW_INTERVALS,
    SLOW_VERDICT,
};
use crate::util::{event, run, Workspace};

/// The layout check of the dashboard tests, added by these tests to a copy of the page.
const LAYOUT_CHECK: &str = include_str!("layout_check.js");
const CHARTS: [&str; 6] = [
    "chart-daily",
    "chart-history",
    "chart-sensitivity",
    "chart-visits",
    "chart-minutes",
    "chart-referrers",
];
const DATA_START: &str = "<script type=\"application/json\" id=\"xcc-data\">";

/// `xcc report --db <w's db> --out <dir>/<name> --quiet ARGS…`: the page written.
fn report(w: &Workspace, name: &str, args: &[&str]) -> String {
    let out = w.path(name);
    let db = w.db_str();
    let mut all = vec![
        "report",
        "--db",
        &db,
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    all.extend_from_slice(args);
    let result = run(&all, b"");
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(result.stderr, "", "--quiet");
    std::fs::read_to_string(&out).unwrap()
}

/// The page's data block, parsed (its text as it is: a script's text has no entities).
fn embedded(html: &str) -> Value {
    let start = html.find(DATA_START).expect("the page has its data block") + DATA_START.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("the data block is JSON")
}

/// `xcc metrics NAME --db … ARGS…` as JSON.
fn metric(w: &Workspace, name: &str, args: &[&str]) -> Value {
    let db = w.db_str();
    let mut all = vec!["metrics", name, "--db", &db];
    all.extend_from_slice(args);
    let out = run(&all, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
}

/// The data block's key and `xcc metrics` name of each part, and whether it takes the filter.
const PARTS: [(&str, &str, bool); 8] = [
    ("orders", "orders", true),
    ("detail", "orders-detail", true),
    ("summary", "summary", false),
    ("daily", "daily", true),
    ("distributions", "distributions", true),
    ("referrers", "referrers", true),
    ("history", "history", false),
    ("sensitivity", "sensitivity", false),
];

fn shop_workspace() -> Workspace {
    let w = Workspace::new();
    let (out, _) = w.ingest("-", shop().join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    w
}

#[test]
fn the_report_holds_exactly_what_the_endpoints_answer() {
    let w = shop_workspace();
    let days: Vec<String> = metric(&w, "daily", &[])["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["day"].as_str().unwrap().to_string())
        .collect();
    let (from, to) = (days[1].clone(), days[3].clone());
    let cases: [(&str, Vec<&str>, Value); 3] = [
        ("all.html", vec![], serde_json::json!({})),
        (
            "range.html",
            vec!["--from", &from, "--to", &to],
            serde_json::json!({"from": from, "to": to}),
        ),
        (
            "news.html",
            vec!["--referrer", "news.example.org"],
            serde_json::json!({"referrer": "news.example.org"}),
        ),
    ];
    for (name, args, filter) in cases {
        let html = report(&w, name, &args);
        let data = embedded(&html);
        let keys: Vec<&str> = data
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut want = vec!["filter"];
        want.extend(PARTS.iter().map(|(key, _, _)| *key));
        assert_eq!(keys, want, "{name}");
        assert_eq!(data["filter"], filter, "{name}");
        for (key, metric_name, filtered) in PARTS {
            let answer = metric(&w, metric_name, if filtered { &args } else { &[] });
            assert_eq!(
                data[key], answer,
                "{name}: {key} is not `xcc metrics {metric_name}`"
            );
        }
        // The header says where the numbers come from.
        let summary = &data["summary"];
        for text in [
            "<dd>sessions.db</dd>",
            &format!("by xcc {}.", env!("CARGO_PKG_VERSION")),
            &format!(
                "<dt>First event</dt><dd>{}</dd>",
                readable(summary["first_event_at"].as_str().unwrap())
            ),
            &format!(
                "<dt>Last event</dt><dd>{}</dd>",
                readable(summary["last_event_at"].as_str().unwrap())
            ),
            "<dt>Session timeout</dt><dd>30 min</dd>",
            &format!("<dd>{} in 1 load</dd>", shop().len()),
            &format!(
                "<dd>{} (and 0 repeats of lines already read)</dd>",
                shop().len()
            ),
            "<dt>Lines rejected</dt><dd>none</dd>",
        ] {
            assert!(html.contains(text), "{name}: no {text} in the header");
        }
        let shown_filter = match name {
            "all.html" => "none: all the data".to_string(),
            "range.html" => format!(
                "from {}, to {}",
                readable(&format!("{from}T00:00")).trim_end_matches(" 00:00 UTC"),
                readable(&format!("{to}T00:00")).trim_end_matches(" 00:00 UTC")
            ),
            _ => "only visits from news.example.org".to_string(),
        };
        assert!(
            html.contains(&format!("<dt>Filter</dt><dd>{shown_filter}</dd>")),
            "{name}"
        );
    }
    // The filter must change the numbers for the comparison above to mean anything.
    assert_ne!(
        embedded(&report(&w, "again.html", &[]))["orders"],
        embedded(&std::fs::read_to_string(w.path("range.html")).unwrap())["orders"]
    );
}

#[test]
fn the_report_refuses_what_metrics_and_share_refuse() {
    let w = shop_workspace();
    report(&w, "r.html", &[]);
    let out_path = w.path("r.html");
    let out = out_path.to_str().unwrap();
    let db = w.db_str();
    let again = run(&["report", "--db", &db, "--out", out], b"");
    assert_eq!(again.code, 1);
    assert_eq!(
        again.stderr.trim(),
        format!("xcc: {out} already exists; choose another --out, or give --force to replace it")
    );
    let forced = run(&["report", "--db", &db, "--out", out, "--force"], b"");
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(
        forced.stderr.starts_with("xcc: wrote the report of "),
        "{}",
        forced.stderr
    );
    let bad = run(
        &[
            "report", "--db", &db, "--out", out, "--force", "--from", "May",
        ],
        b"",
    );
    assert_eq!(bad.code, 2);
    assert_eq!(
        bad.stderr,
        "xcc: invalid value 'May' for '--from <DATE>': not a date like 2022-04-01 (UTC); see xcc report --help\n"
    );
    let onto_db = run(&["report", "--db", &db, "--out", &db, "--force"], b"");
    assert_eq!(onto_db.code, 1);
    assert!(
        onto_db.stderr.contains("is the database itself"),
        "{}",
        onto_db.stderr
    );
    // No temporary file left beside the report.
    let left: Vec<String> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A local listener that every host name resolves to in the browser (`--host-resolver-rules`):
/// any request to anywhere over the network lands here, and the host it was for is noted
/// (HTTP's Host, or TLS's server name), then it is answered 404 or closed, so that the
/// browser does not wait.
struct Trap {
    port: u16,
    hosts: Arc<Mutex<Vec<String>>>,
}

/// The browser's own services, which headless Chromium calls on its own whatever the page
/// (the network time, component updates, accounts), even with --disable-background-networking.
const BROWSER_SERVICES: [&str; 5] = [
    ".google.com",
    ".googleapis.com",
    ".gstatic.com",
    ".gvt1.com",
    ".googleusercontent.com",
];

impl Trap {
    fn new() -> Trap {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hosts = Arc::new(Mutex::new(Vec::new()));
        let noted = hosts.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let noted = noted.clone();
                thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                    let mut buffer = vec![0u8; 8192];
                    let n = stream.read(&mut buffer).unwrap_or(0);
                    let host = host_of(&buffer[..n]).unwrap_or_else(|| format!("{n} bytes"));
                    noted.lock().unwrap().push(host);
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                });
            }
        });
        Trap { port, hosts }
    }

    fn rule(&self) -> String {
        format!("--host-resolver-rules=MAP * 127.0.0.1:{}", self.port)
    }

    /// The hosts asked for, but the browser's own services.
    fn requests(&self) -> Vec<String> {
        // Give a connection opened at the end its moment to be read.
        thread::sleep(Duration::from_millis(100));
        self.hosts
            .lock()
            .unwrap()
            .iter()
            .filter(|h| {
                !BROWSER_SERVICES
                    .iter()
                    .any(|s| h.ends_with(s) || **h == s[1..])
            })
            .cloned()
            .collect()
    }
}

/// The host a connection's first bytes are for: HTTP's Host header, or the server name of a
/// TLS ClientHello.
fn host_of(bytes: &[u8]) -> Option<String> {
    if bytes.first() == Some(&0x16) {
        return server_name(bytes);
    }
    let text = String::from_utf8_lossy(bytes);
    text.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("host")
            .then(|| value.trim().split(':').next().unwrap_or("").to_string())
    })
}

/// The server_name extension of a TLS ClientHello (RFC 8446 4.1.2, RFC 6066 3).
fn server_name(b: &[u8]) -> Option<String> {
    let u16_at = |i: usize| Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]) as usize);
    // Record header (5), handshake header (4), version (2), random (32).
    let mut i = 5 + 4 + 2 + 32;
    i += 1 + *b.get(i)? as usize; // session id
    i += 2 + u16_at(i)?; // cipher suites
    i += 1 + *b.get(i)? as usize; // compression methods
    let end = i + 2 + u16_at(i)?;
    i += 2;
    while i + 4 <= end.min(b.len()) {
        let (kind, len) = (u16_at(i)?, u16_at(i + 2)?);
        if kind == 0 {
            // list length (2), name type (1), name length (2), name
            let n = u16_at(i + 4 + 3)?;
            let name = b.get(i + 4 + 5..i + 4 + 5 + n)?;
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        i += 4 + len;
    }
    None
}

/// The page opened from file:// with every host resolving to `trap`: the DOM, and every line
/// the page wrote on the console (a script's error, anything the policy refused, any log).
fn open_from_file(
    chromium: &Chromium,
    page: &Path,
    trap: &Trap,
    width: u32,
) -> (String, Vec<String>) {
    let url = format!("file://{}", page.display());
    let (dom, stderr) = chromium.run(&[
        &trap.rule(),
        "--enable-logging=stderr",
        "--v=0",
        &format!("--window-size={width},2600"),
        "--dump-dom",
        &url,
    ]);
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (dom, console)
}

/// A copy of the page with `script` added at the end of its body and allowed by its policy
/// (its hash added to script-src), as the layout check is added to the dashboard by a proxy.
fn with_script(html: &str, script: &str) -> String {
    let policy = "script-src ";
    assert_eq!(html.matches(policy).count(), 1);
    let html = html.replacen(
        policy,
        &format!("{policy}{} ", xcc::report::csp_hash(script)),
        1,
    );
    html.replacen("</body>", &format!("<script>{script}</script></body>"), 1)
}

/// What the layout check does not look at: whether the page itself is wider than the window.
const PAGE_WIDTH_CHECK: &str = "(function whenReady() {
  if (document.body.dataset.layoutChecked === 'true') {
    document.body.dataset.pageOverflow = String(document.documentElement.scrollWidth > window.innerWidth + 1);
  } else { setTimeout(whenReady, 20); }
})();";

#[test]
fn the_report_opens_from_a_file_with_no_request_no_message_and_a_clean_layout() {
    let Some(chromium) = browser(
        "report::the_report_opens_from_a_file_with_no_request_no_message_and_a_clean_layout",
    ) else {
        return;
    };
    let w = shop_workspace();
    let html = report(&w, "report.html", &[]);
    let data = embedded(&html);
    let trap = Trap::new();

    let (dom, console) = open_from_file(&chromium, &w.path("report.html"), &trap, 1280);
    assert_eq!(attribute(&dom, "<body ", "data-ready"), "true", "{dom}");
    assert!(
        console.is_empty(),
        "the report wrote on the console:\n{}",
        console.join("\n")
    );
    assert_eq!(
        trap.requests(),
        Vec::<String>::new(),
        "the report made a request"
    );
    for key in [
        "median_visits_before_order",
        "median_session_duration_minutes_before_order",
    ] {
        let shown = attribute(&dom, &format!("data-metric=\"{key}\""), "data-value");
        assert_eq!(
            shown.parse::<f64>().ok(),
            data["orders"][key].as_f64(),
            "{key}"
        );
    }
    assert_eq!(
        attribute(&dom, "data-metric=\"sessions\"", "data-value"),
        data["summary"]["sessions"].to_string()
    );
    assert!(dom.contains(">47.5 min<"), "{dom}");
    assert!(
        dom.contains("id=\"visits-spread\">Half of the orders took between "),
        "the quartiles in words: {dom}"
    );
    assert_eq!(
        dom.matches("data-partial=\"true\"").count(),
        1,
        "the partial last day"
    );
    for chart in [
        "chart-daily",
        "chart-visits",
        "chart-minutes",
        "chart-referrers",
    ] {
        assert!(svg_rects(&dom, chart) > 0, "{chart} has no bars");
    }
    // One load: no medians over time (see the_medians_over_time_are_shown_from_two_loads_on).
    assert_eq!(
        dom.matches("data-point=").count(),
        0,
        "the medians over time"
    );
    assert!(
        dom.matches("data-timeout-point=").count() > 0,
        "the timeouts chart"
    );

    // The trap sees a request when there is one: the same page without its policy and with
    // an image from elsewhere.
    let start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let end = start + html[start..].find('>').unwrap() + 1;
    let leaky = format!("{}{}", &html[..start], &html[end..]).replacen(
        "</main>",
        "<img src=\"http://images.example.com/pixel.png\" alt=\"\"></main>",
        1,
    );
    std::fs::write(w.path("leaky.html"), leaky).unwrap();
    let _ = open_from_file(&chromium, &w.path("leaky.html"), &trap, 1280);
    assert!(
        trap.requests().contains(&"images.example.com".to_string()),
        "the trap did not see the image's request: {:?}",
        trap.hosts.lock().unwrap()
    );

    // The layout, by the dashboard tests' check, added to a copy of the page.
    let checked = with_script(&html, &format!("{LAYOUT_CHECK}\n{PAGE_WIDTH_CHECK}"));
    std::fs::write(w.path("checked.html"), checked).unwrap();
    let quiet = Trap::new();
    for width in [400, 1280] {
        let (dom, console) = open_from_file(&chromium, &w.path("checked.html"), &quiet, width);
        assert!(console.is_empty(), "at {width} px:\n{}", console.join("\n"));
        assert_eq!(attribute(&dom, "<body ", "data-ready"), "true", "{dom}");
        assert_eq!(attribute(&dom, "<body ", "data-layout-checked"), "true");
        assert_eq!(
            attribute(&dom, "<body ", "data-page-overflow"),
            "false",
            "the page is wider than {width} px"
        );
        // One load: the medians over time are not drawn (laid out in
        // the_medians_over_time_are_shown_from_two_loads_on).
        for chart in CHARTS.iter().filter(|c| **c != "chart-history") {
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
        }
        let png = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{width}.png"));
        let url = format!("file://{}", w.path("checked.html").display());
        chromium.screenshot_sized(&url, &png, &format!("{width},2600"));
    }
    assert_eq!(quiet.requests(), Vec::<String>::new());
}

#[test]
fn markup_in_a_referrer_host_stays_text() {
    let hostile = "</script><script>alert(1)</script>\u{2028}&amp;<!--";
    let w = shop_workspace();
    // No referrer URL gives a host with a slash; a file from anyone can hold any host.
    let changed = w
        .conn()
        .execute(
            "UPDATE sessions SET referrer_host = ?1 WHERE referrer_host = 'news.example.org'",
            [hostile],
        )
        .unwrap();
    assert!(changed > 0);
    // On the command line a value with a slash can be no referrer host that an ingest
    // makes: refused (issue 35), so such markup reaches a page only from the file.
    let refused = run(
        &[
            "report",
            "--db",
            &w.db_str(),
            "--out",
            w.path("x.html").to_str().unwrap(),
            "--referrer",
            hostile,
        ],
        b"",
    );
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    // Markup without a slash is a host as far as the command line can tell, and may be one
    // in a file from anyone: the filter holds it, and the page shows it as text.
    let markup = "<script>alert(1)<!--\u{2028}&amp;";
    let changed = w
        .conn()
        .execute(
            "UPDATE sessions SET referrer_host = ?1 WHERE referrer_host IS NULL",
            [markup],
        )
        .unwrap();
    assert!(changed > 0);
    let html = report(&w, "hostile.html", &["--referrer", markup]);
    let data = embedded(&html);
    assert_eq!(data["filter"]["referrer"], markup);
    assert_eq!(
        data["referrers"],
        metric(&w, "referrers", &["--referrer", markup])
    );
    assert_eq!(
        data["referrers"]["referrers"][0]["referrer_host"], markup,
        "the host is in the data, intact"
    );
    let everything = report(&w, "all.html", &[]);
    assert!(embedded(&everything)["referrers"]["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["referrer_host"] == hostile));
    for page in [&html, &everything] {
        // The page's own elements: its one data block, its one script, its one style.
        assert_eq!(page.matches("<script").count(), 2);
        assert_eq!(page.matches("</script>").count(), 2);
        assert!(!page.contains("alert(1)</script>"));
        assert!(!page.contains('\u{2028}'), "the page holds U+2028 raw");
    }
    assert!(html.contains("<dd>only visits from &lt;script&gt;alert(1)&lt;!--"));

    let Some(chromium) = browser("report::markup_in_a_referrer_host_stays_text") else {
        return;
    };
    let trap = Trap::new();
    for (page, shown) in [
        ("hostile.html", "&lt;script&gt;alert(1)&lt;!--"),
        (
            "all.html",
            "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
        ),
    ] {
        let (dom, console) = open_from_file(&chromium, &w.path(page), &trap, 1280);
        assert_eq!(
            attribute(&dom, "<body ", "data-ready"),
            "true",
            "{page}: {dom}"
        );
        // An injected script would be refused by the policy, and the refusal logged.
        assert!(console.is_empty(), "{page}:\n{}", console.join("\n"));
        assert!(dom.contains(shown), "{page}: the host shows as text: {dom}");
    }
    assert_eq!(trap.requests(), Vec::<String>::new());
}

/// Events with everything the report must leave out: customer ids, IP addresses, user
/// agents, pages and event ids that no aggregate can look like.
fn personal_events() -> Vec<String> {
    let mut lines = Vec::new();
    for c in 0..30i64 {
        let customer = 7_340_001 + c;
        for k in 0..4i64 {
            let id = 91_000_001 + c * 10 + k;
            let kind = if k == 3 && c % 3 == 0 {
                "placed_order"
            } else {
                "page_view"
            };
            let seconds = 1_651_363_200 + (c % 5) * 86_400 + c * 600 + k * 240;
            lines.push(format!(
                r#"{{"id": {id}, "type": "{kind}", "event": {{"customer-id": {customer}, "timestamp": "{}", "ip": "198.51.100.{c}", "user-agent": "PrivateAgent/{c}.{k}", "page": "https://shop.example/private-page-{c}", "referrer": "https://ref{}.example.net/q"}}}}"#,
                crate::util::iso(seconds),
                c % 4
            ));
        }
    }
    lines
}

#[test]
fn the_report_holds_aggregates_only_and_stays_small() {
    let w = Workspace::new();
    let (out, _) = w.ingest("-", personal_events().join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let html = report(&w, "private.html", &[]);
    for c in 0..30 {
        for secret in [
            format!("{}", 7_340_001 + c),
            format!("198.51.100.{c}"),
            format!("PrivateAgent/{c}"),
            format!("private-page-{c}"),
            format!("{}", 91_000_001 + c * 10),
        ] {
            assert!(!html.contains(&secret), "the report holds {secret}");
        }
    }
    assert!(
        html.contains("ref1.example.net"),
        "the referrer hosts are there"
    );

    // Its size: the page's code (markup, style, script) plus the aggregates, whose rows are
    // days, referrer hosts, ingests, bins and timeouts, never events or customers.
    let data = embedded(&html);
    let json = data.to_string();
    let code = html.len() - json.len();
    assert!(code < 120_000, "the page without its data is {code} bytes");
    let rows = |v: &Value| v.as_array().map_or(0, Vec::len);
    let summary = &data["summary"];
    assert!(rows(&data["daily"]["days"]) <= 6);
    assert_eq!(rows(&data["referrers"]["referrers"]), 4);
    assert_eq!(
        rows(&data["history"]["history"]),
        summary["ingests"].as_u64().unwrap() as usize
    );
    assert!(rows(&data["sensitivity"]["timeouts"]) <= 9);
    assert!(rows(&data["distributions"]["minutes_before_first_order"]) <= 13);
    assert!(rows(&data["distributions"]["visits_before_order"]) <= 30);
    // No other arrays anywhere: every value is a number, a short text, one of those rows, or
    // a median's interval of two numbers.
    fn leaves(v: &Value, longest_text: &mut usize, arrays: &mut usize, intervals: &mut usize) {
        match v {
            Value::Array(ends) if ends.len() == 2 && ends.iter().all(Value::is_number) => {
                *intervals += 1;
            }
            Value::Array(items) => {
                *arrays += 1;
                items
                    .iter()
                    .for_each(|i| leaves(i, longest_text, arrays, intervals));
            }
            Value::Object(map) => map
                .values()
                .for_each(|i| leaves(i, longest_text, arrays, intervals)),
            Value::String(s) => *longest_text = (*longest_text).max(s.len()),
            _ => {}
        }
    }
    let (mut longest, mut arrays, mut intervals) = (0, 0, 0);
    leaves(&data, &mut longest, &mut arrays, &mut intervals);
    assert_eq!(
        arrays, 6,
        "days, referrers, history, timeouts, two histograms: {json}"
    );
    // The four hosts' (7 or 8 sessions each) and the two headline medians' (10 values each).
    assert_eq!(intervals, 6, "{json}");
    assert!(longest < 100, "a text of {longest} bytes");

    // Ten times the events over the same days and hosts: the same page, but for its digits.
    let more = Workspace::new();
    let mut lines = personal_events();
    for copy in 1..10i64 {
        for line in personal_events() {
            let value: Value = serde_json::from_str(&line).unwrap();
            let mut value = value;
            value["id"] = (value["id"].as_i64().unwrap() + copy * 1_000_000).into();
            value["event"]["customer-id"] =
                (value["event"]["customer-id"].as_i64().unwrap() + copy * 100).into();
            lines.push(value.to_string());
        }
    }
    let (out, _) = more.ingest("-", lines.join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bigger = report(&more, "bigger.html", &[]);
    assert!(
        bigger.len().abs_diff(html.len()) < 2_000,
        "{} bytes for 120 events, {} for 1,200",
        html.len(),
        bigger.len()
    );
    assert!(bigger.len() < 500_000);
}

/// The number of pages of a PDF: its page objects (`/Type /Page`, not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's')
        .count()
}

#[test]
fn the_report_prints_on_a4() {
    let Some(chromium) = browser("report::the_report_prints_on_a4") else {
        return;
    };
    let w = shop_workspace();
    let html = report(&w, "print.html", &[]);
    assert!(html.contains("@media print"));
    assert!(html.contains("size: A4"));
    assert!(html.contains("break-inside: avoid"));
    let pdf_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.pdf");
    let _ = std::fs::remove_file(&pdf_path);
    let trap = Trap::new();
    chromium.run(&[
        &trap.rule(),
        "--no-pdf-header-footer",
        &format!("--print-to-pdf={}", pdf_path.display()),
        &format!("file://{}", w.path("print.html").display()),
    ]);
    let pdf = std::fs::read(&pdf_path).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let pages = pdf_pages(&pdf);
    assert!((2..=6).contains(&pages), "{pages} pages");
    // A4 is 595 × 842 points.
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        text.contains("/MediaBox [0 0 594.95996 841.91998]")
            || text.contains("/MediaBox [0 0 595 842]"),
        "not A4: {}",
        text.lines()
            .find(|l| l.contains("/MediaBox"))
            .unwrap_or("no MediaBox")
    );
    assert_eq!(trap.requests(), Vec::<String>::new());
}

#[test]
fn a_report_of_a_file_without_orders_says_no_orders_yet() {
    let empty = Workspace::new();
    let (out, _) = empty.ingest("-", b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let browsing = Workspace::new();
    let lines: Vec<String> = (0..6)
        .map(|i| event(i + 1, 1 + i % 2, i * 300, "page_view", None))
        .collect();
    let (out, _) = browsing.ingest("-", lines.join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let chromium = browser("report::a_report_of_a_file_without_orders_says_no_orders_yet");
    for (w, what) in [(&empty, "empty"), (&browsing, "browsing")] {
        let html = report(w, "none.html", &[]);
        let data = embedded(&html);
        assert!(data["orders"]["median_visits_before_order"].is_null());
        if what == "empty" {
            assert!(html.contains("<dd>no events yet</dd>"), "{html}");
        }
        let Some(chromium) = &chromium else { continue };
        let trap = Trap::new();
        let (dom, console) = open_from_file(chromium, &w.path("none.html"), &trap, 1280);
        assert_eq!(
            attribute(&dom, "<body ", "data-ready"),
            "true",
            "{what}: {dom}"
        );
        assert!(console.is_empty(), "{what}:\n{}", console.join("\n"));
        assert_eq!(trap.requests(), Vec::<String>::new());
        assert!(dom.contains(">no orders yet<"), "{what}: {dom}");
        // No chart of orders is drawn as empty axes.
        for chart in [
            "chart-history",
            "chart-sensitivity",
            "chart-visits",
            "chart-minutes",
        ] {
            let element = tag(&dom, &format!("id=\"{chart}\""));
            let start = dom.find(element).unwrap();
            let inside = &dom[start..start + dom[start..].find("</div>").unwrap()];
            assert!(
                !inside.contains("<svg"),
                "{what}: {chart} draws empty axes: {inside}"
            );
            assert!(
                inside.contains("No orders yet."),
                "{what}: {chart}: {inside}"
            );
        }
    }
}

#[test]
fn share_suggests_the_report_and_writes_it_with_report() {
    let w = shop_workspace();
    let db = w.db_str();
    let shared = w.path("analysts.db");
    let out = run(
        &["share", "--db", &db, "--out", shared.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let suggested = format!(
        "xcc report --db {} --out {}",
        shared.display(),
        w.path("analysts.html").display()
    );
    assert!(out.stderr.contains(&suggested), "{}", out.stderr);
    assert!(!w.path("analysts.html").exists(), "only suggested");

    // --report writes the report of the shared file: the page `xcc report` writes of it.
    let page = w.path("answers.html");
    let out = run(
        &[
            "share",
            "--db",
            &db,
            "--out",
            shared.to_str().unwrap(),
            "--report",
            page.to_str().unwrap(),
            "--force",
        ],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("to {}", page.display())),
        "{}",
        out.stderr
    );
    let written = embedded(&std::fs::read_to_string(&page).unwrap());
    let a = Workspace::new();
    std::fs::copy(&shared, a.db()).unwrap();
    let again = embedded(&report(&a, "again.html", &[]));
    assert_eq!(written, again);
    for (key, metric_name) in [("orders", "orders"), ("referrers", "referrers")] {
        assert_eq!(written[key], metric(&a, metric_name, &[]), "{key}");
    }

    // An existing --report is replaced only with --force.
    let out = run(
        &[
            "share",
            "--db",
            &db,
            "--out",
            w.path("other.db").to_str().unwrap(),
            "--report",
            page.to_str().unwrap(),
        ],
        b"",
    );
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);
}

/// Added to a copy of the page: once it is drawn, every text a reader can see in `<main>` (the
/// visible elements' text, the charts' labels and tooltips, every `title`), one per line, in
/// a `<pre id="seen-text">` after it.
const SEEN_TEXT: &str = "(function whenReady() {
  const ready = document.body.dataset.ready;
  if (ready !== 'true' && ready !== 'error') return setTimeout(whenReady, 20);
  const seen = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const tooltip = parent.closest('title') !== null;
    if (node.textContent.trim() && (tooltip || parent.getClientRects().length > 0)) seen.push(node.textContent.trim());
  }
  for (const e of document.querySelectorAll('main [title]')) seen.push(e.getAttribute('title'));
  const pre = document.createElement('pre');
  pre.id = 'seen-text';
  pre.textContent = seen.join('\\n');
  document.body.appendChild(pre);
  document.body.dataset.seen = 'true';
})();";

/// What a reader sees of the report `page` in a window `width` px wide, one text a line.
fn seen_text(chromium: &Chromium, w: &Workspace, page: &str, width: u32) -> String {
    let html = std::fs::read_to_string(w.path(page)).unwrap();
    let copy = format!("seen-{page}");
    std::fs::write(w.path(&copy), with_script(&html, SEEN_TEXT)).unwrap();
    let trap = Trap::new();
    let (dom, console) = open_from_file(chromium, &w.path(&copy), &trap, width);
    assert!(console.is_empty(), "{page}:\n{}", console.join("\n"));
    assert_eq!(attribute(&dom, "<body ", "data-ready"), "true", "{page}");
    assert_eq!(attribute(&dom, "<body ", "data-seen"), "true", "{page}");
    let start = dom.find("<pre id=\"seen-text\">").unwrap() + "<pre id=\"seen-text\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// A working file of the shop with one rejected line, and then a second load of one more
/// customer's visit and order, so that the medians over time have two points.
fn two_loads() -> Workspace {
    let w = Workspace::new();
    let mut lines = shop();
    lines.push("{\"id\": \"not a number\"".to_string());
    let (out, _) = w.ingest("-", lines.join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let day = 86_400;
    let more = [
        event(9_001, 90, 6 * day, "page_view", None),
        event(9_002, 90, 6 * day + 600, "placed_order", None),
    ];
    let (out, _) = w.ingest("-", more.join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    w
}

/// Words of commands, endpoints, SQL and JSON, none of which a reader of the report should
/// meet: the report is for people who read no SQL.
const NOT_FOR_READERS: [&str; 17] = [
    "/metrics",
    "/openapi",
    "SELECT",
    " FROM ",
    "table",
    "JSON",
    "endpoint",
    "--",
    "ingest",
    "sessionize",
    "p25",
    "p75",
    "p90",
    "percentile",
    "#:",
    "row of",
    "NAME",
];

/// Every place `text` names a command: `xcc ` and a word (`xcc 0.1.0`, the version, is fine).
fn commands_in(text: &str) -> Vec<String> {
    text.match_indices("xcc ")
        .filter(|(at, _)| {
            text[at + 4..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic())
        })
        .map(|(at, _)| text[at..].chars().take(30).collect())
        .collect()
}

#[test]
fn the_report_names_no_command_endpoint_or_sql_word() {
    let Some(chromium) = browser("report::the_report_names_no_command_endpoint_or_sql_word") else {
        return;
    };
    let w = two_loads();
    report(&w, "plain.html", &[]);
    let db = w.db_str();
    let shared = w.path("shared.db");
    let out = run(
        &["share", "--db", &db, "--out", shared.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let s = Workspace::new();
    std::fs::copy(&shared, s.db()).unwrap();
    report(&s, "shared.html", &[]);
    let empty = Workspace::new();
    let (out, _) = empty.ingest("-", b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    report(&empty, "empty.html", &[]);
    for (w, page) in [
        (&w, "plain.html"),
        (&s, "shared.html"),
        (&empty, "empty.html"),
    ] {
        for width in [400, 1280] {
            let seen = seen_text(&chromium, w, page, width);
            for word in NOT_FOR_READERS {
                let lines: Vec<&str> = seen.lines().filter(|l| l.contains(word)).collect();
                assert!(
                    lines.is_empty(),
                    "{page} at {width} px says {word:?}: {lines:?}"
                );
            }
            assert_eq!(commands_in(&seen), Vec::<String>::new(), "{page}");
            // No name of a JSON field (median_visits_before_order and the like).
            let fields: Vec<&str> = seen
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|word| word.trim_matches('_').contains('_'))
                .collect();
            assert!(fields.is_empty(), "{page}: {fields:?}");
        }
        // The footnote: the file's name and xcc's version.
        let seen = seen_text(&chromium, w, page, 1280);
        assert!(
            seen.contains(&format!("by xcc {}", env!("CARGO_PKG_VERSION"))),
            "{page}: {seen}"
        );
    }
}

#[test]
fn the_report_says_the_quartiles_and_the_90th_percentile_in_words() {
    let Some(chromium) =
        browser("report::the_report_says_the_quartiles_and_the_90th_percentile_in_words")
    else {
        return;
    };
    let w = shop_workspace();
    report(&w, "words.html", &[]);
    let seen = seen_text(&chromium, &w, "words.html", 1280);
    // The figures from `xcc metrics orders-detail`, not from the page.
    let detail = metric(&w, "orders-detail", &[]);
    let visits = &detail["visits_before_order"];
    let (p25, p75, p90) = (
        visits["p25"].as_f64().unwrap(),
        visits["p75"].as_f64().unwrap(),
        visits["p90"].as_f64().unwrap(),
    );
    // Shown to one decimal, as every count of visits on the page (2.6 as 2.6, 2.0 as 2).
    let shown = |x: f64| format!("{}", (x * 10.0).round() / 10.0);
    assert!(p25 < p75, "the test needs a spread: {visits}");
    for want in [
        format!(
            "Half of the orders took between {} and {} visits",
            shown(p25),
            shown(p75)
        ),
        format!("9 in 10 at most {} visit", shown(p90)),
    ] {
        assert!(seen.contains(&want), "no {want:?} in:\n{seen}");
    }
    assert!(
        seen.contains("Half of these customers spent between "),
        "{seen}"
    );
    assert!(seen.contains("9 in 10 shorter"), "the referrers' legend");
}

/// The report says in words whether session duration differs by referrer, on the shop's few
/// sessions (it does not) and on two referrers that differ (the sentence derived by hand in
/// `dashboard::slow_referrer`), and draws each median's interval.
#[test]
fn the_report_says_whether_duration_differs_by_referrer_and_draws_each_interval() {
    let Some(chromium) = browser(
        "report::the_report_says_whether_duration_differs_by_referrer_and_draws_each_interval",
    ) else {
        return;
    };
    let shop = shop_workspace();
    report(&shop, "shop.html", &[]);
    let seen = seen_text(&chromium, &shop, "shop.html", 1280);
    let p = metric(&shop, "referrers", &[])["difference"]["p_value"]
        .as_f64()
        .unwrap();
    assert!(p >= 0.05, "{p}");
    assert!(
        seen.contains(
            "Session duration does not differ by referrer beyond chance (Kruskal–Wallis, p = "
        ),
        "{seen}"
    );

    let slow = Workspace::new();
    let (out, _) = slow.ingest("-", slow_referrer().join("\n").as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    report(&slow, "slow.html", &[]);
    for width in [400, 1280] {
        let seen = seen_text(&chromium, &slow, "slow.html", width);
        assert!(seen.contains(SLOW_VERDICT), "at {width} px:\n{seen}");
        assert!(seen.contains("95% confidence interval of the median: 2 min to 9 min."));
        let (dom, _) = open_from_file(&chromium, &slow.path("slow.html"), &Trap::new(), width);
        assert_eq!(intervals(&dom), SLOW_INTERVALS, "at {width} px");
    }
    // Over one referrer there is nothing to compare; the sentence says so.
    report(&slow, "one.html", &["--referrer", "slow.example"]);
    let seen = seen_text(&chromium, &slow, "one.html", 1280);
    assert!(
        seen.contains("All these sessions come from one referrer, so there is nothing to compare their duration with."),
        "{seen}"
    );
}

#[test]
fn the_medians_over_time_are_shown_from_two_loads_on() {
    let Some(chromium) = browser("report::the_medians_over_time_are_shown_from_two_loads_on")
    else {
        return;
    };
    let title = "The two medians over time";
    let once = shop_workspace();
    report(&once, "once.html", &[]);
    let seen = seen_text(&chromium, &once, "once.html", 1280);
    assert!(!seen.contains(title), "one point drawn as a chart:\n{seen}");
    let trap = Trap::new();
    let (dom, _) = open_from_file(&chromium, &once.path("once.html"), &trap, 1280);
    assert!(
        tag(&dom, "id=\"history-card\"").contains(" hidden"),
        "{}",
        tag(&dom, "id=\"history-card\"")
    );

    let twice = two_loads();
    report(&twice, "twice.html", &[]);
    assert_eq!(
        embedded(&std::fs::read_to_string(twice.path("twice.html")).unwrap())["history"]["history"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let seen = seen_text(&chromium, &twice, "twice.html", 1280);
    assert!(seen.contains(title), "{seen}");
    let (dom, _) = open_from_file(&chromium, &twice.path("twice.html"), &trap, 1280);
    assert!(!tag(&dom, "id=\"history-card\"").contains(" hidden"));
    assert_eq!(dom.matches("data-point=\"median_visits_after\"").count(), 2);
    // Laid out cleanly, by the dashboard tests' check.
    let html = std::fs::read_to_string(twice.path("twice.html")).unwrap();
    std::fs::write(twice.path("checked.html"), with_script(&html, LAYOUT_CHECK)).unwrap();
    for width in [400, 1280] {
        let (dom, _) = open_from_file(&chromium, &twice.path("checked.html"), &trap, width);
        assert_eq!(attribute(&dom, "<body ", "data-layout-checked"), "true");
        for check in ["data-overlaps", "data-outside"] {
            assert_eq!(
                attribute(&dom, "id=\"chart-history\"", check),
                "0",
                "{check} at {width} px"
            );
        }
    }
}

/// `2022-04-20T00:00:18.648681Z` as people read it, `20 Apr 2022 00:00 UTC`: written here
/// from the text's digits, apart from the code under test.
fn readable(stored: &str) -> String {
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month: usize = stored[5..7].parse().unwrap();
    let day: u32 = stored[8..10].parse().unwrap();
    format!(
        "{day} {} {} {} UTC",
        months[month - 1],
        &stored[..4],
        &stored[11..16]
    )
}

/// Whether `text` has a time that is not in the page's one form: an ISO date (`2022-04-20`)
/// or a clock time (`00:00`) not followed by ` UTC`.
fn other_time_forms(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut found = Vec::new();
    for i in 0..b.len() {
        let around = || {
            text.get(i.saturating_sub(12)..(i + 16).min(text.len()))
                .unwrap_or("")
                .to_string()
        };
        if (0..4).all(|k| digit(i + k)) && b.get(i + 4) == Some(&b'-') && digit(i + 5) {
            found.push(around());
        }
        let clock =
            digit(i) && digit(i + 1) && b.get(i + 2) == Some(&b':') && digit(i + 3) && digit(i + 4);
        if clock && !(i > 0 && digit(i - 1)) && text.get(i + 5..i + 9) != Some(" UTC") {
            found.push(around());
        }
    }
    found
}

#[test]
fn every_time_on_the_report_has_one_form() {
    let Some(chromium) = browser("report::every_time_on_the_report_has_one_form") else {
        return;
    };
    let w = shop_workspace();
    let days: Vec<String> = metric(&w, "daily", &[])["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["day"].as_str().unwrap().to_string())
        .collect();
    report(&w, "times.html", &["--from", &days[1]]);
    let summary = metric(&w, "summary", &[]);
    let seen = seen_text(&chromium, &w, "times.html", 1280);
    assert_eq!(other_time_forms(&seen), Vec::<String>::new(), "{seen}");
    let first = readable(summary["first_event_at"].as_str().unwrap());
    let last = readable(summary["last_event_at"].as_str().unwrap());
    // In the header, and on the card below it.
    assert_eq!(seen.matches(&first).count(), 2, "{first}:\n{seen}");
    assert_eq!(seen.matches(&last).count(), 2, "{last}:\n{seen}");
    // The check sees the forms it refuses.
    assert!(!other_time_forms("at 2022-04-20T00:00:18Z").is_empty());
    assert_eq!(other_time_forms("20 Apr 2022 00:00").len(), 1);
    assert_eq!(
        other_time_forms("20 Apr 2022 00:00 UTC"),
        Vec::<String>::new()
    );
}

#[test]
fn a_shared_file_says_what_a_shared_file_holds() {
    let Some(chromium) = browser("report::a_shared_file_says_what_a_shared_file_holds") else {
        return;
    };
    let w = two_loads();
    report(&w, "working.html", &[]);
    let working = seen_text(&chromium, &w, "working.html", 1280);
    let db = w.db_str();
    let mut seen = Vec::new();
    for (name, events) in [("none", "none"), ("logged", "logged-in")] {
        let shared = w.path(&format!("{name}.db"));
        let out = run(
            &[
                "share",
                "--db",
                &db,
                "--out",
                shared.to_str().unwrap(),
                "--events",
                events,
            ],
            b"",
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        let s = Workspace::new();
        std::fs::copy(&shared, s.db()).unwrap();
        report(&s, "shared.html", &[]);
        // The shared file's own tables: no rejected line, though one is counted.
        let kept: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM rejects", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 0);
        assert_eq!(metric(&s, "summary", &[])["events_rejected"], 1);
        seen.push((events, seen_text(&chromium, &s, "shared.html", 1280)));
    }
    // The working file keeps its rejected line aside; a shared file only counts it.
    assert!(
        working.contains("1, not valid events, kept aside"),
        "{working}"
    );
    assert!(!working.contains("copy"), "{working}");
    for (events, text) in &seen {
        assert!(!text.contains("kept aside"), "{events}: {text}");
        assert!(
            text.contains("1, counted by reason; the lines are not in this copy"),
            "{events}: {text}"
        );
        assert!(text.contains("counted by reason; the lines are not in this copy"));
        assert!(text.contains(", before it was shared"), "{events}: {text}");
        let holds = if *events == "none" {
            "sessions only, no events"
        } else {
            "sessions, and the events of logged-in customers only"
        };
        assert!(
            text.contains(&format!("This copy holds\n{holds}")),
            "{events}: {text}"
        );
    }
}

/// Added to a copy of the page laid out as on A4 paper: the smallest text a reader sees (an
/// SVG text's size times the scale its chart is drawn at), and the tallest card.
const PRINT_CHECK: &str = "(function whenReady() {
  const ready = document.body.dataset.ready;
  if (ready !== 'true' && ready !== 'error') return setTimeout(whenReady, 20);
  let smallest = Infinity, which = '';
  for (const e of document.querySelectorAll('main *')) {
    const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || e.getClientRects().length === 0 || e.closest('title')) continue;
    let size = parseFloat(getComputedStyle(e).fontSize);
    const svg = e.closest('svg');
    if (svg) size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    if (size < smallest) { smallest = size; which = e.textContent.trim().slice(0, 40); }
  }
  const tallest = Math.max(...[...document.querySelectorAll('.card')].map((c) => c.getBoundingClientRect().height));
  document.body.dataset.smallestPx = String(smallest);
  document.body.dataset.smallestText = which;
  document.body.dataset.tallestCardPx = String(tallest);
  document.body.dataset.mainPx = String(document.querySelector('main').getBoundingClientRect().width);
})();";

/// A4 less the report's margins of 12 mm (its `@page`), in CSS pixels of 1/96 inch.
const A4_WIDTH_PX: f64 = (210.0 - 24.0) / 25.4 * 96.0;
const A4_HEIGHT_PX: f64 = (297.0 - 24.0) / 25.4 * 96.0;

#[test]
fn printed_on_a4_no_text_is_under_7_points_and_no_card_is_taller_than_a_page() {
    let Some(chromium) = browser(
        "report::printed_on_a4_no_text_is_under_7_points_and_no_card_is_taller_than_a_page",
    ) else {
        return;
    };
    let w = two_loads();
    let html = report(&w, "a4.html", &[]);
    // The page as print lays it out: its print rules for every medium, in a window as wide as
    // A4 less the margins (703 px), where the script draws the charts as it does for print.
    let start = html.find("<style>").unwrap() + "<style>".len();
    let end = start + html[start..].find("</style>").unwrap();
    let style = &html[start..end];
    assert_eq!(style.matches("@media print {").count(), 1);
    // Paper has no scroll bar to take width from the page.
    let printed =
        style.replacen("@media print {", "@media all {", 1) + "html { overflow: hidden; }";
    let html = html
        .replacen(
            &xcc::report::csp_hash(style),
            &xcc::report::csp_hash(&printed),
            1,
        )
        .replacen(style, &printed, 1);
    assert_eq!(html.matches("html { overflow: hidden; }").count(), 1);
    std::fs::write(w.path("a4-checked.html"), with_script(&html, PRINT_CHECK)).unwrap();
    let trap = Trap::new();
    let (dom, console) = open_from_file(
        &chromium,
        &w.path("a4-checked.html"),
        &trap,
        A4_WIDTH_PX.round() as u32,
    );
    assert!(console.is_empty(), "{}", console.join("\n"));
    let number = |name: &str| -> f64 { attribute(&dom, "<body ", name).parse().unwrap() };
    assert!((number("data-main-px") - A4_WIDTH_PX).abs() < 2.0, "{dom}");
    // 7 pt is 7/72 inch: 9.33 CSS pixels.
    let smallest = number("data-smallest-px");
    assert!(
        smallest >= 7.0 / 72.0 * 96.0,
        "{:.1} pt: {:?}",
        smallest * 0.75,
        attribute(&dom, "<body ", "data-smallest-text")
    );
    // A card (a chart and its note) is never cut across pages (break-inside: avoid) only if
    // it fits on one.
    assert!(number("data-tallest-card-px") < A4_HEIGHT_PX, "{dom}");
}
