//! Storage: migrations in lockstep, and the readiness probe's real round trip on each backend.

use crate::helpers::{backends, spawn_app};
use std::collections::BTreeSet;

fn migration_names(backend: &str) -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn sqlite_and_postgres_migrations_are_in_lockstep() {
    let sqlite = migration_names("sqlite");
    let postgres = migration_names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "every migration needs a twin with the same number and name");
    for name in &sqlite {
        let (number, rest) = name.split_once('_').expect("NNNN_description.sql");
        assert!(number.len() == 4 && number.bytes().all(|b| b.is_ascii_digit()), "{name}");
        assert!(rest.ends_with(".sql"), "{name}");
    }
}

#[tokio::test]
async fn readyz_writes_and_reads_the_database_on_every_backend() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        for _ in 0..2 {
            let response = app.get("/readyz").await;
            assert_eq!(response.status(), 200, "{backend:?}");
            let body: serde_json::Value = response.json().await.expect("json");
            assert_eq!(body["status"], "ready");
            let expected = match backend {
                crate::helpers::Backend::Sqlite => "sqlite",
                crate::helpers::Backend::Postgres => "postgres",
            };
            assert_eq!(body["database"], expected);
        }
    }
}

#[tokio::test]
async fn readyz_answers_503_when_the_database_refuses_writes() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    // Make the database read-only underneath the running app: a real failure, not a mock.
    let db_path = app.data_dir().join("selfassess.db");
    let conn_url = format!("sqlite:{}", db_path.display());
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&conn_url).await.expect("open");
        sqlx::query("CREATE TRIGGER refuse_probe BEFORE UPDATE ON readiness_probe BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
            .execute(&mut conn)
            .await
            .expect("add trigger");
    }
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200, "the process itself is still alive");
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&conn_url).await.expect("open");
        sqlx::query("DROP TRIGGER refuse_probe").execute(&mut conn).await.expect("drop trigger");
    }
    assert_eq!(app.get("/readyz").await.status(), 200, "recovers once the cause is gone");
}

#[tokio::test]
async fn readyz_reports_a_failing_response_writer_until_it_stores_again() {
    use sqlx::Connection;
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let (_, s) = crate::engagement::setup(&app).await;
    let submit = |key: &'static str| {
        let request = app
            .client
            .post(format!("{}/api/v1/rounds/{}/responses", app.address, s.round_token))
            .header("Idempotency-Key", key)
            .json(&serde_json::json!({"group": s.groups[0], "answers": [{"item": "QS1.1", "rating": 3}]}));
        async move { request.send().await.expect("sent").status() }
    };
    assert_eq!(app.get("/readyz").await.status(), 200);
    // Another process holds the write lock past the busy time-out: the writer's group fails.
    let db_url = format!("sqlite:{}", app.data_dir().join("selfassess.db").display());
    let mut blocker = sqlx::SqliteConnection::connect(&db_url).await.expect("open");
    sqlx::query("BEGIN IMMEDIATE").execute(&mut blocker).await.expect("take the write lock");
    assert_eq!(submit("during").await, 503);
    // Now the writer itself is known to be failing: /readyz says so, and why.
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body, serde_json::json!({"status": "unavailable", "writer": "failing"}));
    assert_eq!(app.get("/healthz").await.status(), 200, "the process itself is alive");
    // The cause goes away: ready again at once, and the writer stores again.
    sqlx::query("ROLLBACK").execute(&mut blocker).await.expect("release the write lock");
    drop(blocker);
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ready");
    assert_eq!(submit("during").await, 201);
    assert_eq!(crate::engagement::counts(&app, &s.assessment).await, (1, 1));
}

#[tokio::test]
async fn housekeeping_purges_what_is_no_longer_needed() {
    use crate::helpers::{Backend, PASSWORD, browser};
    let app = spawn_app(Backend::Sqlite).await;
    app.create_admin("admin@example.org").await;
    let client = browser();
    app.sign_in_with(&client, "admin@example.org", PASSWORD).await;
    let failed = browser();
    let response = app
        .post_form_with(
            &failed,
            "/sign-in",
            "/sign-in",
            &[("email", "x@example.org"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let now = time::OffsetDateTime::now_utc();
    let nothing_yet = selfassess::db::maintenance::run_once(&app.db, now).await.expect("run");
    assert_eq!(nothing_yet, Default::default(), "live rows are kept");
    let later = now + time::Duration::hours(13);
    let purged = selfassess::db::maintenance::run_once(&app.db, later).await.expect("run");
    assert_eq!((purged.sessions, purged.login_failures), (1, 1));
}
