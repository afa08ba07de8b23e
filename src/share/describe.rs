//! What a shared file says of itself: the meta facts (where it came from, which events,
//! what became of personal data) and the dictionary's notes on each redacted or emptied
//! table and column, so that the file explains itself without xcc.

use anyhow::Result;
use rusqlite::{params, Connection};

use super::{ShareOptions, SharedEvents};
use crate::format::calendar::format_micros;
use crate::queries;
use crate::store::meta;

/// What a shared file did with the URLs, free text and reject reasons, in words.
const REDACTIONS: &str = "Where each ingest read its lines (ingests.source): a file by its name alone, a download's URL as the URLs below. URLs (sessions.referrer and landing_page, the events' pages and referrers in urls.url) without user name and password, without fragment (#...) and without every query parameter but utm_*, ref and source; their path and kept values read as a browser shows them (percent-decoded, fullwidth forms folded), and where that shows an e-mail address, a phone-like, card-like or long number or a token (20 or more letters and digits, a ;jsessionid= value) it is replaced by [email], [phone], [card], [number] or [token]; a host that shows one becomes redacted.invalid, in sessions.referrer_host too. Free text (events.query, the event types in event_types.name): e-mail addresses as [email], phone-like numbers (7 to 12 digits) as [phone], card-like numbers (13 to 19 digits) as [card], longer ones as [number]. Reject reasons (reject_reasons.reason) as their templates, without the input they quoted. Other referrer hosts are the working file's, so the referrer figures are the same.";

/// What was shared, what was left out and what was redacted, in `meta` (and so in the
/// `about` view) and in the dictionary rows of the tables and columns concerned.
pub fn describe(conn: &Connection, opts: &ShareOptions) -> Result<()> {
    in_meta(conn, opts)?;
    let mut note = conn.prepare(queries::share::NOTE_IN_DICTIONARY)?;
    let mut note = |name: Option<&str>, column: Option<&str>, text: &str| {
        note.execute(params![name, column, text]).map(|_| ())
    };
    note(Some("events"), None, events_note(opts))?;
    if !opts.keep_personal_data {
        redaction_notes(&mut note)?;
    }
    if opts.pseudonym_seed.is_some() {
        note(
            None,
            Some("customer_id"),
            "In this shared file: a pseudonym, the same throughout the file but without relation to the shop's customer ids (--pseudonymize).",
        )?;
    }
    note(
        Some("rejects"),
        None,
        "In this shared file it has no rows: the rejected lines are raw input; table reject_reasons counts them by reason.",
    )?;
    note(
        Some("ingest_blocks"),
        None,
        "In this shared file it has no rows: they serve later ingests, and a shared file takes none.",
    )?;
    for validator in ["etag", "last_modified"] {
        note(
            Some("ingests"),
            Some(validator),
            "In this shared file it is empty: it serves later ingests, and a shared file takes none.",
        )?;
    }
    Ok(())
}

/// The meta facts: where the file came from and when, which events it holds, and what became
/// of personal data and customer ids.
fn in_meta(conn: &Connection, opts: &ShareOptions) -> Result<()> {
    let source = opts.db.file_name().unwrap_or(opts.db.as_os_str());
    meta::set(conn, "shared_from", &source.to_string_lossy())?;
    meta::set(conn, "shared_at", &format_micros(opts.now_us))?;
    let events = match opts.events {
        SharedEvents::None => "none: sessions only",
        SharedEvents::LoggedIn => "logged-in: the events of logged-in customers",
    };
    meta::set(conn, "shared_events", events)?;
    meta::set(conn, "shared_personal_data", &personal_data(opts))?;
    let redactions = if opts.keep_personal_data {
        "none (--keep-personal-data): URLs, free text and reject reasons as in the working file"
    } else {
        REDACTIONS
    };
    meta::set(conn, "shared_redactions", redactions)?;
    let customer_ids = if opts.pseudonym_seed.is_some() {
        "pseudonymized (--pseudonymize): every customer is a number from 1 to the number of customers, in an order drawn at random for this file alone; a customer has the same number throughout this file (sessions, order_visits, first_orders, events), but the numbers have no relation to the shop's customer ids, cannot be joined back to its customer table, and differ in another share of the same file"
    } else {
        "as in the working file: the shop's own customer ids, which its customer table can join back to people (give --pseudonymize to replace them)"
    };
    meta::set(conn, "shared_customer_ids", customer_ids)?;
    Ok(())
}

/// The meta fact `shared_personal_data`: what was kept, left out and redacted.
fn personal_data(opts: &ShareOptions) -> String {
    let ids = if opts.pseudonym_seed.is_some() {
        "customer ids replaced by numbers without relation to the shop's (--pseudonymize; see shared_customer_ids)"
    } else {
        "the shop's own customer ids (see shared_customer_ids)"
    };
    if opts.keep_personal_data {
        return format!("kept (--keep-personal-data): every field as in the working file, the ip, user_agent and unknown fields (extra) of the shared events, URLs, search text and reject reasons unredacted; this file identifies visitors. Still left out: the rejected lines themselves. Customer ids: {ids}");
    }
    let left_out = match opts.events {
        SharedEvents::None => "every event (so no ip, user_agent or unknown field of any visitor) and the rejected lines themselves",
        SharedEvents::LoggedIn => "the anonymous events, the ip, user_agent and unknown fields (extra) of the shared events, and the rejected lines themselves",
    };
    format!("left out: {left_out}. Redacted: URLs, search text and reject reasons (see shared_redactions). Still here: {ids}, the times of every session and the pages and products visited")
}

/// The dictionary's note on table `events`: which events this file holds.
fn events_note(opts: &ShareOptions) -> &'static str {
    match (opts.events, opts.keep_personal_data) {
        (SharedEvents::None, _) => "In this shared file it has no rows: shared with --events none, so only the sessions and the figures made from them are here.",
        (SharedEvents::LoggedIn, false) => "In this shared file: the events of logged-in customers only, with user_agent, ip and extra left empty (they identify visitors), their pages and referrers (urls) redacted as URLs and query and type (event_types) as free text (see meta shared_redactions).",
        (SharedEvents::LoggedIn, true) => "In this shared file: the events of logged-in customers only, with every field kept on request (--keep-personal-data).",
    }
}

/// The dictionary's notes on every redacted or emptied column.
fn redaction_notes(
    note: &mut impl FnMut(Option<&str>, Option<&str>, &str) -> rusqlite::Result<()>,
) -> Result<()> {
    let url = "In this shared file: without user name, password, fragment and query parameters other than utm_*, ref and source (see meta shared_redactions).";
    for (name, column) in [
        ("sessions", "referrer"),
        ("sessions", "landing_page"),
        ("urls", "url"),
        ("v_events", "page"),
        ("v_events", "referrer"),
    ] {
        note(Some(name), Some(column), url)?;
    }
    let free_text = "In this shared file: e-mail addresses, phone-like and card-like numbers replaced by [email], [phone], [card] (see meta shared_redactions).";
    for (name, column) in [
        ("events", "query"),
        ("v_events", "query"),
        ("event_types", "name"),
        ("v_events", "type"),
    ] {
        note(Some(name), Some(column), free_text)?;
    }
    for column in ["user_agent", "ip_v4", "ip", "extra"] {
        note(
            Some("events"),
            Some(column),
            "In this shared file: left empty (NULL).",
        )?;
    }
    note(
        Some("reject_reasons"),
        Some("reason"),
        "In this shared file: the reason's template, without the input it quoted (numbers as N); lines that differ only in that are counted together.",
    )?;
    Ok(())
}
