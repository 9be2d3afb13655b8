//! Starting the app for tests, on SQLite and (when `TEST_DATABASE_URL` is set) PostgreSQL.

use selfassess::config::{Config, DatabaseUrl};
use selfassess::startup::Application;
use std::net::SocketAddr;

pub struct TestApp {
    pub address: String,
    /// A client with its own cookie jar: one browser. Make more with [`TestApp::browser`].
    pub client: reqwest::Client,
    pub db: selfassess::db::Db,
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
    spawn_app_configured(backend, |_| {}).await
}

/// Starts the app after `adjust` has changed its configuration (mail, for example).
pub async fn spawn_app_configured(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    // Errors the app logs show up under the failing test (set RUST_LOG for more).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "error".into()),
        )
        .with_test_writer()
        .try_init();
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let database = match backend {
        Backend::Sqlite => DatabaseUrl::default_in(data_dir.path()),
        Backend::Postgres => DatabaseUrl::Postgres(fresh_postgres_database().await),
    };
    let mut config = Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data_dir.path().to_owned(),
        database,
        mail: None,
        limits: Default::default(),
        evidence: Default::default(),
    };
    adjust(&mut config);
    let app = Application::build(&config).await.expect("the app starts");
    let db = app.db();
    let address = format!("http://{}", app.local_addr().expect("bound address"));
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("http client");
    TestApp { address, client, db, _data_dir: data_dir }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{}", self.address, path)).send().await.expect("request sent")
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self._data_dir.path()
    }

    pub async fn get_with(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client.get(format!("{}{}", self.address, path)).send().await.expect("request sent")
    }

    pub async fn get_html_with(
        &self,
        client: &reqwest::Client,
        path: &str,
    ) -> (reqwest::StatusCode, scraper::Html) {
        let response = self.get_with(client, path).await;
        let status = response.status();
        let body = response.text().await.expect("body");
        (status, scraper::Html::parse_document(&body))
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

pub const PASSWORD: &str = "kettle orbit plum lantern";

/// A fresh cookie-keeping client that does not follow redirects: another browser.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("http client")
}

/// The people and council most tests need.
pub struct World {
    pub council: uuid::Uuid,
    pub other_council: uuid::Uuid,
    pub admin: String,
    pub lead: String,
    pub qs_lead: String,
    pub verifier: String,
    pub contributor: String,
    pub viewer: String,
    pub other_lead: String,
}

impl TestApp {
    /// The `csrf_token` of the first form on `path`, fetched with `client`.
    pub async fn csrf_with(&self, client: &reqwest::Client, path: &str) -> String {
        let body = client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        let html = scraper::Html::parse_document(&body);
        let selector = scraper::Selector::parse("input[name=csrf_token]").expect("selector");
        html.select(&selector)
            .next()
            .and_then(|e| e.value().attr("value"))
            .unwrap_or_else(|| panic!("no csrf_token on {path}"))
            .to_owned()
    }

    /// Posts a form as a browser would: fetches the form token from `form_page` first.
    pub async fn post_form_with(
        &self,
        client: &reqwest::Client,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf_with(client, form_page).await;
        let mut body: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        body.extend_from_slice(fields);
        client.post(format!("{}{}", self.address, action)).form(&body).send().await.expect("post")
    }

    /// Signs `client` in; panics unless it works.
    pub async fn sign_in_with(&self, client: &reqwest::Client, email: &str, password: &str) {
        let response = self
            .post_form_with(client, "/sign-in", "/sign-in", &[("email", email), ("password", password)])
            .await;
        assert_eq!(response.status(), 303, "sign in as {email}");
    }

    pub async fn create_admin(&self, email: &str) {
        selfassess::accounts::service::create_platform_admin(&self.db, email, "Platform Admin", PASSWORD)
            .await
            .expect("create admin");
    }

