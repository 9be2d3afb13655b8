//! Building the application: state, routes, layers, and the listening socket.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
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
}

impl AppState {
    /// The state for a migrated database: the shipped frameworks and the templates.
    pub fn new(db: Db) -> Result<Self, StartupError> {
        Ok(Self {
            frameworks: Arc::new(Frameworks::shipped()?),
            db,
            templates: Templates::new()?,
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
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "selfassess API",
        version = "1",
        description = "Adult social care self-assessment against CQC's assessment framework for local authority assurance."
    ),
    tags((name = "frameworks", description = "The CQC framework and the LGA / ADASS toolkit, as data"))
)]
struct ApiDoc;

pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Db,
}

impl Application {
    /// Loads the frameworks, opens and migrates the database, and binds the address
    /// (port 0 picks a free port; see [`Application::local_addr`]).
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StartupError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let db = Db::connect(&config.database).await?;
        db.migrate().await?;
        let state = AppState::new(db.clone())?;
        let router = router(state);
        let listener =
            TcpListener::bind(config.addr)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: config.addr,
                    source,
                })?;
        Ok(Self {
            listener,
            router,
            db,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process is asked to stop (Ctrl-C or SIGTERM), then closes the database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown_signal())
            .await;
        self.db.close().await;
        served
    }
}

pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::framework::api::router())
        .split_for_parts();
    let openapi = Arc::new(openapi);

    let routes = Router::new()
        .route("/", get(web::pages::home))
        .route("/accessibility", get(web::pages::accessibility))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/assets/{*path}", get(web::assets::serve))
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(openapi.as_ref().clone()) }),
        )
        .merge(crate::framework::routes::router())
        .merge(api);
    with_layers(routes, state)
}

/// The layers every route gets: error pages, security headers, limits, tracing, request ids.
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .with_state(state.clone())
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            web::AppError::Internal.into_response()
        }))
        .layer(axum::middleware::from_fn_with_state(
            state,
            web::error::render_errors,
        ))
        .layer(axum::middleware::from_fn(web::security::headers))
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(2 * 1024 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match crate::db::health::write_and_read(&state.db).await {
        Ok(true) => (
            StatusCode::OK,
            Json(serde_json::json!({"status": "ready", "database": state.db.backend()})),
        ),
        Ok(false) => {
            tracing::error!("readiness probe read back a different value");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
        }
        Err(error) => {
            tracing::error!(%error, "readiness probe failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
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
