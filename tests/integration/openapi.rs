//! The OpenAPI document (src/serve/openapi.json) is exact: Schemathesis, run against a real
//! `xcc serve` on a file with real data with every check it has, finds no answer the
//! document does not describe (status, Content-Type, headers, body), no request the document
//! calls valid that the server refuses, and none it calls invalid that the server takes.
//! Schemathesis comes from `needs::schemathesis` (XCC_SCHEMATHESIS, or the virtualenv
//! .venv-schemathesis that scripts/test makes with the version pinned in
//! scripts/schemathesis-requirements.txt); it is never skipped.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{generated, Served, Workspace, REAL_HEAD};

/// A bounded run: a fixed seed and number of examples per operation, so that the same
/// requests are sent every time (about 600, some seconds).
const MAX_EXAMPLES: &str = "50";
const SEED: &str = "1";
/// Far more than the run takes; a hung run fails instead of hanging the suite.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

#[test]
fn schemathesis_finds_nothing_the_document_does_not_say() {
    let st =
        crate::needs::schemathesis("openapi::schemathesis_finds_nothing_the_document_does_not_say");
    let w = Workspace::new();
    // The real sample, and synthetic customers with several sessions and orders over weeks,
    // so that ranges and referrers find data.
    let (out, _) = w.ingest(REAL_HEAD, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (out, _) = w.ingest("-", &generated(5000, 1, 10_000_000));
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A generous limit: a 503 of a machine busy with other tests is no fault of the document.
    let server = Served::start(&w.db(), &["--quiet", "--time-limit", "60s"]);

    // The one rule OpenAPI cannot say (from on or before to) is a hook: see the file.
    let hooks =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/schemathesis_hooks.py");
    // Schemathesis and Hypothesis write their files (reports, examples) in the folder they run in.
    let scratch = tempfile::tempdir().unwrap();
    let args = [
        "run",
        &format!("{}/openapi.json", server.base),
        "--checks",
        "all",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--generation-database",
        "none",
        "--no-color",
    ];
    let mut child = Command::new(&st)
        .args(args)
        .env("SCHEMATHESIS_HOOKS", &hooks)
        .current_dir(scratch.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", st.display()));
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(100));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    let command = format!(
        "SCHEMATHESIS_HOOKS={} {} {}",
        hooks.display(),
        st.display(),
        args.join(" ")
    );
    let Some(status) = status else {
        panic!(
            "Schemathesis did not finish in {} s: {command}\n{stdout}\n{stderr}",
            RUN_TIMEOUT.as_secs()
        );
    };
    assert!(
        status.success() && stdout.contains("No issues found"),
        "Schemathesis found answers that src/serve/openapi.json does not describe ({status}): \
         {command}\n{stdout}\n{stderr}"
    );
    // Every operation was tested, not only loaded: the document's paths but its own.
    let documented = serde_json::from_str::<serde_json::Value>(xcc::serve::OPENAPI).unwrap()
        ["paths"]
        .as_object()
        .unwrap()
        .len();
    assert!(
        stdout.contains(&format!("Tested: {}", documented - 1)),
        "{command}\n{stdout}"
    );
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}
