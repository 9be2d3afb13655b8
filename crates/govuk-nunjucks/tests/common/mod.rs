//! Shared by the integration tests: the GOV.UK Frontend dist folder, an environment set up
//! with this crate, and the HTML whitespace normalisation used to compare output.

#![allow(dead_code)]

use minijinja::Environment;
use std::path::PathBuf;

/// `node_modules/govuk-frontend/dist/govuk` of the workspace; panics (failing the test)
/// when it is missing.
pub fn dist() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/govuk-frontend/dist/govuk");
    assert!(
        dir.join("template.njk").is_file(),
        "GOV.UK Frontend not found at {}: run `npm ci` first",
        dir.display()
    );
    dir
}

/// An environment configured by `govuk_nunjucks`, loading `govuk/…` from [`dist`].
pub fn environment() -> Environment<'static> {
    let dist = dist();
    let mut env = Environment::new();
    govuk_nunjucks::configure(&mut env);
    env.set_loader(govuk_nunjucks::loader(
        move |path| std::fs::read_to_string(dist.join(path)).ok(),
        |_| None,
    ));
    env
}

/// Normalises only the whitespace that HTML itself ignores, so that a difference that could
/// show in a browser or in the DOM is never hidden:
///
/// * the whole document is trimmed;
/// * inside a tag (`<a  href="x"\n  class="y" >`), each run of whitespace between attributes
///   becomes one space and whitespace before the closing `>` or `/>` is dropped; attribute
///   values are compared byte for byte;
/// * in text, each run of whitespace becomes one space (HTML renders a run as one space);
///   a difference between some whitespace and none is kept;
/// * the content of `<pre>` and `<textarea>`, where whitespace is significant, is kept as is.
pub fn normalise(html: &str) -> String {
    let chars: Vec<char> = html.trim().chars().collect();
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    let mut preserve_until: Option<String> = None;
    while i < chars.len() {
        if chars[i] == '<' {
            // A comment is kept as is.
            if chars[i..].starts_with(&['<', '!', '-', '-']) {
                let rest: String = chars[i..].iter().collect();
                let end = rest.find("-->").map_or(rest.len(), |e| e + 3);
                out.push_str(&rest[..end]);
                i += rest[..end].chars().count();
                continue;
            }
            let start = i;
            let mut tag = String::from("<");
            i += 1;
            let mut pending_space = false;
            while i < chars.len() && chars[i] != '>' {
                let c = chars[i];
                if c == '"' || c == '\'' {
                    if pending_space {
                        tag.push(' ');
                        pending_space = false;
                    }
                    tag.push(c);
                    i += 1;
                    while i < chars.len() && chars[i] != c {
                        tag.push(chars[i]);
                        i += 1;
                    }
                    if i < chars.len() {
                        tag.push(c);
                        i += 1;
                    }
                } else if c.is_whitespace() {
                    pending_space = true;
                    i += 1;
                } else {
                    if pending_space && !(c == '/' && chars.get(i + 1) == Some(&'>')) {
                        tag.push(' ');
                    }
                    pending_space = false;
                    tag.push(c);
                    i += 1;
                }
            }
            tag.push('>');
            i += 1;
            let name: String = chars[start + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '/')
                .collect::<String>()
                .to_ascii_lowercase();
            out.push_str(&tag);
            match preserve_until.as_deref() {
                Some(end) if name == end => preserve_until = None,
                None if name == "pre" || name == "textarea" => {
                    preserve_until = Some(format!("/{name}"));
                }
                _ => {}
            }
        } else if preserve_until.is_some() {
            out.push(chars[i]);
            i += 1;
        } else if chars[i].is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            out.push(' ');
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}
