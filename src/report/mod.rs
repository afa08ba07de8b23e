//! `xcc report`: the dashboard's answers as one self-contained HTML file, to send or print.
//!
//! The page is the dashboard's own markup (its `<main>` without the range form and the links
//! to the endpoints), its own style sheet and its own script, inline, drawing from the JSON
//! embedded in the page instead of fetching it: exactly what each endpoint answers for the
//! file and the filter (see [`data`]). Nothing is loaded from anywhere: the page's
//! Content-Security-Policy (`default-src 'none'`) allows only its one script and its one style
//! element, by their SHA-256, so even a bug cannot make a request. It holds aggregates only:
//! no customer id, no event, no IP address.

use crate::queries;
use std::path::PathBuf;

use anyhow::{Context, Result};
use base64::Engine;
use rusqlite::Connection;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::dashboard;
use crate::format::calendar;
use crate::format::thousands;
use crate::metrics::{self, Filter, Metric};
use crate::out_file;
use crate::store::memory::Reservation;
use crate::store::meta::TOOL_VERSION;

/// The report's additions to the dashboard's style sheet: its header, and print on A4.
pub const REPORT_CSS: &str = include_str!("report.css");

/// The keys of the embedded data and the metric each holds, as the dashboard's script names
/// them (its `ENDPOINTS`, less `hosts`, which only fills the range form's menu).
pub const PARTS: [(&str, Metric); 8] = [
    ("orders", Metric::Orders),
    ("detail", Metric::OrdersDetail),
    ("summary", Metric::Summary),
    ("daily", Metric::Daily),
    ("distributions", Metric::Distributions),
    ("referrers", Metric::Referrers),
    ("history", Metric::History),
    ("sensitivity", Metric::Sensitivity),
];

/// What `xcc report` is asked for.
pub struct ReportOptions {
    pub db: PathBuf,
    pub out: PathBuf,
    pub filter: Filter,
    pub force: bool,
    /// When the report is made, microseconds since the epoch (read by the command).
    pub now_us: i64,
}

/// What was written.
pub struct Written {
    pub bytes: u64,
    pub data: Value,
    /// What `data` holds of the memory budget (see `metrics::compute`).
    _held: Reservation,
}

/// Writes the report of `opts.db` to `opts.out`: a new file, or with `force` any file but the
/// database itself; the page appears whole or not at all.
pub fn write(opts: &ReportOptions) -> Result<Written> {
    out_file::check_target(&opts.out, &opts.db, "the database", opts.force)?;
    let conn = crate::verify::open_checked(&opts.db)?;
    let mut held = Reservation::default();
    let data = data(&conn, &opts.filter, &mut held)?;
    let ledger = ledger(&conn)?;
    drop(conn);
    let name = opts.db.file_name().map_or_else(
        || opts.db.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    // The page holds the answers' JSON text (J bytes, reserved twice in `held` already)
    // three times more while it is made, each buffer up to twice its length: as JSON (2J),
    // escaped for HTML (a `<` becomes six bytes: 12J) and in the page (12J), 26J in all.
    held.grow(13 * held.bytes())?;
    let html = page(&name, &data, &ledger, opts.now_us);
    let temporary = out_file::temporary_path(&opts.out);
    let written = std::fs::write(&temporary, &html)
        .map_err(anyhow::Error::new)
        .and_then(|()| out_file::publish(&temporary, &opts.out, opts.force, "writing the report"));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.with_context(|| format!("cannot write {}", opts.out.display()))?;
    Ok(Written {
        bytes: html.len() as u64,
        data,
        _held: held,
    })
}

/// The data the page draws from: each endpoint's answer for `filter` (the metrics that take
/// none over all the data, as the dashboard asks for them), and the filter itself; `held`
/// reserves what they take.
pub fn data(conn: &Connection, filter: &Filter, held: &mut Reservation) -> Result<Value> {
    let mut data = Map::new();
    data.insert("filter".into(), filter_json(filter));
    for (key, metric) in PARTS {
        let given = if metric.takes_filter() {
            filter.clone()
        } else {
            Filter::default()
        };
        data.insert(key.into(), metrics::compute(conn, metric, &given, held)?);
    }
    Ok(Value::Object(data))
}

/// `{"from": "2022-04-01", "to": …, "referrer": …}`, with the parts given.
fn filter_json(filter: &Filter) -> Value {
    let mut map = Map::new();
    if let Some((from, _)) = &filter.from {
        map.insert("from".into(), from.clone().into());
    }
    if let Some((to, _)) = &filter.to {
        map.insert("to".into(), to.clone().into());
    }
    if let Some(referrer) = &filter.referrer {
        map.insert("referrer".into(), referrer.clone().into());
    }
    Value::Object(map)
}

/// The lines every ingest read and what became of them, added up.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ledger {
    pub ingests: i64,
    pub lines_read: i64,
    pub stored: i64,
    pub duplicates: i64,
    pub rejected: i64,
}

