//! ARCHITECTURE.md's table of what each module may import, held against the code: every
//! `crate::…` path in src/ (tests aside) must name a module its row allows, and each row may
//! allow only rows above it, so that no two modules can import each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The table's rows, in order: module → the modules it may import (`None`: every one above).
fn allowed() -> Vec<(String, Option<BTreeSet<String>>)> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .unwrap();
    let table = doc
        .split("| module | may import |\n|---|---|\n")
        .nth(1)
        .expect("ARCHITECTURE.md has the table of imports");
    table
        .lines()
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let may = (cells[1] != "every module above").then(|| {
                cells[1]
                    .split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect()
            });
            (cells[0].to_string(), may)
        })
        .collect()
}

#[test]
fn the_table_of_imports_is_layered() {
    let rows = allowed();
    let mut above = BTreeSet::new();
    for (module, may) in &rows {
        for import in may.iter().flatten() {
            assert!(
                above.contains(import),
                "ARCHITECTURE.md lets {module} import {import}, which is not above it"
            );
        }
        above.insert(module.clone());
    }
}

#[test]
fn every_import_in_src_is_one_the_table_allows() {
    let rows: BTreeMap<String, Option<BTreeSet<String>>> = allowed().into_iter().collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for file in rust_files(&src) {
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let module = relative
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        if ["lib", "main"].contains(&module.as_str()) || relative.ends_with("/tests.rs") {
            continue;
        }
        let Some(may) = rows.get(&module) else {
            wrong.push(format!(
                "src/{relative}: module {module} is not in ARCHITECTURE.md's table"
            ));
            continue;
        };
        let Some(may) = may else { continue };
        for import in imports(&std::fs::read_to_string(&file).unwrap()) {
            if import != module && !may.contains(&import) {
                wrong.push(format!("src/{relative} imports {import}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports ARCHITECTURE.md does not allow: {wrong:#?}"
    );
}

/// The modules a file's code (before its tests) names after `crate::`, including those of a
/// grouped `use crate::{a, b::c}`.
fn imports(code: &str) -> BTreeSet<String> {
    let code = code.split("#[cfg(test)]\nmod tests").next().unwrap();
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != "self" {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}
