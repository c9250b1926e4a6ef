//! The inventory loader on arbitrary bytes: whatever inventory.yaml holds,
//! loading returns (no panic, no hang), and a rejected file gets at least one
//! error, each located at a line and column and saying what to do.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One file per fuzzing process, rewritten for every input.
fn inventory_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let folder = std::env::temp_dir().join(format!("tenant-audit-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&folder).expect("a temporary folder");
        folder.join("inventory.yaml")
    })
}

fuzz_target!(|data: &[u8]| {
    let path = inventory_path();
    std::fs::write(path, data).expect("write the inventory");
    if let Err(errors) = tenant_audit::inventory::load(path) {
        assert!(!errors.0.is_empty(), "rejected without a reason");
        for error in &errors.0 {
            assert!(error.line >= 1 && error.column >= 1, "unlocated: {error}");
            assert!(!error.message.is_empty() && !error.help.is_empty(), "{error}");
        }
        let _ = errors.to_string();
    }
});