pub fn ledger(conn: &Connection) -> Result<Ledger> {
    conn.query_row(queries::metrics::REPORT_LEDGER, [], |r| {
        Ok(Ledger {
            ingests: r.get(0)?,
            lines_read: r.get(1)?,
            stored: r.get(2)?,
            duplicates: r.get(3)?,
            rejected: r.get(4)?,
        })
    })
    .context("queries/report_ledger.sql")
}

/// The whole page: `name` is the database file's name (not its folder), `data` what [`data`]
/// gives, `now_us` when it is made.
pub fn page(name: &str, data: &Value, ledger: &Ledger, now_us: i64) -> String {
    let style = format!("{}{REPORT_CSS}", dashboard::STYLE);
    let script = dashboard::SCRIPT;
    let policy = format!(
        "default-src 'none'; script-src {}; style-src {}; base-uri 'none'; form-action 'none'",
        csp_hash(script),
        csp_hash(&style)
    );
    let main = report_main(name, &header(name, data, ledger, now_us));
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>xcc report: {title}</title>\n\
         <!-- Made by xcc report: the dashboard of xcc serve, drawn from the data below instead \
         of the server's endpoints; nothing is loaded from anywhere. -->\n\
         <style>{style}</style>\n</head>\n<body data-ready=\"false\">\n<main>{main}</main>\n\
         <script type=\"application/json\" id=\"xcc-data\">{json}</script>\n\
         <script>{script}</script>\n</body>\n</html>\n",
        title = escape_html(name),
        json = json_for_html(data),
    )
}

/// The CSP source of an inline element's text: `'sha256-…'`, base64 of its SHA-256.
pub fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// JSON as the text of a `<script type="application/json">` element: `<`, `>` and `&` (so
/// that no `</script>` or `<!--` in a value can end or bend the element) and U+2028/U+2029
/// written as `\u` escapes, which `JSON.parse` reads back as the same characters. They can
/// only occur inside strings, where the escape means the same.
pub fn json_for_html(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text for HTML content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Line and paragraph separators: harmless in HTML, but not raw in a page.
            '\u{2028}' => out.push_str("&#x2028;"),
            '\u{2029}' => out.push_str("&#x2029;"),
            c => out.push(c),
        }
    }
    out
}

/// The dashboard's `<main>`, less its parts marked "not in a report" (the range form, the
/// links to the endpoints), with the report's header after the page's title and its
/// footnote at the end.
fn report_main(name: &str, header: &str) -> String {
    let mut main = dashboard::main_for_a_report();
    let old = "<div class=\"brand\">xcc dashboard</div>";
    assert!(main.contains(old), "dashboard.html no longer has {old}");
    let brand = format!("<div class=\"brand\">Report of {}</div>", escape_html(name));
    main = main.replacen(old, &brand, 1);
    let after = main
        .find("</header>")
        .expect("dashboard.html has a <header>")
        + "</header>".len();
    main.insert_str(after, header);
    main.push_str(&format!(
        "  <footer class=\"footnote\">Made from {} by xcc {TOOL_VERSION}. This page holds \
         figures over sessions only: no customer, event or address.</footer>\n",
        escape_html(name)
    ));
    main
}

/// Where the numbers come from: the file, when, the events' span, the session timeout, the
/// filter, the lines read and what became of them; for a shared file, when it was shared
/// and what it holds. Every time as people read it (`20 Apr 2022 00:00 UTC`), as the cards
/// below show them.
fn header(name: &str, data: &Value, ledger: &Ledger, now_us: i64) -> String {
    let summary = &data["summary"];
    let (first, last) = event_span(summary);
    let timeout = summary["session_timeout_seconds"]
        .as_i64()
        .map_or_else(|| "–".to_string(), timeout_words);
    let mut items = vec![
        ("File", name.to_string()),
        (
            "Made",
            calendar::readable_time(now_us.div_euclid(1_000_000)),
        ),
    ];
    let shared = Shared::of(summary);
    if let Some(shared) = &shared {
        items.push(("Shared", format!("{}, as a copy for analysts", shared.at)));
    }
    items.extend([
        ("First event", first),
        ("Last event", last),
        ("Session timeout", timeout),
        ("Filter", filter_words(&data["filter"])),
    ]);
    items.extend(ledger_items(ledger, shared.as_ref()));
    let mut html = String::from(
        "\n  <section class=\"card provenance\" id=\"provenance\">\n    <h2>Where these numbers come from</h2>\n    <dl>\n",
    );
    for (term, value) in items {
        html.push_str(&format!(
            "      <div><dt>{}</dt><dd>{}</dd></div>\n",
            escape_html(term),
            escape_html(&value)
        ));
    }
    html.push_str("    </dl>\n  </section>\n");
    html
}

