//! Edits `inventory.yaml` as text, never by serialising it again: comments,
//! key order, blank lines and the quoting of everything already in the file
//! survive byte for byte. Only the `paths:` list is touched — entries are
//! appended after its last entry or removed with their own lines — and every
//! edit is checked by parsing the result: the list must have changed exactly
//! as intended and every other value must be equal, or the edit is refused.

use super::locate::Locator;
use super::merge::yaml_scalar;
use super::raw::RawInventory;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeSet;

/// The reason `baseline` writes for each entry it adds; reviewers replace it.
pub const BASELINE_REASON: &str = "TODO: review";

/// Why the inventory could not be edited. Nothing is written in any case.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file does not parse as YAML.
    #[error("the inventory does not parse, so it is left as it is: {0}")]
    Unparseable(String),
    /// The `paths:` list is written in a way this editor does not change safely.
    #[error("line {line}: {message}")]
    Layout {
        /// 1-based line.
        line: usize,
        /// What is unusual and what to do.
        message: String,
    },
    /// The edited text would not say what was intended.
    #[error("the edit was not applied because it would {0}; please edit the file by hand")]
    Verification(String),
}

/// Appends an `unclear` entry with the reason [`BASELINE_REASON`] for each
/// id to `paths:`, after the entries already there, under `comment` (one
/// `# ` line per line of it). Returns the new text.
pub fn append_unclear_entries(text: &str, ids: &[String], comment: &str) -> Result<String, EditError> {
    let document = parse(text)?;
    if ids.is_empty() {
        return Ok(text.to_string());
    }
    let newline = newline_of(text);
    let layout = Layout::of(text, &document)?;
    let mut lines: Vec<String> = split_lines(text);
    let entry_lines = |indent: usize, separated: bool| {
        let pad = " ".repeat(indent);
        let mut block: Vec<String> = comment.lines().map(|line| format!("{pad}# {line}{newline}")).collect();
        for (i, id) in ids.iter().enumerate() {
            if separated && i > 0 {
                block.push(newline.to_string());
            }
            block.push(format!("{pad}- id: {}{newline}", yaml_scalar(id)));
            block.push(format!("{pad}  classification: unclear{newline}"));
            block.push(format!("{pad}  reason: \"{BASELINE_REASON}\"{newline}"));
        }
        block
    };

    match layout {
        Layout::Absent => {
            ensure_final_newline(&mut lines, newline);
            if !lines.is_empty() {
                lines.push(newline.to_string());
            }
            lines.push(format!("paths:{newline}"));
            lines.extend(entry_lines(2, false));
        }
        Layout::EmptyFlow { key } => {
            lines[key] = without_empty_flow(&lines[key]);
            let at = content_end(&lines, key, block_end(&lines, key));
            insert_lines(&mut lines, at, entry_lines(2, false), newline);
        }
        Layout::Block { key, items, indent } => {
            let end = block_end(&lines, key);
            let at = content_end(&lines, key, end);
            // Follow the file's style: entries separated by a blank line or not.
            let separated = items.len() >= 2 && is_blank(&lines[items[1] - 1]);
            let mut block = entry_lines(indent.unwrap_or(2), separated);
            if !items.is_empty() && !is_blank(&lines[at - 1]) {
                block.insert(0, newline.to_string());
            }
            insert_lines(&mut lines, at, block, newline);
        }
    }

    let edited = lines.concat();
    let mut expected = sequence(&document);
    for id in ids {
        let mut entry = Mapping::new();
        entry.insert("id".into(), Value::String(id.clone()));
        entry.insert("classification".into(), "unclear".into());
        entry.insert("reason".into(), BASELINE_REASON.into());
        expected.push(Value::Mapping(entry));
    }
    verify(text, &document, &edited, &expected)?;
    Ok(edited)
}

