//! An application page extending GOV.UK Frontend's `govuk/template.njk`.

mod common;

use minijinja::Environment;

fn page_env() -> Environment<'static> {
    let dist = common::dist();
    let mut env = Environment::new();
    govuk_nunjucks::configure(&mut env);
    env.set_loader(govuk_nunjucks::loader(
        move |path| std::fs::read_to_string(dist.join(path)).ok(),
        |name| match name {
            // An application template: minijinja syntax, so object keys are quoted.
            "page.html" => Some(
                r#"{% extends "govuk/template.njk" %}
{% from "govuk/components/button/macro.njk" import govukButton %}
{% block pageTitle %}Check your answers – Example service{% endblock %}
{% block content %}
  <h1 class="govuk-heading-xl">Check your answers</h1>
  {{ govukButton({"text": "Accept & send"}) }}
{% endblock %}
"#
                .to_owned(),
            ),
            _ => None,
        },
    ));
    env
}

#[test]
fn page_extending_the_govuk_template_gets_the_nonce_and_skip_link() {
    let env = page_env();
    let html = env
        .get_template("page.html")
        .and_then(|t| {
            t.render(minijinja::context! {
                cspNonce => "r4nd\"0m",
                serviceName => "Example service",
                serviceUrl => "/",
            })
        })
        .unwrap_or_else(|e| panic!("render failed: {e:#}"));

    // The nonce lands on the inline script, escaped as an attribute value.
    assert!(
        html.contains("<script nonce=\"r4nd&quot;0m\">document.body.className += ' js-enabled'"),
        "inline script without the nonce:\n{html}"
    );
    // The skip link, from the govukSkipLink component.
    assert!(
        html.contains(
            "<a href=\"#main-content\" class=\"govuk-skip-link\" data-module=\"govuk-skip-link\">Skip to main content</a>"
        ),
        "no skip link:\n{html}"
    );
    assert!(html.contains("<main class=\"govuk-main-wrapper\" id=\"main-content\">"));
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\" class=\"govuk-template\">"));
    assert!(html.contains("<title>Check your answers – Example service</title>"));
    // Header, service navigation and footer come from the template's own components.
    assert!(html.contains("<header class=\"govuk-template__header\">"));
    assert!(html.contains("class=\"govuk-header\""));
    assert!(html.contains("class=\"govuk-service-navigation\""));
    assert!(html.contains("<footer class=\"govuk-template__footer\">"));
    // The page's own content, with a component macro; text is escaped once.
    assert!(html.contains("<h1 class=\"govuk-heading-xl\">Check your answers</h1>"));
    assert!(html.contains("Accept &amp; send"));
    assert!(!html.contains("&amp;amp;"));
}

#[test]
fn page_without_a_nonce_has_a_bare_script_tag() {
    let env = page_env();
    let html = env
        .get_template("page.html")
        .and_then(|t| t.render(minijinja::context! {}))
        .unwrap_or_else(|e| panic!("render failed: {e:#}"));
    assert!(html.contains("<script>document.body.className"));
    assert!(!html.contains("nonce"));
    // No service name: no service navigation.
    assert!(!html.contains("govuk-service-navigation"));
}
