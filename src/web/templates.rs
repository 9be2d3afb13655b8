//! Page rendering: minijinja with GOV.UK Frontend's own Nunjucks components (through the
//! `govuk-nunjucks` compatibility layer) and our templates in `templates/`.

use super::assets::Static;
use minijinja::{Environment, Value};
use std::sync::Arc;

/// Our own page templates, embedded in release builds (read from disk in debug builds).
#[derive(rust_embed::RustEmbed)]
#[folder = "templates/"]
struct AppTemplates;

#[derive(Clone)]
pub struct Templates {
    env: Arc<Environment<'static>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("GOV.UK Frontend templates are missing: run `npm ci && npm run build` first")]
    FrontendMissing,
    #[error("template {name}: {source:#}")]
    Render { name: String, source: minijinja::Error },
}

pub const SERVICE_NAME: &str = "Self-assess adult social care";

fn embedded(bytes: Option<rust_embed::EmbeddedFile>) -> Option<String> {
    bytes.and_then(|file| String::from_utf8(file.data.into_owned()).ok())
}

impl Templates {
    pub fn new() -> Result<Self, TemplateError> {
        if Static::get("templates/govuk/template.njk").is_none() {
            return Err(TemplateError::FrontendMissing);
        }
        let mut env = Environment::new();
        govuk_nunjucks::configure(&mut env);
        env.set_loader(govuk_nunjucks::loader(
            |path| embedded(Static::get(&format!("templates/govuk/{path}"))),
            // Our templates are written in the same Nunjucks dialect as GOV.UK's.
            |name| embedded(AppTemplates::get(name)).map(|source| govuk_nunjucks::preprocess(&source)),
        ));
        env.add_global("service_name", SERVICE_NAME);
        env.add_filter("prose", |text: Option<String>| {
            Value::from_safe_string(super::prose::to_html(text.as_deref().unwrap_or_default()))
        });
        Ok(Self { env: Arc::new(env) })
    }

    /// Renders `name` with `context`; `nonce` is the request's CSP nonce for inline scripts.
    pub fn render(&self, name: &str, context: Value, nonce: &str) -> Result<String, TemplateError> {
        let error = |source| TemplateError::Render { name: name.to_owned(), source };
        let template = self.env.get_template(name).map_err(error)?;
        let context = minijinja::context! { cspNonce => nonce, ..context };
        template.render(context).map_err(error)
    }
}