/// Removes the entries whose id is in `ids` from `paths:`, each with its own
/// lines (comments between entries stay with the entry they precede).
/// Returns the new text and the ids removed, in file order.
pub fn remove_entries(text: &str, ids: &BTreeSet<String>) -> Result<(String, Vec<String>), EditError> {
    let document = parse(text)?;
    let entries = sequence(&document);
    let doomed: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, entry)| {
            entry
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| ids.contains(id))
        })
        .map(|(i, _)| i)
        .collect();
    if doomed.is_empty() {
        return Ok((text.to_string(), Vec::new()));
    }
    let Layout::Block { key, items, .. } = Layout::of(text, &document)? else {
        unreachable!("a `paths:` list with entries is a block or rejected by Layout::of");
    };
    let mut lines = split_lines(text);
    let end = content_end(&lines, key, block_end(&lines, key));
    let mut remove = vec![false; lines.len()];
    for &i in &doomed {
        let start = items[i];
        let next = items.get(i + 1).copied().unwrap_or(end);
        let last = (start..next)
            .rev()
            .find(|&l| !is_blank(&lines[l]) && !is_comment(&lines[l]))
            .unwrap_or(start);
        let (mut from, mut to) = (start, last);
        if i + 1 < items.len() {
            // Take the blank lines that separate it from what follows.
            while to + 1 < next && is_blank(&lines[to + 1]) {
                to += 1;
            }
        } else {
            // The last entry: take the blank lines that separated it from the one before.
            while from > key + 2 && is_blank(&lines[from - 1]) {
                from -= 1;
            }
        }
        for flag in &mut remove[from..=to] {
            *flag = true;
        }
    }
    let emptied = doomed.len() == items.len();
    if emptied {
        lines[key] = with_empty_flow(&lines[key]);
    }
    let edited: String = lines
        .iter()
        .zip(&remove)
        .filter(|(_, removed)| !**removed)
        .map(|(line, _)| line.as_str())
        .collect();

    let removed_ids: Vec<String> = doomed
        .iter()
        .filter_map(|&i| entries[i].get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    let expected: Vec<Value> = entries
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !doomed.contains(i))
        .map(|(_, entry)| entry)
        .collect();
    verify(text, &document, &edited, &expected)?;
    Ok((edited, removed_ids))
}

/// How `paths:` is written.
enum Layout {
    /// No `paths:` key.
    Absent,
    /// `paths: []`.
    EmptyFlow {
        /// 0-based line of the key.
        key: usize,
    },
    /// `paths:` followed by block entries (or by nothing).
    Block {
        /// 0-based line of the key.
        key: usize,
        /// 0-based first line of each entry (its `-`).
        items: Vec<usize>,
        /// Column of the entries' `-`, when there are entries.
        indent: Option<usize>,
    },
}

impl Layout {
    fn of(text: &str, document: &Value) -> Result<Layout, EditError> {
        let Some(value) = document.get("paths") else {
            return Ok(Layout::Absent);
        };
        let (line, column) = Locator::new(text).find("paths");
        let lines = split_lines(text);
        let key = line - 1;
        let key_text = lines.get(key).map(String::as_str).unwrap_or_default();
        if column != 1 || !key_text.starts_with("paths") {
            return Err(EditError::Layout {
                line,
                message:
                    "`paths:` is not written as a plain top-level key; write it as `paths:` at the start of a line"
                        .into(),
            });
        }
        let after_colon = key_text
            .split_once(':')
            .map(|(_, rest)| rest.trim())
            .unwrap_or_default();
        let count = value.as_sequence().map_or(0, Vec::len);
        if after_colon.starts_with('[') {
            if count == 0 && after_colon.replace(' ', "").starts_with("[]") {
                return Ok(Layout::EmptyFlow { key });
            }
            return Err(EditError::Layout {
                line,
                message: "`paths:` is a flow list (`[...]`); write it as a block list, one `- id: ...` entry per \
                          item, so that entries can be added and removed without touching the others"
                    .into(),
            });
        }
        if !(after_colon.is_empty() || after_colon.starts_with('#'))
            || !matches!(value, Value::Null | Value::Sequence(_))
        {
            return Err(EditError::Layout {
                line,
                message: "`paths:` holds something other than a list of entries".into(),
            });
        }
        let end = block_end(&lines, key);
        let mut items = Vec::new();
        let mut indent = None;
        for (l, text) in lines.iter().enumerate().take(end).skip(key + 1) {
            let Some(dash) = dash_column(text) else { continue };
            match indent {
                None => {
                    indent = Some(dash);
                    items.push(l);
                }
                Some(column) if column == dash => items.push(l),
                Some(_) => {}
            }
        }
        if items.len() != count {
            return Err(EditError::Layout {
                line,
                message: format!(
                    "found {} entries under `paths:` in the text but {count} when parsing it; write each entry as \
                     `- id: ...` on its own line, all at the same indentation",
                    items.len()
                ),
            });
        }
        Ok(Layout::Block { key, items, indent })
    }
}

