//! Which answer a request gets: the routing by method and path, the endpoints' answers, and
//! errors as JSON with their HTTP status.

use std::path::Path;

use anyhow::Result;
use rusqlite::Connection;
use serde_json::json;
use tiny_http::Method;

use super::cache::Cache;
use crate::metrics::{self, Filter, Metric};
use crate::store::{self, meta, meta::TOOL_VERSION};

/// The OpenAPI document of every endpoint.
pub const OPENAPI: &str = include_str!("openapi.json");
/// The dashboard page served at `/`.
pub const DASHBOARD: &str = include_str!("dashboard.html");
/// The browser tab's icon: asked for by every browser that opens the dashboard, which would
/// otherwise get (and log) a 404.
const FAVICON: &str = include_str!("favicon.svg");

/// A finished answer before it is written to the socket.
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// Whether to name the allowed methods (a 405).
    pub allow: bool,
}

impl Answer {
    fn json(status: u16, body: String) -> Answer {
        Answer {
            status,
            content_type: "application/json",
            body,
            allow: false,
        }
    }

    fn error(status: u16, message: &str) -> Answer {
        Answer::json(status, json!({ "error": message }).to_string())
    }
}

/// What a worker needs to answer: its own read-only connection and the shared cache.
pub struct Endpoints {
    pub conn: Connection,
    pub db: std::path::PathBuf,
    pub cache: Cache,
}

impl Endpoints {
    pub fn route(&self, method: &Method, url: &str) -> Answer {
        let (path, query) = match url.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (url, None),
        };
        let metric = Metric::ALL.into_iter().find(|m| m.path() == path);
        let known =
            metric.is_some() || matches!(path, "/" | "/health" | "/openapi.json" | "/favicon.ico");
        if !known {
            return Answer::error(404, "not found: see GET /openapi.json for the endpoints");
        }
        if !matches!(method, Method::Get | Method::Head) {
            let mut a = Answer::error(405, "method not allowed: use GET");
            a.allow = true;
            return a;
        }
        let filter = match (metric, query) {
            (_, None) => Filter::default(),
            (Some(metric), Some(query)) if metric.takes_filter() => match filter_of(query) {
                Ok(filter) => filter,
                Err(sentence) => return Answer::error(400, &sentence),
            },
            // The dashboard keeps its date range in its own URL, for its script to read.
            (None, Some(_)) if path == "/" => Filter::default(),
            // Any other query string, even an empty one (`/health?`), is refused alike.
            _ => return Answer::error(400, "this endpoint takes no query parameters"),
        };
        let result = match (metric, path) {
            (Some(metric), _) => self.metric(metric, &filter),
            (None, "/health") => health(&self.conn, &self.db),
            (None, "/openapi.json") => Ok(Answer::json(200, OPENAPI.to_string())),
            (None, "/favicon.ico") => Ok(Answer {
                status: 200,
                content_type: "image/svg+xml",
                body: FAVICON.to_string(),
                allow: false,
            }),
            _ => Ok(Answer {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: DASHBOARD.to_string(),
                allow: false,
            }),
        };
        result.unwrap_or_else(|e| {
            eprintln!("xcc: {path}: {e:#}");
            Answer::error(500, &format!("the database could not answer: {e:#}"))
        })
    }

    fn metric(&self, metric: Metric, filter: &Filter) -> Result<Answer> {
        // Only the whole data's answers are kept: filters are endless, and cheap enough.
        if !filter.is_empty() {
            let body = metrics::compute(&self.conn, metric, filter)?.to_string();
            return Ok(Answer::json(200, body));
        }
        let generation = meta::generation(&self.conn)?;
        if let Some(body) = self.cache.get(metric, generation) {
            return Ok(Answer::json(200, body));
        }
        let body = metrics::compute(&self.conn, metric, filter)?.to_string();
        self.cache.put(metric, generation, body.clone());
        Ok(Answer::json(200, body))
    }
}

/// The filter of a query string (`from=2022-04-01&to=2022-04-30&referrer=(direct)`),
/// percent-decoded; an empty query string is no filter.
fn filter_of(query: &str) -> Result<Filter, String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    Filter::from_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

fn health(conn: &Connection, db: &Path) -> Result<Answer> {
    Ok(Answer::json(
        200,
        json!({
            "status": "ok",
            "database": db.display().to_string(),
            "schema_version": store::user_version(conn)?,
            "tool_version": TOOL_VERSION,
        })
        .to_string(),
    ))
}
