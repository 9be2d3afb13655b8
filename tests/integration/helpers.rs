//! Starting the app for tests, on SQLite and (when `TEST_DATABASE_URL` is set) PostgreSQL.

use selfassess::config::{Config, DatabaseUrl};
use selfassess::startup::Application;
use std::net::SocketAddr;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    _data_dir: tempfile::TempDir,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends to run storage tests on: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        backends.push(Backend::Postgres);
    }
    backends
}

/// A fresh, empty PostgreSQL database on the server named by `TEST_DATABASE_URL`.
async fn fresh_postgres_database() -> String {
    use sqlx::Connection;
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL is set");
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
    let name = format!("selfassess_test_{}", uuid::Uuid::now_v7().simple());
    // The name is ours (a uuid), not input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&name);
    url.to_string()
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let database = match backend {
        Backend::Sqlite => DatabaseUrl::default_in(data_dir.path()),
        Backend::Postgres => DatabaseUrl::Postgres(fresh_postgres_database().await),
    };
    let config = Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data_dir.path().to_owned(),
        database,
    };
    let app = Application::build(&config).await.expect("the app starts");
    let address = format!("http://{}", app.local_addr().expect("bound address"));
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("http client");
    TestApp { address, client, _data_dir: data_dir }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{}", self.address, path)).send().await.expect("request sent")
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self._data_dir.path()
    }

    pub async fn get_html(&self, path: &str) -> (reqwest::StatusCode, scraper::Html) {
        let response = self.get(path).await;
        let status = response.status();
        let body = response.text().await.expect("body");
        (status, scraper::Html::parse_document(&body))
    }
}

pub fn select_texts(html: &scraper::Html, selector: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(selector).expect("valid selector");
    html.select(&selector)
        .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// A migrated database on a fresh, empty store of `backend`, without the web app. Keep the
/// returned directory alive as long as the database is used (the SQLite file lives in it).
pub async fn fresh_db(backend: Backend) -> (selfassess::db::Db, tempfile::TempDir) {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let url = match backend {
        Backend::Sqlite => DatabaseUrl::default_in(data_dir.path()),
        Backend::Postgres => DatabaseUrl::Postgres(fresh_postgres_database().await),
    };
    let db = selfassess::db::Db::connect(&url).await.expect("open the test database");
    db.migrate().await.expect("migrate the test database");
    (db, data_dir)
}
