//! `selfassess demo`: a demonstration council with a person for each role, an assessment with
//! a round, and synthetic responses with recognisable patterns, so a newcomer sees a living
//! example at once. Everything is made up; the council's ONS code (E99999999) is not real.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::domain::{self, Answer, Rating};
use super::service::{self, NewAssessment, NewRound};
use super::store::{self, NewResponse};
use crate::accounts::actor::Via;
use crate::accounts::service as accounts;
use crate::audit::{self, AuditActor, Change};
use crate::councils::store::CouncilRow;
use crate::db::Db;
use crate::framework::Frameworks;

pub const DEMO_GSS_CODE: &str = "E99999999";
pub const DEMO_COUNCIL: &str = "Demo Borough Council (demonstration data)";

/// What `selfassess demo` made, to print.
pub struct Demo {
    pub council_id: Uuid,
    pub assessment_id: Uuid,
    pub round_link: String,
    /// (role, email, password)
    pub people: Vec<(&'static str, String, String)>,
    pub responses: usize,
    /// Stage 2 summaries, evidence items and Stage 3 parts made.
    pub later_stages: crate::report::demo::Made,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the demonstration council already exists in this database; use a fresh --data-dir to make another"
    )]
    Exists,
    #[error("{0}")]
    Failed(String),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

fn failed(e: impl std::fmt::Debug) -> DemoError {
    DemoError::Failed(format!("{e:?}"))
}

/// How answers to an item lean, so every kind of Stage 1 finding shows up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// Most agree, across every group.
    Strength,
    /// Most disagree.
    Weakness,
    /// Staff and managers agree, people who draw on care and carers do not.
    GroupsDisagree,
    /// Many don't know and few cite evidence.
    DontKnow,
    /// Leaning positive with a spread.
    Mixed,
}

pub fn pattern_for(item_number: u8) -> Pattern {
    match item_number % 6 {
        1 => Pattern::Strength,
        2 => Pattern::Weakness,
        3 => Pattern::GroupsDisagree,
        4 => Pattern::DontKnow,
        5 => Pattern::Strength,
        _ => Pattern::Mixed,
    }
}

/// One synthetic rating: `staff_side` is true for frontline staff, managers and partners.
pub fn synthetic_rating(rng: &mut impl Rng, pattern: Pattern, staff_side: bool) -> u8 {
    let weights: [u32; 5] = match (pattern, staff_side) {
        // Weights for 0 (don't know), 1, 2, 3, 4.
        (Pattern::Strength, _) => [3, 2, 5, 45, 45],
        (Pattern::Weakness, _) => [5, 40, 40, 10, 5],
        (Pattern::GroupsDisagree, true) => [3, 2, 5, 40, 50],
        (Pattern::GroupsDisagree, false) => [5, 45, 35, 10, 5],
        (Pattern::DontKnow, _) => [55, 8, 12, 15, 10],
        (Pattern::Mixed, _) => [10, 10, 25, 35, 20],
    };
    let total: u32 = weights.iter().sum();
    let mut pick = rng.random_range(0..total);
    for (value, weight) in weights.iter().enumerate() {
        if pick < *weight {
            return value as u8;
        }
        pick -= weight;
    }
    3
}

const EVIDENCE: [&str; 8] = [
    "Quarterly performance report to the adult social care board",
    "Case file audits: most rated good or better",
    "Feedback from the carers' forum",
    "Waiting list figures reviewed monthly",
    "Peer review last year",
    "Practice quality framework and supervision records",
    "Healthwatch report on people's experience",
    "Complaints and compliments summary",
];

const NEEDED: [&str; 5] = [
    "Data on outcomes by ethnicity",
    "More feedback from people who fund their own care",
    "Evidence of impact, not just activity",
    "Up-to-date waiting times for reviews",
    "Partner views on joint working",
];

fn demo_password(rng: &mut impl Rng) -> String {
    const WORDS: [&str; 16] = [
        "harbour", "lantern", "meadow", "violet", "kettle", "orbit", "quartz", "bicycle", "willow", "copper",
        "saffron", "pebble", "thistle", "canyon", "marble", "falcon",
    ];
    (0..4).map(|_| WORDS[rng.random_range(0..WORDS.len())]).collect::<Vec<_>>().join(" ")
}

