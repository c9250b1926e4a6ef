//! Throughput of the scan and wall time of a full `check` on generated
//! backends of 2, 20 and 100 MB, beside two floors: reading the same files,
//! as `cat` would, and a bare tree-sitter parse, on every core, of the files
//! a scan parses (a check's time divided by it leaves the machine's speed
//! out, as far as both scale with it). Also a warm scan whose per-file
//! results come from the cache. The `check` is timed in this process (the
//! library calls, queries already compiled, with the binary's allocator and
//! its settings), and as a user runs it, a fresh `tenant-audit check`
//! process: cold (`--no-cache`, whose peak memory is reported too), first run
//! (the cache empty, filled as it goes), and re-run (nothing changed since).
//! Run with `cargo bench --bench scan` (sizes in MB may be given: `cargo
//! bench --bench scan -- 2 20`). Corpora are generated, seeded, under
//! `target/bench-corpus/`.

mod corpus;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tenant_audit::{extract, inventory, render, scope};

/// The binary's allocator, so that the in-process figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Best of `runs`: the least disturbed measurement on a shared machine.
fn best_of<T>(runs: usize, work: impl FnMut() -> T) -> (Duration, T) {
    best_of_prepared(runs, || {}, work)
}

/// [`best_of`], calling `prepare` untimed before each run.
fn best_of_prepared<T>(runs: usize, mut prepare: impl FnMut(), mut work: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        prepare();
        let start = Instant::now();
        let value = work();
        best = best.min(start.elapsed());
        last = Some(value);
    }
    (best, last.expect("at least one run"))
}

fn read_all(root: &Path) -> usize {
    let mut bytes = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "ts") {
                bytes += std::fs::read(&path).expect("corpus file").len();
            }
        }
    }
    bytes
}

/// The sources a scan parses, those the prefilter lets through, read once,
/// with their grammar.
fn parsed_sources(inventory: &inventory::Inventory) -> Vec<(extract::Dialect, Vec<u8>)> {
    let prefilter = extract::Prefilter::new(&inventory.rules);
    extract::select(&inventory.selection)
        .expect("the corpus is listed")
        .into_iter()
        .filter_map(|file| {
            let source = std::fs::read(&file.path).expect("corpus file");
            prefilter.may_hold_paths(&source).then_some((file.dialect, source))
        })
        .collect()
}

thread_local! {
    /// This thread's parser for each dialect, kept from file to file as the scan keeps its own.
    static PARSERS: std::cell::RefCell<Vec<(extract::Dialect, tree_sitter::Parser)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// A bare tree-sitter parse of `sources` on every core, each thread keeping
/// its parsers, and nothing else: the floor under a cold scan, as `cat` is
/// under reading. Returns how many trees hold a syntax error.
fn bare_parse(sources: &[(extract::Dialect, Vec<u8>)]) -> usize {
    use rayon::prelude::*;
    sources
        .par_iter()
        .filter(|(dialect, source)| {
            PARSERS.with_borrow_mut(|parsers| {
                let at = match parsers.iter().position(|(d, _)| d == dialect) {
                    Some(at) => at,
                    None => {
                        let mut parser = tree_sitter::Parser::new();
                        parser.set_language(&dialect.language()).expect("the grammar loads");
                        parsers.push((*dialect, parser));
                        parsers.len() - 1
                    }
                };
                let tree = parsers[at].1.parse(source, None).expect("a tree");
                tree.root_node().has_error()
            })
        })
        .count()
}

/// The peak resident set of one fresh `tenant-audit check --no-cache` in
/// `folder`, in MiB, as GNU time reports it; `None` without `/usr/bin/time`.
///
/// Not `getrusage(RUSAGE_CHILDREN)` of this process: a child spawned from
/// here shares this process's memory until it execs, and Linux counts that
/// in the child's peak, so it reported this benchmark's own size. GNU time
/// forks from a small process.
fn peak_mib(folder: &Path) -> Option<f64> {
    let report = std::env::temp_dir().join(format!("tenant-audit-bench-peak-{}", std::process::id()));
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&report)
        .arg(env!("CARGO_BIN_EXE_tenant-audit"))
        .args(["--quiet", "check", "--no-cache"])
        .current_dir(folder)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    // The corpus classifies nothing, so the check reports findings (exit 1).
    assert!(
        status.code().is_some_and(|code| code <= 1),
        "tenant-audit check failed: {status}"
    );
    let kilobytes: f64 = std::fs::read_to_string(&report)
        .ok()?
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()?;
    let _ = std::fs::remove_file(&report);
    Some(kilobytes / 1024.0)
}

/// A fresh `tenant-audit check` in `folder`, as a user runs it, with
/// `options` (`--no-cache`, say).
fn run_cli_check(folder: &Path, options: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_tenant-audit"))
        .args(["--quiet", "check"])
        .args(options)
        .current_dir(folder)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("runs tenant-audit");
    // The corpus classifies nothing, so the check reports findings (exit 1); 2 is an error.
    assert!(
        status.code().is_some_and(|code| code <= 1),
        "tenant-audit check failed: {status}"
    );
}

