//! Hand-written regions of the document that survive regeneration: the text
//! between `<!-- tenant-audit:keep NAME -->` and `<!-- /tenant-audit:keep NAME -->`
//! (the findings narrative, the sign-off) is taken from the existing document
//! and put in place of the template's default text for the same region.
//!
//! Markers are found with pulldown-cmark, so a marker quoted in a code block
//! is text, not a marker. A region that is opened and never closed, closed
//! without being opened, nested, repeated, or that has no place in the new
//! render is an error: carrying on would lose what someone wrote.
//!
//! The document lists every path of the audit, so it runs to thousands of
//! table rows, and only a handful of its lines are markers. When nothing in
//! the document can carry markdown state across a blank line, only the blocks
//! that mention `tenant-audit:keep` are parsed; otherwise the whole document
//! is.

use memchr::memmem;
use pulldown_cmark::{Event, Options, Parser};
use std::ops::Range;

/// The text every marker holds.
const KEEP: &str = "tenant-audit:keep";

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
    let mut lines = Lines::new(markdown);
    for marker in markers(markdown) {
        let line = lines.line_of(marker.start);
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

#[derive(Debug, PartialEq, Eq)]
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
    match marker_blocks(markdown) {
        Some(blocks) => blocks
            .into_iter()
            .flat_map(|block| markers_in(markdown, block))
            .collect(),
        None => markers_in(markdown, 0..markdown.len()),
    }
}

/// The keep markers of the blocks of `markdown` in `span`, parsed on their own.
fn markers_in(markdown: &str, span: Range<usize>) -> Vec<Marker> {
    let text = &markdown[span.clone()];
    let mut found = Vec::new();
    let mut seen_up_to = 0;
    for (event, range) in Parser::new_ext(text, Options::ENABLE_TABLES).into_offset_iter() {
        if !matches!(event, Event::Html(_) | Event::InlineHtml(_)) || range.start < seen_up_to {
            continue;
        }
        let html = &text[range.clone()];
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
            if let Some(name) = rest.strip_prefix(KEEP) {
                let name = name.trim();
                found.push(Marker {
                    name: (!name.is_empty() && !name.contains(char::is_whitespace)).then(|| name.to_string()),
                    closing,
                    start: span.start + range.start + open,
                    end: span.start + range.start + close + 3,
                });
            }
            at = close + 3;
        }
        seen_up_to = range.end;
    }
    found
}

/// The byte ranges of `markdown` that may hold keep markers, each a run of
/// whole top-level blocks that pulldown-cmark parses on its own exactly as
/// within the document; `None` when the document needs parsing whole.
///
/// Blocks are independent when nothing stays open across the blank line
/// between them (see [`starts_fresh`]). Paragraphs, tables, indented code,
/// block quotes, list items and most HTML blocks end there; fenced code,
/// multi-line comments and the HTML blocks that end only at a closing tag
/// (`<pre>`, `<script>`, `<!X`, `<?`...) do not, and a link reference
/// definition changes how links parse anywhere in the document. A document
/// that may hold any of these, or a line ending other than `\n`, is parsed
/// whole.
fn marker_blocks(markdown: &str) -> Option<Vec<Range<usize>>> {
    if may_carry_state(markdown) {
        return None;
    }
    let mut blocks: Vec<Range<usize>> = Vec::new();
    for at in memmem::find_iter(markdown.as_bytes(), KEEP) {
        if blocks.last().is_some_and(|block| at < block.end) {
            continue;
        }
        blocks.push(blocks_around(markdown, at));
    }
    Some(blocks)
}

/// Whether `markdown` may hold a construct that keeps markdown state open
/// across a blank line, or a line ending other than `\n`. False positives
/// only cost a full parse.
fn may_carry_state(markdown: &str) -> bool {
    let bytes = markdown.as_bytes();
    // Fenced code blocks, and link reference definitions.
    let needles: [&[u8]; 3] = [b"```", b"~~~", b"]:"];
    memchr::memchr(b'\r', bytes).is_some()
        || needles.iter().any(|needle| memmem::find(bytes, needle).is_some())
        || memchr::memchr_iter(b'<', bytes).any(|at| may_open_long_html_block(&bytes[at..]))
}

