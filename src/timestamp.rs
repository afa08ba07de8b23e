//! ISO-8601 timestamps of the event data: parsing to UTC microseconds and readable UTC text.
//!
//! Hand-written rather than `time`'s format parser because it runs once per input line and the
//! accepted shape is narrow: `YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM]`, no offset meaning UTC.

/// An instant in UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    /// Microseconds since 1970-01-01T00:00:00Z; digits beyond the sixth are truncated here
    /// but kept in `text`.
    pub micros: i64,
    /// The same instant as `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, fraction digits as written.
    pub text: String,
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
        let shown = crate::text::shorten(input, 60);
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

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

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
    let days = utc_seconds.div_euclid(SECONDS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return Err(TimestampError::OutOfRange);
    }

    let mut sub_micros: i64 = 0;
    for i in 0..6 {
        sub_micros = sub_micros * 10 + fraction.get(i).map_or(0, |c| (c - b'0') as i64);
    }
    let micros = utc_seconds * MICROS_PER_SECOND + sub_micros;

    let mut text = String::with_capacity(20 + fraction.len());
    push_date_time(&mut text, y, m, d, utc_seconds.rem_euclid(SECONDS_PER_DAY));
    if !fraction.is_empty() {
        text.push('.');
        // The fraction was checked to be ASCII digits above.
        text.push_str(std::str::from_utf8(fraction).unwrap_or_default());
    }
    text.push('Z');
    Ok(Timestamp { micros, text })
}

/// Readable UTC text of microseconds since the epoch, six fraction digits, as the sessions
/// table shows its times.
pub fn format_micros(micros: i64) -> String {
    let seconds = micros.div_euclid(MICROS_PER_SECOND);
    let sub = micros.rem_euclid(MICROS_PER_SECOND);
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let mut text = String::with_capacity(27);
    push_date_time(&mut text, y, m, d, seconds.rem_euclid(SECONDS_PER_DAY));
    text.push('.');
    push_digits(&mut text, sub, 6);
    text.push('Z');
    text
}

/// `YYYY-MM-DDTHH:MM:SS`, written digit by digit: this runs for every event and session, and
/// `format!` was a measurable part of sessionizing a first load.
fn push_date_time(text: &mut String, y: i64, m: u32, d: u32, secs_of_day: i64) {
    if !(0..=9999).contains(&y) {
        // Outside four-digit years, which parse() never lets in, the general formatter.
        text.push_str(&format!("{y:04}"));
    } else {
        push_digits(text, y, 4);
    }
    text.push('-');
    push_digits(text, m as i64, 2);
    text.push('-');
    push_digits(text, d as i64, 2);
    text.push('T');
    push_digits(text, secs_of_day / 3600, 2);
    text.push(':');
    push_digits(text, secs_of_day / 60 % 60, 2);
    text.push(':');
    push_digits(text, secs_of_day % 60, 2);
}

/// The last `width` decimal digits of a non-negative `n`, zero-padded.
fn push_digits(text: &mut String, n: i64, width: u32) {
    let mut divisor = 10i64.pow(width - 1);
    while divisor > 0 {
        text.push(char::from(b'0' + (n / divisor % 10) as u8));
        divisor /= 10;
    }
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

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
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
        assert_eq!(t.text, "2022-05-25T05:44:03.648681Z");
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let z = parse("2022-05-25T05:44:03Z").unwrap();
        let plus = parse("2022-05-25T07:44:03+02:00").unwrap();
        let minus = parse("2022-05-24T23:44:03-06:00").unwrap();
        assert_eq!(z, plus);
        assert_eq!(z, minus);
        assert_eq!(z.text, "2022-05-25T05:44:03Z");
    }

    #[test]
    fn zero_to_nine_fraction_digits() {
        assert_eq!(parse("1970-01-01T00:00:01").unwrap().micros, 1_000_000);
        assert_eq!(parse("1970-01-01T00:00:00.5").unwrap().micros, 500_000);
        let nine = parse("1970-01-01T00:00:00.123456789").unwrap();
        assert_eq!(nine.micros, 123_456);
        assert_eq!(nine.text, "1970-01-01T00:00:00.123456789Z");
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
            parse("0000-01-01T00:00:00").unwrap().text,
            "0000-01-01T00:00:00Z"
        );
        assert_eq!(
            parse("9999-12-31T23:59:59.999999999").unwrap().text,
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

    proptest::proptest! {
        // The digit-by-digit writer against the general formatter, over years 0000-9999.
        #[test]
        fn format_micros_equals_the_general_formatter(
            micros in -62_167_219_200_000_000i64..253_402_300_800_000_000
        ) {
            let seconds = micros.div_euclid(MICROS_PER_SECOND);
            let secs_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
            let (y, m, d) = civil_from_days(seconds.div_euclid(SECONDS_PER_DAY));
            let expected = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
                secs_of_day / 3600,
                secs_of_day / 60 % 60,
                secs_of_day % 60,
                micros.rem_euclid(MICROS_PER_SECOND)
            );
            proptest::prop_assert_eq!(format_micros(micros), expected);
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
