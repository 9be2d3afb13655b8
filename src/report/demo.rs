//! The demonstration council's Stage 2, evidence library and Stage 3, so `selfassess demo`
//! shows the whole journey and the report benchmark times a document of realistic size:
//! a verified summary for every quality statement, an evidence item for every Information
//! Return item (most ready, some draft, some out of date), and a written document with its
//! sign-off. Made up, and said to be.

use rand::Rng;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::domain::{NewEndorsement, SectionA, SectionC, StatementPart};
use super::service;
use crate::accounts::actor::Actor;
use crate::db::Db;
use crate::evidence::domain::RawItem;
use crate::evidence::storage::Evidence;
use crate::framework::Frameworks;
use crate::summaries::domain::{Content, Improvement, Quotation, Strength};

/// What was made, for `selfassess demo` to say.
#[derive(Debug, Default)]
pub struct Made {
    pub summaries: usize,
    pub evidence_items: usize,
    pub report_parts: usize,
}

const OPENINGS: [&str; 8] = [
    "Our approach rests on what people tell us matters to them.",
    "We have worked with people who draw on care and support, carers and partners to shape this work.",
    "Performance data, audits and feedback all point in the same direction.",
    "We know where we are strong and where we need to improve, and we are open about both.",
    "Our workforce is stable, skilled and proud of the difference it makes.",
    "Partners across health, housing and the voluntary sector share this ambition.",
    "We test what we do against the experience of the people who use our services.",
    "Improvement is planned, resourced and tracked through our governance.",
];

const EVIDENCE_PHRASES: [&str; 8] = [
    "case file audits across every locality",
    "the annual survey of adult social care users",
    "feedback gathered at our Stage 1 workshops",
    "monthly performance reports to the leadership team",
    "complaints and compliments analysis",
    "the survey of adult carers in England",
    "peer challenge from neighbouring councils",
    "our co-production board's review",
];

/// About `words` words of plausible prose about `topic`, made of whole sentences.
pub fn prose(rng: &mut StdRng, topic: &str, words: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut paragraph = 0;
    while count < words {
        let sentence = match rng.random_range(0..4) {
            0 => OPENINGS[rng.random_range(0..OPENINGS.len())].to_owned(),
            1 => format!(
                "For {}, {} show steady progress over the last twelve months.",
                topic.to_lowercase(),
                EVIDENCE_PHRASES[rng.random_range(0..EVIDENCE_PHRASES.len())]
            ),
            2 => format!(
                "We measure {} through {} and act on what we learn.",
                topic.to_lowercase(),
                EVIDENCE_PHRASES[rng.random_range(0..EVIDENCE_PHRASES.len())]
            ),
            _ => format!(
                "People told us that {} works best when it starts from their own goals, and we have changed \
                 our practice to do that.",
                topic.to_lowercase()
            ),
        };
        count += super::domain::word_count(&sentence);
        if !out.is_empty() {
            out.push(if paragraph >= 4 { '\n' } else { ' ' });
            if paragraph >= 4 {
                out.push('\n');
                paragraph = 0;
            }
        }
        out.push_str(&sentence);
        paragraph += 1;
    }
    out
}

fn failed(what: &str, e: impl std::fmt::Debug) -> String {
    format!("{what}: {e:?}")
}

