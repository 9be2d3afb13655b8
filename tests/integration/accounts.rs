//! Sessions, sign-in throttling, CSRF, invitations, password changes, API tokens and the
//! admin commands.

use crate::helpers::{Backend, PASSWORD, backends, browser, spawn_app};
use selfassess::accounts::service;

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn signing_in_sets_a_safe_session_cookie_and_rotates_it() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        app.create_admin("admin@example.org").await;
        let client = browser();
        let first = app
            .post_form_with(
                &client,
                "/sign-in",
                "/sign-in",
                &[("email", "Admin@Example.org "), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(first.status(), 303, "{backend:?}");
        assert_eq!(first.headers()["location"], "/");
        let cookies = set_cookies(&first);
        let session = cookies.iter().find(|c| c.starts_with("selfassess_session=")).expect("session cookie");
        assert!(session.contains("HttpOnly"), "{session}");
        assert!(session.contains("SameSite=Lax"), "{session}");
        assert!(!session.contains("Secure"), "plain HTTP: not Secure");
        // Signing in again gives a new session id.
        let second = app
            .post_form_with(
                &client,
                "/sign-in",
                "/sign-in",
                &[("email", "admin@example.org"), ("password", PASSWORD)],
            )
            .await;
        let again =
            set_cookies(&second).into_iter().find(|c| c.starts_with("selfassess_session=")).expect("cookie");
        assert_ne!(session.split(';').next(), again.split(';').next(), "session id rotated at sign-in");
        let (status, account) = app.get_html_with(&client, "/account").await;
        assert_eq!(status, 200);
        assert!(crate::helpers::select_texts(&account, "dd").iter().any(|t| t == "admin@example.org"));
    }
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_tls() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_admin("admin@example.org").await;
    let client = browser();
    let token = app.csrf_with(&client, "/sign-in").await;
    let response = client
        .post(format!("{}/sign-in", app.address))
        .header("x-forwarded-proto", "https")
        .form(&[("csrf_token", token.as_str()), ("email", "admin@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .expect("post");
    let session =
        set_cookies(&response).into_iter().find(|c| c.starts_with("selfassess_session=")).expect("cookie");
    assert!(session.contains("Secure"), "{session}");
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_answer() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_admin("admin@example.org").await;
    let client = browser();
    let wrong = app
        .post_form_with(
            &client,
            "/sign-in",
            "/sign-in",
            &[("email", "admin@example.org"), ("password", "not it at all")],
        )
        .await;
    let unknown = app
        .post_form_with(
            &client,
            "/sign-in",
            "/sign-in",
            &[("email", "nobody@example.org"), ("password", "not it at all")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(unknown.status(), 422);
    let messages = |body: String| {
        crate::helpers::select_texts(&scraper::Html::parse_document(&body), ".govuk-error-summary__list li")
    };
    let wrong = messages(wrong.text().await.expect("body"));
    assert_eq!(wrong, ["Enter a correct email address and password"]);
    assert_eq!(wrong, messages(unknown.text().await.expect("body")));
    // Missing fields are named.
    let empty = app.post_form_with(&client, "/sign-in", "/sign-in", &[]).await;
    assert_eq!(empty.status(), 422);
    assert_eq!(
        messages(empty.text().await.expect("body")),
        ["Enter your email address", "Enter your password"]
    );
}

#[tokio::test]
async fn five_failures_throttle_the_account_whether_or_not_it_exists() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_admin("admin@example.org").await;
    let client = browser();
    for email in ["admin@example.org", "ghost@example.org"] {
        for attempt in 1..=5 {
            let response = app
                .post_form_with(
                    &client,
                    "/sign-in",
                    "/sign-in",
                    &[("email", email), ("password", "wrong password here")],
                )
                .await;
            assert_eq!(response.status(), 422, "{email} attempt {attempt}");
        }
        let response = app
            .post_form_with(&client, "/sign-in", "/sign-in", &[("email", email), ("password", PASSWORD)])
            .await;
        assert_eq!(response.status(), 429, "{email}: even the right password waits");
        let retry: i64 = response.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
        assert!((1..=900).contains(&retry), "{retry}");
        let body = response.text().await.expect("body");
        assert!(body.contains("Too many attempts to sign in"));
    }
    // Another account from the same address is not blocked by these ten failures.
    let response = app
        .post_form_with(
            &client,
            "/sign-in",
            "/sign-in",
            &[("email", "third@example.org"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn many_failures_from_one_address_throttle_every_account() {
    let app = spawn_app(Backend::Sqlite).await;
    let client = browser();
    for n in 0..service::ADDRESS_FAILURE_LIMIT {
        let email = format!("person{n}@example.org");
        let response = app
            .post_form_with(
                &client,
                "/sign-in",
                "/sign-in",
                &[("email", &email), ("password", "wrong password")],
            )
            .await;
        assert_eq!(response.status(), 422);
    }
    let response = app
        .post_form_with(
            &client,
            "/sign-in",
            "/sign-in",
            &[("email", "fresh@example.org"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(response.status(), 429);
    // Throttling stores neither email addresses nor IP addresses.
    let keys: Vec<(String, String)> = match &app.db {
        selfassess::db::Db::Sqlite(pool) => {
            sqlx::query_as("SELECT account_key, address_key FROM login_failures")
                .fetch_all(pool)
                .await
                .expect("rows")
        }
        selfassess::db::Db::Postgres(_) => unreachable!(),
    };
    assert!(!keys.is_empty());
    for (account, address) in keys {
        assert!(!account.contains('@') && !address.contains("127.0.0.1"));
        assert_eq!((account.len(), address.len()), (64, 64));
    }
}

#[tokio::test]
async fn state_changing_forms_need_the_token_and_our_origin() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_admin("admin@example.org").await;
    let client = browser();
    app.sign_in_with(&client, "admin@example.org", PASSWORD).await;
    let token = app.csrf_with(&client, "/admin/councils").await;
    let post = |fields: Vec<(&'static str, String)>, origin: Option<&'static str>| {
        let mut request = client.post(format!("{}/admin/councils", app.address)).form(&fields);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let no_token = post(vec![("gss_code", "E06000001".into())], None).await.expect("sent");
    assert_eq!(no_token.status(), 403);
    let wrong_token = post(vec![("csrf_token", "x".repeat(43)), ("gss_code", "E06000001".into())], None)
        .await
        .expect("sent");
    assert_eq!(wrong_token.status(), 403);
    let cross_site = post(
        vec![("csrf_token", token.clone()), ("gss_code", "E06000001".into())],
        Some("https://evil.example"),
    )
    .await
    .expect("sent");
    assert_eq!(cross_site.status(), 403);
    let body = cross_site.text().await.expect("body");
    assert!(body.contains("You cannot do this"), "a styled page");
    // Nothing was created by the refused requests.
    assert!(selfassess::councils::store::all(&app.db).await.expect("db").is_empty());
    let good = post(vec![("csrf_token", token), ("gss_code", "E06000001".into())], None).await.expect("sent");
    assert_eq!(good.status(), 303);
    assert_eq!(selfassess::councils::store::all(&app.db).await.expect("db").len(), 1);
    // A token from one session is useless in another.
    let other = browser();
    app.sign_in_with(&other, "admin@example.org", PASSWORD).await;
    let stolen = app.csrf_with(&client, "/admin/councils").await;
    let response = other
        .post(format!("{}/admin/councils", app.address))
        .form(&[("csrf_token", stolen.as_str()), ("gss_code", "E06000002")])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn sessions_expire_when_idle_and_after_twelve_hours_and_on_sign_out() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_admin("admin@example.org").await;
    let pool = match &app.db {
        selfassess::db::Db::Sqlite(pool) => pool.clone(),
        selfassess::db::Db::Postgres(_) => unreachable!(),
    };
    for (column, age_minutes) in [("last_seen_at", 61), ("expires_at", 0)] {
        let client = browser();
        app.sign_in_with(&client, "admin@example.org", PASSWORD).await;
        assert_eq!(app.get_with(&client, "/account").await.status(), 200);
        let when = time::OffsetDateTime::now_utc() - time::Duration::minutes(age_minutes);
        let sql = format!("UPDATE sessions SET {column} = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(when).execute(&pool).await.expect("age the session");
        let response = app.get_with(&client, "/account").await;
        assert_eq!(response.status(), 303, "{column}");
        assert!(response.headers()["location"].to_str().expect("ascii").starts_with("/sign-in?next="));
    }
    let client = browser();
    app.sign_in_with(&client, "admin@example.org", PASSWORD).await;
    let response = app.post_form_with(&client, "/account", "/sign-out", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.get_with(&client, "/account").await.status(), 303, "signed out");
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(&pool).await.expect("count");
    assert_eq!(left, 0, "expired and signed-out sessions are deleted");
}

#[tokio::test]
async fn invitations_create_accounts_once_and_expire() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let world = app.world().await;
        let lead = browser();
        app.sign_in_with(&lead, &world.lead, PASSWORD).await;
        let invite_page = format!("/councils/{}/invite", world.council);
        // Bad input: specific messages, nothing stored.
        let response = app
            .post_form_with(
                &lead,
                &invite_page,
                &invite_page,
                &[("email", "not-an-email"), ("role", "quality_statement_lead")],
            )
            .await;
        assert_eq!(response.status(), 422);
        let body = response.text().await.expect("body");
        let html = scraper::Html::parse_document(&body);
        let messages = crate::helpers::select_texts(&html, ".govuk-error-summary__list li");
        assert_eq!(
            messages,
            [
                "Enter an email address in the correct format, like name@example.gov.uk",
                "Select the quality statements this person will lead"
            ]
        );
        let response = app
            .post_form_with(
                &lead,
                &invite_page,
                &invite_page,
                &[("email", "new.person@example.org"), ("role", "viewer")],
            )
            .await;
        assert_eq!(response.status(), 200);
        let body = response.text().await.expect("body");
        let link =
            body.split("/invitations/").nth(1).and_then(|s| s.split('<').next()).expect("link shown once");
        let link = format!("/invitations/{link}");

        let invitee = browser();
        let weak = app
            .post_form_with(
                &invitee,
                &link,
                &link,
                &[("name", ""), ("password", "password123"), ("confirm_password", "x")],
            )
            .await;
        assert_eq!(weak.status(), 422);
        let html = scraper::Html::parse_document(&weak.text().await.expect("body"));
        let messages = crate::helpers::select_texts(&html, ".govuk-error-summary__list li");
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(messages[0], "Enter a name");
        assert!(messages[1].starts_with("Password is too easy to guess"), "{messages:?}");
        assert!(
            selfassess::accounts::store::user_by_email(&app.db, "new.person@example.org")
                .await
                .expect("db")
                .is_none(),
            "nothing stored"
        );
        let mismatch = app
            .post_form_with(
                &invitee,
                &link,
                &link,
                &[
                    ("name", "New Person"),
                    ("password", "violet harbour kettle"),
                    ("confirm_password", "violet harbour"),
                ],
            )
            .await;
        assert_eq!(mismatch.status(), 422);
        let accepted = app
            .post_form_with(
                &invitee,
                &link,
                &link,
                &[
                    ("name", "New Person"),
                    ("password", "violet harbour kettle"),
                    ("confirm_password", "violet harbour kettle"),
                ],
            )
            .await;
        assert_eq!(accepted.status(), 303);
        assert_eq!(app.get_with(&invitee, &link).await.status(), 410, "used once");
        app.sign_in_with(&invitee, "new.person@example.org", "violet harbour kettle").await;
        let actor = app.actor("new.person@example.org").await;
        assert!(actor.has_role(world.council, selfassess::accounts::domain::Role::Viewer));

        // An expired invitation is refused with a page saying so.
        let lead_actor = app.actor(&world.lead).await;
        let known = [selfassess::framework::QualityStatementId { number: 1 }];
        let invited =
            service::invite(&app.db, &lead_actor, world.council, "late@example.org", "viewer", &[], &known)
                .await
                .expect("invite");
        let expire = "UPDATE invitations SET expires_at = $1 WHERE id = $2";
        let past = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
        selfassess::on_db!(&app.db, pool => {
            sqlx::query(expire).bind(past).bind(invited.invitation_id).execute(pool).await.expect("expire");
        });
        let response = app.get(&format!("/invitations/{}", invited.token)).await;
        assert_eq!(response.status(), 410);
        assert!(response.text().await.expect("body").contains("This invitation has expired"));
        assert_eq!(app.get("/invitations/not-a-real-token").await.status(), 404);
    }
}

#[tokio::test]
async fn an_existing_account_accepts_by_signing_in() {
    let app = spawn_app(Backend::Sqlite).await;
    let world = app.world().await;
    // The other council's lead is invited to this council too.
    let lead = app.actor(&world.lead).await;
    let invited = service::invite(&app.db, &lead, world.council, &world.other_lead, "viewer", &[], &[])
        .await
        .expect("invite");
    let link = format!("/invitations/{}", invited.token);
    let anonymous = browser();
    let page = app.get_with(&anonymous, &link).await.text().await.expect("body");
    assert!(page.contains("You already have an account"));
    // Without signing in, posting does not attach the role.
    let response = app
        .post_form_with(
            &anonymous,
            "/sign-in",
            &link,
            &[("name", "X"), ("password", "whatever it is now"), ("confirm_password", "whatever it is now")],
        )
        .await;
    assert_ne!(response.status(), 303);
    assert!(
        !app.actor(&world.other_lead)
            .await
            .has_role(world.council, selfassess::accounts::domain::Role::Viewer)
    );
    let client = browser();
    app.sign_in_with(&client, &world.other_lead, PASSWORD).await;
    let response = app.post_form_with(&client, &link, &link, &[]).await;
    assert_eq!(response.status(), 303);
    assert!(
        app.actor(&world.other_lead)
            .await
            .has_role(world.council, selfassess::accounts::domain::Role::Viewer)
    );
}

#[tokio::test]
async fn changing_the_password_signs_out_other_sessions() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_admin("admin@example.org").await;
    let laptop = browser();
    let phone = browser();
    app.sign_in_with(&laptop, "admin@example.org", PASSWORD).await;
    app.sign_in_with(&phone, "admin@example.org", PASSWORD).await;
    let wrong = app
        .post_form_with(
            &laptop,
            "/account/password",
            "/account/password",
            &[
                ("current_password", "nope nope nope"),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let html = scraper::Html::parse_document(&wrong.text().await.expect("body"));
    let messages = crate::helpers::select_texts(&html, ".govuk-error-summary__list li");
    assert_eq!(messages[0], "Your current password is not right");
    assert!(messages[1].starts_with("Password must be 10 characters or more"));
    let response = app
        .post_form_with(
            &laptop,
            "/account/password",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "quartz meadow bicycle"),
                ("confirm_password", "quartz meadow bicycle"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.get_with(&laptop, "/account").await.status(), 200, "this session stays");
    assert_eq!(app.get_with(&phone, "/account").await.status(), 303, "the other one is signed out");
    let fresh = browser();
    let old = app
        .post_form_with(
            &fresh,
            "/sign-in",
            "/sign-in",
            &[("email", "admin@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(old.status(), 422);
    app.sign_in_with(&fresh, "admin@example.org", "quartz meadow bicycle").await;
}

#[tokio::test]
async fn api_tokens_act_as_their_person_until_revoked_or_expired() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let world = app.world().await;
        let me = |token: Option<String>| {
            let mut request = app.client.get(format!("{}/api/v1/me", app.address));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        let none = me(None).await.expect("sent");
        assert_eq!(none.status(), 401);
        assert_eq!(none.headers()["www-authenticate"], "Bearer");
        let body: serde_json::Value = none.json().await.expect("json");
        assert_eq!(body["error"]["code"], "unauthorised");
        assert_eq!(me(Some("sa_made_up".into())).await.expect("sent").status(), 401);

        // Created in the app: shown once, stored hashed.
        let client = browser();
        app.sign_in_with(&client, &world.qs_lead, PASSWORD).await;
        let response = app
            .post_form_with(
                &client,
                "/account/tokens",
                "/account/tokens",
                &[("name", "nightly script"), ("days", "30")],
            )
            .await;
        assert_eq!(response.status(), 200);
        let html = scraper::Html::parse_document(&response.text().await.expect("body"));
        let token = crate::helpers::select_texts(&html, "#new-token").pop().expect("token shown");
        assert!(token.starts_with("sa_"));
        let stored: Vec<String> = selfassess::on_db!(&app.db, pool => sqlx::query_scalar("SELECT token_hash FROM api_tokens").fetch_all(pool).await.expect("rows"));
        assert!(!stored.contains(&token), "only the hash is stored");
        let page = app.get_with(&client, "/account/tokens").await.text().await.expect("body");
        assert!(!page.contains(&token), "never shown again");

        let response = me(Some(token.clone())).await.expect("sent");
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["email"], world.qs_lead.as_str());
        assert_eq!(body["councils"][0]["roles"], serde_json::json!(["quality_statement_lead"]));
        assert_eq!(body["councils"][0]["quality_statements"], serde_json::json!(["QS1", "QS4"]));
        // Cookies never authenticate the API.
        assert_eq!(
            client.get(format!("{}/api/v1/me", app.address)).send().await.expect("sent").status(),
            401
        );

        // Bad input: specific messages.
        let response = app
            .post_form_with(&client, "/account/tokens", "/account/tokens", &[("name", ""), ("days", "9999")])
            .await;
        assert_eq!(response.status(), 422);

        // Revoked.
        let id: uuid::Uuid = selfassess::on_db!(&app.db, pool => sqlx::query_scalar("SELECT id FROM api_tokens").fetch_one(pool).await.expect("id"));
        let response = app
            .post_form_with(&client, "/account/tokens", &format!("/account/tokens/{id}/revoke"), &[])
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(me(Some(token)).await.expect("sent").status(), 401);
        // Someone else cannot revoke my token: 404.
        let mine = service::cli_token(&app.db, &world.viewer, "cli", 1).await.expect("token");
        let response = app
            .post_form_with(&client, "/account/tokens", &format!("/account/tokens/{}/revoke", mine.id), &[])
            .await;
        assert_eq!(response.status(), 404);
        // Expired.
        let past = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
        selfassess::on_db!(&app.db, pool => {
            sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE id = $2").bind(past).bind(mine.id).execute(pool).await.expect("expire");
        });
        assert_eq!(me(Some(mine.token)).await.expect("sent").status(), 401);
    }
}

#[test]
fn admin_commands_create_the_first_administrator_and_tokens() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let bin = env!("CARGO_BIN_EXE_selfassess");
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().to_str().expect("utf-8 path");
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(bin)
            .args(args)
            .args(["--data-dir", data_dir])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write");
        child.wait_with_output().expect("output")
    };
    let weak = run(
        &["admin", "create", "--email", "ada@example.org", "--name", "Ada", "--password-stdin"],
        "password\n",
    );
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("--password: Password must be 10 characters or more")
    );
    let ok = run(
        &["admin", "create", "--email", "ada@example.org", "--name", "Ada", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let again = run(
        &["admin", "create", "--email", "ADA@example.org", "--name", "Ada", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let token = run(&["admin", "token", "--email", "ada@example.org", "--days", "7"], "");
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    assert!(token.starts_with("sa_") && token.len() > 40, "only the token on stdout: {token}");
    let unknown = run(&["admin", "token", "--email", "nobody@example.org"], "");
    assert!(!unknown.status.success());
    let verify = run(&["audit", "verify"], "");
    assert!(verify.status.success());
    assert_eq!(String::from_utf8_lossy(&verify.stdout).trim(), "audit trail intact: 2 entries");
}

#[tokio::test]
async fn changes_are_audited_without_secrets() {
    let app = spawn_app(Backend::Sqlite).await;
    let world = app.world().await;
    let entries = selfassess::audit::list(
        &app.db,
        &selfassess::audit::AuditFilter { council_id: Some(world.council), limit: 200, ..Default::default() },
    )
    .await
    .expect("list");
    let actions: Vec<(String, String)> =
        entries.iter().map(|e| (e.entity.clone(), e.action.clone())).collect();
    assert!(actions.contains(&("council".into(), "create".into())));
    assert_eq!(actions.iter().filter(|a| a.0 == "invitation" && a.1 == "create").count(), 5);
    assert_eq!(actions.iter().filter(|a| a.1 == "accept_invitation").count(), 5);
    let everything: Vec<String> = selfassess::on_db!(&app.db, pool => sqlx::query_scalar("SELECT summary FROM audit_log").fetch_all(pool).await.expect("rows"));
    for summary in everything {
        assert!(!summary.contains(PASSWORD) && !summary.contains("argon2"), "{summary}");
    }
    // The lead reads the council's log in the app; a viewer may not; another council's lead gets 404.
    let lead = browser();
    app.sign_in_with(&lead, &world.lead, PASSWORD).await;
    let path = format!("/councils/{}/audit", world.council);
    let (status, html) = app.get_html_with(&lead, &format!("{path}?entity=invitation")).await;
    assert_eq!(status, 200);
    let whats = crate::helpers::select_texts(&html, "tbody tr td:nth-child(4)");
    assert!(!whats.is_empty() && whats.iter().all(|w| w == "invitation"), "{whats:?}");
    let viewer = browser();
    app.sign_in_with(&viewer, &world.viewer, PASSWORD).await;
    assert_eq!(app.get_with(&viewer, &path).await.status(), 403);
    assert_eq!(app.get_with(&lead, &format!("/councils/{}/audit", world.other_council)).await.status(), 404);
    let other = browser();
    app.sign_in_with(&other, &world.other_lead, PASSWORD).await;
    assert_eq!(app.get_with(&other, &path).await.status(), 404);
    assert_eq!(app.get_with(&other, &format!("/councils/{}", world.council)).await.status(), 404);
    assert_eq!(app.get_with(&other, "/admin/audit").await.status(), 403);
}
