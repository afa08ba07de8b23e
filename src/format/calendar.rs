//! The proleptic Gregorian calendar in UTC: days since 1970 and back, and the readable text of
//! an instant. One copy for the timestamp parser, the sessions table and the generator.

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const SECONDS_PER_DAY: i64 = 86_400;

pub fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
/// `const`, so that the generator can name its start day as a constant.
pub const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `(year, month, day)` of a day since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
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

/// Readable UTC text of microseconds since the epoch, six fraction digits, as the sessions
/// table shows its times.
pub fn format_micros(micros: i64) -> String {
    let seconds = micros.div_euclid(MICROS_PER_SECOND);
    let sub = micros.rem_euclid(MICROS_PER_SECOND);
    let mut text = String::with_capacity(27);
    push_date_time(&mut text, seconds);
    text.push('.');
    push_digits(&mut text, sub, 6);
    text.push('Z');
    text
}

/// `YYYY-MM-DDTHH:MM:SS` of seconds since the epoch, written digit by digit: this runs for
/// every event and session, and `format!` was a measurable part of sessionizing a first load.
pub fn push_date_time(text: &mut String, seconds: i64) {
    let (y, m, d) = civil_from_days(seconds.div_euclid(SECONDS_PER_DAY));
    let secs_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    if !(0..=9999).contains(&y) {
        // Outside four-digit years, which the parser never lets in, the general formatter.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_convert_both_ways() {
        // 2022-05-25 is day 19137 (`date -u -d 2022-05-25 +%s` / 86400).
        assert_eq!(days_from_civil(2022, 5, 25), 19_137);
        assert_eq!(civil_from_days(19_137), (2022, 5, 25));
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for day in -800_000..800_000 {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }

    #[test]
    fn leap_years() {
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2022, 4), 30);
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
}
