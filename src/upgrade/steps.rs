//! The schema's history: every version after the first, as an append-only list of steps that
//! the engine beside it (`upgrade`) applies to a file written by an older xcc. A step may
//! need more than SQL (version 7 sessionizes the stored events again).

use crate::queries;
use anyhow::Result;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::Migration;
use crate::format::thousands;
use crate::sessions::orders::OrderRows;
use crate::sessions::scan::NothingElse;
use crate::sessions::{rebuild, sensitivity};
use crate::store::{ip, meta};

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        to: 2,
        apply: sessions_in_customer_order,
    },
    Migration {
        to: 3,
        apply: blocks_and_order_rows,
    },
    Migration {
        to: 4,
        apply: sensitivity,
    },
    Migration {
        to: 5,
        apply: sensitivity_rows,
    },
    Migration {
        to: 6,
        apply: rendered_times,
    },
    Migration {
        to: 7,
        apply: event_texts_once,
    },
    Migration {
        to: 8,
        apply: readable_everywhere,
    },
    Migration {
        to: 9,
        apply: download_validators,
    },
];

/// Version 1 → 2: the sessions table made anew in (customer_id, session_number) order. As
/// shipped it also filled the table by sessionizing the stored events; today's sessionizer
/// writes today's table, so the table stays empty on its way up until version 6's step makes
/// it anew and sessionizes (sessions are derived data; the SQL file is unchanged).
fn sessions_in_customer_order(conn: &Connection) -> Result<String> {
    conn.execute_batch(queries::migrations::SESSIONS_IN_CUSTOMER_ORDER)?;
    Ok("sessions in customer order".to_string())
}

/// Version 2 → 3: the tables of the input's blocks, and the order rows filled from the
/// stored sessions.
fn blocks_and_order_rows(conn: &Connection) -> Result<String> {
    conn.execute_batch(queries::migrations::BLOCKS_AND_ORDER_ROWS)?;
    OrderRows::new(conn)?.refresh_all()?;
    Ok("order rows filled from the sessions".to_string())
}

/// Version 3 → 4: the tables of GET /metrics/sensitivity's per-customer sweeps. As shipped
/// it also filled them by sweeping every customer's events; the next step drops them, so a
/// file on its way up no longer pays for that sweep (the tables this step makes, and so the
/// schema of version 4, are as shipped: the SQL file is unchanged).
fn sensitivity(conn: &Connection) -> Result<String> {
    conn.execute_batch(queries::migrations::SENSITIVITY)?;
    Ok("tables of the figures at other session timeouts made".to_string())
}

/// Version 4 → 5: the per-customer sweeps dropped (the answer is swept from the events when
/// asked), and the table of the answer's rows that a file without events carries.
fn sensitivity_rows(conn: &Connection) -> Result<String> {
    conn.execute_batch(queries::migrations::SENSITIVITY_ROWS)?;
    Ok("per-customer figures at other session timeouts dropped".to_string())
}

/// Version 5 → 6: no text that only renders a time's integer is stored (sessions' started_at,
/// ended_at, first_order_at; events' timestamp where the input wrote it with six digits: the
/// views render them). With legacy_alter_table on, renaming the old events table aside rewrites
/// no other definition (an analyst's own view of `events` keeps naming `events`, the new
/// table). The sessions table is made anew. As shipped the step then sessionized the stored
/// events; today's sessionizer reads today's events table, so the sessions stay empty on their
/// way up until version 7's step fills them.
fn rendered_times(conn: &Connection) -> Result<String> {
    conn.pragma_update(None, "legacy_alter_table", true)?;
    let step = conn.execute_batch(queries::migrations::RENDERED_TIMES);
    conn.pragma_update(None, "legacy_alter_table", false)?;
    step?;
    Ok("times that only render their integers no longer stored".to_string())
}

/// Version 6 → 7: each event type and page or referrer URL stored once (event_types, urls),
/// the events holding their ids. As in version 6's step, legacy_alter_table keeps every other
/// definition as it is while the old events table is renamed aside. Sessions are kept, but
/// for a file that comes from before version 6 (see [`rendered_times`]).
fn event_texts_once(conn: &Connection) -> Result<String> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("xcc_packed_ipv4", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(ip::packed),
            _ => None,
        })
    })?;
    conn.pragma_update(None, "legacy_alter_table", true)?;
    let step = conn.execute_batch(queries::migrations::EVENT_TEXTS_ONCE);
    conn.pragma_update(None, "legacy_alter_table", false)?;
    step?;
    let (types, urls, sessions): (i64, i64, i64) =
        conn.query_row(queries::migrations::EVENT_TEXTS_COUNTS, [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let mut done = format!(
        "event types and URLs stored once: {} types, {} URLs",
        thousands(types as u64),
        thousands(urls as u64)
    );
    // A file from before version 6 comes here with the sessions that version 6's step made
    // anew, empty: they are sessionized from the events, and the order rows follow them.
    if sessions == 0 {
        let timeout_us = meta::session_timeout_seconds(conn)? * 1_000_000;
        let rebuilt = rebuild::rebuild_all_sessions(conn, timeout_us, &mut NothingElse)?;
        OrderRows::new(conn)?.refresh_all()?;
        done.push_str(&format!(", {} sessions rebuilt", thousands(rebuilt)));
    }
    Ok(done)
}

/// Version 7 → 8: every table with a rowid, the calendar of the events' days and the empty
/// table of the views' column types, so that DuckDB's SQLite reader reads every table and view;
/// legacy_alter_table on while the old tables are renamed aside, as in version 6's step. Then
/// the rows of the sensitivity answer are carried, as every writer now carries them.
fn readable_everywhere(conn: &Connection) -> Result<String> {
    conn.pragma_update(None, "legacy_alter_table", true)?;
    let step = conn.execute_batch(queries::migrations::READABLE_EVERYWHERE);
    conn.pragma_update(None, "legacy_alter_table", false)?;
    step?;
    sensitivity::refresh(conn)?;
    Ok("every table with a rowid, the calendar of the events' days made".to_string())
}

/// Version 8 → 9: the ledger keeps the validators of each download (ETag, Last-Modified), for
/// the conditional GET of the next ingest of the same URL, and names the ingest whose body a
/// 304 Not Modified stands for. Columns added, NULL in every row already there.
fn download_validators(conn: &Connection) -> Result<String> {
    conn.execute_batch(queries::migrations::DOWNLOAD_VALIDATORS)?;
    Ok("the ledger keeps each download's ETag and Last-Modified".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema::SCHEMA_VERSION;

    #[test]
    fn one_step_per_version_after_the_first() {
        assert_eq!(MIGRATIONS.len() as i64, SCHEMA_VERSION - 1);
        for (i, step) in MIGRATIONS.iter().enumerate() {
            assert_eq!(step.to, i as i64 + 2);
        }
    }
}
