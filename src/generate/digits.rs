//! Numbers and dates written straight into a line's bytes, for the line writer and the user
//! agents alike: the generator writes millions of lines a second, and `format!` would be most
//! of its time.

use crate::format::calendar::{civil_from_days, days_from_civil};
use crate::format::Decimal;

/// 2022-04-20 as days since 1970-01-01.
pub(super) const START_DAY: i64 = days_from_civil(2022, 4, 20);

/// "YYYY-MM-DD" of a day since 1970-01-01.
pub(super) fn date(days: i64) -> [u8; 10] {
    let (y, m, d) = civil_from_days(days);
    let mut s = [0u8; 10];
    s[..4].copy_from_slice(&[
        b'0' + (y / 1000 % 10) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
    ]);
    s[4] = b'-';
    s[5..7].copy_from_slice(&two_digits(m));
    s[7] = b'-';
    s[8..10].copy_from_slice(&two_digits(d));
    s
}

/// The decimal digits of `n`.
pub(super) fn push_u64(buf: &mut Vec<u8>, n: u64) {
    buf.extend_from_slice(Decimal::new(n).as_bytes());
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
