//! A file xcc writes for someone else (`xcc share`'s file, `xcc report`'s page): its target
//! checked before any work, the file built under a temporary name beside it, and given its
//! name only when complete, never replacing a file unless asked.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::store;

/// `out` must be a new file (or, with `force`, any file but `source`, the file it is made
/// from, which the sentence calls `source_name`) in a folder that exists.
pub fn check_target(out: &Path, source: &Path, source_name: &str, force: bool) -> Result<()> {
    let shown = out.display();
    let folder = store::folder_of(out);
    if !folder.is_dir() {
        bail!(
            "cannot write {shown}: the folder {} does not exist",
            folder.display()
        );
    }
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(out, source) {
        bail!("--out {shown} is {source_name} itself; choose another --out");
    }
    // A rename onto a device, a FIFO or a link would replace it (as root, /dev/null), and
    // writing through one would write elsewhere: --out is only ever a regular file.
    if let Some(kind) = store::special_kind(out, false) {
        bail!("--out {shown} is {kind}; xcc writes only a new file or, with --force, over a regular file");
    }
    if out.exists() && !force {
        bail!("{shown} already exists; choose another --out, or give --force to replace it");
    }
    Ok(())
}

/// Beside the target, so that the final rename stays on one file system.
pub fn temporary_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    out.with_file_name(name)
}

/// Gives the finished file its name. Without `force` a hard link does it, which fails rather
/// than replace a file that appeared meanwhile (while `doing` it, the sentence says); with it,
/// a rename replaces the old file atomically.
pub fn publish(temporary: &Path, out: &Path, force: bool, doing: &str) -> Result<()> {
    if force {
        std::fs::rename(temporary, out)?;
        return Ok(());
    }
    std::fs::hard_link(temporary, out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
            "{} appeared while {doing}; give --force to replace it",
            out.display()
        ),
        _ => anyhow::Error::new(e),
    })?;
    std::fs::remove_file(temporary)?;
    Ok(())
}
