//! `xcc share`'s file: a new SQLite file for analysts, made from a working file. It holds the
//! sessions, the ingests ledger, the views, the dictionary and the rejects counted by reason;
//! events only when asked. Nothing personal is in any field unless asked by name
//! (--keep-personal-data): no IP address, user agent or unknown field of any event, URLs
//! without credentials, fragments and query parameters but campaign tags (urls.rs), free
//! text without e-mail addresses and phone-like or card-like numbers (text.rs), reject
//! reasons as templates without the input they quoted (crate::ingest::reasons::template);
//! with --pseudonymize, customer ids without relation to the real ones (pseudonyms.rs). It is
//! built under a temporary name beside the target, compacted, put in rollback-journal mode so
//! that it is complete on its own, and only then given its name.

mod pseudonyms;
pub mod text;
pub mod urls;

use crate::queries;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params, Connection};

use crate::format::calendar::format_micros;
use crate::ingest::reasons;
use crate::out_file;
use crate::sessions::sensitivity;
use crate::store::{self, meta, schema};

/// Which events go into the shared file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SharedEvents {
    /// No event rows: sessions and metrics only.
    None,
    /// The events of logged-in customers (the ones the sessions are made of).
    LoggedIn,
}

pub struct ShareOptions {
    pub db: PathBuf,
    pub out: PathBuf,
    pub events: SharedEvents,
    pub keep_personal_data: bool,
    /// With --pseudonymize: the secret seed of the customers' numbers (random, from the
    /// edge; see pseudonyms.rs).
    pub pseudonym_seed: Option<[u8; 32]>,
    pub force: bool,
    /// The wall clock at the edge, in microseconds since the epoch: when it was shared.
    pub now_us: i64,
}

/// What the shared file holds.
pub struct Shared {
    pub bytes: u64,
    pub sessions: i64,
    pub events: i64,
    pub reject_reasons: i64,
    pub rejected_lines: i64,
}

pub fn share(opts: &ShareOptions) -> Result<Shared> {
    out_file::check_target(&opts.out, &opts.db, "the working file", opts.force)?;
    // Opening it as a reader checks that it is an xcc file of this version, before anything
    // is written anywhere.
    let version = store::user_version(&store::open_for_read(&opts.db)?)?;
    if version != schema::SCHEMA_VERSION {
        bail!(
            "{} has schema version {version}; run `xcc sessionize --db {}` once to bring it to version {} before sharing it",
            opts.db.display(),
            opts.db.display(),
            schema::SCHEMA_VERSION
        );
    }
    let temporary = out_file::temporary_path(&opts.out);
    let built = build(opts, &temporary).and_then(|shared| {
        out_file::publish(&temporary, &opts.out, opts.force, "sharing")?;
        Ok(shared)
    });
    if built.is_err() {
        store::remove_database_files(&temporary);
    }
    built.with_context(|| format!("cannot write {}", opts.out.display()))
}

fn build(opts: &ShareOptions, path: &Path) -> Result<Shared> {
    let _ = std::fs::remove_file(path);
    let mut conn = Connection::open(path)?;
    store::harden_writer(&mut conn)?;
    // 4 KiB pages: the shared file is small and read, never bulk-loaded, so smaller pages
    // waste less space. Nothing else reads the temporary file: no journal while building.
    conn.pragma_update(None, "page_size", 4096)?;
    conn.pragma_update(None, "journal_mode", "OFF")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    schema::create(&conn)?;
    conn.execute_batch(queries::share::SCHEMA)?;
    conn.execute("ATTACH DATABASE ?1 AS source", [read_only_uri(&opts.db)?])
        .with_context(|| format!("cannot read {}", opts.db.display()))?;
    prepare(&conn)?;
    // Reading the working file through mmap instead of read() calls halves the time of the
    // events' copy (measured on 680,000 lines: 0.79 s against 0.37 s). At most 256 MiB of it,
    // so that memory stays bounded for larger files (the rest is read as before).
    conn.pragma_update(Some("source"), "mmap_size", 256i64 << 20)?;
    copy(&conn, opts)?;
    conn.execute_batch("DETACH DATABASE source;")?;
    describe_share(&conn, opts)?;
    // Rebuilt compact, and complete on its own: no -wal or -shm, openable read-only anywhere.
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    conn.execute_batch("VACUUM;")?;
    let shared = contents(&conn, path)?;
    conn.close().map_err(|(_, e)| e)?;
    std::fs::File::open(path)?.sync_all()?;
    Ok(shared)
}