fn parse(text: &str) -> Result<Value, EditError> {
    let document: Value = serde_yaml::from_str(text).map_err(|e| EditError::Unparseable(e.to_string()))?;
    if !document.is_mapping() {
        return Err(EditError::Unparseable("the file is not a YAML mapping".into()));
    }
    Ok(document)
}

/// The entries under `paths:`, or none.
fn sequence(document: &Value) -> Vec<Value> {
    document
        .get("paths")
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default()
}

/// The edit must change `paths:` to `expected` and nothing else, and leave a
/// file the inventory loader still reads.
fn verify(original: &str, before: &Value, edited: &str, expected: &[Value]) -> Result<(), EditError> {
    let after: Value = serde_yaml::from_str(edited)
        .map_err(|e| EditError::Verification(format!("leave a file that does not parse ({e})")))?;
    let others = |document: &Value| {
        let mut mapping = document.as_mapping().cloned().unwrap_or_default();
        mapping.remove("paths");
        mapping
    };
    if others(before) != others(&after) {
        return Err(EditError::Verification("change a value outside `paths:`".into()));
    }
    if sequence(&after) != expected {
        return Err(EditError::Verification(
            "change `paths:` differently than intended".into(),
        ));
    }
    if serde_yaml::from_str::<RawInventory>(original).is_ok() {
        serde_yaml::from_str::<RawInventory>(edited)
            .map_err(|e| EditError::Verification(format!("leave an inventory that no longer loads ({e})")))?;
    }
    Ok(())
}

/// Lines with their line endings; concatenating them gives the text back.
fn split_lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_string).collect()
}

fn newline_of(text: &str) -> &'static str {
    if text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// The column of a block-sequence dash that starts `line`.
fn dash_column(line: &str) -> Option<usize> {
    let trimmed = line.trim_start_matches(' ');
    let rest = trimmed.strip_prefix('-')?;
    let column = line.len() - trimmed.len();
    (rest.is_empty() || rest.starts_with([' ', '\r', '\n'])).then_some(column)
}

/// The first line after the value of the top-level key on line `key`: the
/// next top-level key, a document marker, or the end of the file.
fn block_end(lines: &[String], key: usize) -> usize {
    (key + 1..lines.len())
        .find(|&l| {
            let line = &lines[l];
            let starts_at_margin = !line.starts_with([' ', '\t', '#', '\r', '\n']);
            let is_entry = dash_column(line) == Some(0);
            line.starts_with("---") || line.starts_with("...") || (starts_at_margin && !is_entry)
        })
        .unwrap_or(lines.len())
}

/// The line after the last line that belongs to the value of `key` before
/// `end`: trailing blank lines and comments at the margin introduce what
/// follows, so new entries go above them.
fn content_end(lines: &[String], key: usize, end: usize) -> usize {
    let mut at = end;
    while at > key + 1 {
        let line = &lines[at - 1];
        if is_blank(line) || line.starts_with('#') {
            at -= 1;
        } else {
            break;
        }
    }
    at
}

fn ensure_final_newline(lines: &mut [String], newline: &str) {
    if let Some(last) = lines.last_mut() {
        if !last.ends_with('\n') {
            last.push_str(newline);
        }
    }
}

fn insert_lines(lines: &mut Vec<String>, at: usize, block: Vec<String>, newline: &str) {
    if at == lines.len() {
        ensure_final_newline(lines, newline);
    }
    lines.splice(at..at, block);
}

/// `paths: []  # note` → `paths:  # note`.
fn without_empty_flow(line: &str) -> String {
    let colon = line.find(':').map_or(0, |c| c + 1);
    let (head, tail) = line.split_at(colon);
    let tail = match tail.find('[').zip(tail.find(']')) {
        Some((open, close)) if open < close => format!("{}{}", &tail[..open].trim_end_matches(' '), &tail[close + 1..]),
        _ => tail.to_string(),
    };
    format!("{head}{tail}")
}

