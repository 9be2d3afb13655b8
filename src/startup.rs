//! Building the application: state, routes, layers, and the listening socket.

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Json};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::db::{Db, DbError};
use crate::framework::{FrameworkError, Frameworks};
use crate::web::{self, templates::Templates};

#[derive(Clone)]
pub struct AppState {
    pub frameworks: Arc<Frameworks>,
    pub db: Db,
    pub templates: Templates,
    /// Key for the keyed hashes that stand in for emails and addresses in throttling.
    pub server_key: Arc<str>,
    /// Stores survey responses with group commit (see `engagement::writer`).
    pub writer: crate::engagement::writer::ResponseWriter,
    /// Sends invitations by email when an SMTP relay is configured.
    pub mailer: Option<crate::mail::Mailer>,
    /// Request body and time limits (`web::limits`).
    pub limits: web::limits::Limits,
    /// The evidence library's file store and limits.
    pub evidence: crate::evidence::storage::Evidence,
}

impl AppState {
    /// The state for a migrated database: the shipped frameworks, the templates, server keys.
    pub async fn new(db: Db) -> Result<Self, StartupError> {
        let fresh = crate::accounts::secrets::random_token();
        let server_key = crate::accounts::store::server_key(&db, "throttle", &fresh).await?;
        Ok(Self {
            writer: crate::engagement::writer::ResponseWriter::for_db(&db),
            frameworks: Arc::new(Frameworks::shipped()?),
            db,
            templates: Templates::new()?,
            server_key: server_key.into(),
            mailer: None,
            limits: web::limits::Limits::default(),
            evidence: Default::default(),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("the framework files are invalid:\n{0}")]
    Framework(#[from] FrameworkError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Templates(#[from] web::templates::TemplateError),
    #[error("the mail settings are invalid")]
    Mail(#[from] crate::mail::MailError),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error(transparent)]
    Storage(#[from] crate::evidence::storage::StorageError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "selfassess API",
        version = "1",
        description = "Adult social care self-assessment against CQC's assessment framework for local authority assurance."
    ),
    tags(
        (name = "frameworks", description = "The CQC framework and the LGA / ADASS toolkit, as data"),
        (name = "accounts", description = "Who a personal API token acts for"),
        (name = "engagement", description = "Stage 1: assessments, survey rounds and responses"),
        (name = "analysis", description = "Stage 1 analysis: measures, findings, small groups withheld"),
        (name = "summaries", description = "Stage 2: the indicative rating from the quality statements' scores")
    ),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Declares the `bearer` security scheme: personal API tokens sent as `Authorization: Bearer …`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A personal API token (`sa_…`)"))
                    .build(),
            ),
        );
    }
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Db,
    /// Where evidence files are kept, for the log: "directory …" or "s3://bucket (…)".
    evidence_store: String,
}

impl Application {
    /// Loads the frameworks, opens and migrates the database, and binds the address
    /// (port 0 picks a free port; see [`Application::local_addr`]).
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        crate::evidence::storage::install_crypto_provider();
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StartupError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let db = Db::connect(&config.database).await?;
        db.migrate().await?;
        let mailer = config.mail.as_ref().map(crate::mail::Mailer::new).transpose()?;
        let files = crate::evidence::storage::FileStore::from_config(&config.evidence, &config.data_dir)?;
        let evidence = crate::evidence::storage::Evidence::new(files, &config.evidence);
        let evidence_store = evidence.files.describe().to_owned();
        let state = AppState { mailer, limits: config.limits, evidence, ..AppState::new(db.clone()).await? };
        let router = router(state);
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| StartupError::Bind { addr: config.addr, source })?;
        Ok(Self { listener, router, db, evidence_store })
    }

    /// The application's database (for commands and tests that prepare data).
    pub fn db(&self) -> Db {
        self.db.clone()
    }

    /// Where evidence files are kept (no secrets).
    pub fn evidence_store(&self) -> &str {
        &self.evidence_store
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process is asked to stop (Ctrl-C or SIGTERM), then closes the database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let housekeeping = tokio::spawn(crate::db::maintenance::run_forever(self.db.clone()));
        // Connection info gives sign-in throttling the client's address.
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(self.listener, service).with_graceful_shutdown(shutdown_signal()).await;
        housekeeping.abort();
        self.db.close().await;
        served
    }
}

pub fn router(state: AppState) -> Router {
    let (routes, _) = routes();
    with_layers(routes, state)
}

/// Every route, and the list of (method, path) they serve, taken from the same registry: the
/// page routes as they are added, the API routes from the OpenAPI document.
pub fn routes() -> (Router<AppState>, Vec<(Method, String)>) {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::evidence::api::router())
        .merge(crate::framework::api::router())
        .merge(crate::accounts::api::router())
        .merge(crate::engagement::api::router())
        .merge(crate::analysis::api::router())
        .merge(crate::summaries::api::router())
        .merge(crate::report::api::router())
        .split_for_parts();
    let mut table: Vec<(Method, String)> = Vec::new();
    for (path, item) in &openapi.paths.paths {
        for (method, operation) in [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
            (Method::DELETE, &item.delete),
        ] {
            if operation.is_some() {
                table.push((method, path.clone()));
            }
        }
    }
    let openapi = Arc::new(openapi);
    let (pages, page_table) = web::routes::Routes::new()
        .get("/", web::pages::home)
        .get("/accessibility", web::pages::accessibility)
        .get("/healthz", healthz)
        .get("/readyz", readyz)
        .get("/assets/{*path}", web::assets::serve)
        .get("/api/v1/openapi.json", move || async move { Json(openapi.as_ref().clone()) })
        .merge(crate::evidence::routes::router())
        .merge(crate::framework::routes::router())
        .merge(crate::accounts::routes::router())
        .merge(crate::councils::routes::router())
        .merge(crate::audit::routes::router())
        .merge(crate::engagement::routes::router())
        .merge(crate::analysis::routes::router())
        .merge(crate::summaries::routes::router())
        .merge(crate::report::routes::router())
        .merge(crate::engagement::journey::router())
        .merge(crate::spreadsheets::routes::router())
        .into_parts();
    table.extend(page_table.into_iter().map(|(m, p)| (m, p.to_owned())));
    (pages.merge(api), table)
}

/// The layers every route gets: error pages, security headers, limits, tracing, request ids.
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .with_state(state.clone())
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            web::AppError::Internal.into_response()
        }))
        .layer(axum::middleware::from_fn(crate::accounts::session::csrf))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::accounts::session::authenticate))
        // Body size and time limits per route, inside the error pages so a 413 gets its page.
        .layer(axum::middleware::from_fn_with_state(state.clone(), web::limits::enforce))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(state, web::error::render_errors))
        .layer(axum::middleware::from_fn(web::security::headers))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    // A response writer failing for want of storage (disk full, read-only, busy) makes the
    // service unready until it stores again (it retries by itself).
    if let Err(failure) = state.writer.check().await {
        tracing::warn!(error = %failure.error, since = %failure.since, "readiness: the response writer is failing");
        let body = serde_json::json!({"status": "unavailable", "writer": "failing"});
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body));
    }
    match crate::db::health::write_and_read(&state.db).await {
        Ok(true) => {
            (StatusCode::OK, Json(serde_json::json!({"status": "ready", "database": state.db.backend()})))
        }
        Ok(false) => {
            tracing::error!("readiness probe read back a different value");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "unavailable"})))
        }
        Err(error) => {
            tracing::error!(%error, "readiness probe failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "unavailable"})))
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