/// What the copying statements use beyond the two files: the SQL functions that redact
/// (`xcc_redact_url`, `xcc_redact_text`) and the temporary table of pseudonyms.
pub fn prepare(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("xcc_redact_url", 1, flags, |ctx| {
        Ok(redacted(ctx.get_raw(0), urls::redact_url))
    })?;
    conn.create_scalar_function("xcc_redact_text", 1, flags, |ctx| {
        Ok(redacted(ctx.get_raw(0), text::redact_text))
    })?;
    conn.create_scalar_function("xcc_redact_source", 1, flags, |ctx| {
        Ok(redacted(ctx.get_raw(0), urls::redact_source))
    })?;
    conn.execute_batch(queries::share::PSEUDONYMS)?;
    conn.execute_batch(queries::share::TEXT_MAPS)?;
    Ok(())
}

/// A value redacted by `redact`: text (and bytes, read as text) redacted, NULL and numbers as
/// they are.
fn redacted(value: ValueRef, redact: fn(&str) -> String) -> Value {
    match value {
        ValueRef::Text(t) | ValueRef::Blob(t) => Value::Text(redact(&String::from_utf8_lossy(t))),
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
    }
}

/// Numbers every customer of the rows to copy 1..n in the order the seed draws.
fn pseudonymize(conn: &Connection, opts: &ShareOptions, seed: &[u8; 32]) -> Result<()> {
    let customers: Vec<i64> = conn
        .prepare(queries::share::CUSTOMERS)?
        .query_map([opts.events == SharedEvents::LoggedIn], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let numbers = pseudonyms::shuffled(customers.len(), seed);
    let mut insert = conn.prepare(queries::share::INSERT_PSEUDONYM)?;
    for (customer, number) in customers.iter().zip(numbers) {
        insert.execute([customer, &number])?;
    }
    Ok(())
}

fn copy(conn: &Connection, opts: &ShareOptions) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    let keep = opts.keep_personal_data;
    let pseudonymized = opts.pseudonym_seed.is_some();
    // Before the rows, so that no copy pays for indexes the file will not keep.
    for name in schema::SHARED_LEAVES_OUT {
        schema::drop_index(&tx, name)?;
    }
    if let Some(seed) = &opts.pseudonym_seed {
        pseudonymize(&tx, opts, seed)?;
    }
    tx.execute(queries::share::COPY_META, [])?;
    tx.execute(queries::share::COPY_INGESTS, [keep])?;
    tx.execute(queries::share::COPY_SESSIONS, [keep, pseudonymized])?;
    tx.execute(queries::share::COPY_ORDER_VISITS, [pseudonymized])?;
    tx.execute(queries::share::COPY_FIRST_ORDERS, [pseudonymized])?;
    tx.execute(queries::share::COPY_HISTORY, [])?;
    // The answer of /metrics/sensitivity, swept from the working file's events: a shared file
    // carries its rows, since it may have no events to sweep.
    let working = store::open_for_read(&opts.db)?;
    sensitivity::carry(&tx, &sensitivity::rows(&working)?)?;
    if opts.events == SharedEvents::LoggedIn {
        tx.execute(queries::share::MAP_EVENT_TYPES, [keep])?;
        tx.execute(queries::share::MAP_URLS, [keep])?;
        tx.execute(queries::share::COPY_EVENT_TYPES, [])?;
        tx.execute(queries::share::COPY_URLS, [])?;
        tx.execute(queries::share::COPY_LOGGED_IN_EVENTS, [keep, pseudonymized])?;
    }
    count_reject_reasons(&tx, keep)?;
    tx.commit()?;
    Ok(())
}

/// The working file's rejects counted by reason: by the reason's template (which quotes
/// nothing of the input), or by the reason itself with --keep-personal-data. Most first.
fn count_reject_reasons(conn: &Connection, keep: bool) -> Result<()> {
    let mut select = conn.prepare(queries::share::COUNT_REJECT_REASONS)?;
    let mut rows = select.query([])?;
    let mut counts = Vec::new();
    while let Some(row) = rows.next()? {
        let reason = match row.get_ref(0)? {
            ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
            other => format!("{:?}", other.data_type()),
        };
        counts.push((reason, row.get::<_, i64>(1)? as u64));
    }
    let counted = if keep {
        reasons::counted_by(counts, str::to_string)
    } else {
        reasons::counted_by(counts, reasons::template)
    };
    let mut insert = conn.prepare(queries::share::INSERT_REJECT_REASON)?;
    for count in counted {
        insert.execute(params![count.reason, count.lines as i64])?;
    }
    Ok(())
}

/// What a shared file did with the URLs, free text and reject reasons, in words.
const REDACTIONS: &str = "Where each ingest read its lines (ingests.source): a file by its name alone, a download's URL as the URLs below. URLs (sessions.referrer and landing_page, the events' pages and referrers in urls.url) without user name and password, without fragment (#...) and without every query parameter but utm_*, ref and source; e-mail addresses in what stays of them as [email]. Free text (events.query, the event types in event_types.name): e-mail addresses as [email], phone-like numbers (7 to 12 digits) as [phone], card-like numbers (13 to 19 digits) as [card], longer ones as [number]. Reject reasons (reject_reasons.reason) as their templates, without the input they quoted. sessions.referrer_host is the working file's, so the referrer figures are the same.";

