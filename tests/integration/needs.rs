//! What some checks need from the machine (a browser, PostgreSQL's server programs,
//! Schemathesis, the analysts' Python, root for a tmpfs), found the same way on Linux and macOS; and the one way to
//! skip such a check.
//!
//! A check whose tool is missing fails, naming the command that installs it. Only its skip
//! variable (`XCC_SKIP_BROWSER=1`, `XCC_SKIP_FULL_DISK=1`) skips it, and then the skip is
//! written to the skip report, which `scripts/test` prints at the end of the run: libtest
//! hides what a passing test prints, so a skip said only on stderr would pass unseen.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where skips are written: `XCC_SKIP_REPORT` (scripts/test sets it), else a file in cargo's
/// temporary folder for integration tests.
fn skip_report() -> PathBuf {
    std::env::var_os("XCC_SKIP_REPORT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-checks.txt"))
}

/// Whether `variable` is `1`, so that the check `check` is skipped; if so, the skip and its
/// reason are written to the skip report.
pub fn skipped(variable: &str, check: &str, why: &str) -> bool {
    if std::env::var(variable).as_deref() != Ok("1") {
        return false;
    }
    let line = format!("{check}: skipped because {variable}=1 ({why})\n");
    eprint!("{line}");
    let mut report = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(skip_report())
        .expect("cannot write the skip report");
    report
        .write_all(line.as_bytes())
        .expect("cannot write the skip report");
    true
}

/// The first of `names` that is an executable on PATH.
pub fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// How to install a package here: Debian's apt-get, else Homebrew.
fn install_hint(debian: &str, homebrew: &str) -> String {
    if on_path(&["apt-get"]).is_none() && on_path(&["brew"]).is_some() {
        format!("brew install {homebrew}")
    } else {
        format!("apt-get install {debian}")
    }
}

/// Headless Chromium (or Chrome): `XCC_CHROMIUM`, else `chromium`, `chromium-browser`,
/// `google-chrome` on PATH, else the application on macOS. None when it is missing and
/// `XCC_SKIP_BROWSER=1` skips `check`; a failure naming the install command otherwise.
pub fn chromium(check: &str) -> Option<PathBuf> {
    if let Some(given) = std::env::var_os("XCC_CHROMIUM") {
        return Some(PathBuf::from(given));
    }
    let found =
        on_path(&["chromium", "chromium-browser", "google-chrome", "chrome"]).or_else(|| {
            [
                "/Applications/Chromium.app/Contents/MacOS/Chromium",
                "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
            ]
            .iter()
            .map(PathBuf::from)
            .find(|p| is_executable(p))
        });
    if found.is_some() {
        return found;
    }
    if skipped("XCC_SKIP_BROWSER", check, "no Chromium on this machine") {
        return None;
    }
    panic!(
        "{check} needs headless Chromium, found neither on PATH nor in XCC_CHROMIUM: install it \
         with `{}` (scripts/test does), or set XCC_SKIP_BROWSER=1 to skip the browser checks",
        install_hint("chromium", "--cask chromium")
    );
}

/// `man`, to render `xcc man` as a reader sees it. None when it is missing and
/// `XCC_SKIP_MAN=1` skips `check`; a failure naming the install command otherwise.
pub fn man(check: &str) -> Option<PathBuf> {
    if let Some(found) = on_path(&["man"]) {
        return Some(found);
    }
    if skipped("XCC_SKIP_MAN", check, "no man on this machine") {
        return None;
    }
    panic!(
        "{check} needs man: install it with `{}` (scripts/test does), or set XCC_SKIP_MAN=1 to skip rendering the manual page",
        install_hint("man-db", "man-db")
    );
}

/// The Schemathesis version the tests run: the pin in scripts/schemathesis-requirements.txt.
pub fn schemathesis_pin() -> String {
    let pins = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/schemathesis-requirements.txt");
    std::fs::read_to_string(&pins)
        .unwrap_or_else(|e| panic!("{}: {e}", pins.display()))
        .lines()
        .find_map(|l| l.trim().strip_prefix("schemathesis==").map(str::to_string))
        .unwrap_or_else(|| panic!("{} pins no schemathesis==VERSION", pins.display()))
}

