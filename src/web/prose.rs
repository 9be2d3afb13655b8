//! Renders the framework file's prose fields (a tiny Markdown subset: paragraphs, `- ` bullets,
//! nested by two spaces) as GOV.UK-styled HTML. All text is escaped.

use std::fmt::Write;

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

enum Block {
    Paragraph(Vec<String>),
    List(Vec<(usize, String)>),
}

/// Paragraphs become `<p class="govuk-body">`; runs of bullets become nested
/// `<ul class="govuk-list govuk-list--bullet">`.
pub fn to_html(source: &str) -> String {
    let mut blocks: Vec<Block> = Vec::new();
    let mut starting_new = true;
    for line in source.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            starting_new = true;
            continue;
        }
        let indent = line.len() - trimmed.len();
        if let Some(item) = trimmed.strip_prefix("- ") {
            let depth = indent / 2;
            match blocks.last_mut() {
                Some(Block::List(items)) => items.push((depth, item.trim().to_owned())),
                _ => blocks.push(Block::List(vec![(depth, item.trim().to_owned())])),
            }
        } else {
            match blocks.last_mut() {
                // A wrapped line continues the paragraph it belongs to.
                Some(Block::Paragraph(lines)) if !starting_new => lines.push(trimmed.to_owned()),
                // A wrapped bullet continues the last item.
                Some(Block::List(items)) if !starting_new && indent > 0 => {
                    if let Some((_, text)) = items.last_mut() {
                        text.push(' ');
                        text.push_str(trimmed);
                    }
                }
                _ => blocks.push(Block::Paragraph(vec![trimmed.to_owned()])),
            }
        }
        starting_new = false;
    }

    let mut html = String::new();
    for block in blocks {
        match block {
            Block::Paragraph(lines) => {
                let _ = write!(html, "<p class=\"govuk-body\">{}</p>", escape(&lines.join(" ")));
            }
            Block::List(items) => write_list(&mut html, &items),
        }
    }
    html
}

fn write_list(html: &mut String, items: &[(usize, String)]) {
    // Depths are relative to the first item; deeper jumps than one level are treated as one.
    let base = items.first().map(|(d, _)| *d).unwrap_or(0);
    let mut open = 0usize; // number of <ul> currently open
    let mut item_open = Vec::new(); // per open list: is an <li> open
    for (depth, text) in items {
        let level = depth.saturating_sub(base).min(open) + 1;
        while open > level {
            if item_open.pop() == Some(true) {
                html.push_str("</li>");
            }
            html.push_str("</ul>");
            open -= 1;
        }
        if open < level {
            html.push_str("<ul class=\"govuk-list govuk-list--bullet\">");
            item_open.push(false);
            open += 1;
        } else if item_open.last() == Some(&true) {
            html.push_str("</li>");
        }
        let _ = write!(html, "<li>{}", escape(text));
        if let Some(last) = item_open.last_mut() {
            *last = true;
        }
    }
    while let Some(was_open) = item_open.pop() {
        if was_open {
            html.push_str("</li>");
        }
        html.push_str("</ul>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_nested_lists() {
        let html =
            to_html("First line\ncontinues.\n\n- one\n- two\n  - two a\n  - two b\n- three\n\nEnd <b>.");
        assert_eq!(
            html,
            "<p class=\"govuk-body\">First line continues.</p>\
             <ul class=\"govuk-list govuk-list--bullet\"><li>one</li><li>two\
             <ul class=\"govuk-list govuk-list--bullet\"><li>two a</li><li>two b</li></ul></li>\
             <li>three</li></ul><p class=\"govuk-body\">End &lt;b&gt;.</p>"
        );
    }

    #[test]
    fn a_list_straight_after_a_paragraph_line() {
        let html = to_html("This is because:\n- a\n- b");
        assert_eq!(
            html,
            "<p class=\"govuk-body\">This is because:</p>\
             <ul class=\"govuk-list govuk-list--bullet\"><li>a</li><li>b</li></ul>"
        );
    }

    #[test]
    fn empty_text_renders_nothing() {
        assert_eq!(to_html(""), "");
        assert_eq!(to_html("\n\n"), "");
    }

    proptest::proptest! {
        #[test]
        fn tags_always_balance(text in "[a-z<>&\\- \n]{0,200}") {
            let html = to_html(&text);
            proptest::prop_assert_eq!(html.matches("<ul").count(), html.matches("</ul>").count());
            proptest::prop_assert_eq!(html.matches("<li>").count(), html.matches("</li>").count());
            proptest::prop_assert_eq!(html.matches("<p ").count(), html.matches("</p>").count());
        }
    }
}