/// Whether `html`, which starts with `<`, may open an HTML block that only a
/// closing tag or sequence ends: `<pre`, `<script`, `<style`, `<textarea`
/// (in any case), `<?` and `<!`, except a comment that ends on its own line.
fn may_open_long_html_block(html: &[u8]) -> bool {
    let rest = &html[1..];
    if rest.starts_with(b"!") {
        return !comment_ends_on_its_line(html);
    }
    rest.starts_with(b"?")
        || ["pre", "script", "style", "textarea"].iter().any(|tag| {
            rest.get(..tag.len())
                .is_some_and(|name| name.eq_ignore_ascii_case(tag.as_bytes()))
        })
}

/// Whether `html`, which starts with `<!`, is a comment that ends on the
/// same line: as an HTML block it then ends there too.
fn comment_ends_on_its_line(html: &[u8]) -> bool {
    let line = html.split(|b| *b == b'\n').next().unwrap_or_default();
    line.strip_prefix(b"<!--")
        .is_some_and(|rest| memmem::find(rest, b"-->").is_some())
}

/// The run of top-level blocks around byte `at`: from the last line at or
/// before it that starts fresh to the next one after it.
fn blocks_around(markdown: &str, at: usize) -> Range<usize> {
    let mut start = line_start(markdown, at);
    while !starts_fresh(markdown, start) {
        start = line_start(markdown, start - 1);
    }
    let mut end = next_line_start(markdown, at);
    while end < markdown.len() && !starts_fresh(markdown, end) {
        end = next_line_start(markdown, end);
    }
    start..end
}

/// Whether the line at `at` starts a top-level block with nothing above it
/// still open, given a document without the constructs [`marker_blocks`]
/// rules out: it follows a blank line, and it is neither indented nor a list
/// item or block quote, which could continue one above.
fn starts_fresh(markdown: &str, at: usize) -> bool {
    if at == 0 {
        return true;
    }
    let first = markdown.as_bytes()[at];
    let may_continue =
        !first.is_ascii_graphic() || first.is_ascii_digit() || matches!(first, b'>' | b'-' | b'+' | b'*');
    // `at - 1` is the newline that ends the line before.
    let previous = &markdown[line_start(markdown, at - 1)..at - 1];
    !may_continue && previous.bytes().all(|b| b == b' ' || b == b'\t')
}

/// The start of the line holding byte `at`.
fn line_start(markdown: &str, at: usize) -> usize {
    markdown[..at].rfind('\n').map_or(0, |newline| newline + 1)
}

/// The start of the line after the one holding byte `at`, or the end of the document.
fn next_line_start(markdown: &str, at: usize) -> usize {
    markdown[at..]
        .find('\n')
        .map_or(markdown.len(), |newline| at + newline + 1)
}

