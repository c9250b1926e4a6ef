//! Finds where a value sits in the YAML text. serde_yaml reports locations for
//! syntax and type errors but keeps none for values that parse fine, so the
//! semantic checks (duplicate ids, empty reasons, ...) would have no line to
//! point at. A second, event-level read with yaml-rust2 records the position
//! of every key and sequence item by its path (`paths[3].reason`); that keeps
//! locations exact even for duplicate ids, where searching the text could not.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// 1-based line and column.
pub type Position = (usize, usize);

/// Positions of every key and item in a YAML document, by path.
#[derive(Debug, Default)]
pub struct Locator {
    positions: HashMap<String, Position>,
}

impl Locator {
    /// Reads `text`; a document that does not parse yields an empty locator
    /// (serde_yaml reports that error with its own location).
    pub fn new(text: &str) -> Self {
        let mut recorder = Recorder::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut recorder, false).is_err() {
            return Locator::default();
        }
        Locator {
            positions: recorder.positions,
        }
    }

    /// The position of `path`, or of its nearest recorded ancestor, or 1:1.
    pub fn find(&self, path: &str) -> Position {
        let mut candidate = path.to_string();
        loop {
            if let Some(position) = self.positions.get(&candidate) {
                return *position;
            }
            match candidate.rfind(['.', '[']) {
                Some(at) => candidate.truncate(at),
                None => return (1, 1),
            }
        }
    }
}

enum Frame {
    Mapping {
        path: String,
        key: Option<String>,
        /// No key seen yet: the first key's position then stands for the
        /// whole mapping (the mapping's own mark points past `- `).
        first: bool,
    },
    Sequence {
        path: String,
        index: usize,
    },
}

#[derive(Default)]
struct Recorder {
    stack: Vec<Frame>,
    positions: HashMap<String, Position>,
}

impl Recorder {
    /// The path of the value about to start, recording its position; `None`
    /// when the next scalar is a mapping key.
    fn value_path(&mut self, mark: Marker) -> Option<String> {
        let position = (mark.line(), mark.col() + 1);
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Sequence { path, index }) => {
                let item = format!("{path}[{index}]");
                *index += 1;
                self.positions.entry(item.clone()).or_insert(position);
                Some(item)
            }
            Some(Frame::Mapping { path, key, .. }) => {
                let key = key.take()?;
                Some(if path.is_empty() { key } else { format!("{path}.{key}") })
            }
        }
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(value, ..) => {
                let is_key = matches!(self.stack.last(), Some(Frame::Mapping { key: None, .. }));
                if is_key {
                    if let Some(Frame::Mapping { path, key, first }) = self.stack.last_mut() {
                        let position = (mark.line(), mark.col() + 1);
                        if *first && !path.is_empty() {
                            self.positions.insert(path.clone(), position);
                        }
                        *first = false;
                        let full = if path.is_empty() {
                            value.clone()
                        } else {
                            format!("{path}.{value}")
                        };
                        self.positions.entry(full).or_insert(position);
                        *key = Some(value);
                    }
                } else {
                    self.value_path(mark);
                }
            }
            Event::MappingStart(..) => {
                let path = self.value_path(mark).unwrap_or_default();
                self.stack.push(Frame::Mapping {
                    path,
                    key: None,
                    first: true,
                });
            }
            Event::SequenceStart(..) => {
                let path = self.value_path(mark).unwrap_or_default();
                self.stack.push(Frame::Sequence { path, index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::Alias(_) => {
                self.value_path(mark);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_keys_and_sequence_items() {
        let text = "document:\n  title: x\npaths:\n  - id: a\n    reason: r\n  - id: b\n    reason: ''\n";
        let locator = Locator::new(text);
        assert_eq!(locator.find("document.title"), (2, 3));
        assert_eq!(locator.find("paths[1].id"), (6, 5));
        assert_eq!(locator.find("paths[1].reason"), (7, 5));
        // An absent key falls back to its entry.
        assert_eq!(locator.find("paths[1].owner"), (6, 5));
    }
}
