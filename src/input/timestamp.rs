//! ISO-8601 timestamps of the event data: parsing to UTC microseconds and readable UTC text.
//!
//! The accepted shape is narrow, `YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM]`, no offset meaning
//! UTC: its bytes are checked here, and the `time` crate judges and counts the date and time.
//! Not `time`'s format-description parser: it accepts a signed year (`+2022-…`) and cannot
//! tell a month `13` (not a real date) from `1x` (not ISO-8601), which are different reasons.

use time::macros::datetime;
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use crate::format::calendar::{format_micros, push_date_time, MICROS_PER_SECOND};

/// Stored times are four-digit years in UTC: 0000-01-01T00:00:00Z up to, not including,
/// 10000-01-01T00:00:00Z (one second after the last second `time` can name without its
/// large-dates feature), in seconds since the epoch.
const FIRST_SECOND: i64 = datetime!(0000-01-01 0:00 UTC).unix_timestamp();
const END_SECOND: i64 = datetime!(9999-12-31 23:59:59 UTC).unix_timestamp() + 1;

/// An instant in UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    /// Microseconds since 1970-01-01T00:00:00Z; digits beyond the sixth are truncated here
    /// but kept in `given`.
    pub micros: i64,
    /// The same instant as `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with the fraction digits as
    /// written, when that is not [`format_micros`] of `micros` (a fraction of other than six
    /// digits); `None` for the six digits of the real file. Not formatting the usual case was
    /// measured: it was 2% of a first ingest, on both threads.
    pub given: Option<String>,
}

impl Timestamp {
    /// The instant in UTC with its fraction digits as written.
    pub fn text(&self) -> String {
        self.given
            .clone()
            .unwrap_or_else(|| format_micros(self.micros))
    }
}

/// Why a timestamp was refused; the message completes "timestamp '…' ".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimestampError {
    NotIso,
    NotARealDate,
    OutOfRange,
}

impl TimestampError {
    pub fn describe(&self, input: &str) -> String {
        let shown = crate::format::shorten(input, 60);
        match self {
            TimestampError::NotIso => format!("timestamp '{shown}' is not ISO-8601"),
            TimestampError::NotARealDate => {
                format!("timestamp '{shown}' is not a real date and time")
            }
            TimestampError::OutOfRange => {
                format!("timestamp '{shown}' is outside the years 0000-9999 in UTC")
            }
        }
    }
}

pub fn parse(input: &str) -> Result<Timestamp, TimestampError> {
    let fields = Fields::read(input.as_bytes())?;
    let utc_seconds = fields
        .date_time()?
        .assume_offset(fields.offset)
        .unix_timestamp();
    if !(FIRST_SECOND..END_SECOND).contains(&utc_seconds) {
        return Err(TimestampError::OutOfRange);
    }
    let mut sub_micros: i64 = 0;
    for i in 0..6 {
        sub_micros = sub_micros * 10 + fields.fraction.get(i).map_or(0, |c| (c - b'0') as i64);
    }
    let micros = utc_seconds * MICROS_PER_SECOND + sub_micros;

    // The date and time are rendered from the UTC seconds either way, so the text is
    // format_micros' exactly when the fraction has its six digits.
    if fields.fraction.len() == 6 {
        return Ok(Timestamp {
            micros,
            given: None,
        });
    }
    let mut text = String::with_capacity(20 + fields.fraction.len());
    push_date_time(&mut text, utc_seconds);
    if !fields.fraction.is_empty() {
        text.push('.');
        // The fraction was checked to be ASCII digits.
        text.push_str(std::str::from_utf8(fields.fraction).unwrap_or_default());
    }
    text.push('Z');
    Ok(Timestamp {
        micros,
        given: Some(text),
    })
}

/// The numbers of a timestamp in the accepted shape, not yet judged as a date and time.
struct Fields<'a> {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// The fraction's digits as written, none to nine of them.
    fraction: &'a [u8],
    offset: UtcOffset,
}

impl<'a> Fields<'a> {
    /// The fields, or `NotIso` when the bytes are not in the accepted shape: every shape
    /// check comes before any calendar check, so a line wrong in both is "not ISO-8601".
    fn read(b: &'a [u8]) -> Result<Self, TimestampError> {
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
            return Err(TimestampError::NotIso);
        }
        if b[16] != b':' {
            return Err(TimestampError::NotIso);
        }
        let (fraction, rest) = split_fraction(&b[19..])?;
        Ok(Fields {
            year: digits(&b[0..4])?,
            month: digits(&b[5..7])?,
            day: digits(&b[8..10])?,
            hour: digits(&b[11..13])?,
            minute: digits(&b[14..16])?,
            second: digits(&b[17..19])?,
            fraction,
            offset: offset(rest)?,
        })
    }

    /// The local date and time, if the calendar has them (`time` knows the days of each
    /// month and the leap years).
    fn date_time(&self) -> Result<PrimitiveDateTime, TimestampError> {
        // Each field is at most two digits but the year, which is at most four.
        let small = |n: u32| n as u8;
        let month = Month::try_from(small(self.month)).map_err(|_| TimestampError::NotARealDate)?;
        let date = Date::from_calendar_date(self.year as i32, month, small(self.day));
        let time = Time::from_hms(small(self.hour), small(self.minute), small(self.second));
        match (date, time) {
            (Ok(date), Ok(time)) => Ok(PrimitiveDateTime::new(date, time)),
            _ => Err(TimestampError::NotARealDate),
        }
    }
}

