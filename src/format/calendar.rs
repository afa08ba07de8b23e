//! The readable UTC text of an instant, as the sessions table, the summaries and the stored
//! timestamps show it. The calendar itself (leap years, days in a month, days to dates) is
//! the `time` crate's.

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::UtcDateTime;

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const SECONDS_PER_DAY: i64 = 86_400;

/// `YYYY-MM-DDTHH:MM:SS`: `[year]` is zero-padded to four digits, so the year 0 is `0000`.
const DATE_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
const DATE_TIME_MICROS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Readable UTC text of microseconds since the epoch, six fraction digits, as the sessions
/// table shows its times.
pub fn format_micros(micros: i64) -> String {
    let formatted = UtcDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .ok()
        .and_then(|t| t.format(DATE_TIME_MICROS).ok());
    // Beyond the years -9999 to 9999, which `time` counts and the parser never lets in (a
    // damaged or foreign file could hold anything), the count itself rather than a panic.
    formatted.unwrap_or_else(|| format!("{micros} µs after 1970-01-01T00:00:00Z"))
}

/// `YYYY-MM-DD`, as the table `calendar` holds a day.
const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// The day (days since 1970-01-01, UTC, floored) that microseconds since the epoch fall on:
/// the key of the table `calendar`, as the views compute it.
pub fn day_of_micros(micros: i64) -> i64 {
    micros.div_euclid(MICROS_PER_SECOND * SECONDS_PER_DAY)
}

/// `YYYY-MM-DD` of a day of [`day_of_micros`]; None beyond the years `time` counts.
pub fn date_of_day(day: i64) -> Option<String> {
    let seconds = day.checked_mul(SECONDS_PER_DAY)?;
    UtcDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(DATE).ok())
}

/// `YYYY-MM-DDTHH:MM:SS` of seconds since the epoch.
pub fn push_date_time(text: &mut String, seconds: i64) {
    let formatted = UtcDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(DATE_TIME).ok());
    match formatted {
        Some(formatted) => text.push_str(&formatted),
        // As in format_micros: outside the years `time` counts, the count.
        None => text.push_str(&format!("{seconds} s after 1970-01-01T00:00:00Z")),
    }
}