    /// A council (by ONS code) set up by a platform administrator.
    pub async fn create_council(&self, admin_email: &str, gss_code: &str) -> uuid::Uuid {
        let actor = self.actor(admin_email).await;
        selfassess::accounts::service::create_council(&self.db, &actor, gss_code).await.expect("council").id
    }

    pub async fn actor(&self, email: &str) -> selfassess::accounts::actor::Actor {
        let user =
            selfassess::accounts::store::user_by_email(&self.db, email).await.expect("db").expect("user");
        selfassess::accounts::service::load_actor(
            &self.db,
            user.id,
            selfassess::accounts::actor::Via::ApiToken { id: uuid::Uuid::nil() },
        )
        .await
        .expect("db")
        .expect("actor")
    }

    /// Invites `email` to `council` as `role` (by `inviter`) and accepts with [`PASSWORD`].
    pub async fn add_person(
        &self,
        inviter: &str,
        council: uuid::Uuid,
        email: &str,
        role: &str,
        statements: &[&str],
    ) {
        let actor = self.actor(inviter).await;
        let known: Vec<_> =
            (1..=9).map(|n| selfassess::framework::QualityStatementId { number: n }).collect();
        let statements: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
        let invited = selfassess::accounts::service::invite(
            &self.db,
            &actor,
            council,
            email,
            role,
            &statements,
            &known,
        )
        .await
        .expect("invite");
        selfassess::accounts::service::accept_invitation(
            &self.db,
            &invited.token,
            None,
            "Test Person",
            PASSWORD,
            PASSWORD,
        )
        .await
        .expect("accept");
    }

    /// A council with one person per role, a platform administrator, and a second council
    /// with its own lead.
    pub async fn world(&self) -> World {
        let admin = "admin@example.org".to_owned();
        self.create_admin(&admin).await;
        let council = self.create_council(&admin, "E06000001").await;
        let other_council = self.create_council(&admin, "E06000002").await;
        let w = World {
            council,
            other_council,
            admin,
            lead: "lead@example.org".into(),
            qs_lead: "qslead@example.org".into(),
            verifier: "verifier@example.org".into(),
            contributor: "contributor@example.org".into(),
            viewer: "viewer@example.org".into(),
            other_lead: "other.lead@example.org".into(),
        };
        self.add_person(&w.admin, council, &w.lead, "assessment_lead", &[]).await;
        self.add_person(&w.lead, council, &w.qs_lead, "quality_statement_lead", &["QS1", "QS4"]).await;
        self.add_person(&w.lead, council, &w.verifier, "verifier", &[]).await;
        self.add_person(&w.lead, council, &w.contributor, "contributor", &[]).await;
        self.add_person(&w.lead, council, &w.viewer, "viewer", &[]).await;
        self.add_person(&w.admin, other_council, &w.other_lead, "assessment_lead", &[]).await;
        w
    }
}

/// Converts a file with LibreOffice, when it is installed (`None` when not: calamine has read
/// the file already). `filter` is LibreOffice's `--convert-to` argument; the result is the
/// converted file's bytes.
pub fn libreoffice_convert(bytes: &[u8], extension: &str, filter: &str) -> Option<Vec<u8>> {
    let program = ["soffice", "libreoffice"].into_iter().find(|p| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {p}"))
            .output()
            .is_ok_and(|o| o.status.success())
    })?;
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join(format!("in.{extension}"));
    std::fs::write(&input, bytes).expect("write");
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.path().display());
    let out = dir.path().join("out");
    let status = std::process::Command::new(program)
        .args([profile.as_str(), "--headless", "--convert-to", filter, "--outdir"])
        .arg(&out)
        .arg(&input)
        .output()
        .expect("run libreoffice");
    assert!(status.status.success(), "libreoffice failed: {}", String::from_utf8_lossy(&status.stderr));
    let converted =
        std::fs::read_dir(&out).expect("output").next().expect("a converted file").expect("entry");
    Some(std::fs::read(converted.path()).expect("read the converted file"))
}
