//! Durations typed by people: `30m`, `45m`, `1h`, `900s`, `1h30m`; a bare number is minutes.
//! Time limits go down to milliseconds: `2s`, `500ms`, `1m` (see [`parse_millis`]).

/// The longest duration any flag takes: 366 days. A session timeout, a wait or a read timeout
/// beyond a year is a typo, and would overflow the microsecond arithmetic long before
/// `i64` seconds do.
pub const MAX_SECONDS: i64 = 366 * 86_400;

/// Parses a positive duration of at most [`MAX_SECONDS`] into whole seconds.
pub fn parse_seconds(input: &str) -> Result<i64, String> {
    let total = parse_any_seconds(input)?;
    if total > MAX_SECONDS {
        return Err(format!(
            "'{input}' is longer than the longest duration xcc takes, 366d"
        ));
    }
    Ok(total)
}

fn parse_any_seconds(input: &str) -> Result<i64, String> {
    let refuse = || {
        format!(
            "'{input}' is not a duration; use a positive number with a unit, like 30m, 1h or 900s"
        )
    };
    let s = input.trim();
    if let Ok(minutes) = s.parse::<i64>() {
        return if minutes > 0 {
            minutes.checked_mul(60).ok_or_else(refuse)
        } else {
            Err(format!("a duration must be more than zero, not '{input}'"))
        };
    }
    let total = sum_of_parts(s, SECOND_UNITS).ok_or_else(refuse)?;
    if total <= 0 {
        return Err(format!("a duration must be more than zero, not '{input}'"));
    }
    Ok(total)
}

/// The units of [`parse_seconds`], in seconds.
const SECOND_UNITS: &[(&str, i64)] = &[("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)];

/// The units of [`parse_millis`], in milliseconds.
const MILLI_UNITS: &[(&str, i64)] = &[
    ("ms", 1),
    ("s", 1000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

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

/// Parses a positive duration with units down to milliseconds (`2s`, `500ms`, `1m`,
/// `1s500ms`), of at most [`MAX_SECONDS`], into milliseconds. Every number needs its unit:
/// a bare number is refused, as a limit of "2" could mean seconds or minutes.
pub fn parse_millis(input: &str) -> Result<u64, String> {
    let s = input.trim();
    let total = sum_of_parts(s, MILLI_UNITS).ok_or_else(|| {
        format!(
            "'{input}' is not a duration; use a positive number with a unit, like 2s, 500ms or 1m"
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

/// A time limit (`--time-limit` of `metrics`, `export` and `query`): [`parse_millis`] as a
/// `Duration`, for clap.
pub fn parse_time_limit(input: &str) -> Result<std::time::Duration, String> {
    parse_millis(input).map(std::time::Duration::from_millis)
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
        assert_eq!(parse_seconds("30"), Ok(1800));
    }

    #[test]
    fn refused_forms() {
        assert_eq!(
            parse_seconds("0"),
            Err("a duration must be more than zero, not '0'".into())
        );
        assert_eq!(
            parse_seconds("0m"),
            Err("a duration must be more than zero, not '0m'".into())
        );
        for bad in ["-5m", "m", "30x", "abc", "", "1.5h", "30m5"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
        // 366 days is the longest; one second more, or a huge number, is refused.
        assert_eq!(parse_seconds("366d"), Ok(31_622_400));
        assert_eq!(parse_seconds("365d24h"), Ok(31_622_400));
        for long in ["366d1s", "99999999999h", "527041"] {
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
    fn time_limits() {
        use std::time::Duration;
        assert_eq!(parse_time_limit("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_time_limit("1s500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_time_limit("60s"), Ok(Duration::from_secs(60)));
        // The same sentences as parse_millis: a bare number is refused.
        assert_eq!(
            parse_time_limit("2").unwrap_err(),
            parse_millis("2").unwrap_err()
        );
        assert_eq!(
            parse_time_limit("0ms").unwrap_err(),
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
        assert_eq!(
            parse_millis("2"),
            Err(
                "'2' is not a duration; use a positive number with a unit, like 2s, 500ms or 1m"
                    .into()
            )
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
        // The seconds' parser takes no milliseconds.
        assert!(parse_seconds("500ms").is_err());
        assert!(parse_seconds("1s500ms").is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_seconds(1800), "30m");
        assert_eq!(format_seconds(5400), "1h30m");
        assert_eq!(format_seconds(900), "15m");
        assert_eq!(format_seconds(61), "1m1s");
    }
}