/// How people read a time, on the report and the dashboard alike: `20 Apr 2022 00:00 UTC`.
const READABLE: &[BorrowedFormatItem<'static>] =
    format_description!("[day padding:none] [month repr:short] [year] [hour]:[minute] UTC");
/// How people read a day: `1 Apr 2022`.
const READABLE_DAY: &[BorrowedFormatItem<'static>] =
    format_description!("[day padding:none] [month repr:short] [year]");

/// `20 Apr 2022 00:00 UTC` of seconds since the epoch (to the minute, cut, not rounded, as
/// the dashboard's script shows the stored times).
pub fn readable_time(seconds: i64) -> String {
    UtcDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(READABLE).ok())
        .unwrap_or_else(|| format!("{seconds} s after 1 Jan 1970 00:00 UTC"))
}

/// `20 Apr 2022 00:00 UTC` of a stored time (`2022-04-20T00:00:18.648681Z`), or None for a
/// text that does not start as one.
pub fn readable_stored(text: &str) -> Option<String> {
    let (date, rest) = (text.get(..10)?, text.get(10..)?);
    let sep = rest.get(..1)?;
    if sep != "T" && sep != " " {
        return None;
    }
    let hour: u8 = rest.get(1..3)?.parse().ok()?;
    let minute: u8 = rest.get(4..6)?.parse().ok()?;
    if rest.get(3..4)? != ":" {
        return None;
    }
    let time = time::Time::from_hms(hour, minute, 0).ok()?;
    date_of(date)?
        .with_time(time)
        .as_utc()
        .format(READABLE)
        .ok()
}

/// `1 Apr 2022` of a day given as `2022-04-01`, or None for a text that is not one.
pub fn readable_day(text: &str) -> Option<String> {
    date_of(text)?.format(READABLE_DAY).ok()
}

/// The date of `YYYY-MM-DD`.
fn date_of(text: &str) -> Option<time::Date> {
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if text.len() != 10 {
        return None;
    }
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The day a time falls on is floored, before 1970 too: one microsecond before the epoch
    /// is on day -1, 1969-12-31; 2022-04-20 is day 19,102 (52 years of 365 days from 1970
    /// plus the 13 leap days of 1972 to 2020, 18,993, plus the 109 days of January to 19
    /// April); 0000-01-01 is day -719,528 (see FIRST_US).
    #[test]
    fn a_day_is_floored_and_dated() {
        assert_eq!(day_of_micros(0), 0);
        assert_eq!(day_of_micros(-1), -1);
        assert_eq!(day_of_micros(86_400_000_000 - 1), 0);
        assert_eq!(date_of_day(-1).as_deref(), Some("1969-12-31"));
        assert_eq!(date_of_day(19_102).as_deref(), Some("2022-04-20"));
        assert_eq!(day_of_micros(FIRST_US), -719_528);
        assert_eq!(date_of_day(-719_528).as_deref(), Some("0000-01-01"));
        assert_eq!(date_of_day(i64::MAX), None);
    }

    /// 0000-01-01T00:00:00Z: 719,528 days before 1970 (1970 × 365 days plus the 478 leap
    /// days of the years 0 to 1969: 493 multiples of 4, less the 15 centuries not divisible
    /// by 400), times 86,400 s.
    const FIRST_US: i64 = -62_167_219_200_000_000;
    /// 10000-01-01T00:00:00Z: 2,932,897 days after 1970 (8,030 × 365 plus 1,947 leap days:
    /// 2,007 multiples of 4 from 1972 to 9996, less the 60 of the 80 centuries from 2000
    /// to 9900 that are not divisible by 400), times 86,400 s.
    const END_US: i64 = 253_402_300_800_000_000;

    #[test]
    fn hand_checked_instants() {
        // Each checked with GNU date, e.g. `date -u -d @1653457443 +%FT%T`.
        for (micros, text) in [
            (0, "1970-01-01T00:00:00.000000Z"),
            (-1, "1969-12-31T23:59:59.999999Z"),
            // 2022-05-25 is day 19,137: 52 years × 365 + 13 leap days (1972 to 2020) = 18,993
            // to 2022-01-01, + 31 + 28 + 31 + 30 + 24 = 144; then 5 h 44 min 3 s = 20,643 s.
            (1_653_457_443_648_681, "2022-05-25T05:44:03.648681Z"),
            // A leap day: 2024-01-01 is day 19,723 (54 × 365 + 13), + 31 + 28 = 19,782; noon.
            (1_709_208_000_000_000, "2024-02-29T12:00:00.000000Z"),
            // 2100 is no leap year: 2100-01-01 is day 47,482 (130 × 365 + 32 leap days, 1972 to
            // 2096), + 31 + 28 = 47,541 is March 1.
            (4_107_542_400_000_000, "2100-03-01T00:00:00.000000Z"),
            (FIRST_US, "0000-01-01T00:00:00.000000Z"),
            (END_US - 1, "9999-12-31T23:59:59.999999Z"),
        ] {
            assert_eq!(format_micros(micros), text, "{micros}");
        }
        let mut text = String::from("at ");
        push_date_time(&mut text, 1_709_208_000);
        assert_eq!(text, "at 2024-02-29T12:00:00");
        // Outside the years `time` counts: no panic, the count.
        assert_eq!(
            format_micros(i64::MAX),
            "9223372036854775807 µs after 1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn readable_times_and_days() {
        // 1,650,412,818 s is 2022-04-20T00:00:18Z (`date -u -d @1650412818`); the minute is
        // cut, not rounded, as the dashboard's script cuts it.
        assert_eq!(readable_time(1_650_412_818), "20 Apr 2022 00:00 UTC");
        assert_eq!(
            readable_stored("2022-04-20T00:00:18.648681Z").as_deref(),
            Some("20 Apr 2022 00:00 UTC")
        );
        assert_eq!(
            readable_stored("2022-05-19 19:17:48").as_deref(),
            Some("19 May 2022 19:17 UTC")
        );
        assert_eq!(readable_day("2022-04-01").as_deref(), Some("1 Apr 2022"));
        for bad in [
            "",
            "2022-04-20",
            "2022-13-01T00:00",
            "May",
            "2022-04-20T25:00",
        ] {
            assert_eq!(readable_stored(bad), None, "{bad}");
        }
        assert_eq!(readable_day("2022-02-30"), None);
    }

    proptest::proptest! {
        // Against SQLite's own date functions, an independent calendar, over years 0000-9999.
        #[test]
        fn format_micros_equals_sqlite(micros in FIRST_US..END_US) {
            let conn = rusqlite::Connection::open_in_memory().unwrap();
            let seconds = micros.div_euclid(MICROS_PER_SECOND);
            let date_time: String = conn
                .query_row(
                    "SELECT strftime('%Y-%m-%dT%H:%M:%S', ?1, 'unixepoch')",
                    [seconds],
                    |r| r.get(0),
                )
                .unwrap();
            let expected = format!("{date_time}.{:06}Z", micros.rem_euclid(MICROS_PER_SECOND));
            proptest::prop_assert_eq!(format_micros(micros), expected);
        }
    }
}