/// Schemathesis's `st` program: `XCC_SCHEMATHESIS`, else the virtualenv `.venv-schemathesis`
/// that scripts/test makes with the pinned version; a failure naming the command otherwise
/// (never a skip).
pub fn schemathesis(check: &str) -> PathBuf {
    if let Some(given) = std::env::var_os("XCC_SCHEMATHESIS") {
        return PathBuf::from(given);
    }
    let pin = schemathesis_pin();
    let install = "run scripts/test (it installs it), or `python3 -m venv .venv-schemathesis && \
                   .venv-schemathesis/bin/pip install -r scripts/schemathesis-requirements.txt` \
                   in the project's folder, or set XCC_SCHEMATHESIS to an `st` program";
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-schemathesis/bin/st");
    if !is_executable(&venv) {
        panic!("{check} needs Schemathesis {pin}, found neither in XCC_SCHEMATHESIS nor in .venv-schemathesis: {install}");
    }
    let version = Command::new(&venv)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_default();
    assert_eq!(
        version,
        format!("st, version {pin}"),
        "{check} needs Schemathesis {pin} (its flags change between versions), and \
         .venv-schemathesis has another: {install}"
    );
    venv
}

/// The analysts' Python, with the packages pinned in scripts/analysts-requirements.txt
/// (pandas, DuckDB, SciPy): `XCC_ANALYSTS_PYTHON`, else the virtualenv `.venv-analysts` that
/// scripts/test makes. A failure naming how to get it when it is missing or cannot import
/// every one of `modules` (never a skip).
pub fn analysts_python(check: &str, modules: &[&str]) -> PathBuf {
    let install =
        "run scripts/test (it makes .venv-analysts), or `python3 -m venv .venv-analysts && \
                   .venv-analysts/bin/pip install -r scripts/analysts-requirements.txt` in the \
                   project's folder, or set XCC_ANALYSTS_PYTHON to a Python that has them";
    let python = std::env::var_os("XCC_ANALYSTS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-analysts/bin/python"));
    let imports = format!("import {}", modules.join(", "));
    let tried = Command::new(&python).args(["-c", &imports]).output();
    match tried {
        Ok(out) if out.status.success() => python,
        Ok(out) => {
            panic!(
            "{check} needs the Python packages {} in {}, which cannot `{imports}` ({}): {install}",
            modules.join(", "),
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim().lines().last().unwrap_or("")
        )
        }
        Err(e) => panic!(
            "{check} needs the analysts' Python with {}, and there is none at {} ({e}): {install}",
            modules.join(", "),
            python.display()
        ),
    }
}

/// The folder of PostgreSQL's server programs (initdb, pg_ctl, postgres, psql):
/// `pg_config --bindir` (Debian keeps them off PATH, in a folder pg_config names), else the
/// folder of `initdb` on PATH (Homebrew, Postgres.app).
pub fn postgres_programs() -> PathBuf {
    let has_all = |bin: &Path| {
        ["initdb", "pg_ctl", "postgres", "psql"]
            .iter()
            .all(|p| is_executable(&bin.join(p)))
    };
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let from_path = on_path(&["initdb"]).and_then(|p| p.parent().map(Path::to_path_buf));
    from_pg_config
        .into_iter()
        .chain(from_path)
        .find(|bin| has_all(bin))
        .unwrap_or_else(|| {
            panic!(
                "the PostgreSQL tests need its server programs (initdb, pg_ctl, postgres, psql), found \
                 neither through `pg_config --bindir` nor on PATH: install them with `{}` (scripts/test does)",
                install_hint("postgresql postgresql-server-dev-all", "postgresql")
            )
        })
}

/// The resident memory of a running process in KB, by POSIX `ps` (Linux and macOS alike).
pub fn rss_kb(pid: u32) -> u64 {
    let out = Command::new("ps")
        .args(["-o", "rss=", "-p", &pid.to_string()])
        .output()
        .expect("cannot run ps");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("ps gave no resident size for {pid}: {text:?}"))
}

/// Waits for the child `pid`; its exit status and its peak resident memory in KB, from
/// wait4's rusage (in KB on Linux, in bytes on macOS). On Linux that peak starts from the
/// test process's own resident memory when it spawned the child (the child shares or copies
/// it until it execs), so no test may hold large buffers while others measure.
pub fn wait_with_peak_rss(pid: i32) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 writes it for a child of ours that we wait for once.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    let unit = if cfg!(target_os = "macos") { 1024 } else { 1 };
    (libc::WEXITSTATUS(status), usage.ru_maxrss / unit)
}
