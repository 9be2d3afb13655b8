//! Renders GOV.UK Frontend's own Nunjucks templates (`govuk/components/*/macro.njk`,
//! `govuk/template.njk`, …, from the `govuk-frontend` npm package) with minijinja.
//!
//! Two parts make this work:
//!
//! * [`preprocess`] rewrites each GOV.UK template's source as minijinja syntax, keeping its
//!   meaning under Nunjucks' rules (see the `preprocess` module for each rewrite and its
//!   reason);
//! * [`configure`] sets up a minijinja environment the way Nunjucks behaves: its filters
//!   and tests, JavaScript semantics for the operators the rewrite turns into helper calls,
//!   relative template paths, autoescaping and output of values.
//!
//! [`loader`] ties them together: templates named `govuk/…` are fetched from the
//! `govuk-frontend` dist folder and preprocessed, any other name is the application's own
//! template, loaded unchanged.  Application templates are therefore minijinja templates:
//! object literals there need quoted keys (`{"text": x}`; a bare `{text: x}` would use the
//! *variable* `text` as the key), and operators have minijinja's meaning.  The filters,
//! tests, formatter and undefined behaviour set by [`configure`] apply to them too.
//!
//! Call [`configure`] before any other environment setup that it would overwrite (syntax,
//! formatter, auto-escape, path-join and unknown-method callbacks).  The output's whitespace
//! is Nunjucks' with its default options; GOV.UK Frontend renders its own examples and
//! fixtures with `trimBlocks` and `lstripBlocks`, and setting minijinja's `trim_blocks` and
//! `lstrip_blocks` (keeping `keep_trailing_newline`) reproduces that output byte for byte.
//!
//! ```no_run
//! let mut env = minijinja::Environment::new();
//! govuk_nunjucks::configure(&mut env);
//! env.set_loader(govuk_nunjucks::loader(
//!     |path| std::fs::read_to_string(format!("node_modules/govuk-frontend/dist/govuk/{path}")).ok(),
//!     |_name| None,
//! ));
//! let html = env
//!     .render_str(
//!         r#"{% from "govuk/components/button/macro.njk" import govukButton %}{{ govukButton({"text": "Save"}) }}"#,
//!         (),
//!     )
//!     .unwrap_or_default();
//! ```

mod filters;
mod js;
mod preprocess;
mod syntax;
#[cfg(test)]
mod tests;

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, Error, UndefinedBehavior};
use std::borrow::Cow;

/// Rewrites a Nunjucks template source so minijinja can run it (the shims).
///
/// Text and whitespace control are kept exactly; only the code inside `{{ }}` and `{% %}`
/// is rewritten.  The output relies on the helpers [`configure`] registers.
pub fn preprocess(source: &str) -> String {
    preprocess::preprocess(source)
}

