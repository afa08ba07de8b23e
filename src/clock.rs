//! The wall clock, read only at the edges (ledger times), never inside logic that decides a number.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Now in UTC as RFC 3339 text, e.g. `2026-11-23T12:51:05.123456Z`.
pub fn now_iso() -> String {
    let now = OffsetDateTime::now_utc();
    let micro = now
        .replace_nanosecond(now.microsecond() * 1_000)
        .unwrap_or(now);
    micro
        .format(&Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}
