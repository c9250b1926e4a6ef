//! Colour for people at a terminal, and only there: never in a pipe, a file
//! or CI logs read by tools, and never when `NO_COLOR` is set. Machine
//! formats never call this.

use crate::model::Verdict;
use anstyle::{AnsiColor, Style};
use std::io::IsTerminal;

/// How text is styled on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    enabled: bool,
}

impl Palette {
    /// Colour when stdout is a terminal and the environment allows it.
    pub fn for_stdout() -> Palette {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        Palette {
            enabled: colour_enabled(
                std::io::stdout().is_terminal(),
                var("NO_COLOR").is_some(),
                var("CLICOLOR_FORCE").is_some_and(|v| v != "0"),
                std::env::var_os("TERM").is_some_and(|t| t == "dumb"),
            ),
        }
    }

    /// `error[...]` and a failed check.
    pub fn error(&self, text: &str) -> String {
        self.paint(text, Style::new().bold().fg_color(Some(AnsiColor::Red.into())))
    }

    /// `warning[...]`.
    pub fn warning(&self, text: &str) -> String {
        self.paint(text, Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())))
    }

    /// `= help:` and other guidance.
    pub fn help(&self, text: &str) -> String {
        self.paint(text, Style::new().fg_color(Some(AnsiColor::Cyan.into())))
    }

    /// A passed check.
    pub fn success(&self, text: &str) -> String {
        self.paint(text, Style::new().bold().fg_color(Some(AnsiColor::Green.into())))
    }

    /// A verdict, coloured by how much attention it needs.
    pub fn verdict(&self, verdict: Verdict) -> String {
        let color = match verdict {
            Verdict::Scoped | Verdict::NotTenant => Some(AnsiColor::Green),
            Verdict::Unscoped => Some(AnsiColor::Red),
            Verdict::Conditional | Verdict::Unknown => Some(AnsiColor::Yellow),
            #[allow(unreachable_patterns)] // verdicts added later stay uncoloured until someone decides
            _ => None,
        };
        match color {
            Some(color) => self.paint(verdict.as_str(), Style::new().fg_color(Some(color.into()))),
            None => verdict.as_str().to_string(),
        }
    }

    fn paint(&self, text: &str, style: Style) -> String {
        if self.enabled {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
}

/// `NO_COLOR` always wins; `CLICOLOR_FORCE` colours a pipe; otherwise a
/// terminal that is not `TERM=dumb`.
fn colour_enabled(is_terminal: bool, no_color: bool, force: bool, dumb: bool) -> bool {
    if no_color {
        return false;
    }
    force || (is_terminal && !dumb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_over_everything() {
        assert!(!colour_enabled(true, true, true, false));
        assert!(colour_enabled(true, false, false, false));
        assert!(!colour_enabled(false, false, false, false));
        assert!(colour_enabled(false, false, true, false));
        assert!(!colour_enabled(true, false, false, true));
    }

    #[test]
    fn plain_text_has_no_escape_codes() {
        assert_eq!(Palette { enabled: false }.error("error"), "error");
        let coloured = Palette { enabled: true }.error("error");
        assert!(
            coloured.starts_with('\u{1b}') && coloured.contains("error"),
            "{coloured:?}"
        );
    }
}
