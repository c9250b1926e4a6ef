//! The rendered document for a small fixture, compared with a reviewed golden
//! file (`tests/snapshots/`). When the template or the pipeline changes on
//! purpose, review the new rendering and accept it with `cargo insta review`
//! (or `INSTA_UPDATE=always cargo test --test golden`, then read the diff).

use std::path::Path;
use tenant_audit::{extract, inventory, render, scope};

fn render_fixture(name: &str) -> String {
    let config = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .join("inventory.yaml");
    let inventory = inventory::load(&config).expect("the fixture inventory is valid");
    let extraction =
        extract::scan_with(&inventory.selection, &inventory.rules).expect("the fixture sources are readable");
    let audit = inventory::merge(scope::decide_all(extraction, &inventory.taxonomy), &inventory);
    render::render(&audit, &inventory, None).expect("the built-in template renders")
}

#[test]
fn golden_document() {
    insta::assert_snapshot!("golden_document", render_fixture("golden"));
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(render_fixture("golden"), render_fixture("golden"));
}
