//! Which `Host` a request may name: the server answers only to its own names, so that a web
//! page elsewhere cannot reach it through a name of its own that resolves to this machine
//! (DNS rebinding), as Django's ALLOWED_HOSTS and Jupyter's local-host check do.
//!
//! Its own names are 127.0.0.1, localhost and [::1] with the port it listens on, the address
//! it is bound to (when that is one address, not 0.0.0.0 or [::]), and each `--allow-host`.
//! A `Host` without a port means port 80, as in HTTP itself. A name given without a port
//! (`--allow-host stats.example.com`) is taken on the server's own port and without a port
//! (as a reverse proxy in front of it on port 80 or 443 passes it on); a name given with one
//! (`--allow-host stats.example.com:8443`) is taken with that port only. Names are compared
//! without regard to case, and IP addresses as addresses (`[0:0:0:0:0:0:0:1]` is `[::1]`).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// A host as a `Host` header or `--allow-host` names it: an IP address or a DNS name (lower
/// case), and the port if one is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostName {
    name: Name,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Name {
    Ip(IpAddr),
    Dns(String),
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Name::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Name::Ip(ip) => write!(f, "{ip}"),
            Name::Dns(name) => write!(f, "{name}"),
        }
    }
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}:{port}", self.name),
            None => write!(f, "{}", self.name),
        }
    }
}

impl FromStr for HostName {
    type Err = String;

    /// `name`, `name:port`, `1.2.3.4[:port]` or `[v6][:port]`, as in a `Host` header.
    fn from_str(s: &str) -> Result<HostName, String> {
        parse(s).ok_or_else(|| {
            format!(
                "'{s}' is not a host name; give a name or an address, with or without a port, like stats.example.com, 192.168.1.5:8000 or [::1]:8000"
            )
        })
    }
}

fn parse(s: &str) -> Option<HostName> {
    let (name, port) = if let Some(rest) = s.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let ip: Ipv6Addr = inside.parse().ok()?;
        let port = match after {
            "" => None,
            _ => Some(port(after.strip_prefix(':')?)?),
        };
        (Name::Ip(IpAddr::V6(ip)), port)
    } else {
        let (name, port) = match s.split_once(':') {
            Some((name, p)) => (name, Some(port(p)?)),
            None => (s, None),
        };
        let name = match name.parse::<Ipv4Addr>() {
            Ok(ip) => Name::Ip(IpAddr::V4(ip)),
            Err(_) if is_dns_name(name) => Name::Dns(name.to_ascii_lowercase()),
            Err(_) => return None,
        };
        (name, port)
    };
    Some(HostName { name, port })
}

/// Digits of a port from 1 to 65535 (leading zeros allowed, as in RFC 3986: `08000` is 8000).
fn port(digits: &str) -> Option<u16> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|p| *p > 0)
}

/// Letters, digits, `-` and `.` in labels of 1 to 63 characters, 253 at most in all.
fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The names a server answers to.
#[derive(Clone, Debug)]
pub struct Hosts {
    /// Each with its port (the server's for the local names and the bound address).
    exact: Vec<HostName>,
    /// `--allow-host` names given without a port: taken on the server's port or without one.
    portless: Vec<Name>,
    port: u16,
}

/// The port a `Host` without one means.
const DEFAULT_PORT: u16 = 80;

impl Hosts {
    /// The names of a server listening on `bound`, with `allowed` from `--allow-host`.
    pub fn new(bound: SocketAddr, allowed: &[HostName]) -> Hosts {
        let port = bound.port();
        let on_port = |name: Name| HostName {
            name,
            port: Some(port),
        };
        let mut exact = vec![
            on_port(Name::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST))),
            on_port(Name::Dns("localhost".into())),
            on_port(Name::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST))),
        ];
        let mut portless = Vec::new();
        let own = on_port(Name::Ip(bound.ip()));
        if !bound.ip().is_unspecified() && !exact.contains(&own) {
            exact.push(own);
        }
        for host in allowed {
            match host.port {
                Some(_) if !exact.contains(host) => exact.push(host.clone()),
                Some(_) => {}
                None if !portless.contains(&host.name) => portless.push(host.name.clone()),
                None => {}
            }
        }
        Hosts {
            exact,
            portless,
            port,
        }
    }

    /// Whether a request whose `Host` headers are `values` is for this server: exactly one
    /// header, naming one of its names.
    pub fn admit(&self, values: &[&str]) -> bool {
        let [value] = values else {
            return false;
        };
        let Some(host) = parse(value.trim()) else {
            return false;
        };
        let effective = HostName {
            name: host.name.clone(),
            port: Some(host.port.unwrap_or(DEFAULT_PORT)),
        };
        self.exact.contains(&effective)
            || (self.portless.contains(&host.name) && host.port.is_none_or(|p| p == self.port))
    }

    /// The names, for people: `127.0.0.1:8000, localhost:8000, [::1]:8000 and stats.example.com`.
    pub fn describe(&self) -> String {
        let mut names: Vec<String> = self.exact.iter().map(ToString::to_string).collect();
        names.extend(self.portless.iter().map(ToString::to_string));
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => names.join(""),
        }
    }
}