/// A session timeout as the cards show it: `30 min`, `1 h 30 min`, `45 s`.
fn timeout_words(seconds: i64) -> String {
    if seconds % 60 != 0 {
        return format!("{} s", thousands(seconds.max(0) as u64));
    }
    let (hours, minutes) = (seconds / 3600, seconds % 3600 / 60);
    match (hours, minutes) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// What the summary says of a file made by `xcc share`: when, and which events it kept.
struct Shared {
    at: String,
    /// Whether it kept the logged-in customers' events (else none).
    logged_in_events: bool,
}

impl Shared {
    fn of(summary: &Value) -> Option<Shared> {
        let at = summary["shared_at"].as_str()?;
        Some(Shared {
            at: calendar::readable_stored(at).unwrap_or_else(|| at.to_string()),
            logged_in_events: summary["shared_events"]
                .as_str()
                .is_some_and(|e| e.starts_with("logged-in")),
        })
    }

    /// What this file holds, in words.
    fn holds(&self) -> &'static str {
        if self.logged_in_events {
            "sessions, and the events of logged-in customers only"
        } else {
            "sessions only, no events"
        }
    }
}

/// The first and last event apart: one line each, so that a narrow column does not break a
/// time in two.
fn event_span(summary: &Value) -> (String, String) {
    let text = |v: &Value| {
        v.as_str()
            .map(|t| calendar::readable_stored(t).unwrap_or_else(|| t.to_string()))
    };
    match (
        text(&summary["first_event_at"]),
        text(&summary["last_event_at"]),
    ) {
        (Some(first), Some(last)) => (first, last),
        _ => ("no events yet".to_string(), "no events yet".to_string()),
    }
}

/// The filter the numbers were computed over, in words, its days as the page shows days.
fn filter_words(filter: &Value) -> String {
    let day = |d: &str| calendar::readable_day(d).unwrap_or_else(|| d.to_string());
    let mut parts = Vec::new();
    if let Some(from) = filter["from"].as_str() {
        parts.push(format!("from {}", day(from)));
    }
    if let Some(to) = filter["to"].as_str() {
        parts.push(format!("to {}", day(to)));
    }
    if let Some(referrer) = filter["referrer"].as_str() {
        parts.push(format!("only visits from {referrer}"));
    }
    if parts.is_empty() {
        "none: all the data".to_string()
    } else {
        parts.join(", ")
    }
}

/// The lines the file's loads read, and what became of them; in a shared file, what the
/// working file read before it was shared, since a shared file keeps no rejected line and no
/// event (or the logged-in customers' only): it counts them by reason in reject_reasons.
fn ledger_items(ledger: &Ledger, shared: Option<&Shared>) -> Vec<(&'static str, String)> {
    let count = |n: i64| thousands(n.max(0) as u64);
    let loads = if ledger.ingests == 1 { "load" } else { "loads" };
    let read = format!(
        "{} in {} {loads}",
        count(ledger.lines_read),
        count(ledger.ingests)
    );
    let stored = format!(
        "{} (and {} repeats of lines already read)",
        count(ledger.stored),
        count(ledger.duplicates)
    );
    let Some(shared) = shared else {
        let rejected = match ledger.rejected {
            0 => "none".to_string(),
            n => format!("{}, not valid events, kept aside", count(n)),
        };
        return vec![
            ("Lines read", read),
            ("Events stored", stored),
            ("Lines rejected", rejected),
        ];
    };
    let rejected = match ledger.rejected {
        0 => "none".to_string(),
        n => format!(
            "{}, counted by reason; the lines are not in this copy",
            count(n)
        ),
    };
    vec![
        ("This copy holds", shared.holds().to_string()),
        ("Lines read", format!("{read}, before it was shared")),
        ("Events stored", format!("{stored}, before it was shared")),
        ("Lines rejected", rejected),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_in_the_page_cannot_end_its_element() {
        let value =
            serde_json::json!({"host": "</script><script>alert(1)</script>&<!--\u{2028}\u{2029}"});
        let text = json_for_html(&value);
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!text.contains(bad), "{text}");
        }
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
    }

    #[test]
    fn the_hash_is_the_one_browsers_compute() {
        // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            csp_hash("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
    }

    #[test]
    fn the_inline_script_and_style_cannot_end_early() {
        for (name, text) in [
            ("dashboard.js", dashboard::SCRIPT),
            ("dashboard.css", dashboard::STYLE),
            ("report.css", REPORT_CSS),
        ] {
            let lower = text.to_ascii_lowercase();
            for bad in ["</script", "<script", "<!--", "</style"] {
                assert!(
                    !lower.contains(bad),
                    "{name} has {bad}, which would break it inline"
                );
            }
        }
    }

    #[test]
    fn the_page_has_no_form_and_no_links_to_the_endpoints() {
        let main = report_main("w.db", "<section id=\"provenance\"></section>");
        assert!(!main.contains("<form"), "{main}");
        assert!(!main.contains("href="), "{main}");
        assert!(!main.contains("not in a report"), "{main}");
        assert!(main.contains("id=\"provenance\""));
        for id in [
            "chart-daily",
            "chart-history",
            "chart-sensitivity",
            "chart-visits",
            "chart-minutes",
            "chart-referrers",
            "range-scope",
        ] {
            assert!(main.contains(&format!("id=\"{id}\"")), "{id}");
        }
    }
}
