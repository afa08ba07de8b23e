//! What a flag's value must be, beyond its type: an address to listen on, and each command's
//! time limit, from one table that the flags' defaults, every `--help` and the docs read.

/// --addr: a socket address (127.0.0.1:8000, [::1]:8000) or a host name and a port
/// (localhost:8000), which the server resolves when it starts.
pub(super) fn address(text: &str) -> Result<String, String> {
    let named = text.rsplit_once(':').is_some_and(|(host, port)| {
        port.parse::<u16>().is_ok()
            && !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    });
    if named || text.parse::<std::net::SocketAddr>().is_ok() {
        Ok(text.to_string())
    } else {
        Err("not an address like 127.0.0.1:8000 (HOST:PORT)".to_string())
    }
}

/// The default `--time-limit` of each command that has one: read by the flags' defaults,
/// shown whole in every `--help` of `--time-limit` and in docs/time-limits.md, and used by
/// `xcc share --report`.
pub struct TimeLimit {
    /// The subcommand whose `--time-limit` it is.
    pub command: &'static str,
    /// Where else the same default holds.
    pub also: &'static str,
    /// The default, as the flag takes it; None: no limit.
    pub default: Option<&'static str>,
    /// Why this default.
    pub why: &'static str,
}

pub const TIME_LIMITS: &[TimeLimit] = &[
    TimeLimit {
        command: "metrics",
        also: "",
        default: Some("30s"),
        why: "far past any honest answer (the slowest metric takes under a second on a 5M-line file, BENCHMARKS.md) and short enough for a script to learn that something is wrong",
    },
    TimeLimit {
        command: "query",
        also: "",
        default: Some("60s"),
        why: "a statement of your own may scan, join and sort every event, which takes seconds on a large file; a minute is past that and before a person gives up",
    },
    TimeLimit {
        command: "report",
        also: "share --report",
        default: Some("60s"),
        why: "every metric at once, for one page (`share --report` reads the file it has just written, bounded all the same)",
    },
    TimeLimit {
        command: "serve",
        also: "demo",
        default: Some("2s"),
        why: "for each metric's computation: past it the request gets 503, the query thread is free at once and nothing is cached; answers come from memory after the first, so it is for the first request after a change",
    },
    TimeLimit {
        command: "export",
        also: "",
        default: None,
        why: "it streams a whole table, which takes as long as it takes; give one to export a view of a file you did not make",
    },
];

/// The default `--time-limit` of `command`, from [`TIME_LIMITS`].
pub fn default_time_limit(command: &str) -> &'static str {
    TIME_LIMITS
        .iter()
        .find(|t| t.command == command)
        .and_then(|t| t.default)
        .unwrap_or_else(|| panic!("TIME_LIMITS has no default for {command}"))
}

/// The `--help` of `--time-limit`, the same in every command: what it does and every
/// default, from [`TIME_LIMITS`].
pub fn time_limit_help() -> String {
    let defaults: Vec<String> = TIME_LIMITS
        .iter()
        .map(|t| {
            let also = if t.also.is_empty() {
                String::new()
            } else {
                format!(" (and {})", t.also)
            };
            format!("{}{also} {}", t.command, t.default.unwrap_or("none"))
        })
        .collect();
    format!(
        "Stop, with one sentence, when SQLite has worked this long in all (e.g. 500ms, 10s, 2m; waiting for whoever reads stdout does not count): a file from elsewhere can be made to compute for ever. Defaults: {}.",
        defaults.join(", ")
    )
}

/// [`TIME_LIMITS`] as the Markdown table of docs/time-limits.md (a test compares them).
pub fn time_limits_markdown() -> String {
    let mut table = String::from("| command | default | why |\n|---|---|---|\n");
    for t in TIME_LIMITS {
        let also = if t.also.is_empty() {
            String::new()
        } else {
            format!(", `xcc {}`", t.also)
        };
        table.push_str(&format!(
            "| `xcc {}`{also} | {} | {} |\n",
            t.command,
            t.default.unwrap_or("none"),
            t.why
        ));
    }
    table
}