/// Adds the filters/functions/tests the govuk templates need and sets the path-join callback
/// so relative imports like "../../macros/attributes.njk" resolve. Also sets any
/// syntax/undefined behaviour the templates need:
///
/// * undefined behaviour [`UndefinedBehavior::Chainable`]: Nunjucks reads any property of
///   `undefined` or `null` as `undefined` (`params.formGroup.classes` with no `formGroup`);
/// * `keep_trailing_newline`: Nunjucks keeps a template's final newline (the rest of the
///   syntax stays minijinja's default, which matches Nunjucks': `{{ }}`, `{% %}`, `{# #}`,
///   no `trim_blocks`/`lstrip_blocks`);
/// * HTML autoescaping for `.njk` templates (Nunjucks autoescapes by default), in addition
///   to minijinja's default by extension (`.html`, `.htm`, `.xml`, …);
/// * a formatter that prints values as Nunjucks does: `null` and `undefined` as nothing,
///   `true`/`false` in lower case, numbers and arrays as JavaScript would, and HTML escaping
///   of `& " ' < >` only (minijinja also escapes `/`);
/// * relative template names (`./x`, `../x`) resolve against the including template;
/// * an unknown-method callback for the JavaScript string/array methods the templates call
///   (`[true, false].includes(x)`) plus a few Python-style ones (`startswith`, `items`, …).
///
/// Filters with Nunjucks' semantics replace minijinja's built-ins of the same name (in
/// application templates too): `default`/`d` (`default(x, true)` means `x || default`;
/// without it only `undefined` takes the default), `escape`/`e`, `forceescape`, `safe`,
/// `trim`, `indent` (indents blank lines, `indent(n, true)` indents the first line), `length`
/// (0 for `undefined`), `replace` (also with an `r/…/` regex), `dump` (`JSON.stringify`),
/// `int`, `float`, `string`, `striptags`, `capitalize`, `lower`, `upper`, `title`, `join`,
/// `first`, `last`, `nl2br`.  Tests added or replaced: `sameas` (JavaScript `===`),
/// `truthy`, `falsy`, `null`.  The `nj_*` filters, tests and functions are the targets of
/// the preprocessor's operator rewrites.
pub fn configure(env: &mut Environment<'static>) {
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    if let Ok(syntax) = SyntaxConfig::builder().keep_trailing_newline(true).build() {
        env.set_syntax(syntax);
    }
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".njk") { AutoEscape::Html } else { minijinja::default_auto_escape_callback(name) }
    });
    env.set_formatter(filters::format);
    env.set_path_join_callback(join_path);
    env.set_unknown_method_callback(filters::call_method);

    // Operator shims (targets of `preprocess`).
    env.add_filter("nj_add", filters::nj_add);
    env.add_filter("nj_prop", filters::nj_prop);
    env.add_filter("nj_iter", filters::nj_iter);
    env.add_filter("nj_pairs", filters::nj_pairs);
    env.add_test("nj_eq", filters::nj_eq);
    env.add_test("nj_lt", filters::nj_lt);
    env.add_test("nj_gt", filters::nj_gt);
    env.add_test("nj_le", filters::nj_le);
    env.add_test("nj_ge", filters::nj_ge);
    env.add_test("nj_in", filters::nj_in);
    env.add_test("nj_truthy", filters::test_truthy);
    env.add_function("nj_namespace", filters::nj_namespace);
    env.add_function("nj_regex", filters::nj_regex);

    // Nunjucks' tests.
    env.add_test("sameas", filters::sameas);
    env.add_test("truthy", filters::test_truthy);
    env.add_test("falsy", filters::test_falsy);
    env.add_test("null", filters::test_null);

    // Nunjucks' filters.
    env.add_filter("default", filters::default);
    env.add_filter("d", filters::default);
    env.add_filter("escape", filters::escape);
    env.add_filter("e", filters::escape);
    env.add_filter("forceescape", filters::forceescape);
    env.add_filter("safe", filters::safe);
    env.add_filter("trim", filters::trim);
    env.add_filter("indent", filters::indent);
    env.add_filter("length", filters::length);
    env.add_filter("replace", filters::replace);
    env.add_filter("dump", filters::dump);
    env.add_filter("int", filters::int);
    env.add_filter("float", filters::float);
    env.add_filter("string", filters::string);
    env.add_filter("striptags", filters::striptags);
    env.add_filter("capitalize", filters::capitalize);
    env.add_filter("lower", filters::lower);
    env.add_filter("upper", filters::upper);
    env.add_filter("title", filters::title);
    env.add_filter("join", filters::join);
    env.add_filter("first", filters::first);
    env.add_filter("last", filters::last);
    env.add_filter("nl2br", filters::nl2br);
}

/// Resolves `./x` and `../x` against the including template's folder, as Nunjucks does;
/// other names are used as written.
fn join_path<'s>(name: &'s str, parent: &'s str) -> Cow<'s, str> {
    if !(name.starts_with("./") || name.starts_with("../")) {
        return Cow::Borrowed(name);
    }
    let mut parts: Vec<&str> = parent.split('/').collect();
    parts.pop();
    for segment in name.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    Cow::Owned(parts.join("/"))
}

/// A minijinja loader for templates named "govuk/…" (e.g. "govuk/components/button/macro.njk",
/// "govuk/template.njk"): `fetch` is given the path relative to the govuk dist folder
/// (e.g. "components/button/macro.njk") and returns the raw source; the loader preprocesses it.
/// Names not starting with "govuk/" are passed to `fallback` unchanged (the app's own templates).
///
/// A `govuk/` name with an empty, `.` or `..` path segment is not found (it is never passed
/// to `fetch`).
pub fn loader<F, G>(
    fetch: F,
    fallback: G,
) -> impl Fn(&str) -> Result<Option<String>, Error> + Send + Sync + 'static
where
    F: Fn(&str) -> Option<String> + Send + Sync + 'static,
    G: Fn(&str) -> Option<String> + Send + Sync + 'static,
{
    move |name: &str| {
        Ok(match name.strip_prefix("govuk/") {
            Some(path) => {
                if path.split('/').any(|segment| matches!(segment, "" | "." | "..")) {
                    None
                } else {
                    fetch(path).map(|source| preprocess(&source))
                }
            }
            None => fallback(name),
        })
    }
}