/// What was shared, what was left out and what was redacted, in `meta` (and so in the
/// `about` view) and in the dictionary rows of the tables and columns concerned.
fn describe_share(conn: &Connection, opts: &ShareOptions) -> Result<()> {
    let source = opts.db.file_name().unwrap_or(opts.db.as_os_str());
    meta::set(conn, "shared_from", &source.to_string_lossy())?;
    meta::set(conn, "shared_at", &format_micros(opts.now_us))?;
    let events = match opts.events {
        SharedEvents::None => "none: sessions only",
        SharedEvents::LoggedIn => "logged-in: the events of logged-in customers",
    };
    meta::set(conn, "shared_events", events)?;
    let pseudonymized = opts.pseudonym_seed.is_some();
    let ids = if pseudonymized {
        "customer ids replaced by numbers without relation to the shop's (--pseudonymize; see shared_customer_ids)"
    } else {
        "the shop's own customer ids (see shared_customer_ids)"
    };
    let personal = if opts.keep_personal_data {
        format!("kept (--keep-personal-data): every field as in the working file, the ip, user_agent and unknown fields (extra) of the shared events, URLs, search text and reject reasons unredacted; this file identifies visitors. Still left out: the rejected lines themselves. Customer ids: {ids}")
    } else {
        let left_out = match opts.events {
            SharedEvents::None => "every event (so no ip, user_agent or unknown field of any visitor) and the rejected lines themselves",
            SharedEvents::LoggedIn => "the anonymous events, the ip, user_agent and unknown fields (extra) of the shared events, and the rejected lines themselves",
        };
        format!("left out: {left_out}. Redacted: URLs, search text and reject reasons (see shared_redactions). Still here: {ids}, the times of every session and the pages and products visited")
    };
    meta::set(conn, "shared_personal_data", &personal)?;
    let redactions = if opts.keep_personal_data {
        "none (--keep-personal-data): URLs, free text and reject reasons as in the working file"
    } else {
        REDACTIONS
    };
    meta::set(conn, "shared_redactions", redactions)?;
    let customer_ids = if pseudonymized {
        "pseudonymized (--pseudonymize): every customer is a number from 1 to the number of customers, in an order drawn at random for this file alone; a customer has the same number throughout this file (sessions, order_visits, first_orders, events), but the numbers have no relation to the shop's customer ids, cannot be joined back to its customer table, and differ in another share of the same file"
    } else {
        "as in the working file: the shop's own customer ids, which its customer table can join back to people (give --pseudonymize to replace them)"
    };
    meta::set(conn, "shared_customer_ids", customer_ids)?;

    let mut note = conn.prepare(queries::share::NOTE_IN_DICTIONARY)?;
    let mut note = |name: Option<&str>, column: Option<&str>, text: &str| {
        note.execute(params![name, column, text]).map(|_| ())
    };
    let events_note = match (opts.events, opts.keep_personal_data) {
        (SharedEvents::None, _) => "In this shared file it has no rows: shared with --events none, so only the sessions and the figures made from them are here.",
        (SharedEvents::LoggedIn, false) => "In this shared file: the events of logged-in customers only, with user_agent, ip and extra left empty (they identify visitors), their pages and referrers (urls) redacted as URLs and query and type (event_types) as free text (see meta shared_redactions).",
        (SharedEvents::LoggedIn, true) => "In this shared file: the events of logged-in customers only, with every field kept on request (--keep-personal-data).",
    };
    note(Some("events"), None, events_note)?;
    if !opts.keep_personal_data {
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
    }
    if pseudonymized {
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
    Ok(())
}

fn contents(conn: &Connection, path: &Path) -> Result<Shared> {
    let (sessions, events, reject_reasons, rejected_lines) =
        conn.query_row(queries::share::CONTENTS, [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    Ok(Shared {
        bytes: std::fs::metadata(path)?.len(),
        sessions,
        events,
        reject_reasons,
        rejected_lines,
    })
}

/// The working file as a read-only SQLite URI, so that attaching it can never write to it.
fn read_only_uri(db: &Path) -> Result<String> {
    Ok(format!("{}?mode=ro", store::file_uri(db)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uri_escapes_what_a_uri_would_read_as_syntax() {
        let uri = read_only_uri(Path::new("/tmp/a b/100%?#.db")).unwrap();
        assert_eq!(uri, "file:/tmp/a b/100%25%3F%23.db?mode=ro");
    }
}
