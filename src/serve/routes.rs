//! Which answer a request gets: the routing by method and path, the endpoints' answers, and
//! errors as JSON with their HTTP status. What needs no query (the page and its files,
//! `/health`, `/openapi.json`, every refusal) is answered by [`route`] at once; a metric is
//! computed by [`Queries`] on a connection of its own, within the time limit.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use rusqlite::Connection;
use serde_json::json;
use tiny_http::Method;

use super::cache::Cache;
use crate::dashboard;
use crate::metrics::{self, Filter, Metric};
use crate::store::harden::{self, Stopped, TimedOut};
use crate::store::memory::{OutOfMemory, Reservation};
use crate::store::{meta, meta::TOOL_VERSION};

/// The OpenAPI document of every endpoint.
pub const OPENAPI: &str = include_str!("openapi.json");
/// The dashboard's policy: its own script, style, icon and fetches, nothing inline, nothing
/// from elsewhere, and no page may frame it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The headers of the dashboard page, beside those of every answer.
const PAGE_HEADERS: &[(&str, &str)] = &[
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Referrer-Policy", "no-referrer"),
];
const ALLOW_HEADERS: &[(&str, &str)] = &[("Allow", "GET, HEAD")];

/// A finished answer before it is written to the socket.
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// Headers beside Content-Type and those every answer has (see `super::respond`).
    pub headers: &'static [(&'static str, &'static str)],
    /// What a metric's body holds of the memory budget, until it has been written.
    pub held: Reservation,
}

impl Answer {
    pub fn json(status: u16, body: String) -> Answer {
        Answer::of(status, "application/json", body)
    }

    pub fn error(status: u16, message: &str) -> Answer {
        Answer::json(status, json!({ "error": message }).to_string())
    }

    fn holding(self, held: Reservation) -> Answer {
        Answer { held, ..self }
    }

    fn of(status: u16, content_type: &'static str, body: String) -> Answer {
        Answer {
            status,
            content_type,
            body,
            headers: &[],
            held: Reservation::default(),
        }
    }
}

/// What a request needs: an answer now, or a metric computed on a database connection.
pub enum Route {
    Now(Answer),
    Metric(Metric, Filter),
}

/// The answer of `/health`, made once at start: it needs no query, so it answers at once
/// even while every connection is busy with a slow one.
pub fn health(db: &Path, schema_version: i64) -> String {
    // The file's name only: where it lies on this machine is nobody else's business.
    let name = db.file_name().map_or_else(
        || db.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    json!({
        "status": "ok",
        "database": name,
        "schema_version": schema_version,
        "tool_version": TOOL_VERSION,
    })
    .to_string()
}

/// Routes a request by method and path; `health` is the body of `/health`.
pub fn route(method: &Method, url: &str, health: &str) -> Route {
    let (path, query) = match url.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (url, None),
    };
    let metric = Metric::ALL.into_iter().find(|m| m.path() == path);
    let known = metric.is_some()
        || matches!(
            path,
            "/" | "/health" | "/openapi.json" | "/favicon.ico" | "/dashboard.js" | "/dashboard.css"
        );
    if !known {
        return Route::Now(Answer::error(
            404,
            "not found: see GET /openapi.json for the endpoints",
        ));
    }
    if !matches!(method, Method::Get | Method::Head) {
        let mut a = Answer::error(405, "method not allowed: use GET");
        a.headers = ALLOW_HEADERS;
        return Route::Now(a);
    }
    let filter = match (metric, query) {
        (_, None) => Filter::default(),
        (Some(metric), Some(query)) if metric.takes_filter() => match filter_of(query) {
            Ok(filter) => filter,
            Err(sentence) => return Route::Now(Answer::error(400, &sentence)),
        },
        // The dashboard keeps its date range in its own URL, for its script to read.
        (None, Some(_)) if path == "/" => Filter::default(),
        // Any other query string, even an empty one (`/health?`), is refused alike.
        _ => {
            return Route::Now(Answer::error(
                400,
                "this endpoint takes no query parameters",
            ))
        }
    };
    if let Some(metric) = metric {
        return Route::Metric(metric, filter);
    }
    Route::Now(match path {
        "/health" => Answer::json(200, health.to_string()),
        "/openapi.json" => Answer::json(200, OPENAPI.to_string()),
        "/favicon.ico" => Answer::of(200, "image/svg+xml", dashboard::FAVICON.to_string()),
        "/dashboard.js" => Answer::of(
            200,
            "text/javascript; charset=utf-8",
            dashboard::SCRIPT.to_string(),
        ),
        "/dashboard.css" => {
            Answer::of(200, "text/css; charset=utf-8", dashboard::STYLE.to_string())
        }
        _ => Answer {
            headers: PAGE_HEADERS,
            ..Answer::of(200, "text/html; charset=utf-8", dashboard::PAGE.to_string())
        },
    })
}

/// The filter of a query string (`from=2022-04-01&to=2022-04-30&referrer=(direct)`),
/// percent-decoded; an empty query string is no filter.
fn filter_of(query: &str) -> Result<Filter, String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    Filter::from_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// What a query thread needs: its own read-only connection, the shared cache and the time
/// limit of every computation.
pub struct Queries {
    pub conn: Connection,
    pub cache: Cache,
    pub time_limit: Duration,
}

impl Queries {
    /// The metric's answer; past the time limit a 503 with the limit's sentence (the
    /// statement is stopped, and the connection is free for the next request).
    pub fn answer(&self, metric: Metric, filter: &Filter) -> Answer {
        match harden::within(self.time_limit, || self.metric(metric, filter)) {
            Ok(answer) => answer,
            Err(e) => {
                eprintln!("xcc: {}: {e:#}", metric.path());
                if e.downcast_ref::<TimedOut>().is_some() || e.downcast_ref::<Stopped>().is_some() {
                    Answer::error(503, &e.to_string())
                } else if let Some(over) = e.chain().find_map(|c| c.downcast_ref::<OutOfMemory>()) {
                    // The budget's sentence alone, whichever of the metric's queries reached it.
                    Answer::error(500, &format!("the database could not answer: {over}"))
                } else {
                    Answer::error(500, &format!("the database could not answer: {e:#}"))
                }
            }
        }
    }

    fn metric(&self, metric: Metric, filter: &Filter) -> Result<Answer> {
        let mut held = Reservation::default();
        // Only the whole data's answers are kept: filters are endless, and cheap enough.
        if !filter.is_empty() {
            let body = metrics::compute(&self.conn, metric, filter, &mut held)?.to_string();
            return Ok(Answer::json(200, body).holding(held));
        }
        let generation = meta::generation(&self.conn)?;
        if let Some(body) = self.cache.get(metric, generation, &mut held)? {
            return Ok(Answer::json(200, body).holding(held));
        }
        let answer = Answer::json(
            200,
            metrics::compute(&self.conn, metric, filter, &mut held)?.to_string(),
        );
        self.cache
            .keep(metric, generation, answer.status, &answer.body);
        Ok(answer.holding(held))
    }
}