/// 1-based line numbers of increasing offsets, counting each newline once.
struct Lines<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The line of `offset`, which is not before the last one asked about.
    fn line_of(&mut self, offset: usize) -> usize {
        self.line += self.text[self.offset..offset].matches('\n').count();
        self.offset = offset;
        self.line
    }
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

    #[test]
    fn only_the_blocks_around_markers_are_parsed() {
        let rows = "| `a` | b |\n".repeat(50);
        let document = format!(
            "# Doc\n\n<!-- tenant-audit:keep notes -->\ntext with `tenant-audit:keep`\n<!-- /tenant-audit:keep notes -->\n\n## Table\n\n| x | y |\n|---|---|\n{rows}\n## End\n"
        );
        let blocks = marker_blocks(&document).expect("nothing carries state across blank lines");
        assert_eq!(blocks, vec![7..document.find("## Table").unwrap()]);
        assert_eq!(markers(&document), markers_in(&document, 0..document.len()));
    }

    #[test]
    fn constructs_that_outlive_a_blank_line_need_the_whole_document() {
        for document in [
            "```\n\n<!-- tenant-audit:keep notes -->\n",
            "~~~\n\n<!-- tenant-audit:keep notes -->\n",
            "<!--\n\n<!-- tenant-audit:keep notes -->\n-->\n",
            "<PRE>\n\n<!-- tenant-audit:keep notes -->\n</PRE>\n",
            "<?x\n\n<!-- tenant-audit:keep notes -->\n?>\n",
            "<!X\n\n<!-- tenant-audit:keep notes -->\n>\n",
            "[a]: <x>\n\n[b][a] <!-- tenant-audit:keep notes -->\n",
            "a\r\r<!-- tenant-audit:keep notes -->\n",
        ] {
            assert_eq!(marker_blocks(document), None, "{document:?}");
        }
        assert_eq!(
            regions("```\n\n<!-- tenant-audit:keep notes -->\n", "doc.md").unwrap(),
            vec![]
        );
    }

    /// Lines that documents are made of in [`parsing_blocks_alone_finds_the_same_markers`]:
    /// markers in every position a block can put them, and the constructs
    /// around which blocks start and end.
    const LINES: &[&str] = &[
        "",
        "  ",
        "\t",
        "<!-- tenant-audit:keep a -->",
        "<!-- /tenant-audit:keep a -->",
        "<!-- tenant-audit:keep b -->",
        "<!-- /tenant-audit:keep b -->",
        "<!--tenant-audit:keep-->",
        "   <!-- tenant-audit:keep a -->",
        "    <!-- tenant-audit:keep a -->",
        "\t<!-- tenant-audit:keep b -->",
        "text <!-- tenant-audit:keep a --> more <!-- /tenant-audit:keep a -->",
        "`<!-- tenant-audit:keep a -->`",
        "`` ` <!-- tenant-audit:keep b --> ` ``",
        "`open <!-- tenant-audit:keep a -->",
        "close` <!-- /tenant-audit:keep a -->",
        "\\<!-- tenant-audit:keep a -->",
        "[x](<!-- tenant-audit:keep a -->)",
        "[x",
        "](<!-- tenant-audit:keep b -->)",
        "[a [x] b](<!-- tenant-audit:keep a -->)",
        "- item",
        "- <!-- tenant-audit:keep a -->",
        "* item",
        "+ item",
        "1. item",
        "2) <!-- tenant-audit:keep b -->",
        "  continued",
        "  <!-- /tenant-audit:keep a -->",
        "> quote",
        ">",
        "> <!-- tenant-audit:keep a -->",
        "lazy",
        "# Heading <!-- tenant-audit:keep a -->",
        "Setext",
        "===",
        "---",
        "***",
        "| a | b |",
        "|---|---|",
        "| `c|d` | <!-- tenant-audit:keep a --> |",
        "a | <!-- /tenant-audit:keep a -->",
        "<div>",
        "</div>",
        "<div><!-- tenant-audit:keep b -->",
        "<span> <!-- tenant-audit:keep a -->",
        "<a href=\"<!-- tenant-audit:keep a -->\">",
        "é <!-- tenant-audit:keep b -->",
        "<!-- a --> <!-- /tenant-audit:keep b -->",
        "-->",
        "</pre>",
    ];

    /// Lines that send the whole document to the parser: rarer, so that many
    /// generated documents have none.
    const WHOLE_DOCUMENT_LINES: &[&str] = &[
        "```",
        "~~~",
        "<!--",
        "<pre>",
        "[x]: /url",
        "<?x",
        "<!DOCTYPE html>",
        "x\ry",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8192))]

        #[test]
        fn parsing_blocks_alone_finds_the_same_markers(
            lines in proptest::collection::vec(proptest::prop_oneof![
                16 => proptest::sample::select(LINES),
                1 => proptest::sample::select(WHOLE_DOCUMENT_LINES),
            ], 0..40),
            newline_at_end: bool,
        ) {
            let mut document = lines.join("\n");
            if newline_at_end {
                document.push('\n');
            }
            proptest::prop_assert_eq!(markers(&document), markers_in(&document, 0..document.len()), "{:?}", document);
        }
    }
}