pub async fn create(
    db: &Db,
    frameworks: &Frameworks,
    respondents: usize,
    seed: u64,
) -> Result<Demo, DemoError> {
    if crate::councils::store::by_gss_code(db, DEMO_GSS_CODE).await?.is_some() {
        return Err(DemoError::Exists);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let now = OffsetDateTime::now_utc();
    let council = CouncilRow {
        id: Uuid::now_v7(),
        gss_code: DEMO_GSS_CODE.into(),
        name: DEMO_COUNCIL.into(),
        created_at: now,
    };
    let mut tx = db.begin().await?;
    crate::councils::store::insert(&mut tx, &council).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(council.id),
            actor: AuditActor { user_id: None, name: "command line".into() },
            entity: "council",
            entity_id: council.id.to_string(),
            action: "create_demo",
            summary: json!({"name": DEMO_COUNCIL}),
        },
    )
    .await?;
    tx.commit().await?;

    // A platform administrator for the demo, then one person per role, invited the usual way.
    let mut people = Vec::new();
    let admin_email = format!("demo-admin-{}@example.org", &council.id.simple().to_string()[24..]);
    let admin_password = demo_password(&mut rng);
    accounts::create_platform_admin(db, &admin_email, "Demo Administrator", &admin_password)
        .await
        .map_err(failed)?;
    people.push(("platform administrator", admin_email.clone(), admin_password));
    let admin_user = crate::accounts::store::user_by_email(db, &admin_email)
        .await?
        .ok_or(DemoError::Failed("admin".into()))?;
    let admin = accounts::load_actor(db, admin_user.id, Via::ApiToken { id: Uuid::nil() })
        .await?
        .ok_or(DemoError::Failed("admin".into()))?;
    let known: Vec<_> =
        frameworks.all().first().map(|f| f.quality_statements().map(|q| q.id).collect()).unwrap_or_default();
    let roles: [(&str, &str, &str, &[&str]); 5] = [
        ("assessment lead", "assessment_lead", "Alex Lead", &[]),
        ("quality statement lead (QS1, QS2)", "quality_statement_lead", "Sam Statement", &["QS1", "QS2"]),
        ("verifier", "verifier", "Vic Verifier", &[]),
        ("contributor", "contributor", "Chris Contributor", &[]),
        ("viewer", "viewer", "Val Viewer", &[]),
    ];
    for (label, role, name, statements) in roles {
        let email =
            format!("demo-{}-{}@example.org", role.replace('_', "-"), &council.id.simple().to_string()[24..]);
        let password = demo_password(&mut rng);
        let statements: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
        let invited = accounts::invite(db, &admin, council.id, &email, role, &statements, &known)
            .await
            .map_err(failed)?;
        accounts::accept_invitation(db, &invited.token, None, name, &password, &password)
            .await
            .map_err(failed)?;
        people.push((label, email, password));
    }

    let framework_key =
        frameworks.all().first().map(|f| f.key.clone()).ok_or(DemoError::Failed("no framework".into()))?;
    let framework =
        frameworks.get(&framework_key).cloned().ok_or(DemoError::Failed("no framework".into()))?;
    let assessment = service::create_assessment(
        db,
        frameworks,
        &admin,
        NewAssessment {
            council_id: council.id,
            title: "2026/27 (demonstration)",
            period_start: "2026-04-01",
            period_end: "2027-03-31",
            framework_key: &framework_key,
        },
    )
    .await
    .map_err(failed)?;
    service::set_status(db, &admin, assessment.id, "stage1").await.map_err(failed)?;
    let groups = store::groups(db, assessment.id).await?;
    let rfc =
        |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let statements: Vec<String> = framework.quality_statements().map(|q| q.id.to_string()).collect();
    let group_ids: Vec<String> = groups.iter().map(|g| g.id.to_string()).collect();
    let (opens, closes) = (rfc(now - Duration::days(30)), rfc(now + Duration::days(60)));
    let round = service::create_round(
        db,
        frameworks,
        &admin,
        assessment.id,
        NewRound {
            title: "Spring engagement survey (demonstration)",
            statements: &statements,
            groups: &group_ids,
            opens_at: &opens,
            closes_at: &closes,
            introduction: "This is demonstration data: the answers were generated, not given by real people.",
            privacy_notice: "Demonstration only.",
        },
    )
    .await
    .map_err(failed)?;

    // Synthetic responses, spread over groups, in batches of one transaction each.
    let items: Vec<_> = framework.quality_statements().flat_map(|q| q.checklist_items.iter()).collect();
    let staff_side = |category: &str| category != "peoples_experience";
    let mut made = 0;
    for batch in (0..respondents).collect::<Vec<_>>().chunks(50) {
        let mut tx = db.begin().await?;
        for &n in batch {
            let group = &groups[n % groups.len()];
            let answers: Vec<Answer> = items
                .iter()
                .map(|item| {
                    let pattern = pattern_for(item.id.number);
                    let rating = synthetic_rating(&mut rng, pattern, staff_side(&group.evidence_category));
                    let cites = rating != 0 && pattern != Pattern::DontKnow && rng.random_bool(0.45);
                    let needs = rng.random_bool(if pattern == Pattern::DontKnow { 0.5 } else { 0.12 });
                    Answer {
                        item: item.id,
                        rating: Rating::clamped(rating),
                        evidence: if cites {
                            EVIDENCE[rng.random_range(0..EVIDENCE.len())].into()
                        } else {
                            String::new()
                        },
                        evidence_needed: if needs {
                            NEEDED[rng.random_range(0..NEEDED.len())].into()
                        } else {
                            String::new()
                        },
                    }
                })
                .collect();
            let response = NewResponse {
                id: Uuid::now_v7(),
                assessment_id: assessment.id,
                round_id: Some(round.id),
                group_id: group.id,
                mode: domain::Mode::Survey.as_str(),
                user_id: None,
                reference: domain::new_reference(),
                idempotency_key: format!("demo-{n}"),
                workshop_date: None,
                facilitator: None,
                participants: None,
                submitted_at: now - Duration::minutes(rng.random_range(0..30 * 24 * 60)),
            };
            store::insert_response(&mut tx, &response, &answers).await?;
            made += 1;
        }
        tx.commit().await?;
    }
    // Stage 2, the evidence library and Stage 3, written by the assessment lead and verified
    // by the verifier.
    let actor_of = |label: &str| people.iter().find(|(l, _, _)| *l == label).map(|(_, e, _)| e.clone());
    let mut actors = Vec::new();
    for label in ["assessment lead", "verifier"] {
        let email = actor_of(label).ok_or(DemoError::Failed(label.into()))?;
        let user = crate::accounts::store::user_by_email(db, &email)
            .await?
            .ok_or(DemoError::Failed(label.into()))?;
        let actor = accounts::load_actor(db, user.id, Via::ApiToken { id: Uuid::nil() })
            .await?
            .ok_or(DemoError::Failed(label.into()))?;
        actors.push(actor);
    }
    let later_stages =
        crate::report::demo::fill(db, frameworks, &actors[0], &actors[1], assessment.id, &mut rng)
            .await
            .map_err(DemoError::Failed)?;
    Ok(Demo {
        later_stages,
        council_id: council.id,
        assessment_id: assessment.id,
        round_link: format!("/r/{}", round.token),
        people,
        responses: made,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_lean_the_way_they_say() {
        let mut rng = StdRng::seed_from_u64(7);
        let share_agree = |rng: &mut StdRng, p: Pattern, staff: bool| {
            let ratings: Vec<u8> = (0..2000).map(|_| synthetic_rating(rng, p, staff)).collect();
            let rated: Vec<&u8> = ratings.iter().filter(|r| **r > 0).collect();
            rated.iter().filter(|r| ***r >= 3).count() as f64 / rated.len() as f64
        };
        assert!(share_agree(&mut rng, Pattern::Strength, false) > 0.8);
        assert!(share_agree(&mut rng, Pattern::Weakness, true) < 0.3);
        assert!(share_agree(&mut rng, Pattern::GroupsDisagree, true) > 0.8);
        assert!(share_agree(&mut rng, Pattern::GroupsDisagree, false) < 0.3);
        let dont_know =
            (0..2000).filter(|_| synthetic_rating(&mut rng, Pattern::DontKnow, true) == 0).count();
        assert!(dont_know > 900, "{dont_know}");
        let kinds: std::collections::BTreeSet<_> =
            (1..=15).map(|n| format!("{:?}", pattern_for(n))).collect();
        assert_eq!(kinds.len(), 5, "every pattern appears in a quality statement of 15 items");
    }
}
