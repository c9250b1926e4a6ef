//! Hand-written regions of the document that survive regeneration: the text
//! between `<!-- tenant-audit:keep NAME -->` and `<!-- /tenant-audit:keep NAME -->`
//! (the findings narrative, the sign-off) is taken from the existing document
//! and put in place of the template's default text for the same region.
//!
//! Markers are found with pulldown-cmark, so a marker quoted in a code block
//! is text, not a marker. A region that is opened and never closed, closed
//! without being opened, nested, repeated, or that has no place in the new
//! render is an error: carrying on would lose what someone wrote.

use pulldown_cmark::{Event, Options, Parser};
use std::ops::Range;

/// Why hand-written regions could not be carried over. Nothing is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeepError {
    /// An opening marker with no closing one.
    #[error(
        "{file}:{line}: `<!-- tenant-audit:keep {name} -->` is never closed; add `<!-- /tenant-audit:keep {name} -->` \
         after the hand-written text"
    )]
    Unclosed {
        /// The document or template.
        file: String,
        /// 1-based line of the opening marker.
        line: usize,
        /// The region's name.
        name: String,
    },
    /// A closing marker with no opening one.
    #[error(
        "{file}:{line}: `<!-- /tenant-audit:keep {name} -->` closes a region that is not open; add \
         `<!-- tenant-audit:keep {name} -->` before the hand-written text, or remove this line"
    )]
    Unopened {
        /// The document or template.
        file: String,
        /// 1-based line of the closing marker.
        line: usize,
        /// The region's name.
        name: String,
    },
    /// A region opened inside another.
    #[error("{file}:{line}: region `{name}` opens inside region `{outer}` (opened at line {outer_line}); close `{outer}` first")]
    Nested {
        /// The document or template.
        file: String,
        /// 1-based line of the inner opening marker.
        line: usize,
        /// The inner region.
        name: String,
        /// The region still open.
        outer: String,
        /// Where the outer region opens.
        outer_line: usize,
    },
    /// Two regions with one name.
    #[error("{file}:{line}: region `{name}` appears twice (first at line {first}); give each region its own name")]
    Duplicate {
        /// The document or template.
        file: String,
        /// 1-based line of the second region.
        line: usize,
        /// The name.
        name: String,
        /// Where the first one opens.
        first: usize,
    },
    /// A marker without a name.
    #[error("{file}:{line}: a `tenant-audit:keep` marker has no name; write `<!-- tenant-audit:keep NAME -->`")]
    Unnamed {
        /// The document or template.
        file: String,
        /// 1-based line.
        line: usize,
    },
    /// A region of the existing document that the new render has no place for.
    #[error(
        "{file}:{line}: the hand-written region `{name}` has no place in the new document, so its text would be lost; \
         add `<!-- tenant-audit:keep {name} -->` and `<!-- /tenant-audit:keep {name} -->` to the template, or move the \
         text out of the region"
    )]
    NoPlace {
        /// The existing document.
        file: String,
        /// 1-based line where the region opens.
        line: usize,
        /// The region.
        name: String,
    },
}

/// One region: its name and the byte range of the text between its markers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeepRegion {
    /// The name in the markers.
    pub name: String,
    /// The text between the markers, as a byte range of the document.
    pub content: Range<usize>,
    /// 1-based line of the opening marker.
    pub line: usize,
}

/// The regions of `markdown` (named `file` in errors), in document order.
pub fn regions(markdown: &str, file: &str) -> Result<Vec<KeepRegion>, KeepError> {
    let mut found: Vec<KeepRegion> = Vec::new();
    let mut open: Option<(String, usize, usize)> = None; // name, content start, line
    for marker in markers(markdown) {
        let line = line_of(markdown, marker.start);
        let Some(name) = marker.name else {
            return Err(KeepError::Unnamed {
                file: file.to_string(),
                line,
            });
        };
        match (marker.closing, open.take()) {
            (false, None) => {
                if let Some(first) = found.iter().find(|r| r.name == name) {
                    return Err(KeepError::Duplicate {
                        file: file.to_string(),
                        line,
                        name,
                        first: first.line,
                    });
                }
                open = Some((name, marker.end, line));
            }
            (false, Some((outer, _, outer_line))) => {
                return Err(KeepError::Nested {
                    file: file.to_string(),
                    line,
                    name,
                    outer,
                    outer_line,
                })
            }
            (true, Some((opened, start, opened_line))) if opened == name => found.push(KeepRegion {
                name,
                content: start..marker.start,
                line: opened_line,
            }),
            (true, Some((opened, _, opened_line))) => {
                return Err(KeepError::Unclosed {
                    file: file.to_string(),
                    line: opened_line,
                    name: opened,
                })
            }
            (true, None) => {
                return Err(KeepError::Unopened {
                    file: file.to_string(),
                    line,
                    name,
                })
            }
        }
    }
    if let Some((name, _, line)) = open {
        return Err(KeepError::Unclosed {
            file: file.to_string(),
            line,
            name,
        });
    }
    Ok(found)
}

