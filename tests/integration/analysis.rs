//! The Stage 1 analysis: running tallies equal a full recount; small groups are withheld
//! everywhere; the demo council shows every kind of finding.

use crate::engagement::setup;
use crate::helpers::{Backend, TestApp, backends, spawn_app};
use rand::{Rng, SeedableRng};
use selfassess::analysis::store as analysis_store;
use serde_json::{Value, json};

async fn get_json(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let response =
        app.client.get(format!("{}{}", app.address, path)).bearer_auth(token).send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// One response of a group: every item of QS1 (14) and QS2 (12), rated as `rate` says.
fn response(group: &str, rate: &mut impl FnMut(usize) -> i64, cite: bool) -> Value {
    let mut answers = Vec::new();
    for (qs, items) in [(1, 14), (2, 12)] {
        for i in 1..=items {
            answers.push(json!({"item": format!("QS{qs}.{i}"), "rating": rate(i),
                "evidence": if cite { "Audit results" } else { "" },
                "evidence_needed": if i == 2 { "Partner views on joint working" } else { "" }}));
        }
    }
    json!({"group": group, "answers": answers})
}

async fn post_response(app: &TestApp, round: &str, key: &str, body: &Value) -> u16 {
    app.client
        .post(format!("{}/api/v1/rounds/{round}/responses", app.address))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

fn sorted(mut rows: Vec<selfassess::analysis::model::TallyRow>) -> Vec<String> {
    rows.retain(|r| r.answers > 0);
    let mut keys: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {} {} {}",
                r.round_id, r.group_id, r.mode, r.item, r.rating, r.answers, r.with_evidence
            )
        })
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn running_tallies_equal_a_full_recount_after_random_submissions() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let (_, setup) = setup(&app).await;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut tasks = Vec::new();
        for n in 0..48 {
            let group = setup.groups[rng.random_range(0..setup.groups.len())].clone();
            let cite = rng.random_bool(0.4);
            let seed: u64 = rng.random();
            let mut answer_rng = rand::rngs::StdRng::seed_from_u64(seed);
            let body = response(&group, &mut |_| answer_rng.random_range(0..=4), cite);
            let (app_address, client, round) =
                (app.address.clone(), app.client.clone(), setup.round_token.clone());
            // Some submissions are sent twice (a replay must not count twice).
            let times = if n % 7 == 0 { 2 } else { 1 };
            tasks.push(tokio::spawn(async move {
                let mut statuses = Vec::new();
                for _ in 0..times {
                    let status = client
                        .post(format!("{app_address}/api/v1/rounds/{round}/responses"))
                        .header("Idempotency-Key", format!("key-{n}"))
                        .json(&body)
                        .send()
                        .await
                        .expect("sent")
                        .status()
                        .as_u16();
                    statuses.push(status);
                }
                statuses
            }));
        }
        for task in tasks {
            let statuses = task.await.expect("task");
            assert!(statuses.iter().all(|s| *s == 201 || *s == 200), "{backend:?} {statuses:?}");
        }
        let id = uuid::Uuid::parse_str(&setup.assessment).expect("uuid");
        let kept = analysis_store::tallies(&app.db, id).await.expect("tallies");
        let recounted = analysis_store::recount(&app.db, id).await.expect("recount");
        assert_eq!(sorted(kept), sorted(recounted), "{backend:?}: the tallies are a full recount");
        let responses: i64 = analysis_store::response_tallies(&app.db, id)
            .await
            .expect("response tallies")
            .iter()
            .map(|r| r.responses)
            .sum();
        assert_eq!(responses, 48, "{backend:?}");

        // The API's figures are the recount's.
        let (status, analysis) =
            get_json(&app, &format!("/api/v1/assessments/{}/analysis", setup.assessment), &setup.lead_token)
                .await;
        assert_eq!(status, 200, "{analysis}");
        let item =
            analysis["items"].as_array().expect("items").iter().find(|i| i["id"] == "QS1.1").expect("QS1.1");
        assert_eq!(item["n"], 48);
        let counted: u64 = (0..=4).map(|r| item["counts"][r.to_string()].as_u64().expect("count")).sum();
        assert_eq!(counted, 48);
        for field in [
            "dont_know_share",
            "agree_share",
            "mean",
            "consensus",
            "evidence_share",
            "classification",
            "flags",
            "reasons",
            "by_group",
            "by_category",
            "by_mode",
        ] {
            assert!(item.get(field).is_some(), "items[] has {field}: {item}");
        }
        let qs = &analysis["quality_statements"][0];
        for field in ["id", "n", "counts", "indicative_score", "evidence_categories", "by_group"] {
            assert!(qs.get(field).is_some(), "quality_statements[] has {field}: {qs}");
        }
        assert_eq!(analysis["themes"].as_array().expect("themes").len(), 4);
    }
}

