//! Durations typed by people, in one grammar for every flag (`--timeout`, `--wait`,
//! `--read-timeout`, `--time-limit`): one or more numbers, each with its unit, `ms`, `s`, `m`,
//! `h` or `d`, summed: `500ms`, `30s`, `45m`, `1h30m`, `2d`.
//!
//! A bare number is refused with a sentence that shows the fix (`give a unit: 30s or 30m`):
//! people mean seconds by it about as often as minutes (`sleep 30`, `curl --max-time 30`
//! against the 30-minute session timeout), and either guess is wrong by a factor of sixty
//! for the others.

use std::time::Duration;

/// The longest duration any flag takes: 366 days. A session timeout, a wait or a read timeout
/// beyond a year is a typo, and would overflow the microsecond arithmetic long before
/// `i64` seconds do.
pub const MAX_SECONDS: i64 = 366 * 86_400;

/// The units, in milliseconds.
const UNITS: &[(&str, i64)] = &[
    ("ms", 1),
    ("s", 1000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

/// Parses a positive duration of at most [`MAX_SECONDS`] (see the module's grammar) into
/// milliseconds.
pub fn parse_millis(input: &str) -> Result<u64, String> {
    let s = input.trim();
    if let Ok(bare) = s.parse::<u64>() {
        return Err(if bare == 0 {
            format!("a duration must be more than zero, not '{input}'")
        } else {
            format!("give a unit: {bare}s or {bare}m")
        });
    }
    let total = sum_of_parts(s, UNITS).ok_or_else(|| {
        format!(
            "'{input}' is not a duration; give numbers with units, like 500ms, 30s, 45m or 1h30m"
        )
    })?;
    if total <= 0 {
        return Err(format!("a duration must be more than zero, not '{input}'"));
    }
    if total > MAX_SECONDS * 1000 {
        return Err(format!(
            "'{input}' is longer than the longest duration xcc takes, 366d"
        ));
    }
    Ok(total as u64)
}

/// [`parse_millis`] as a `Duration`: the value parser of `--wait`, `--read-timeout` and
/// `--time-limit`.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    parse_millis(input).map(Duration::from_millis)
}

/// [`parse_millis`] in whole seconds, as a session timeout is stored: `--timeout 1500ms` is
/// refused rather than rounded.
pub fn parse_seconds(input: &str) -> Result<i64, String> {
    let millis = parse_millis(input)?;
    if millis % 1000 != 0 {
        return Err(format!("'{input}' is not a whole number of seconds"));
    }
    Ok((millis / 1000) as i64)
}

/// The sum of `s`'s parts, each a number and one of `units` (`1h30m`, `1s500ms`), in the
/// units' base; None when `s` is empty, a part has no number or no known unit, or it overflows.
fn sum_of_parts(s: &str, units: &[(&str, i64)]) -> Option<i64> {
    let mut rest = s;
    let mut total: i64 = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (number, after) = rest.split_at(digits);
        let letters = after.len()
            - after
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let (unit, after) = after.split_at(letters);
        let n: i64 = number.parse().ok()?;
        let (_, scale) = units.iter().find(|(name, _)| *name == unit)?;
        total = n.checked_mul(*scale).and_then(|v| total.checked_add(v))?;
        rest = after;
    }
    Some(total)
}

/// A duration as the flags take it: `2s`, `1h30m`, and `500ms` or `1500ms` when it is not
/// whole seconds.
pub fn format_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format_seconds(d.as_secs() as i64)
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// Seconds as the shortest of `1h30m`, `45m`, `900s`-style text.
pub fn format_seconds(total: i64) -> String {
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        assert_eq!(parse_seconds("30m"), Ok(1800));
        assert_eq!(parse_seconds("45m"), Ok(2700));
        assert_eq!(parse_seconds("1h"), Ok(3600));
        assert_eq!(parse_seconds("900s"), Ok(900));
        assert_eq!(parse_seconds("1h30m"), Ok(5400));
        // 1500 ms is 1.5 s: whole seconds only for a session timeout.
        assert_eq!(parse_seconds("1s1000ms"), Ok(2));
        assert_eq!(
            parse_seconds("1500ms"),
            Err("'1500ms' is not a whole number of seconds".into())
        );
    }

    #[test]
    fn a_bare_number_is_refused_with_the_fix() {
        for parse in [
            |s: &str| parse_millis(s).map(|_| ()),
            |s: &str| parse_seconds(s).map(|_| ()),
            |s: &str| parse_duration(s).map(|_| ()),
        ] {
            assert_eq!(parse("30"), Err("give a unit: 30s or 30m".into()));
            assert_eq!(parse(" 2 "), Err("give a unit: 2s or 2m".into()));
            assert_eq!(
                parse("0"),
                Err("a duration must be more than zero, not '0'".into())
            );
        }
    }

    #[test]
    fn refused_forms() {
        assert_eq!(
            parse_seconds("0m"),
            Err("a duration must be more than zero, not '0m'".into())
        );
        for bad in ["-5m", "m", "30x", "abc", "", "1.5h", "30m5"] {
            assert_eq!(
                parse_seconds(bad),
                Err(format!("'{bad}' is not a duration; give numbers with units, like 500ms, 30s, 45m or 1h30m")),
                "{bad}"
            );
        }
        // 366 days is the longest; one second more, or a huge number, is refused.
        assert_eq!(parse_seconds("366d"), Ok(31_622_400));
        assert_eq!(parse_seconds("365d24h"), Ok(31_622_400));
        for long in ["366d1s", "99999999999h", "527041m"] {
            assert_eq!(
                parse_seconds(long),
                Err(format!(
                    "'{long}' is longer than the longest duration xcc takes, 366d"
                )),
                "{long}"
            );
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1s500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(
            parse_duration("0ms").unwrap_err(),
            parse_millis("0ms").unwrap_err()
        );
    }

    #[test]
    fn milliseconds() {
        assert_eq!(parse_millis("2s"), Ok(2000));
        assert_eq!(parse_millis("500ms"), Ok(500));
        assert_eq!(parse_millis("1m"), Ok(60_000));
        assert_eq!(parse_millis("1ms"), Ok(1));
        assert_eq!(parse_millis("1s500ms"), Ok(1500));
        assert_eq!(parse_millis("1h30m"), Ok(5_400_000));
        assert_eq!(parse_millis(" 2s "), Ok(2000));
        assert_eq!(parse_millis("366d"), Ok(31_622_400_000));
        assert_eq!(
            parse_millis("0ms"),
            Err("a duration must be more than zero, not '0ms'".into())
        );
        for bad in [
            "",
            "ms",
            "2x",
            "1.5s",
            "-1s",
            "2s5",
            "5 ms",
            "2S",
            "99999999999999999999ms",
        ] {
            assert!(parse_millis(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_millis("367d"),
            Err("'367d' is longer than the longest duration xcc takes, 366d".into())
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(format_seconds(1800), "30m");
        assert_eq!(format_seconds(5400), "1h30m");
        assert_eq!(format_seconds(900), "15m");
        assert_eq!(format_seconds(61), "1m1s");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
    }
}
