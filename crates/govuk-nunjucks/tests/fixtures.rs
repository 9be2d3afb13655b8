//! Renders every fixture of every GOV.UK Frontend component (`components/*/fixtures.json`
//! in the `govuk-frontend` npm package) through this crate and compares the result with the
//! HTML that Nunjucks produced for the fixture.
//!
//! Each fixture is rendered twice:
//!
//! * with the environment exactly as `govuk_nunjucks::configure` leaves it (what the app
//!   uses: Nunjucks' default whitespace handling);
//! * with `trim_blocks` and `lstrip_blocks` on as well, which is how GOV.UK Frontend renders
//!   its fixtures (`nunjucksEnv()` in its `shared/lib/components.js`).
//!
//! A fixture passes when both renderings equal the fixture's `html` after
//! `common::normalise` (whitespace that HTML ignores; see there).  The test also counts the
//! second rendering's byte-for-byte matches (after trimming the ends), which shows that the
//! whitespace, not only the markup, is Nunjucks'.

mod common;

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, Value};
use std::collections::BTreeMap;
use std::fs;

/// Fixtures known not to match, as (component, fixture name, reason).  Each is checked to
/// still fail, so the list cannot go stale.  Currently none.
const KNOWN_MISSES: &[(&str, &str, &str)] = &[];

/// The macro a component's `macro.njk` defines, e.g. `govukCharacterCount`; if it cannot
/// be read there, "govuk" + the folder name in PascalCase.
fn macro_name(component: &str, macro_source: &str) -> String {
    macro_source
        .split("{% macro ")
        .nth(1)
        .and_then(|rest| rest.split('(').next())
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|| {
            let pascal: String = component
                .split('-')
                .map(|word| {
                    let mut chars = word.chars();
                    chars
                        .next()
                        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                        .unwrap_or_default()
                })
                .collect();
            format!("govuk{pascal}")
        })
}

#[derive(Default)]
struct Outcome {
    passed: usize,
    total: usize,
    exact: usize,
}

fn render(env: &Environment<'static>, template: &str, params: &Value) -> Result<String, String> {
    env.get_template(template)
        .and_then(|t| t.render(minijinja::context! { params => params.clone() }))
        .map_err(|e| format!("ERROR: {e:#}"))
}

#[test]
fn every_component_fixture_renders_as_in_nunjucks() {
    let dist = common::dist();
    let mut app_env = common::environment();
    let mut govuk_env = common::environment();
    govuk_env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("syntax config"),
    );

    let mut components: Vec<String> = fs::read_dir(dist.join("components"))
        .expect("read components folder")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    components.sort();
    assert!(!components.is_empty(), "no components found in {}", dist.display());

    let mut outcomes: BTreeMap<&str, Outcome> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    let mut stale_misses: Vec<String> = Vec::new();

    for component in &components {
        let dir = dist.join("components").join(component);
        let macro_source = fs::read_to_string(dir.join("macro.njk"))
            .unwrap_or_else(|e| panic!("{component}/macro.njk: {e}"));
        let macro_name = macro_name(component, &macro_source);
        let harness = format!("fixture-{component}.njk");
        let harness_source = format!(
            "{{% from \"govuk/components/{component}/macro.njk\" import {macro_name} %}}\
             {{{{ {macro_name}(params) }}}}"
        );
        for env in [&mut app_env, &mut govuk_env] {
            env.add_template_owned(harness.clone(), harness_source.clone()).expect("add harness template");
        }
        // Parsed straight into minijinja values, which keep the JSON's key order (the
        // order in which the templates output attributes).
        let fixtures: Value = serde_json::from_str(
            &fs::read_to_string(dir.join("fixtures.json"))
                .unwrap_or_else(|e| panic!("{component}/fixtures.json: {e}")),
        )
        .expect("parse fixtures.json");
        let fixtures = fixtures.get_attr("fixtures").expect("fixtures array");

        let outcome = outcomes.entry(component).or_default();
        for fixture in fixtures.try_iter().expect("fixtures array") {
            let name = fixture.get_attr("name").expect("fixture name").to_string();
            let html = fixture.get_attr("html").expect("fixture html");
            let expected = html.as_str().expect("fixture html is a string");
            let params = fixture.get_attr("options").expect("fixture options");
            outcome.total += 1;

            let as_app = render(&app_env, &harness, &params);
            let as_govuk = render(&govuk_env, &harness, &params);
            if as_govuk.as_deref().is_ok_and(|html| html.trim() == expected.trim()) {
                outcome.exact += 1;
            }
            let want = common::normalise(expected);
            let mismatch =
                [("app", &as_app), ("trim_blocks", &as_govuk)].into_iter().find_map(|(mode, got)| {
                    let got = match got {
                        Ok(html) => common::normalise(html),
                        Err(e) => e.clone(),
                    };
                    (got != want).then(|| format!("[{mode}] {got}"))
                });

            let known = KNOWN_MISSES.iter().any(|(c, f, _)| c == component && *f == name);
            match (mismatch, known) {
                (None, false) => outcome.passed += 1,
                (None, true) => stale_misses.push(format!("{component} / {name}")),
                (Some(_), true) => {}
                (Some(got), false) => {
                    failures.push(format!("{component} / {name}\n  expected: {want}\n  got {got}"))
                }
            }
        }
    }

    let (mut passed, mut total, mut exact) = (0, 0, 0);
    for (component, o) in &outcomes {
        println!(
            "{component:<22} {:>3}/{:<3} passed ({} byte-identical with trim_blocks)",
            o.passed, o.total, o.exact
        );
        passed += o.passed;
        total += o.total;
        exact += o.exact;
    }
    println!(
        "overall: {passed}/{total} fixtures passed in {} components ({exact} byte-identical \
         with trim_blocks); {} allow-listed",
        outcomes.len(),
        KNOWN_MISSES.len()
    );
    for failure in failures.iter().take(20) {
        println!("\nFAIL {failure}");
    }
    assert!(
        stale_misses.is_empty(),
        "allow-listed fixtures now pass, remove them from KNOWN_MISSES: {stale_misses:?}"
    );
    assert!(failures.is_empty(), "{} of {total} fixtures did not match (see output above)", failures.len());
}