/// Every object that says `suppressed: true` carries no figure at all.
fn assert_nothing_withheld_shows(value: &Value, path: &str) {
    match value {
        Value::Object(map) => {
            if map.get("suppressed") == Some(&Value::Bool(true)) {
                for figure in [
                    "n",
                    "counts",
                    "dont_know_share",
                    "agree_share",
                    "mean",
                    "consensus",
                    "evidence_share",
                    "responses",
                ] {
                    assert!(!map.contains_key(figure), "{path} is withheld but shows {figure}: {value}");
                }
            }
            for (key, child) in map {
                assert_nothing_withheld_shows(child, &format!("{path}.{key}"));
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                assert_nothing_withheld_shows(child, &format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn small_groups_are_withheld_in_the_api() {
    let app = spawn_app(Backend::Sqlite).await;
    let (world, setup) = setup(&app).await;
    // Six frontline staff and two people who draw on care (fewer than 5).
    for n in 0..8 {
        let group = if n < 6 { &setup.groups[0] } else { &setup.groups[3] };
        let body = response(group, &mut |i| (i % 4 + 1) as i64, true);
        assert_eq!(post_response(&app, &setup.round_token, &format!("k{n}"), &body).await, 201);
    }
    let (status, analysis) =
        get_json(&app, &format!("/api/v1/assessments/{}/analysis", setup.assessment), &setup.lead_token)
            .await;
    assert_eq!(status, 200);
    assert_nothing_withheld_shows(&analysis, "analysis");
    let item = &analysis["items"][0];
    assert_eq!(item["n"], 8, "the whole (8) is shown");
    let people = item["by_group"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["id"] == setup.groups[3].as_str())
        .expect("group");
    assert_eq!(people["suppressed"], true);
    // Showing the 6 staff would give away the 2 (8 − 6): they are withheld too.
    let staff = item["by_group"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["id"] == setup.groups[0].as_str())
        .expect("group");
    assert_eq!(staff["suppressed"], true, "{staff}");
    assert_eq!(analysis["engagement"]["responses"], 8);
    assert_eq!(analysis["engagement"]["by_group"][3]["suppressed"], true);

    // The assessment page's counts follow the same rule for everyone but leads (who may
    // download every response anyway): the round (8) is shown, the groups (6 and 2) are not.
    let lead_browser = crate::helpers::browser();
    app.sign_in_with(&lead_browser, &world.viewer, crate::helpers::PASSWORD).await;
    let (status, html) =
        app.get_html_with(&lead_browser, &format!("/assessments/{}", setup.assessment)).await;
    assert_eq!(status, 200);
    let cells = crate::helpers::select_texts(&html, "td.govuk-table__cell--numeric");
    assert!(cells.contains(&"8".to_owned()), "{cells:?}");
    assert!(!cells.contains(&"2".to_owned()) && !cells.contains(&"6".to_owned()), "{cells:?}");
    assert_eq!(cells.iter().filter(|c| *c == "fewer than 5").count(), 2, "{cells:?}");

    // A higher threshold withholds the whole.
    let id = uuid::Uuid::parse_str(&setup.assessment).expect("uuid");
    let lead = app.actor(&world.lead).await;
    let thresholds = selfassess::analysis::findings::Thresholds { min_group_size: 10, ..Default::default() };
    selfassess::analysis::service::save_thresholds(&app.db, &lead, id, thresholds).await.expect("saved");
    let (_, analysis) =
        get_json(&app, &format!("/api/v1/assessments/{}/analysis", setup.assessment), &setup.lead_token)
            .await;
    assert_nothing_withheld_shows(&analysis, "analysis");
    assert_eq!(analysis["items"][0]["suppressed"], true);
    assert_eq!(analysis["items"][0]["classification"], "none");
    assert_eq!(analysis["items"][0]["reasons"][0], "Fewer than 10 responses: figures withheld");
    // Never below 3.
    let too_small = selfassess::analysis::findings::Thresholds { min_group_size: 2, ..Default::default() };
    assert!(selfassess::analysis::service::save_thresholds(&app.db, &lead, id, too_small).await.is_err());
}

#[tokio::test]
async fn the_demo_council_shows_every_kind_of_finding() {
    let app = spawn_app(Backend::Sqlite).await;
    let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
    let demo = selfassess::engagement::demo::create(&app.db, &frameworks, 300, 2026).await.expect("demo");
    app.create_admin("admin@example.org").await;
    let admin = app.actor("admin@example.org").await;
    let loaded = selfassess::analysis::service::load(&app.db, &frameworks, &admin, demo.assessment_id, None)
        .await
        .expect("analysis");
    use selfassess::analysis::findings::Classification::{
        DifferingViews, EvidenceGap, Improvement, Strength,
    };
    let by_number = |n: u8| -> Vec<_> {
        loaded
            .analysis
            .items
            .iter()
            .filter(|i| {
                i.id.rsplit('.').next().and_then(|x| x.parse::<u8>().ok()).is_some_and(|x| x % 6 == n)
            })
            .map(|i| i.finding.classification)
            .collect()
    };
    // The demo's patterns by item number modulo 6 (see engagement::demo::pattern_for).
    assert!(by_number(1).iter().all(|c| *c == Strength), "strengths {:?}", by_number(1));
    assert!(by_number(2).iter().all(|c| *c == Improvement), "weaknesses {:?}", by_number(2));
    assert!(by_number(3).iter().all(|c| *c == DifferingViews), "groups disagree {:?}", by_number(3));
    assert!(by_number(4).iter().all(|c| *c == EvidenceGap), "don't know {:?}", by_number(4));
    let scores: Vec<_> =
        loaded.analysis.quality_statements.iter().filter_map(|q| q.indicative_score.as_ref()).collect();
    assert_eq!(scores.len(), 9, "every statement has an indicative score");
    assert!(
        loaded.analysis.quality_statements.iter().all(|q| q.evidence_categories.iter().all(|c| c.covered))
    );
}
