//! The document's whitespace rules, applied as tera writes the document, so
//! that a large render is held once, already normalised, rather than rendered
//! whole and then copied.
//!
//! Trailing spaces matter in markdown only as `  ` line breaks; runs of blank
//! lines left by template conditionals collapse to one, and the file ends with
//! exactly one newline.

use std::io;

/// An [`io::Write`] for [`tera::Tera::render_to`] that keeps the normalised
/// text; [`Normaliser::finish`] gives the document.
#[derive(Debug)]
pub(super) struct Normaliser {
    out: Vec<u8>,
    /// Where the line being written starts in `out`.
    line_start: usize,
    /// Blank lines seen since the last line of text.
    blank_run: usize,
}

impl Default for Normaliser {
    fn default() -> Self {
        Normaliser {
            out: Vec::new(),
            line_start: 0,
            // Blank lines before the first line of text are dropped, as if a
            // run of them had already started.
            blank_run: 1,
        }
    }
}

impl Normaliser {
    /// A normaliser with room for `bytes` of document. Room never written to
    /// costs address space only, while growing by doubling copies the whole
    /// document into fresh memory again and again.
    pub(super) fn with_capacity(bytes: usize) -> Self {
        Normaliser {
            out: Vec::with_capacity(bytes),
            ..Normaliser::default()
        }
    }

    /// The document: what was written, ending with exactly one newline.
    pub(super) fn finish(mut self) -> Result<String, std::string::FromUtf8Error> {
        // A last line with no newline is still a line; as in `str::lines`,
        // only a `\r` before a `\n` ends one.
        if self.line_start < self.out.len() {
            self.end_line(false);
        }
        let end = self.out.iter().rposition(|b| *b != b'\n').map_or(0, |at| at + 1);
        self.out.truncate(end);
        self.out.push(b'\n');
        String::from_utf8(self.out)
    }

    /// Keeps the line that starts at `line_start` and was just completed,
    /// dropping its `\r` when `newline` ended it; or collapses it into the
    /// run of blank lines.
    fn end_line(&mut self, newline: bool) {
        let line = &self.out[self.line_start..];
        if is_blank(line) {
            self.out.truncate(self.line_start);
            self.blank_run += 1;
            if self.blank_run == 1 {
                self.out.push(b'\n');
            }
        } else {
            if newline && line.ends_with(b"\r") {
                self.out.pop();
            }
            self.out.push(b'\n');
            self.blank_run = 0;
        }
        self.line_start = self.out.len();
    }
}

impl io::Write for Normaliser {
    fn write(&mut self, mut buf: &[u8]) -> io::Result<usize> {
        let written = buf.len();
        while let Some(at) = memchr::memchr(b'\n', buf) {
            self.out.extend_from_slice(&buf[..at]);
            self.end_line(true);
            buf = &buf[at + 1..];
        }
        self.out.extend_from_slice(buf);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether the line is only white space, as `str::trim` sees it.
fn is_blank(line: &[u8]) -> bool {
    // Lines of text mostly start with a visible ASCII character; only the
    // rare others are decoded.
    match line.iter().position(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(at) if line[at].is_ascii_graphic() => false,
        Some(at) => std::str::from_utf8(&line[at..]).is_ok_and(|rest| rest.trim().is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    /// The rules as one pass over the whole text: what the writer must give,
    /// however the text is split into writes.
    fn normalise_whole(rendered: &str) -> String {
        let mut out = String::new();
        let mut blank_run = 1;
        for line in rendered.lines() {
            if line.trim().is_empty() {
                blank_run += 1;
                if blank_run > 1 {
                    continue;
                }
                out.push('\n');
            } else {
                blank_run = 0;
                out.push_str(line);
                out.push('\n');
            }
        }
        out.truncate(out.trim_end_matches('\n').len());
        out.push('\n');
        out
    }

    fn normalise_in_writes(pieces: &[&str]) -> String {
        let mut normaliser = Normaliser::default();
        for piece in pieces {
            normaliser.write_all(piece.as_bytes()).unwrap();
        }
        normaliser.finish().unwrap()
    }

    #[test]
    fn collapses_blank_runs_and_ends_with_one_newline() {
        assert_eq!(normalise_in_writes(&["\n# a\n\n", "\n \n", "b\n\n"]), "# a\n\nb\n");
    }

    #[test]
    fn drops_the_carriage_return_of_a_line_only_before_a_newline() {
        assert_eq!(normalise_in_writes(&["a\r", "\nb\r"]), "a\nb\r\n");
    }

    #[test]
    fn keeps_lines_of_non_ascii_text_and_drops_lines_of_unicode_spaces() {
        assert_eq!(normalise_in_writes(&["é\n\u{3000}\u{a0}\n\x0b\n", "x"]), "é\n\nx\n");
    }

    proptest! {
        #[test]
        fn writes_give_what_one_pass_over_the_whole_text_gives(
            pieces in proptest::collection::vec("[a \t\r\n\u{a0}\u{3000}\u{b}é|]{0,8}", 0..12),
        ) {
            let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
            prop_assert_eq!(normalise_in_writes(&pieces), normalise_whole(&pieces.concat()));
        }
    }
}
