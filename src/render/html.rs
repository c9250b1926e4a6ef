//! A self-contained HTML rendering of the document for readers who do not
//! read markdown: one file, styles inline, no scripts, fonts or images
//! fetched from anywhere, with a table of contents and readable tables.
//!
//! Raw HTML in the markdown is not passed through, except comments and line
//! breaks: reasons and hand-written regions come from many hands, and a page
//! opened by compliance readers must not run or load anything.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;

/// The HTML page for `markdown`.
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    let events: Vec<Event> = Parser::new_ext(markdown, options).collect();

    let headings = headings(&events);
    let mut ids = headings.iter().map(|h| h.id.clone());
    let mut body = String::with_capacity(markdown.len() * 2);
    let events = events.into_iter().map(|event| match event {
        Event::Start(Tag::Heading {
            level, classes, attrs, ..
        }) => Event::Start(Tag::Heading {
            level,
            id: ids.next().map(CowStr::from),
            classes,
            attrs,
        }),
        Event::Html(html) => safe_html(html),
        Event::InlineHtml(html) => safe_html(html),
        other => other,
    });
    pulldown_cmark::html::push_html(&mut body, events);

    let title = headings
        .iter()
        .find(|h| h.level == HeadingLevel::H1)
        .map(|h| h.text.clone())
        .unwrap_or_else(|| "Tenant isolation audit".to_string());
    let mut page = String::with_capacity(body.len() + 4096);
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    page.push_str("<meta name=\"generator\" content=\"tenant-audit\">\n");
    page.push_str(&format!("<title>{}</title>\n", escape(&title)));
    page.push_str("<style>\n");
    page.push_str(STYLE);
    page.push_str("</style>\n</head>\n<body>\n");
    page.push_str(&table_of_contents(&headings));
    page.push_str("<main>\n");
    page.push_str(&body);
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

/// The anchor GitHub gives a heading: lower case, punctuation dropped,
/// spaces as hyphens. The document's own contents links use it too.
pub fn slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c.to_lowercase().collect::<String>())
            } else if c == ' ' {
                Some("-".to_string())
            } else {
                None
            }
        })
        .collect()
}

struct Heading {
    level: HeadingLevel,
    text: String,
    id: String,
}

/// Every heading with its text and a unique id (a repeated slug gets `-1`,
/// `-2`, ... as on GitHub).
fn headings(events: &[Event]) -> Vec<Heading> {
    let mut found = Vec::new();
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut current: Option<(HeadingLevel, String)> = None;
    for event in events {
        match event {
            Event::Start(Tag::Heading { level, .. }) => current = Some((*level, String::new())),
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, heading)) = current.as_mut() {
                    heading.push_str(text);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = current.take() {
                    let base = slug(&text);
                    let count = used.entry(base.clone()).or_insert(0);
                    let id = if *count == 0 {
                        base.clone()
                    } else {
                        format!("{base}-{count}")
                    };
                    *count += 1;
                    found.push(Heading { level, text, id });
                }
            }
            _ => {}
        }
    }
    found
}

/// Sections (level 2) and their subsections (level 3), as nested lists.
fn table_of_contents(headings: &[Heading]) -> String {
    let mut out = String::from("<nav aria-label=\"Table of contents\">\n<h2>Contents</h2>\n<ol>\n");
    let mut sub_open = false;
    let mut item_open = false;
    for heading in headings {
        let link = format!("<a href=\"#{}\">{}</a>", escape(&heading.id), escape(&heading.text));
        match heading.level {
            HeadingLevel::H2 if heading.text != "Contents" => {
                if sub_open {
                    out.push_str("</ol>");
                    sub_open = false;
                }
                if item_open {
                    out.push_str("</li>\n");
                }
                out.push_str(&format!("<li>{link}"));
                item_open = true;
            }
            HeadingLevel::H3 if item_open => {
                if !sub_open {
                    out.push_str("\n<ol>\n");
                    sub_open = true;
                }
                out.push_str(&format!("<li>{link}</li>\n"));
            }
            _ => {}
        }
    }
    if sub_open {
        out.push_str("</ol>");
    }
    if item_open {
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</nav>\n");
    out
}

/// Comments and line breaks pass; any other raw HTML is shown as text.
fn safe_html(html: CowStr) -> Event {
    let trimmed = html.trim();
    let is_comment = trimmed.starts_with("<!--") && trimmed.ends_with("-->");
    let is_break = matches!(trimmed, "<br>" | "<br/>" | "<br />");
    if is_comment || is_break {
        Event::Html(html)
    } else {
        Event::Text(html)
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; --border: #d0d7de; --muted: #57606a; --stripe: #f6f8fa; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; background: #fff; display: flex; align-items: flex-start; }
nav { position: sticky; top: 0; flex: 0 0 17rem; max-height: 100vh; overflow-y: auto; padding: 1.5rem 1rem; border-right: 1px solid var(--border); font-size: 0.9rem; }
nav h2 { font-size: 1rem; margin: 0 0 0.5rem; }
nav ol { padding-left: 1.2rem; margin: 0.2rem 0; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
main { flex: 1 1 auto; min-width: 0; max-width: 78rem; padding: 1.5rem 2.5rem 4rem; }
h1 { font-size: 1.9rem; border-bottom: 1px solid var(--border); padding-bottom: 0.3rem; }
h2 { font-size: 1.45rem; border-bottom: 1px solid var(--border); padding-bottom: 0.25rem; margin-top: 2.2rem; }
h3 { font-size: 1.2rem; margin-top: 1.8rem; }
h4 { font-size: 1rem; margin-top: 1.4rem; }
a { color: var(--accent); }
code { font: 0.86em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--stripe); padding: 0.1em 0.3em; border-radius: 4px; overflow-wrap: break-word; }
pre code { display: block; padding: 0.8rem; overflow-x: auto; }
blockquote { margin: 1rem 0; padding: 0.2rem 1rem; color: var(--muted); border-left: 4px solid var(--border); }
table { border-collapse: collapse; margin: 1rem 0; display: block; overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid var(--border); padding: 0.35rem 0.6rem; vertical-align: top; text-align: left; }
th { background: var(--stripe); position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #fbfcfd; }
ul.contains-task-list, li.task-list-item { list-style: none; }
input[type=checkbox] { margin-right: 0.4rem; }
@media print {
  body { display: block; font-size: 11pt; }
  nav { display: none; }
  main { max-width: none; padding: 0; }
  table { display: table; }
  th { position: static; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_github() {
        assert_eq!(
            slug("Tenancy model and table taxonomy"),
            "tenancy-model-and-table-taxonomy"
        );
        assert_eq!(
            slug("Queues: producers and consumers"),
            "queues-producers-and-consumers"
        );
        assert_eq!(slug("modules/alerts"), "modulesalerts");
    }

    #[test]
    fn raw_html_other_than_comments_and_breaks_is_shown_as_text() {
        let page = to_html("# T\n\na<br>b <img src=x onerror=alert(1)>\n\n<!-- note -->\n\n<script>x()</script>\n");
        assert!(page.contains("a<br>b"));
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(page.contains("<!-- note -->"));
        assert!(!page.contains("<script>x()"));
    }

    #[test]
    fn repeated_headings_get_distinct_ids() {
        let page = to_html("## Open\n\n### a\n\n### a\n");
        assert!(
            page.contains("<h3 id=\"a\">") && page.contains("<h3 id=\"a-1\">"),
            "{page}"
        );
    }
}