/// `rendered` with the text of each region replaced by the text of the same
/// region in `existing` (named `existing_file` in errors); a region the
/// existing document lacks keeps the template's default text.
pub fn carry_over(rendered: &str, existing: &str, existing_file: &str) -> Result<String, KeepError> {
    let targets = regions(rendered, "the rendered template")?;
    let sources = regions(existing, existing_file)?;
    if let Some(orphan) = sources.iter().find(|s| !targets.iter().any(|t| t.name == s.name)) {
        return Err(KeepError::NoPlace {
            file: existing_file.to_string(),
            line: orphan.line,
            name: orphan.name.clone(),
        });
    }
    let mut out = String::with_capacity(rendered.len() + existing.len() / 4);
    let mut copied = 0;
    for target in &targets {
        out.push_str(&rendered[copied..target.content.start]);
        match sources.iter().find(|s| s.name == target.name) {
            Some(source) => out.push_str(&existing[source.content.clone()]),
            None => out.push_str(&rendered[target.content.clone()]),
        }
        copied = target.content.end;
    }
    out.push_str(&rendered[copied..]);
    Ok(out)
}

struct Marker {
    /// `None` when the marker has no name.
    name: Option<String>,
    closing: bool,
    /// Byte offset of `<!--`.
    start: usize,
    /// Byte offset just past `-->`.
    end: usize,
}

/// Every keep marker in HTML blocks and inline HTML, in document order.
fn markers(markdown: &str) -> Vec<Marker> {
    let mut found = Vec::new();
    let mut seen_up_to = 0;
    for (event, range) in Parser::new_ext(markdown, Options::ENABLE_TABLES).into_offset_iter() {
        if !matches!(event, Event::Html(_) | Event::InlineHtml(_)) || range.start < seen_up_to {
            continue;
        }
        let html = &markdown[range.clone()];
        let mut at = 0;
        while let Some(open) = html[at..].find("<!--") {
            let open = at + open;
            let Some(close) = html[open + 4..].find("-->") else {
                break;
            };
            let close = open + 4 + close;
            let inner = html[open + 4..close].trim();
            let (closing, rest) = match inner.strip_prefix('/') {
                Some(rest) => (true, rest.trim_start()),
                None => (false, inner),
            };
            if let Some(name) = rest.strip_prefix("tenant-audit:keep") {
                let name = name.trim();
                found.push(Marker {
                    name: (!name.is_empty() && !name.contains(char::is_whitespace)).then(|| name.to_string()),
                    closing,
                    start: range.start + open,
                    end: range.start + close + 3,
                });
            }
            at = close + 3;
        }
        seen_up_to = range.end;
    }
    found
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].bytes().filter(|b| *b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str =
        "# Doc\n\n<!-- tenant-audit:keep notes -->\ndefault\n<!-- /tenant-audit:keep notes -->\n\nend\n";

    #[test]
    fn the_existing_text_replaces_the_default() {
        let existing = "# Old\n\n<!-- tenant-audit:keep notes -->\nWritten by Ana.\n\nSecond paragraph.\n<!-- /tenant-audit:keep notes -->\n";
        let carried = carry_over(TEMPLATE, existing, "doc.md").unwrap();
        assert_eq!(
            carried,
            "# Doc\n\n<!-- tenant-audit:keep notes -->\nWritten by Ana.\n\nSecond paragraph.\n<!-- /tenant-audit:keep notes -->\n\nend\n"
        );
    }

    #[test]
    fn a_marker_in_a_code_block_is_not_a_marker() {
        let existing = "```\n<!-- tenant-audit:keep notes -->\n```\n";
        assert_eq!(regions(existing, "doc.md").unwrap(), vec![]);
    }

    #[test]
    fn an_unclosed_region_is_located() {
        let existing = "a\n\n<!-- tenant-audit:keep notes -->\ntext\n";
        assert_eq!(
            regions(existing, "doc.md").unwrap_err(),
            KeepError::Unclosed {
                file: "doc.md".into(),
                line: 3,
                name: "notes".into()
            }
        );
    }

    #[test]
    fn a_stray_closing_marker_is_located() {
        let error = regions("a\n\n<!-- /tenant-audit:keep notes -->\n", "doc.md").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("doc.md:3: `<!-- /tenant-audit:keep notes -->` closes"),
            "{error}"
        );
    }

    #[test]
    fn a_region_the_template_lacks_is_refused() {
        let existing = "<!-- tenant-audit:keep other -->\nx\n<!-- /tenant-audit:keep other -->\n";
        let error = carry_over(TEMPLATE, existing, "doc.md").unwrap_err();
        assert!(matches!(error, KeepError::NoPlace { line: 1, .. }), "{error}");
    }
}