/// `.` and one to nine digits, if there, and what follows.
fn split_fraction(rest: &[u8]) -> Result<(&[u8], &[u8]), TimestampError> {
    let Some((&b'.', after)) = rest.split_first() else {
        return Ok((&[], rest));
    };
    let n = after.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 9 {
        return Err(TimestampError::NotIso);
    }
    Ok(after.split_at(n))
}

/// Nothing or `Z` (UTC), or `±HH:MM` up to 23:59; anything else is not ISO-8601.
fn offset(rest: &[u8]) -> Result<UtcOffset, TimestampError> {
    let (sign, h1, h2, m1, m2) = match rest {
        [] | [b'Z'] => return Ok(UtcOffset::UTC),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => (sign, h1, h2, m1, m2),
        _ => return Err(TimestampError::NotIso),
    };
    let hours = digits(&[*h1, *h2])?;
    let minutes = digits(&[*m1, *m2])?;
    if hours > 23 || minutes > 59 {
        return Err(TimestampError::NotIso);
    }
    let sign = if *sign == b'+' { 1 } else { -1 };
    UtcOffset::from_hms(sign * hours as i8, sign * minutes as i8, 0)
        .map_err(|_| TimestampError::NotIso)
}

fn digits(b: &[u8]) -> Result<u32, TimestampError> {
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return Err(TimestampError::NotIso);
        }
        n = n * 10 + (c - b'0') as u32;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_timestamp_is_utc() {
        let t = parse("2022-05-25T05:44:03.648681").unwrap();
        // 2022-05-25 is day 19137 since the epoch (checked with `date -u -d 2022-05-25 +%s` / 86400).
        assert_eq!(
            t.micros,
            (19_137 * 86_400 + 5 * 3600 + 44 * 60 + 3) * 1_000_000 + 648_681
        );
        assert_eq!(t.text(), "2022-05-25T05:44:03.648681Z");
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let z = parse("2022-05-25T05:44:03Z").unwrap();
        let plus = parse("2022-05-25T07:44:03+02:00").unwrap();
        let minus = parse("2022-05-24T23:44:03-06:00").unwrap();
        assert_eq!(z, plus);
        assert_eq!(z, minus);
        assert_eq!(z.text(), "2022-05-25T05:44:03Z");
    }

    #[test]
    fn zero_to_nine_fraction_digits() {
        assert_eq!(parse("1970-01-01T00:00:01").unwrap().micros, 1_000_000);
        assert_eq!(parse("1970-01-01T00:00:00.5").unwrap().micros, 500_000);
        let nine = parse("1970-01-01T00:00:00.123456789").unwrap();
        assert_eq!(nine.micros, 123_456);
        assert_eq!(nine.text(), "1970-01-01T00:00:00.123456789Z");
        // Only a fraction of six digits is the rendering of the micros, and not kept.
        assert_eq!(
            nine.given.as_deref(),
            Some("1970-01-01T00:00:00.123456789Z")
        );
        let six = parse("1970-01-01T00:00:00.123456+00:00").unwrap();
        assert_eq!((six.micros, six.given), (123_456, None));
        let none = parse("1970-01-01T00:00:00").unwrap();
        assert_eq!(none.given.as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            parse("1970-01-01T00:00:00.1234567890"),
            Err(TimestampError::NotIso)
        );
        assert_eq!(parse("1970-01-01T00:00:00."), Err(TimestampError::NotIso));
    }

    #[test]
    fn before_the_epoch_and_extremes() {
        assert_eq!(parse("1969-12-31T23:59:59.5").unwrap().micros, -500_000);
        assert_eq!(
            parse("0000-01-01T00:00:00").unwrap().text(),
            "0000-01-01T00:00:00Z"
        );
        assert_eq!(
            parse("9999-12-31T23:59:59.999999999").unwrap().text(),
            "9999-12-31T23:59:59.999999999Z"
        );
        assert_eq!(
            parse("9999-12-31T23:59:59-01:00"),
            Err(TimestampError::OutOfRange)
        );
    }

    #[test]
    fn refuses_what_is_not_iso_or_not_real() {
        for bad in [
            "yesterday",
            "2022-05-25 05:44:03",
            "2022-05-25",
            "2022-5-25T05:44:03",
            "2022-05-25T05:44:03+0200",
            "2022-05-25T05:44:03 ",
            "2022-05-25T05:44:03.648681ZZ",
            "",
        ] {
            assert_eq!(parse(bad), Err(TimestampError::NotIso), "{bad}");
        }
        for unreal in [
            "2022-02-30T00:00:00",
            "2021-02-29T00:00:00",
            "2022-13-01T00:00:00",
            "2022-01-01T24:00:00",
            "2022-01-01T00:00:60",
        ] {
            assert_eq!(parse(unreal), Err(TimestampError::NotARealDate), "{unreal}");
        }
        assert!(parse("2024-02-29T00:00:00").is_ok());
    }

    #[test]
    fn leap_years_and_the_bounds() {
        // 2000-03-01 is day 11,017 (30 × 365 + 7 leap days, 1972 to 1996, = 10,957 to
        // 2000-01-01, + 31 + 29): February 2000 had 29 days (divisible by 400).
        assert_eq!(
            parse("2000-02-29T00:00:00").unwrap().micros,
            (11_017 - 1) * 86_400 * 1_000_000
        );
        for unreal in [
            "1900-02-29T00:00:00",
            "2100-02-29T00:00:00",
            "2023-02-29T00:00:00",
        ] {
            assert_eq!(parse(unreal), Err(TimestampError::NotARealDate), "{unreal}");
        }
        // The year 0 is a leap year of the proleptic Gregorian calendar (divisible by 400).
        assert!(parse("0000-02-29T00:00:00").is_ok());
        assert_eq!(
            parse("2022-04-31T00:00:00"),
            Err(TimestampError::NotARealDate)
        );
        assert!(parse("2022-04-30T23:59:59").is_ok());
        // Hand-checked in calendar.rs's tests: 0000-01-01 and 10000-01-01 in seconds.
        assert_eq!(
            (FIRST_SECOND, END_SECOND),
            (-62_167_219_200, 253_402_300_800)
        );
        assert_eq!(
            parse("0000-01-01T00:59:59+01:00"),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!(
            parse("0000-01-01T01:00:00+01:00").unwrap().micros,
            -62_167_219_200_000_000
        );
        // Shape before calendar: a wrong offset and a wrong month are "not ISO-8601".
        assert_eq!(
            parse("2022-13-01T00:00:00+24:00"),
            Err(TimestampError::NotIso)
        );
        assert_eq!(parse("+022-05-25T05:44:03"), Err(TimestampError::NotIso));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(1000))]

        /// Against SQLite's date functions, an independent calendar: a local date and time is
        /// real when SQLite writes it back unchanged (SQLite rolls 2022-02-30 over to March),
        /// and its instant is SQLite's count of seconds less the offset, within the years
        /// 0000-9999 in UTC.
        #[test]
        fn agrees_with_sqlite(
            year in 0u32..=9999,
            month in 0u32..=13,
            day in 0u32..=32,
            hour in 0u32..=24,
            minute in 0u32..=60,
            second in 0u32..=60,
            offset_minutes in -(23 * 60 + 59)..=(23i32 * 60 + 59),
            fraction in "(\\.[0-9]{1,9})?",
        ) {
            let conn = rusqlite::Connection::open_in_memory().unwrap();
            let local = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
            let sign = if offset_minutes < 0 { '-' } else { '+' };
            let (oh, om) = (offset_minutes.abs() / 60, offset_minutes.abs() % 60);
            let offset = format!("{sign}{oh:02}:{om:02}");
            let written_back: Option<String> = conn
                .query_row("SELECT strftime('%Y-%m-%dT%H:%M:%S', ?1)", [&local], |r| r.get(0))
                .unwrap();
            // The offset is taken off here: SQLite reads offsets up to 14 hours only.
            let seconds: Option<i64> = conn
                .query_row(
                    "SELECT CAST(strftime('%s', ?1) AS INTEGER) - ?2",
                    rusqlite::params![local, offset_minutes * 60],
                    |r| r.get(0),
                )
                .unwrap();
            let got = parse(&format!("{local}{fraction}{offset}"));
            if written_back.as_deref() != Some(local.as_str()) {
                proptest::prop_assert_eq!(got, Err(TimestampError::NotARealDate));
            } else {
                match seconds.filter(|s| (-62_167_219_200..253_402_300_800).contains(s)) {
                    None => proptest::prop_assert_eq!(got, Err(TimestampError::OutOfRange)),
                    Some(s) => {
                        let sub: i64 = format!("{:0<6}", fraction.get(1..).unwrap_or(""))[..6]
                            .parse()
                            .unwrap();
                        proptest::prop_assert_eq!(got.map(|t| t.micros), Ok(s * 1_000_000 + sub));
                    }
                }
            }
        }
    }

    #[test]
    fn format_micros_round_trips() {
        for s in ["2022-05-25T05:44:03.648681Z", "1969-12-31T23:59:59.500000Z"] {
            assert_eq!(format_micros(parse(s).unwrap().micros), s);
        }
    }

    #[test]
    fn error_messages_name_the_value() {
        assert_eq!(
            TimestampError::NotIso.describe("yesterday"),
            "timestamp 'yesterday' is not ISO-8601"
        );
    }
}
