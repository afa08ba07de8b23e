//! Which part of the data a metric is computed over: a range of UTC dates and a referrer
//! host, from the parameters `from`, `to` and `referrer` (of a URL's query string or of the
//! command line). Pure: the parameters in, bounds for the SQL out, or one sentence saying
//! what is wrong with them.

use crate::format::calendar::{MICROS_PER_SECOND, SECONDS_PER_DAY};
use crate::input::timestamp;
use crate::sessions::sessionizer::referrer_host;

/// A range of days and a referrer host; each part `None` when not asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The first day, as text (`2022-04-01`), and its first microsecond.
    pub from: Option<(String, i64)>,
    /// The last day, as text, and the first microsecond after it.
    pub to: Option<(String, i64)>,
    /// A host (`www.google.com`), or `(direct)`.
    pub referrer: Option<String>,
}

impl Filter {
    /// The filter of `name=value` pairs, refusing unknown names, repeated names, empty
    /// values, dates that are not `YYYY-MM-DD` and a `from` after `to`.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Filter, String> {
        let mut filter = Filter::default();
        for (name, value) in pairs {
            let taken = match name {
                "from" => filter
                    .from
                    .replace((value.to_string(), first_micro(name, value)?))
                    .is_some(),
                "to" => filter
                    .to
                    .replace((value.to_string(), first_micro(name, value)? + DAY_US))
                    .is_some(),
                "referrer" => filter.referrer.replace(referrer(value)?).is_some(),
                _ => {
                    return Err(format!(
                        "unknown parameter \"{name}\": the parameters are from, to and referrer"
                    ))
                }
            };
            if taken {
                return Err(format!("{name} is given twice"));
            }
        }
        if let (Some((from, from_us)), Some((to, to_us))) = (&filter.from, &filter.to) {
            if *from_us >= *to_us {
                return Err(format!("from ({from}) is after to ({to})"));
            }
        }
        Ok(filter)
    }

    pub fn is_empty(&self) -> bool {
        self == &Filter::default()
    }

    /// The first microsecond in range, if bounded.
    pub fn start_us(&self) -> Option<i64> {
        self.from.as_ref().map(|(_, us)| *us)
    }

    /// The first microsecond after the range, if bounded.
    pub fn end_us(&self) -> Option<i64> {
        self.to.as_ref().map(|(_, us)| *us)
    }
}

const DAY_US: i64 = SECONDS_PER_DAY * MICROS_PER_SECOND;

/// Microseconds since 1970 at the start (00:00 UTC) of a `YYYY-MM-DD` date: the date part
/// of a timestamp, so the events' own parser checks it (digits, a real day of a real month),
/// of the years 0001 to 9999, as an RFC 3339 `full-date` (the OpenAPI document's
/// `format: date`) is read by most tools.
fn first_micro(name: &str, value: &str) -> Result<i64, String> {
    match timestamp::parse(&format!("{value}T00:00:00")) {
        Ok(midnight) if value.len() == 10 && !value.starts_with("0000") => Ok(midnight.micros),
        _ => Err(format!(
            "{name} must be a date like 2022-04-01 (UTC), not \"{value}\""
        )),
    }
}

/// The check of `--from` and `--to` on the command line: a `YYYY-MM-DD` date, as the
/// parameters `from` and `to` take; the reason when it is not one.
pub fn check_date(value: &str) -> Result<String, String> {
    first_micro("", value)
        .map(|_| value.to_string())
        .map_err(|_| "not a date like 2022-04-01 (UTC)".to_string())
}

/// The check of `--referrer` on the command line: `(direct)` or a host alone, as the data
/// holds them (what [`referrer_host`] reads back as itself, or an IPv6 address), so that a
/// URL or a `host:port` is refused with its host rather than matching nothing. The parameter
/// `referrer` of the HTTP API takes any text and notes a host no session has (see
/// [`super::referrer_note`]).
pub fn check_referrer_host(value: &str) -> Result<String, String> {
    let lower = referrer(value).map_err(|_| "give a host like www.google.com, or (direct)")?;
    if lower == DIRECT || lower.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok(lower);
    }
    match referrer_host(&lower) {
        Some(host) if host == lower => Ok(lower),
        // A URL or a host with its port: the host in it is what was meant.
        Some(host) if lower.contains("://") || lower.starts_with(&format!("{host}:")) => {
            Err(format!("give the host alone, like {host}, or (direct)"))
        }
        _ => Err("not a host like www.google.com, nor (direct)".to_string()),
    }
}

/// What the metrics call the sessions without a referrer.
pub const DIRECT: &str = "(direct)";