/// The one sentence of a 421: which names the server answers to, and how to add one.
pub fn misdirected(hosts: &Hosts, values: &[&str]) -> String {
    let what = match values {
        [] => "a request without a Host header".to_string(),
        [value] => format!("the Host \"{}\"", crate::format::shorten(value.trim(), 100)),
        _ => "a request with several Host headers".to_string(),
    };
    format!(
        "misdirected request: this server answers to {} only, not to {what} (a page elsewhere may not reach it through a name of its own; start it with --allow-host NAME to answer to another name)",
        hosts.describe()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(addr: &str, allowed: &[&str]) -> Hosts {
        let allowed: Vec<HostName> = allowed.iter().map(|a| a.parse().unwrap()).collect();
        Hosts::new(addr.parse().unwrap(), &allowed)
    }

    #[test]
    fn the_local_names_with_the_servers_port_are_admitted() {
        let h = hosts("127.0.0.1:8000", &[]);
        for good in [
            "127.0.0.1:8000",
            "localhost:8000",
            "LocalHost:8000",
            "[::1]:8000",
            "[0:0:0:0:0:0:0:1]:8000",
            " localhost:8000 ",
            "localhost:08000",
        ] {
            assert!(h.admit(&[good]), "{good}");
        }
        for bad in [
            "attacker.example",
            "attacker.example:8000",
            "localhost",
            "127.0.0.1",
            "localhost:8001",
            "localhost.:8000",
            "127.0.0.2:8000",
            "localhost:8000.evil",
            "user@localhost:8000",
            "localhost:",
            "localhost:+8000",
            "localhost:80000",
            "::1",
            "[::1]8000",
            "",
        ] {
            assert!(!h.admit(&[bad]), "{bad}");
        }
        assert!(!h.admit(&[]));
        assert!(!h.admit(&["localhost:8000", "localhost:8000"]));
        assert_eq!(
            h.describe(),
            "127.0.0.1:8000, localhost:8000 and [::1]:8000"
        );
    }

    #[test]
    fn on_port_80_a_host_without_port_is_the_servers() {
        let h = hosts("127.0.0.1:80", &[]);
        assert!(h.admit(&["localhost"]));
        assert!(h.admit(&["localhost:80"]));
    }

    #[test]
    fn allowed_names_with_and_without_port() {
        let h = hosts(
            "0.0.0.0:8000",
            &["Stats.Example.com", "192.168.1.5", "proxy.example:8443"],
        );
        for good in [
            "stats.example.com",
            "stats.example.com:8000",
            "STATS.example.com:8000",
            "192.168.1.5:8000",
            "192.168.1.5",
            "proxy.example:8443",
            "localhost:8000",
        ] {
            assert!(h.admit(&[good]), "{good}");
        }
        for bad in [
            "stats.example.com:9000",
            "proxy.example",
            "proxy.example:8000",
            "0.0.0.0:8000",
            "evil.stats.example.com:8000",
        ] {
            assert!(!h.admit(&[bad]), "{bad}");
        }
        assert_eq!(
            h.describe(),
            "127.0.0.1:8000, localhost:8000, [::1]:8000, proxy.example:8443, stats.example.com and 192.168.1.5"
        );
    }

    #[test]
    fn a_server_bound_to_one_address_answers_to_it() {
        let h = hosts("192.168.1.5:8000", &[]);
        assert!(h.admit(&["192.168.1.5:8000"]));
        assert!(h.admit(&["localhost:8000"]));
        let h = hosts("[::1]:8000", &[]);
        assert_eq!(
            h.describe(),
            "127.0.0.1:8000, localhost:8000 and [::1]:8000"
        );
    }

    #[test]
    fn allow_host_values() {
        for bad in [
            "",
            "a b",
            "http://x",
            "x:0",
            "x:70000",
            "x:",
            "[::1",
            "[nope]:80",
            "x/y",
            "*",
        ] {
            assert!(bad.parse::<HostName>().is_err(), "{bad}");
        }
        assert_eq!(
            "[::1]:8000".parse::<HostName>().unwrap().to_string(),
            "[::1]:8000"
        );
        assert_eq!(
            "x:a".parse::<HostName>().unwrap_err(),
            "'x:a' is not a host name; give a name or an address, with or without a port, like stats.example.com, 192.168.1.5:8000 or [::1]:8000"
        );
    }

    #[test]
    fn the_421_sentence_names_what_was_asked_and_how_to_add_a_name() {
        let h = hosts("127.0.0.1:8000", &[]);
        assert_eq!(
            misdirected(&h, &["attacker.example:8000"]),
            "misdirected request: this server answers to 127.0.0.1:8000, localhost:8000 and [::1]:8000 only, not to the Host \"attacker.example:8000\" (a page elsewhere may not reach it through a name of its own; start it with --allow-host NAME to answer to another name)"
        );
        assert!(misdirected(&h, &[]).contains("not to a request without a Host header"));
    }
}
