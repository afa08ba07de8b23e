//! Durations typed by people: `30m`, `45m`, `1h`, `900s`, `1h30m`; a bare number is minutes.

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
    let s = input.trim();
    let refuse = || {
        format!(
            "'{input}' is not a duration; use a positive number with a unit, like 30m, 1h or 900s"
        )
    };
    if s.is_empty() {
        return Err(refuse());
    }
    if let Ok(minutes) = s.parse::<i64>() {
        return if minutes > 0 {
            minutes.checked_mul(60).ok_or_else(refuse)
        } else {
            Err(format!("a duration must be more than zero, not '{input}'"))
        };
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(refuse()),
        };
        let n: i64 = number.parse().map_err(|_| refuse())?;
        number.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(refuse)?;
    }
    if !number.is_empty() {
        return Err(refuse());
    }
    if total <= 0 {
        return Err(format!("a duration must be more than zero, not '{input}'"));
    }
    Ok(total)
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
    fn formatting() {
        assert_eq!(format_seconds(1800), "30m");
        assert_eq!(format_seconds(5400), "1h30m");
        assert_eq!(format_seconds(900), "15m");
        assert_eq!(format_seconds(61), "1m1s");
    }
}
