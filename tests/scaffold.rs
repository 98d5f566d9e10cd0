//! `thmcheck new`: the scaffold writes its files and registers the module, refuses to
//! overwrite, and leaves nothing behind when it stops. The tests scaffold a name no one
//! would choose (`scaffold_probe`), so that they still pass after a researcher has added
//! the README's example theorem to the registry they copy. (A scaffolded theorem was built and
//! tested with `cargo test --release` in a clean clone; that takes minutes, so it is not
//! repeated here.)

use std::path::{Path, PathBuf};

use thmcheck::scaffold::{Names, create, files};

/// A scratch directory holding a copy of the registry.
fn scratch(name: &str) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("thmcheck-scaffold-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src/theorems")).unwrap();
    std::fs::copy("src/theorems/mod.rs", root.join("src/theorems/mod.rs")).unwrap();
    root
}

#[test]
fn scaffold_writes_and_registers_a_module() {
    let root = scratch("writes");
    let names = Names::new("scaffold_probe", None).unwrap();
    let written = create(&root, &names).unwrap();
    assert_eq!(written.len(), 5);
    let registry = std::fs::read_to_string(root.join("src/theorems/mod.rs")).unwrap();
    assert!(registry.contains("pub mod scaffold_probe;"));
    assert!(registry.contains("&scaffold_probe::ScaffoldProbe,"));
    let module = std::fs::read_to_string(root.join("src/theorems/scaffold_probe/mod.rs")).unwrap();
    assert!(module.contains("\"SP-1\"") && module.contains("# Limitations"));
    let snapshot =
        std::fs::read_to_string(root.join("snapshots/scaffold_probe_verdicts.snap")).unwrap();
    assert!(snapshot.ends_with("SP-1 | n up to 50 | holds\n"));
    assert!(
        create(&root, &names).is_err(),
        "a second scaffold of the same name is refused"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn an_existing_file_stops_the_scaffold_before_anything_is_written() {
    let root = scratch("existing");
    let names = Names::new("scaffold_probe", None).unwrap();
    let clash = root.join("tests/scaffold_probe.rs");
    std::fs::create_dir_all(clash.parent().unwrap()).unwrap();
    std::fs::write(&clash, "// the researcher's own file\n").unwrap();
    let before = std::fs::read_to_string(root.join("src/theorems/mod.rs")).unwrap();
    let error = create(&root, &names).unwrap_err().to_string();
    assert!(error.contains("exists already"), "{error}");
    assert_eq!(
        std::fs::read_to_string(root.join("src/theorems/mod.rs")).unwrap(),
        before
    );
    for file in files(&names) {
        let path = root.join(&file.path);
        assert!(
            path == clash || !path.exists(),
            "{} was written",
            file.path.display()
        );
    }
    assert_eq!(
        std::fs::read_to_string(&clash).unwrap(),
        "// the researcher's own file\n"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn the_cli_refuses_a_taken_prefix() {
    let root = scratch("prefix");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_thmcheck"))
        .args(["new", "ring_energy", "--prefix", "RE", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("prefix RE is taken"));
    assert!(!Path::new(&root.join("src/theorems/ring_energy")).exists());
    std::fs::remove_dir_all(&root).unwrap();
}
