//! The CQC framework and the toolkit, as data: parsed from `frameworks/*.yaml` once at start.

pub mod api;
pub mod domain;
pub mod file;
pub mod routes;
pub mod validate;

pub use domain::*;
pub use validate::{FrameworkError, Problem, parse};

use std::path::Path;
use std::sync::Arc;

/// The framework files shipped in the binary.
#[derive(rust_embed::RustEmbed)]
#[folder = "frameworks/"]
#[include = "*.yaml"]
struct Shipped;

/// Every framework version this deployment knows, in key order.
#[derive(Debug, Clone)]
pub struct Frameworks {
    all: Vec<Arc<Framework>>,
    /// Each framework as a template value, made once: pages render from it without
    /// serialising the whole framework per request.
    values: Vec<minijinja::Value>,
}

impl Frameworks {
    /// Loads the framework files built into the binary; any problem in any of them is fatal.
    pub fn shipped() -> Result<Self, FrameworkError> {
        let mut names: Vec<_> = Shipped::iter().collect();
        names.sort();
        let mut all = Vec::new();
        for name in names {
            let file = format!("frameworks/{name}");
            let Some(content) = Shipped::get(&name) else {
                continue;
            };
            let text = std::str::from_utf8(&content.data).map_err(|_| FrameworkError {
                file: file.clone(),
                problems: vec![Problem { location: "document".into(), message: "is not UTF-8 text".into() }],
            })?;
            all.push(Arc::new(parse(&file, text)?));
        }
        Self::from_frameworks(all)
    }

    pub fn from_frameworks(all: Vec<Arc<Framework>>) -> Result<Self, FrameworkError> {
        for (i, framework) in all.iter().enumerate() {
            if all[..i].iter().any(|f| f.key == framework.key) {
                return Err(FrameworkError {
                    file: framework.key.clone(),
                    problems: vec![Problem {
                        location: "key".into(),
                        message: format!("two framework files use the key `{}`", framework.key),
                    }],
                });
            }
        }
        let values =
            all.iter().map(|f| minijinja::Value::from(minijinja::value::Serde(f.as_ref()))).collect();
        Ok(Self { all, values })
    }

    pub fn all(&self) -> &[Arc<Framework>] {
        &self.all
    }

    pub fn get(&self, key: &str) -> Option<&Arc<Framework>> {
        self.all.iter().find(|f| f.key == key)
    }

    /// The framework with this key as a template value.
    pub fn value(&self, key: &str) -> Option<minijinja::Value> {
        let index = self.all.iter().position(|f| f.key == key)?;
        self.values.get(index).cloned()
    }

    /// Every framework as template values, in key order.
    pub fn values(&self) -> &[minijinja::Value] {
        &self.values
    }
}

/// Reads and checks one framework file from disk (for `selfassess framework check`).
pub fn check_file(path: &Path) -> Result<Framework, FrameworkError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| FrameworkError {
        file: file.clone(),
        problems: vec![Problem { location: "file".into(), message: format!("cannot be read: {e}") }],
    })?;
    parse(&file, &text)
}