/// A referrer host as the metrics name them: lower case (hosts are stored so), or `(direct)`.
fn referrer(value: &str) -> Result<String, String> {
    let host = value.trim();
    if host.is_empty() {
        return Err("referrer is empty: give a host like www.google.com, or (direct)".to_string());
    }
    Ok(host.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(pairs: &[(&str, &str)]) -> Result<Filter, String> {
        Filter::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn dates_are_utc_days_and_both_ends_are_inclusive() {
        let f = filter(&[("from", "2022-04-01"), ("to", "2022-04-30")]).unwrap();
        // 2022-04-01 is day 19,083 since 1970 (19,137 for 2022-05-25, less 54 days).
        assert_eq!(f.start_us(), Some(19_083 * 86_400_000_000));
        // The end is the first microsecond of 2022-05-01, 30 days later.
        assert_eq!(f.end_us(), Some((19_083 + 30) * 86_400_000_000));
        let one_day = filter(&[("from", "2022-04-01"), ("to", "2022-04-01")]).unwrap();
        assert_eq!(
            one_day.end_us().unwrap() - one_day.start_us().unwrap(),
            86_400_000_000
        );
        assert!(filter(&[]).unwrap().is_empty());
    }

    #[test]
    fn each_mistake_is_one_sentence() {
        for (pairs, sentence) in [
            (
                vec![("from", "2022-4-1")],
                "from must be a date like 2022-04-01 (UTC), not \"2022-4-1\"",
            ),
            (
                vec![("to", "2022-02-29")],
                "to must be a date like 2022-04-01 (UTC), not \"2022-02-29\"",
            ),
            (
                vec![("to", "2022-04-01T00:00")],
                "to must be a date like 2022-04-01 (UTC), not \"2022-04-01T00:00\"",
            ),
            (
                vec![("from", "")],
                "from must be a date like 2022-04-01 (UTC), not \"\"",
            ),
            (
                vec![("from", "2022-05-02"), ("to", "2022-05-01")],
                "from (2022-05-02) is after to (2022-05-01)",
            ),
            (
                vec![("from", "2022-05-02"), ("from", "2022-05-03")],
                "from is given twice",
            ),
            (
                vec![("referrer", " ")],
                "referrer is empty: give a host like www.google.com, or (direct)",
            ),
            (
                vec![("form", "2022-05-01")],
                "unknown parameter \"form\": the parameters are from, to and referrer",
            ),
        ] {
            assert_eq!(filter(&pairs), Err(sentence.to_string()), "{pairs:?}");
        }
        assert!(filter(&[("from", "2024-02-29"), ("to", "2024-02-29")]).is_ok());
        assert!(filter(&[("from", "0001-01-01"), ("to", "9999-12-31")]).is_ok());
        assert_eq!(
            filter(&[("to", "0000-12-31")]),
            Err("to must be a date like 2022-04-01 (UTC), not \"0000-12-31\"".to_string())
        );
    }

    #[test]
    fn the_command_line_takes_a_host_alone() {
        for (value, taken) in [
            ("www.google.com", "www.google.com"),
            (" WWW.Google.com ", "www.google.com"),
            ("(direct)", "(direct)"),
            ("::1", "::1"),
            ("192.168.1.5", "192.168.1.5"),
        ] {
            assert_eq!(check_referrer_host(value), Ok(taken.to_string()), "{value}");
        }
        for (value, reason) in [
            (
                "https://www.google.com/search",
                "give the host alone, like www.google.com, or (direct)",
            ),
            (
                "www.google.com:443",
                "give the host alone, like www.google.com, or (direct)",
            ),
            (
                "example.com.",
                "not a host like www.google.com, nor (direct)",
            ),
            ("</script>", "not a host like www.google.com, nor (direct)"),
            ("", "give a host like www.google.com, or (direct)"),
            ("https:///x", "not a host like www.google.com, nor (direct)"),
        ] {
            assert_eq!(
                check_referrer_host(value),
                Err(reason.to_string()),
                "{value}"
            );
        }
        assert_eq!(check_date("2022-04-01"), Ok("2022-04-01".to_string()));
        for bad in ["2022-4-1", "May", "2022-13-01", "2022-02-29", ""] {
            assert_eq!(
                check_date(bad),
                Err("not a date like 2022-04-01 (UTC)".to_string())
            );
        }
    }

    #[test]
    fn referrer_hosts_are_lower_case_and_direct_is_kept() {
        let f = filter(&[("referrer", "WWW.Google.com")]).unwrap();
        assert_eq!(f.referrer.as_deref(), Some("www.google.com"));
        let f = filter(&[("referrer", "(direct)")]).unwrap();
        assert_eq!(f.referrer.as_deref(), Some("(direct)"));
    }
}
