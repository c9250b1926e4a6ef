//! The document as `generate` writes it and `check` compares it: the
//! rendered markdown with the hand-written regions of the existing document
//! carried over, and optionally its HTML rendering beside it.

use super::args::DocumentArgs;
use super::output;
use crate::coverage::CoverageMatrix;
use crate::inventory::{Audit, Finding, FindingCode, Inventory, Severity};
use crate::render;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The files a render produces.
pub struct Rendered {
    /// Where the markdown goes.
    pub out: PathBuf,
    /// The markdown.
    pub markdown: String,
    /// Where the HTML goes and what it holds, when asked for.
    pub html: Option<(PathBuf, String)>,
    /// The markdown at `out` before this render, which [`drift`] compares
    /// with: read once, for the carry-over and the comparison.
    existing: Option<String>,
}

/// Renders the document, carrying over the hand-written regions of the one at
/// its output path; the last render kept in `cache` is reused when it is the
/// same (see `render::render_reusing`).
pub fn render(
    audit: &Audit,
    inventory: &Inventory,
    coverage: Option<&CoverageMatrix>,
    args: &DocumentArgs,
    cache: Option<&Path>,
) -> Result<Rendered> {
    let template = match &args.template {
        Some(path) => {
            Some(std::fs::read_to_string(path).with_context(|| format!("cannot read template {}", path.display()))?)
        }
        None => None,
    };
    let out = args.out.clone().unwrap_or_else(|| inventory.output.clone());
    // The committed document (tens of MB for a large repository) is read
    // while the new one renders; it is read even when the render then fails.
    let (fresh, existing) = rayon::join(
        || render::render_reusing(audit, inventory, coverage, template.as_deref(), cache),
        || read_existing(&out),
    );
    let fresh = fresh.with_context(|| match &args.template {
        Some(path) => format!("template {}", path.display()),
        None => "built-in template".to_string(),
    })?;
    let existing = existing?;
    let markdown = match &existing {
        Some(existing) => render::keep::carry_over(&fresh, existing, &out.display().to_string())?,
        None => {
            // Still check the template's own markers, so a broken template fails now.
            render::keep::regions(&fresh, "the rendered template")?;
            fresh
        }
    };
    let html = args
        .html
        .then(|| (out.with_extension("html"), render::html::to_html(&markdown)));
    Ok(Rendered {
        out,
        markdown,
        html,
        existing,
    })
}

/// Writes the markdown (and the HTML) atomically.
pub fn write(rendered: &Rendered) -> Result<()> {
    output::write_atomically(&rendered.out, &rendered.markdown)?;
    if let Some((path, html)) = &rendered.html {
        output::write_atomically(path, html)?;
    }
    Ok(())
}

/// Drift findings: each file that differs from what a render now gives.
pub fn drift(rendered: &Rendered) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    findings.extend(drift_of(
        &rendered.out,
        rendered.existing.as_deref(),
        &rendered.markdown,
    ));
    if let Some((path, html)) = &rendered.html {
        findings.extend(drift_of(path, read_existing(path)?.as_deref(), html));
    }
    Ok(findings)
}

/// The document at `path`, with line endings as the renderer writes them;
/// `None` when there is none yet.
fn read_existing(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        // Line endings may be converted on checkout (git autocrlf); content is what matters.
        Ok(text) if text.contains('\r') => Ok(Some(text.replace("\r\n", "\n"))),
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// A drift finding when `committed`, the file at `path`, differs from `rendered`.
fn drift_of(path: &Path, committed: Option<&str>, rendered: &str) -> Option<Finding> {
    let shown = path.display().to_string();
    let Some(committed) = committed else {
        return Some(Finding {
            code: FindingCode::Drift,
            severity: Severity::Error,
            location: shown,
            message: "the document does not exist".to_string(),
            help: "run `tenant-audit generate` and commit the document".into(),
            detail: None,
        });
    };
    if committed == rendered {
        return None;
    }
    Some(Finding {
        code: FindingCode::Drift,
        severity: Severity::Error,
        location: shown.clone(),
        message: "the committed document is out of date with the code and the inventory".to_string(),
        help: "run `tenant-audit generate` and commit the result; the difference is:".into(),
        detail: Some(output::unified_diff(committed, rendered, &shown, 200)),
    })
}