/// `paths:  # note` → `paths: []  # note`.
fn with_empty_flow(line: &str) -> String {
    let colon = line.find(':').map_or(line.len(), |c| c + 1);
    format!("{} []{}", &line[..colon], &line[colon..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID_A: &str = "src/a.ts::f::kysely.select::logs#1";
    const ID_B: &str = "src/b.ts::g::kysely.select::logs#1";

    #[test]
    fn appends_after_the_last_entry_and_before_the_next_section() {
        let text = "paths:\n  - id: x\n    classification: global\n    reason: r\n\n# Next\nother: 1\n";
        let edited = append_unclear_entries(text, &[ID_A.into()], "added").unwrap();
        assert_eq!(
            edited,
            format!(
                "paths:\n  - id: x\n    classification: global\n    reason: r\n\n  # added\n  - id: {ID_A}\n    \
                 classification: unclear\n    reason: \"TODO: review\"\n\n# Next\nother: 1\n"
            )
        );
    }

    #[test]
    fn replaces_an_empty_flow_list_and_keeps_its_comment() {
        let text = "paths: []  # none yet\n";
        let edited = append_unclear_entries(text, &[ID_A.into()], "added").unwrap();
        assert!(
            edited.starts_with("paths:  # none yet\n  # added\n  - id: "),
            "{edited}"
        );
    }

    #[test]
    fn adds_a_paths_key_when_there_is_none() {
        let edited = append_unclear_entries("other: 1", &[ID_A.into()], "added").unwrap();
        assert!(edited.starts_with("other: 1\n\npaths:\n  # added\n"), "{edited}");
    }

    #[test]
    fn keeps_crlf_line_endings() {
        let text = "paths:\r\n  - id: x\r\n    classification: global\r\n    reason: r\r\n";
        let edited = append_unclear_entries(text, &[ID_A.into()], "added").unwrap();
        assert!(!edited.replace("\r\n", "").contains('\n'), "{edited:?}");
    }

    #[test]
    fn removing_the_last_entry_takes_its_separating_blank_line() {
        let text = format!(
            "paths:\n  - id: {ID_A}\n    classification: global\n    reason: a\n\n  - id: {ID_B}\n    \
             classification: global\n    reason: b\n\nnext: 1\n"
        );
        let (edited, removed) = remove_entries(&text, &BTreeSet::from([ID_B.to_string()])).unwrap();
        assert_eq!(removed, vec![ID_B.to_string()]);
        assert_eq!(
            edited,
            format!("paths:\n  - id: {ID_A}\n    classification: global\n    reason: a\n\nnext: 1\n")
        );
    }

    #[test]
    fn removing_every_entry_leaves_an_empty_list() {
        let text = format!("paths:  # decisions\n  - id: {ID_A}\n    classification: global\n    reason: a\n");
        let (edited, _) = remove_entries(&text, &BTreeSet::from([ID_A.to_string()])).unwrap();
        assert_eq!(edited, "paths: []  # decisions\n");
    }

    #[test]
    fn entries_at_the_margin_stay_at_the_margin() {
        let text = format!("paths:\n- id: {ID_A}\n  classification: global\n  reason: a\nnext: 1\n");
        let edited = append_unclear_entries(&text, &[ID_B.into()], "added").unwrap();
        assert_eq!(
            edited,
            format!(
                "paths:\n- id: {ID_A}\n  classification: global\n  reason: a\n\n# added\n- id: {ID_B}\n  \
                 classification: unclear\n  reason: \"TODO: review\"\nnext: 1\n"
            )
        );
        let (pruned, _) = remove_entries(&edited, &BTreeSet::from([ID_A.to_string()])).unwrap();
        // The blank line that separated the removed entry goes with it.
        assert!(
            pruned.starts_with(&format!("paths:\n# added\n- id: {ID_B}\n")),
            "{pruned}"
        );
    }

    #[test]
    fn an_entry_with_a_block_scalar_reason_is_removed_whole() {
        let text = format!(
            "paths:\n  - id: {ID_A}\n    classification: global\n    reason: |\n      first line\n\n      # not a comment\n      last line\n  - id: {ID_B}\n    classification: global\n    reason: b\n"
        );
        let (edited, _) = remove_entries(&text, &BTreeSet::from([ID_A.to_string()])).unwrap();
        assert_eq!(
            edited,
            format!("paths:\n  - id: {ID_B}\n    classification: global\n    reason: b\n")
        );
    }

    #[test]
    fn a_flow_list_with_entries_is_refused_with_its_line() {
        let text = format!("a: 1\npaths: [{{ id: '{ID_A}', classification: global, reason: a }}]\n");
        let error = append_unclear_entries(&text, &[ID_B.into()], "added").unwrap_err();
        assert!(
            error.to_string().starts_with("line 2: `paths:` is a flow list"),
            "{error}"
        );
    }

    #[test]
    fn text_that_does_not_parse_is_refused() {
        let error = append_unclear_entries("paths: [\n", &[ID_A.into()], "added").unwrap_err();
        assert!(matches!(error, EditError::Unparseable(_)), "{error}");
    }
}
