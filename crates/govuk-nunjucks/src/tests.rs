//! Unit tests: Nunjucks snippets rendered through `preprocess` + `configure`, with the
//! output Nunjucks gives for them.

use crate::{configure, loader};
use minijinja::{Environment, Value};

/// Renders a Nunjucks snippet as the `govuk/t.njk` template (so autoescaped, as in Nunjucks).
fn render_with(source: &str, ctx: Value) -> String {
    let source = source.to_owned();
    let mut env = Environment::new();
    configure(&mut env);
    env.set_loader(loader(move |path| (path == "t.njk").then(|| source.clone()), |_| None));
    env.get_template("govuk/t.njk").and_then(|t| t.render(ctx)).unwrap_or_else(|e| format!("ERROR: {e:#}"))
}

fn render(source: &str) -> String {
    render_with(source, Value::from(()))
}

#[test]
fn plus_is_javascript_addition() {
    assert_eq!(render(r#"{{ "a" + 1 }}|{{ 1 + 2 }}|{{ 1.5 + 1 }}"#), "a1|3|2.5");
    assert_eq!(render(r#"{{ missing + "!" }}|{{ none + 1 }}"#), "undefined!|1");
    assert_eq!(render(r#"{{ "x" ~ 2 ~ none }}"#), "x2null");
    // `+` binds tighter than comparison, filters tighter than `+`.
    assert_eq!(render(r#"{{ "a" + "B" | lower == "ab" }}"#), "true");
}

#[test]
fn inline_if_without_else_is_empty_string() {
    assert_eq!(render(r#"[{{ "x" if false }}]"#), "[]");
    assert_eq!(render(r#"{{ "a" + ("-b" if false) }}"#), "a");
}

#[test]
fn equality_follows_javascript() {
    assert_eq!(
        render(
            r#"{{ "1" == 1 }} {{ "1" === 1 }} {{ null == undefined }} {{ null === undefined }} {{ 0 == false }} {{ 1 === 1.0 }}"#
        ),
        "true false true false true true"
    );
    assert_eq!(render("{{ x !== undefined }} {{ x != null }}"), "false false");
    assert_eq!(
        render_with("{{ a !== undefined }} {{ a === false }}", minijinja::context! { a => false }),
        "true true"
    );
}

#[test]
fn in_operator_uses_strict_equality() {
    assert_eq!(
        render(r#"{{ 0 in [false] }} {{ "b" in "abc" }} {{ "k" in {k: 1} }} {{ "z" not in ["a"] }}"#),
        "false true true true"
    );
}

#[test]
fn truthiness_is_javascripts() {
    assert_eq!(
        render(
            r#"{% if [] %}a{% endif %}{% if {} %}b{% endif %}{% if "" %}c{% endif %}{% if 0 %}d{% endif %}"#
        ),
        "ab"
    );
    assert_eq!(render(r#"{{ [] or "x" }}|{{ "" or "y" }}|{{ 0 and 1 }}"#), "|y|0");
}

#[test]
fn object_literals_take_bare_keys() {
    assert_eq!(
        render(
            r#"{% set text = "no" %}{% set o = { text: "yes", "data-x": 1 } %}{{ o.text }}{{ o["data-x"] }}"#
        ),
        "yes1"
    );
}

#[test]
fn for_loops_iterate_as_nunjucks() {
    assert_eq!(render(r#"{% for k, v in {b: 1, a: 2} %}{{ k }}={{ v }};{% endfor %}"#), "b=1;a=2;");
    assert_eq!(render(r#"{% for x in {a: 1} %}{{ x }}{% endfor %}"#), "");
    assert_eq!(render(r#"{% for x in missing %}{{ x }}{% else %}none{% endfor %}"#), "none");
    assert_eq!(
        render(r#"{% for x in ["a", "b"] %}{{ loop.index }}{{ x }}{{ "," if not loop.last }}{% endfor %}"#),
        "1a,2b"
    );
}

#[test]
fn set_in_loop_writes_the_outer_variable() {
    assert_eq!(
        render(r#"{% set acc = "" %}{% for x in [1, 2] %}{% set acc = acc + x %}{% endfor %}{{ acc }}"#),
        "12"
    );
    // Nested loops, and a loop inside a macro.
    assert_eq!(
        render(
            r#"{% macro m(rows) %}{% set n = 0 %}{% for r in rows %}{% for c in r %}{% set n = n + c %}{% endfor %}{% endfor %}{{ n }}{% endmacro %}{{ m([[1, 2], [3]]) }}"#
        ),
        "6"
    );
    // A variable first set in the loop stays local to it.
    assert_eq!(render(r#"{% for x in [1] %}{% set local = x %}{% endfor %}[{{ local }}]"#), "[]");
}

#[test]
fn output_is_escaped_as_nunjucks_does() {
    assert_eq!(
        render_with(
            "{{ s }}|{{ s | safe }}|{{ s | escape | escape }}",
            minijinja::context! { s => "<a href=\"/x\">it's</a>" }
        ),
        "&lt;a href=&quot;/x&quot;&gt;it&#39;s&lt;/a&gt;|<a href=\"/x\">it's</a>|&lt;a href=&quot;/x&quot;&gt;it&#39;s&lt;/a&gt;"
    );
    assert_eq!(render("[{{ none }}{{ undefined }}]{{ true }} {{ [1, none, 'a'] }}"), "[]true 1,,a");
}

#[test]
fn undefined_lookups_chain() {
    assert_eq!(render("[{{ params.a.b.c }}{{ none.x }}]"), "[]");
}

#[test]
fn filters_follow_nunjucks() {
    assert_eq!(
        render(r#"{{ none | default("d") }}|{{ x | default("d") }}|{{ "" | default("d", true) }}"#),
        "|d|d"
    );
    assert_eq!(render("{{ \"a\n\nb\" | indent(2) }}"), "a\n  \n  b");
    assert_eq!(render("{{ \"a\nb\" | indent(2, true) }}"), "  a\n  b");
    assert_eq!(
        render(r#"{{ "%{count} left" | replace("%{count}", 5) }}|{{ "aXbx" | replace(r/x/gi, "-") }}"#),
        "5 left|a-b-"
    );
    assert_eq!(render(r#"{{ {a: [1, "x"]} | dump }}"#), "{&quot;a&quot;:[1,&quot;x&quot;]}");
    assert_eq!(render(r#"{{ "12px" | int }}|{{ "x" | int(7) }}"#), "12|7");
    assert_eq!(render(r#"{{ "<p>Hi <b>there</b>\n you</p>" | striptags }}"#), "Hi there you");
    assert_eq!(render(r#"{{ "hello WORLD" | capitalize }}"#), "Hello world");
    assert_eq!(render(r#"{{ missing | length }}|{{ "abc" | length }}|{{ {a: 1} | length }}"#), "0|3|1");
    assert_eq!(render(r#"{{ ["a", none, 1] | join("-") }}"#), "a--1");
    assert_eq!(render(r#"{{ "  x  " | trim }}|{{ true | string }}"#), "x|true");
    assert_eq!(render(r#"{{ ["a", "b"] | first }}{{ "xyz" | first }}"#), "ax");
    // `trim` and `indent` keep safeness, `lower` does not.
    assert_eq!(render(r#"{{ " <b> " | safe | trim }}{{ "<I>" | safe | lower }}"#), "<b>&lt;i&gt;");
}

#[test]
fn javascript_properties_and_methods() {
    assert_eq!(render(r#"{{ "abc".length }} {{ [1, 2].length }} {{ missing.length }}"#), "3 2 ");
    assert_eq!(
        render(r#"{{ ("<b>" | safe).val }}|{{ [true, false].includes(x) }}|{{ "abc".startsWith("a") }}"#),
        "&lt;b&gt;|false|true"
    );
}

#[test]
fn tests_follow_nunjucks() {
    assert_eq!(
        render(
            r#"{{ none is null }} {{ "a" is string }} {{ ("a" | safe) is escaped }} {{ {} is mapping }} {{ [0, 1, ""] | select("truthy") | length }}"#
        ),
        "true true true true 1"
    );
}

#[test]
fn whitespace_control_is_kept() {
    assert_eq!(render("a  {#- c -#}  b {{- 'c' -}} d"), "abcd");
    assert_eq!(render("a {%- if true -%} b {%- endif -%} c"), "abc");
    // Nunjucks ignores `-%}` on a block set's opening tag.
    assert_eq!(render("{% set x -%}\n  a\n{%- endset %}[{{ x }}]"), "[\n  a]");
}

#[test]
fn caller_and_macros() {
    assert_eq!(
        render(
            r#"{% macro m(p, type = "next") %}{{ type }}:{{ caller() if caller else p.text }}{% endmacro %}{{ m({text: "t"}) }} {% call m({}) %}body{% endcall %}"#
        ),
        "next:t next:body"
    );
}

#[test]
fn preprocess_leaves_text_alone() {
    let source = "<p class=\"{{ x }}\">a + b == c</p>\n";
    let out = crate::preprocess(source);
    assert!(out.starts_with("<p class=\"{{ x }}\">a + b == c</p>\n"));
}

#[test]
fn relative_paths_resolve_against_the_parent() {
    assert_eq!(
        crate::join_path("../../macros/attributes.njk", "govuk/components/button/template.njk"),
        "govuk/macros/attributes.njk"
    );
    assert_eq!(
        crate::join_path("./template.njk", "govuk/components/button/macro.njk"),
        "govuk/components/button/template.njk"
    );
    assert_eq!(crate::join_path("layout.html", "govuk/x.njk"), "layout.html");
}

#[test]
fn loader_routes_names() {
    let load = loader(
        |path| Some(format!("govuk:{path}")),
        |name| (name == "app.html").then(|| "{{ { a: 1 } }}".to_owned()),
    );
    assert_eq!(
        load("govuk/components/x/macro.njk").ok().flatten(),
        Some("govuk:components/x/macro.njk".to_owned())
    );
    // Application templates come back as written.
    assert_eq!(load("app.html").ok().flatten(), Some("{{ { a: 1 } }}".to_owned()));
    assert_eq!(load("govuk/../secret").ok().flatten(), None);
    assert_eq!(load("other.html").ok().flatten(), None);
}
