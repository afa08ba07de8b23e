//! Mistakes in the arguments as one sentence each, with exit status 2: clap's own, said from
//! its error's kind and context instead of its rendered text, and those no one value shows.

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// A mistake in the flags that no one value shows (`--from` after `--to`, a filter for a
/// metric that takes none): said in one sentence with exit status 2, as clap's are.
#[derive(Debug)]
pub struct FlagMistake(pub String);

impl std::fmt::Display for FlagMistake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FlagMistake {}

/// A mistake in the arguments as one sentence, from clap's error kind and the context it
/// carries (the argument, the value, the values it takes), and the help of the command it is
/// about: e.g. `xcc: unexpected argument '--port' found; see xcc serve --help`.
pub fn one_sentence(e: &clap::Error, subcommand: Option<&str>) -> String {
    let context = |kind: ContextKind| e.get(kind).map(context_text);
    let arg = context(ContextKind::InvalidArg).unwrap_or_default();
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    let valid = context(ContextKind::ValidValue)
        .filter(|v| !v.is_empty())
        .map(|v| format!(" [possible values: {v}]"))
        .unwrap_or_default();
    let why = std::error::Error::source(e)
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    let what = match e.kind() {
        ErrorKind::UnknownArgument => format!("unexpected argument '{arg}' found"),
        ErrorKind::InvalidSubcommand => format!(
            "unrecognized subcommand '{}'",
            context(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::InvalidValue if value.is_empty() => {
            format!("a value is required for '{arg}' but none was supplied{valid}")
        }
        ErrorKind::InvalidValue => format!("invalid value '{value}' for '{arg}'{valid}"),
        ErrorKind::ValueValidation => format!("invalid value '{value}' for '{arg}'{why}"),
        ErrorKind::MissingRequiredArgument => {
            format!("the following required arguments were not provided: {arg}")
        }
        ErrorKind::MissingSubcommand => "a subcommand is required".to_string(),
        ErrorKind::ArgumentConflict => format!(
            "the argument '{arg}' cannot be used with '{}'",
            context(ContextKind::PriorArg).unwrap_or_default()
        ),
        ErrorKind::TooManyValues => format!("unexpected value '{value}' for '{arg}' found"),
        ErrorKind::InvalidUtf8 => "an argument is not valid UTF-8".to_string(),
        // The remaining kinds do not arise from xcc's flags; clap's own words for the kind.
        kind => format!("{kind}{why}"),
    };
    let command = subcommand
        .map(|s| format!("xcc {s}"))
        .unwrap_or_else(|| "xcc".to_string());
    format!("xcc: {what}; see {command} --help")
}

/// One context value as it reads in a sentence: a list joined by ", ".
fn context_text(value: &ContextValue) -> String {
    match value {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(list) => list.join(", "),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(list) => list
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        ContextValue::Number(n) => n.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}
