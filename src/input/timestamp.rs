//! ISO-8601 timestamps of the event data: parsing to UTC microseconds and readable UTC text.
//!
//! Hand-written rather than `time`'s format parser because it runs once per input line and the
//! accepted shape is narrow: `YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM]`, no offset meaning UTC.

use crate::format::calendar::{
    days_from_civil, days_in_month, format_micros, push_date_time, MICROS_PER_SECOND,
    SECONDS_PER_DAY,
};

/// Stored times are four-digit years in UTC: 0000-01-01T00:00:00Z up to, not including,
/// 10000-01-01T00:00:00Z, in seconds since the epoch.
const FIRST_SECOND: i64 = days_from_civil(0, 1, 1) * SECONDS_PER_DAY;
const END_SECOND: i64 = days_from_civil(10_000, 1, 1) * SECONDS_PER_DAY;

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
    let b = input.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return Err(TimestampError::NotIso);
    }
    if b[16] != b':' {
        return Err(TimestampError::NotIso);
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;

    let mut rest = &b[19..];
    let mut fraction: &[u8] = &[];
    if let Some((&b'.', after)) = rest.split_first() {
        let n = after.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return Err(TimestampError::NotIso);
        }
        fraction = &after[..n];
        rest = &after[n..];
    }
    let offset_seconds = match rest {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let oh = digits(&[*h1, *h2])?;
            let om = digits(&[*m1, *m2])?;
            if oh > 23 || om > 59 {
                return Err(TimestampError::NotIso);
            }
            let magnitude = (oh * 3600 + om * 60) as i64;
            if *sign == b'+' {
                magnitude
            } else {
                -magnitude
            }
        }
        _ => return Err(TimestampError::NotIso),
    };

    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(TimestampError::NotARealDate);
    }

    let local_seconds = days_from_civil(year as i64, month, day) * SECONDS_PER_DAY
        + (hour * 3600 + minute * 60 + second) as i64;
    let utc_seconds = local_seconds - offset_seconds;
    if !(FIRST_SECOND..END_SECOND).contains(&utc_seconds) {
        return Err(TimestampError::OutOfRange);
    }

    let mut sub_micros: i64 = 0;
    for i in 0..6 {
        sub_micros = sub_micros * 10 + fraction.get(i).map_or(0, |c| (c - b'0') as i64);
    }
    let micros = utc_seconds * MICROS_PER_SECOND + sub_micros;

    // The date and time are rendered from the UTC seconds either way, so the text is
    // format_micros' exactly when the fraction has its six digits.
    if fraction.len() == 6 {
        return Ok(Timestamp {
            micros,
            given: None,
        });
    }
    let mut text = String::with_capacity(20 + fraction.len());
    push_date_time(&mut text, utc_seconds);
    if !fraction.is_empty() {
        text.push('.');
        // The fraction was checked to be ASCII digits above.
        text.push_str(std::str::from_utf8(fraction).unwrap_or_default());
    }
    text.push('Z');
    Ok(Timestamp {
        micros,
        given: Some(text),
    })
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