fn main() {
    // SAFETY: first thing in main, before any tree-sitter object exists.
    unsafe { tenant_audit::allocator::configure() };
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect::<Vec<_>>();
    if sizes.is_empty() {
        sizes = vec![2, 20, 100];
    }
    // Smallest first, so that a quick size reports before a slow one.
    sizes.sort_unstable();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("tenant-audit scan benchmark ({threads} hardware threads)");
    println!(
        "{:>6} {:>7} {:>10} {:>11} {:>11} {:>9} {:>7} {:>12} {:>12} {:>16} {:>10} {:>14} {:>12} {:>15}",
        "size",
        "files",
        "cat (ms)",
        "parse (ms)",
        "scan (ms)",
        "files/s",
        "MB/s",
        "check (ms)",
        "warm (ms)",
        "process (ms)",
        "peak (MiB)",
        "first run (ms)",
        "re-run (ms)",
        "process/parse"
    );
    for size in sizes {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-corpus/{size}mb"));
        let corpus = corpus::generate(&root, size * 1024 * 1024, 42).expect("write the corpus");
        let runs = if size >= 50 { 2 } else { 5 };

        let (cat, _) = best_of(runs, || read_all(&corpus.root.join("src")));

        let config = corpus.root.join("inventory.yaml");
        let inventory = inventory::load(&config).expect("the generated inventory is valid");
        let sources = parsed_sources(&inventory);
        let (parse, with_errors) = best_of(runs, || bare_parse(&sources));
        // The corpus writes a file with a syntax error every 60 files.
        assert!(
            with_errors > 0,
            "the bare parse met none of the corpus's syntax-error files"
        );
        drop(sources);
        let (scan, extraction) = best_of(runs, || {
            extract::scan_with(&inventory.selection, &inventory.rules).expect("the corpus is readable")
        });
        assert_eq!(extraction.files_scanned, corpus.files);

        let (check, _) = best_of(runs, || {
            let inventory = inventory::load(&config).expect("valid inventory");
            // As the binary scans: paths decided as soon as their file is extracted.
            let decide = scope::decider(&inventory.taxonomy);
            let extraction = extract::scan_cached(&inventory.selection, &inventory.rules, None, &|_| {}, Some(&decide))
                .expect("readable corpus");
            let audit = inventory::merge(scope::decide_all(extraction, &inventory.taxonomy), &inventory);
            let rendered = render::render(&audit, &inventory, None).expect("renders");
            let committed = std::fs::read_to_string(&inventory.output).unwrap_or_default();
            (audit.findings.len(), rendered == committed)
        });

        // Warm: the per-file result cache is filled once, then every file hits it.
        let cache = corpus.root.join(".tenant-audit/cache");
        let _ = std::fs::remove_dir_all(&cache);
        extract::scan_cached(&inventory.selection, &inventory.rules, Some(&cache), &|_| {}, None)
            .expect("fills the cache");
        let (warm, _) = best_of(runs, || {
            extract::scan_cached(&inventory.selection, &inventory.rules, Some(&cache), &|_| {}, None)
                .expect("readable corpus")
        });

        // As a user runs it: a new process, queries compiled, no result cache.
        let (process, _) = best_of(runs, || run_cli_check(&corpus.root, &["--no-cache"]));
        let peak = peak_mib(&corpus.root).map_or_else(|| "n/a".to_string(), |mib| format!("{mib:.0}"));
        // With the cache: the first run fills it, a re-run finds everything.
        let (first_run, _) = best_of_prepared(
            runs,
            || {
                let _ = std::fs::remove_dir_all(&cache);
            },
            || run_cli_check(&corpus.root, &[]),
        );
        let (re_run, _) = best_of(runs.max(10), || run_cli_check(&corpus.root, &[]));

        let mb = corpus.bytes as f64 / (1024.0 * 1024.0);
        println!(
            "{:>4}MB {:>7} {:>10.1} {:>11.1} {:>11.1} {:>9.0} {:>7.1} {:>12.1} {:>12.1} {:>16.1} {:>10} {:>14.1} {:>12.1} {:>15.2}",
            size,
            corpus.files,
            cat.as_secs_f64() * 1000.0,
            parse.as_secs_f64() * 1000.0,
            scan.as_secs_f64() * 1000.0,
            corpus.files as f64 / scan.as_secs_f64(),
            mb / scan.as_secs_f64(),
            check.as_secs_f64() * 1000.0,
            warm.as_secs_f64() * 1000.0,
            process.as_secs_f64() * 1000.0,
            peak,
            first_run.as_secs_f64() * 1000.0,
            re_run.as_secs_f64() * 1000.0,
            process.as_secs_f64() / parse.as_secs_f64(),
        );
    }
}
