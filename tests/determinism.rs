//! Same input, byte-identical output: whatever the number of threads, and
//! whether per-file results come from the cache or not.

use assert_cmd::Command;
use std::path::Path;

fn example_config() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("inventory.yaml")
}

fn scan_json(threads: &str, extra: &[&str]) -> String {
    let output = Command::cargo_bin("tenant-audit")
        .expect("the binary")
        .env("RAYON_NUM_THREADS", threads)
        .arg("--config")
        .arg(example_config())
        .args(["scan", "--format", "json"])
        .args(extra)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 JSON")
}

#[test]
fn one_thread_and_many_threads_give_the_same_scan() {
    let one = scan_json("1", &[]);
    assert!(one.contains("\"paths\""));
    assert_eq!(one, scan_json("2", &[]));
    assert_eq!(one, scan_json("8", &[]));
}

/// A small project in a temporary folder: the example's logs module.
fn project() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().expect("temp folder");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/logwell/src/modules/logs");
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    for entry in std::fs::read_dir(example).unwrap().flatten() {
        std::fs::copy(entry.path(), dir.path().join("src").join(entry.file_name())).unwrap();
    }
    std::fs::write(
        dir.path().join("inventory.yaml"),
        "document: { title: A, owner: B }\nsources: { roots: [src] }\ntables:\n  tenant: [{ name: logs, scope: [project_id] }]\n",
    )
    .unwrap();
    dir
}

fn scan_in(dir: &Path, extra: &[&str]) -> String {
    let output = Command::cargo_bin("tenant-audit")
        .expect("the binary")
        .current_dir(dir)
        .args(extra)
        .args(["scan", "--format", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn cached_results_give_the_same_scan_and_a_corrupt_cache_is_ignored() {
    let dir = project();
    let cold = scan_in(dir.path(), &[]);
    let cache = dir.path().join(".tenant-audit/cache");
    let pack = cache.join("results.pack");
    let kept = std::fs::read(&pack).expect("the first scan keeps its results");
    assert!(std::fs::read_to_string(cache.join(".gitignore")).unwrap().contains('*'));
    assert_eq!(cold, scan_in(dir.path(), &[]), "a warm run must equal the cold one");

    // Cut short, garbage, and a flipped byte in every result: all ignored, never trusted.
    let mut flipped = kept.clone();
    for at in (100..flipped.len()).step_by(97) {
        flipped[at] ^= 0x20;
    }
    for damaged in [&kept[..kept.len() / 2], b"{\"key\":\"nope\"}", &flipped[..]] {
        std::fs::write(&pack, damaged).unwrap();
        assert_eq!(cold, scan_in(dir.path(), &[]));
    }
    // Replaced by a whole one (its results in the order they were made).
    let replaced = std::fs::read(&pack).unwrap();
    assert!(
        replaced.len() == kept.len() && replaced != flipped,
        "the damaged file is replaced"
    );
}

#[test]
fn no_cache_writes_no_cache() {
    let dir = project();
    let cold = scan_in(dir.path(), &["--no-cache"]);
    assert!(!dir.path().join(".tenant-audit").exists());
    assert!(cold.contains("\"paths\""));
}

/// A cache is trusted to hold what this tool computed here; one committed
/// to the repository (forced past its `.gitignore`) could hide paths, so it
/// is neither read nor written, and the run says so.
#[test]
fn a_cache_that_git_tracks_is_not_used() {
    let dir = project();
    let cold = scan_in(dir.path(), &["--no-cache"]);
    scan_in(dir.path(), &[]);
    let pack = dir.path().join(".tenant-audit/cache/results.pack");
    assert!(pack.exists());

    let repo = git2::Repository::init(dir.path()).expect("git init");
    let mut index = repo.index().expect("the index");
    index
        .add_all(["src", "inventory.yaml"], git2::IndexAddOption::DEFAULT, None)
        .expect("stage the sources");
    index
        .add_path(Path::new(".tenant-audit/cache/results.pack"))
        .expect("force the cache in");
    index.write().expect("write the index");
    std::fs::remove_file(&pack).unwrap();

    let output = Command::cargo_bin("tenant-audit")
        .expect("the binary")
        .current_dir(dir.path())
        .args(["scan", "--format", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8(output.stdout).unwrap(), cold);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("git tracks files in .tenant-audit/cache, so the cache is not used"),
        "{stderr}"
    );
    assert!(!pack.exists(), "the tracked cache was written");
}

#[test]
fn deciding_paths_as_their_files_are_extracted_gives_the_same_scan() {
    use tenant_audit::{extract, inventory, model::PathKind, scope};
    let inventory = inventory::load(&example_config()).expect("the example's inventory");
    let scan = |decide: Option<&extract::Decide>| {
        extract::scan_cached(&inventory.selection, &inventory.rules, None, &|_| {}, decide).expect("a scan")
    };
    let decider = scope::decider(&inventory.taxonomy);
    let early = scan(Some(&decider));
    // Only the kinds no link across files changes are decided early.
    assert!(!early.decided.is_empty());
    assert!(early
        .decided
        .iter()
        .all(|path| matches!(path.kind, PathKind::Kysely | PathKind::Sql | PathKind::Reservoir)));
    assert!(early.candidates.iter().any(|c| c.kind == PathKind::Provenance));
    assert!(early.candidates.iter().any(|c| c.kind == PathKind::Cache));

    let early = scope::decide_all(early, &inventory.taxonomy);
    let late = scope::decide_all(scan(None), &inventory.taxonomy);
    // Route handlers' flows list the paths of the functions they call, among
    // them paths decided early.
    assert!(late.paths.iter().any(|p| p.evidence.contains("reaches kysely.")));
    assert_eq!(
        serde_json::to_string_pretty(&late).unwrap(),
        serde_json::to_string_pretty(&early).unwrap()
    );
}

#[test]
fn a_symbol_holding_the_text_of_another_kinds_id_still_gives_unique_ids() {
    use tenant_audit::{extract, inventory, scope};
    let dir = tempfile::TempDir::new().expect("temp folder");
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("inventory.yaml"),
        "document: { title: A, owner: B }\nsources: { roots: [src] }\ntables:\n  tenant: [{ name: t, scope: [organization_id] }]\n",
    )
    .unwrap();
    // The object key makes the Kysely path's stem the queue producer's.
    std::fs::write(
        dir.path().join("src/a.ts"),
        "import { Queue } from 'bullmq';
const q = new Queue('z::kysely.select::t');
export const o = {
  k: async (orgId: string) => { await q.add('job', { organizationId: orgId }); },
  'k::queue-producer.add::z': async (orgId: string) => {
    return db.selectFrom('t').selectAll().where('organization_id', '=', orgId).execute();
  },
};
",
    )
    .unwrap();
    let inventory = inventory::load(&dir.path().join("inventory.yaml")).expect("an inventory");
    let decider = scope::decider(&inventory.taxonomy);
    let scan = |decide: Option<&extract::Decide>| {
        let extraction =
            extract::scan_cached(&inventory.selection, &inventory.rules, None, &|_| {}, decide).expect("a scan");
        scope::decide_all(extraction, &inventory.taxonomy)
    };
    let early = scan(Some(&decider));
    let ids: std::collections::BTreeSet<&str> = early.paths.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(early.paths.len(), 2, "{:#?}", early.paths);
    assert_eq!(ids.len(), 2, "ids must be unique: {ids:?}");
    assert_eq!(
        serde_json::to_string(&early).unwrap(),
        serde_json::to_string(&scan(None)).unwrap()
    );
}