/// Fills the demonstration assessment. `lead` may write everything; `verifier` verifies.
pub async fn fill(
    db: &Db,
    frameworks: &Frameworks,
    lead: &Actor,
    verifier: &Actor,
    assessment_id: Uuid,
    rng: &mut StdRng,
) -> Result<Made, String> {
    use crate::summaries::service as summaries;
    let mut made = Made::default();
    let report = service::load(db, frameworks, lead, assessment_id).await.map_err(|e| failed("report", e))?;
    let framework = report.framework.clone();

    // The evidence library: one item per Information Return item.
    let evidence = Evidence::default();
    let types = crate::evidence::domain::DocumentType::ALL;
    for (i, ir) in framework.information_return_items.iter().enumerate() {
        let document_type = ir
            .document_types
            .iter()
            .find_map(|t| types.iter().find(|d| d.label().eq_ignore_ascii_case(t.trim())))
            .copied()
            .unwrap_or(crate::evidence::domain::DocumentType::Other);
        let title: String = ir.title.chars().take(150).collect();
        // A few out of date (dated two years back), the rest within the last year.
        let from = if i % 11 == 5 { "2024-04-01" } else { "2026-04-01" };
        let raw = RawItem {
            title: format!("{title} (demonstration)"),
            description: "A made-up document for the demonstration council.".into(),
            document_type: document_type.as_str().into(),
            link: format!("https://www.example.gov.uk/demo/{}", ir.code.to_string().to_lowercase()),
            pointer: String::new(),
            owner: "Head of performance".into(),
            effective_from: from.into(),
            effective_to: String::new(),
            ir_items: vec![ir.code.to_string()],
            quality_statements: vec![],
        };
        let id = crate::evidence::service::create(db, frameworks, &evidence, lead, assessment_id, &raw, None)
            .await
            .map_err(|e| failed("evidence item", e))?;
        // Most ready; every seventh left in draft, so coverage shows gaps.
        if i % 7 != 3 {
            crate::evidence::service::set_state(db, frameworks, &evidence, lead, assessment_id, id, "ready")
                .await
                .map_err(|e| failed("evidence state", e))?;
        }
        made.evidence_items += 1;
    }

    // Stage 2: a verified summary per statement (QS9's left submitted, not verified).
    for (n, qs) in framework.quality_statements().enumerate() {
        let items: Vec<&str> = qs.checklist_items.iter().map(|c| c.text.as_str()).collect();
        let pick = |k: usize| items.get(k % items.len().max(1)).copied().unwrap_or("this area");
        let content = Content {
            ambition: format!(
                "Our ambition for {} is that everyone gets the right support at the right time. {}",
                qs.title.to_lowercase(),
                prose(rng, &qs.title, 60)
            ),
            strengths: (0..3)
                .map(|k| Strength {
                    statement: pick(k * 2).to_owned(),
                    how_we_know: format!("Shown by {}.", EVIDENCE_PHRASES[(n + k) % EVIDENCE_PHRASES.len()]),
                    improvement_work: format!(
                        "We will keep this up through {}.",
                        EVIDENCE_PHRASES[(n + k + 3) % 8]
                    ),
                })
                .collect(),
            improvements: (0..3)
                .map(|k| Improvement {
                    area: format!("Not yet consistent: {}", pick(k * 2 + 1).to_lowercase()),
                    how_we_know: format!("Raised in {}.", EVIDENCE_PHRASES[(n + k + 5) % 8]),
                    work: format!("An improvement plan for {} by March 2027.", qs.title.to_lowercase()),
                })
                .collect(),
            quotations: vec![Quotation {
                text: "They listened to what mattered to me and it made a difference.".into(),
                source: "A person who draws on care and support".into(),
            }],
            recognitions: String::new(),
            documents: vec![],
            score: Some([3, 3, 2, 3, 4, 3, 2, 3, 3][n % 9]),
            rationale: prose(rng, &qs.title, 80),
        };
        let id = qs.id.to_string();
        summaries::save(db, frameworks, lead, assessment_id, &id, &content, None)
            .await
            .map_err(|e| failed("summary", e))?;
        summaries::submit(db, frameworks, lead, assessment_id, &id).await.map_err(|e| failed("submit", e))?;
        if n < 8 {
            let (_, summary) = summaries::load(db, frameworks, verifier, assessment_id, &id)
                .await
                .map_err(|e| failed("load", e))?;
            let input = summaries::VerifyInput {
                name: "Vic Verifier",
                post: "Director of adult social services",
                version: &summary.version().to_string(),
                content_hash: &summary.content_hash(),
            };
            summaries::verify(db, frameworks, verifier, assessment_id, &id, input)
                .await
                .map_err(|e| failed("verify", e))?;
        }
        made.summaries += 1;
    }

    // Stage 3: Section A, a part for each verified statement, Section C and four endorsements.
    let report = service::load(db, frameworks, lead, assessment_id).await.map_err(|e| failed("report", e))?;
    let mut a = SectionA::default();
    for (id, title, _) in report.section_a_parts() {
        a.parts.insert(id.to_owned(), prose(rng, &super::compose::clean_title(title), 420));
    }
    service::save_section_a(db, &report, lead, &a, None).await.map_err(|e| failed("section A", e))?;
    made.report_parts += 1;
    for entry in &report.statements {
        let Some(from) = entry.verified_from() else { continue };
        let mut part = StatementPart::from_summary(&entry.summary.content, from, &report.limits);
        // Written up to a little under the limit, as a council would.
        let room = report.limits.statement_words.saturating_sub(part.words() + 40);
        part.performance = format!("{}\n\n{}", part.performance, prose(rng, &entry.title, room / 2));
        part.introduction = format!("{} {}", part.introduction, prose(rng, &entry.title, room / 3));
        while part.words() > report.limits.statement_words {
            part.introduction =
                part.introduction.rsplit_once(' ').map(|(a, _)| a.to_owned()).unwrap_or_default();
        }
        service::save_statement(db, &report, lead, entry.id, &part, None)
            .await
            .map_err(|e| failed("section B", e))?;
        made.report_parts += 1;
    }
    let c = SectionC {
        process: format!(
            "We followed the LGA and ADASS self-assessment toolkit in three stages.\n\n{}",
            prose(rng, "Our self-assessment", 300)
        ),
    };
    service::save_section_c(db, &report, lead, &c, None).await.map_err(|e| failed("section C", e))?;
    made.report_parts += 1;
    for (role, name) in [
        ("director_of_adult_social_services", "Dana Director"),
        ("chief_executive", "Chris Chief"),
        ("council_leader", "Councillor Lee Leader"),
        ("lived_experience_representatives", "The co-production board"),
    ] {
        let endorsement = NewEndorsement {
            role: role.into(),
            name: name.into(),
            comment: "We have read this self-assessment and endorse it as a fair account of adult social care here."
                .into(),
            endorsed_on: Some(time::macros::date!(2026 - 11 - 01)),
        };
        service::add_endorsement(db, &report, lead, &endorsement)
            .await
            .map_err(|e| failed("endorsement", e))?;
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn prose_is_about_as_long_as_asked_and_in_sentences() {
        let mut rng = StdRng::seed_from_u64(7);
        let text = prose(&mut rng, "Assessing needs", 300);
        let n = super::super::domain::word_count(&text);
        assert!((300..340).contains(&n), "{n}");
        assert!(text.ends_with('.'));
        assert!(text.contains("\n\n"), "paragraphs");
    }
}
