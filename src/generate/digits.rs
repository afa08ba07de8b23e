//! Numbers and dates written straight into a line's bytes, for the line writer and the user
//! agents alike: the generator writes millions of lines a second, and `format!` would be most
//! of its time. The calendar behind the dates is the `time` crate's.

use time::macros::date;
use time::Date;

/// 1970-01-01 as a Julian day (2,440,588).
#[rustfmt::skip] // rustfmt would space the date macro as a subtraction
const EPOCH_JULIAN_DAY: i32 = date!(1970-01-01).to_julian_day();

/// 2022-04-20 as days since 1970-01-01.
#[rustfmt::skip] // rustfmt would space the date macro as a subtraction
pub(super) const START_DAY: i64 = day_number(date!(2022-04-20));

/// Days since 1970-01-01 of a date; `const`, so that the generator's first days are constants.
pub(super) const fn day_number(date: Date) -> i64 {
    (date.to_julian_day() - EPOCH_JULIAN_DAY) as i64
}

/// "YYYY-MM-DD" of a day since 1970-01-01, for days of the years 0000 to 9999 (the generator
/// writes days from 2010 to a few years after 2022).
pub(super) fn date(days: i64) -> [u8; 10] {
    let julian_day = EPOCH_JULIAN_DAY as i64 + days;
    let (y, m, d) = i32::try_from(julian_day)
        .ok()
        .and_then(|day| Date::from_julian_day(day).ok())
        // The generator's days are all far inside `time`'s years; a day outside would be
        // written as 0000-01-01 rather than stop the generator.
        .map_or((0, 1, 1), |date| {
            let (y, m, d) = date.to_calendar_date();
            (y.clamp(0, 9999) as u32, m as u32, d as u32)
        });
    let mut s = [0u8; 10];
    s[..2].copy_from_slice(&two_digits(y / 100));
    s[2..4].copy_from_slice(&two_digits(y));
    s[4] = b'-';
    s[5..7].copy_from_slice(&two_digits(m));
    s[7] = b'-';
    s[8..10].copy_from_slice(&two_digits(d));
    s
}

/// The decimal digits of `n`.
pub(super) fn push_u64(buf: &mut Vec<u8>, n: u64) {
    buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// "HH:MM:SS" of a second of the day.
pub(super) fn push_clock(b: &mut Vec<u8>, second_of_day: u32) {
    b.extend_from_slice(&two_digits(second_of_day / 3600));
    b.push(b':');
    b.extend_from_slice(&two_digits(second_of_day / 60 % 60));
    b.push(b':');
    b.extend_from_slice(&two_digits(second_of_day % 60));
}

/// The last two decimal digits of `n`.
pub(super) fn two_digits(n: u32) -> [u8; 2] {
    [b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8]
}
