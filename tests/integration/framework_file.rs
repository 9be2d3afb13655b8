//! The shipped framework file: counts, ids, exact texts; and every kind of broken file.

use selfassess::framework::{ChecklistItemId, Framework, FrameworkError, Frameworks, IrCode, parse};
use std::collections::BTreeSet;

const SHIPPED: &str = include_str!("../../frameworks/cqc-la-2023.yaml");

fn shipped() -> Framework {
    parse("frameworks/cqc-la-2023.yaml", SHIPPED).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn counts_match_the_sources() {
    let framework = shipped();
    assert_eq!(framework.key, "cqc-la-2023");
    assert_eq!(framework.themes.len(), 4);
    let ids: Vec<String> = framework.quality_statements().map(|qs| qs.id.to_string()).collect();
    assert_eq!(ids, ["QS1", "QS2", "QS3", "QS4", "QS5", "QS6", "QS7", "QS8", "QS9"]);
    let per_statement: Vec<usize> =
        framework.quality_statements().map(|qs| qs.checklist_items.len()).collect();
    assert_eq!(per_statement, [14, 12, 7, 12, 6, 10, 15, 9, 10]);
    assert_eq!(framework.checklist_item_count(), 95);
    let per_theme: Vec<usize> = framework.themes.iter().map(|t| t.quality_statements.len()).collect();
    assert_eq!(per_theme, [3, 2, 2, 2]);

    let codes: BTreeSet<u8> = framework.information_return_items.iter().map(|i| i.code.number).collect();
    let expected: BTreeSet<u8> = (2..=38).filter(|n| *n != 31 && *n != 32).collect();
    assert_eq!(framework.information_return_items.len(), 35);
    assert_eq!(codes, expected);
    assert_eq!(framework.stage3.sections.len(), 4);
    assert_eq!(framework.top_tips.len(), 9);
    assert_eq!(
        framework.summary_line(),
        "cqc-la-2023 (November 2023): 4 themes, 9 quality statements, 95 checklist items \
         (14, 12, 7, 12, 6, 10, 15, 9, 10), 35 Information Return items"
    );
}

#[test]
fn ids_are_unique_and_in_order() {
    let framework = shipped();
    let mut seen = BTreeSet::new();
    for qs in framework.quality_statements() {
        for (i, item) in qs.checklist_items.iter().enumerate() {
            assert_eq!(item.id, ChecklistItemId { statement: qs.id.number, number: (i + 1) as u8 });
            assert!(seen.insert(item.id), "duplicate {}", item.id);
        }
        assert_eq!(qs.required_evidence.len(), 5, "{}", qs.id);
    }
    assert_eq!(seen.len(), 95);
}

#[test]
fn information_return_items_map_to_quality_statements() {
    let framework = shipped();
    let item = |n| {
        framework
            .information_return_items
            .iter()
            .find(|i| i.code == IrCode { number: n })
            .unwrap_or_else(|| panic!("IR{n}"))
    };
    // "All" maps to all nine.
    for n in [2, 3, 4, 37, 38] {
        assert!(item(n).applies_to_all, "IR{n}");
        assert_eq!(item(n).quality_statements.len(), 9, "IR{n}");
    }
    let statements = |n| item(n).quality_statements.iter().map(|q| q.to_string()).collect::<Vec<_>>();
    assert_eq!(statements(5), ["QS1"]);
    assert_eq!(statements(7), ["QS2"]);
    assert_eq!(statements(11), ["QS3"]);
    assert_eq!(statements(14), ["QS4"]);
    assert_eq!(statements(23), ["QS5"]);
    assert_eq!(statements(24), ["QS6"]);
    assert_eq!(statements(29), ["QS7"]);
    assert_eq!(statements(33), ["QS8"]);
    assert_eq!(statements(36), ["QS9"]);
    assert_eq!(item(5).document_types, ["Policy and procedures", "Performance reports"]);
    for item in &framework.information_return_items {
        assert!(!item.quality_statements.is_empty() && !item.document_types.is_empty(), "{}", item.code);
    }
    // The duplicated IR5-IR7 block of the source is carried once.
    let count = |n| framework.information_return_items.iter().filter(|i| i.code.number == n).count();
    assert_eq!((count(5), count(6), count(7)), (1, 1, 1));
}

#[test]
fn a_sample_of_texts_is_carried_faithfully() {
    let framework = shipped();
    let qs = |n: usize| framework.quality_statements().nth(n - 1).expect("statement");
    assert_eq!(
        qs(1).we_statements,
        [
            "We maximise the effectiveness of people's care and treatment by assessing and reviewing their health, care, wellbeing and communication needs with them."
        ]
    );
    assert_eq!(
        qs(1).checklist_items[0].text,
        "The wellbeing principle is embedded throughout the local authority care and support system and is clearly promoted when carrying out all care and support functions."
    );
    assert_eq!(
        qs(1).checklist_items[1].text,
        "People's care and support reflects their right to choose, builds on strengths and assets, reflects what they want to achieve and how they wish to live their lives."
    );
    assert_eq!(
        qs(1).checklist_items[13].text,
        "People have access to independent advocacy services to support adult and unpaid carers with assessment, care and support planning or review if required."
    );
    assert_eq!(qs(1).title, "Assessing needs");
    assert_eq!(qs(7).title, "Safeguarding");
    assert_eq!(qs(9).title, "Learning, improvement and innovation");
    assert_eq!(framework.themes[2].title, "How the local authority ensures safety within the system");
    assert!(qs(1).care_act_sections.iter().any(|s| s == "Sections 9-13: Assessing needs"));
    let outcomes = qs(1).required_evidence.iter().find(|e| e.category == "outcomes").expect("outcomes");
    assert!(!outcomes.used_for_local_authorities);
    assert_eq!(outcomes.note.as_deref(), Some("We will not look at evidence under this category."));
    assert_eq!(
        qs(1).stage2_prompts[0].text(),
        "Is there a clear approach to assessment and review systems to understand effectiveness and impact?"
    );
    let labels: Vec<(u8, &str)> =
        framework.rating_scale.iter().map(|o| (o.value, o.label.as_str())).collect();
    assert_eq!(
        labels,
        [
            (1, "Strongly disagree"),
            (2, "Tend to disagree"),
            (3, "Tend to agree"),
            (4, "Strongly agree"),
            (0, "Don't know")
        ]
    );
    assert_eq!(
        framework.free_text_question,
        "Why? What evidence do you have to support this? What evidence do you need?"
    );
    assert_eq!(framework.top_tips[3], "Users, carers and their advocates are accorded greatest importance");
    let b = framework.stage3.sections.iter().find(|s| s.id == "B").expect("section B");
    assert_eq!((b.word_limit, b.max_strengths, b.max_improvements), (Some(750), Some(3), Some(3)));
    let a = framework.stage3.sections.iter().find(|s| s.id == "A").expect("section A");
    assert_eq!(a.suggested_max_pages, Some(4));
    let c = framework.stage3.sections.iter().find(|s| s.id == "C").expect("section C");
    assert_eq!(c.sign_off_roles.len(), 11);
    assert_eq!(c.sign_off_roles[0].title.to_lowercase(), "council leader");
    // No extraction artefacts survived anywhere in the file.
    for artefact in
        ["•", "\\circ", "포", "<u>", "**", "U sers", "E vidence", " ,", "| Adult social care self assessment"]
    {
        assert!(!SHIPPED.contains(artefact), "artefact {artefact:?} in the framework file");
    }
}

#[test]
fn the_shipped_frameworks_load() {
    let frameworks = Frameworks::shipped().unwrap_or_else(|e| panic!("{e}"));
    assert!(frameworks.get("cqc-la-2023").is_some());
}

/// Breaks the shipped file by replacing `from` (which must occur) with `to`.
fn broken(from: &str, to: &str) -> FrameworkError {
    assert!(SHIPPED.contains(from), "the fixture text {from:?} is not in the file");
    let text = SHIPPED.replacen(from, to, 1);
    match parse("broken.yaml", &text) {
        Ok(_) => panic!("replacing {from:?} with {to:?} should break the file"),
        Err(error) => {
            assert_eq!(error.file, "broken.yaml");
            assert!(!error.problems.is_empty());
            error
        }
    }
}

fn assert_problem(error: &FrameworkError, location: &str, message: &str) {
    assert!(
        error.problems.iter().any(|p| p.location.starts_with(location) && p.message.contains(message)),
        "expected a problem at {location:?} containing {message:?}; got:\n{error}"
    );
}

#[test]
fn a_yaml_syntax_error_names_the_line() {
    let error = broken("key: cqc-la-2023", "key: [cqc-la-2023");
    let text = error.to_string();
    assert!(text.starts_with("broken.yaml: "), "{text}");
    assert!(text.contains("line "), "{text}");
}

#[test]
fn a_missing_field_is_named_with_its_path() {
    let error = broken(
        "        - id: QS1.1\n          text: The wellbeing",
        "        - id: QS1.1\n          txt: The wellbeing",
    );
    assert_problem(&error, "toolkit.quality_statements.QS1.checklist_items[0]", "txt");
    let error = broken("version: November 2023\nsources:", "sources:");
    assert_problem(&error, "document", "missing field `version`");
}

#[test]
fn a_duplicate_or_misnumbered_checklist_item_is_reported() {
    let error = broken("- id: QS1.14\n", "- id: QS1.13\n");
    assert_problem(&error, "toolkit.quality_statements.QS1.checklist_items[13].id", "must be `QS1.14`");
}

#[test]
fn a_duplicate_quality_statement_id_is_reported() {
    let error = broken("    - id: QS2\n", "    - id: QS1\n");
    assert_problem(&error, "cqc.quality_statements[1].id", "must be `QS2`");
}

#[test]
fn an_ir_item_naming_an_unknown_quality_statement_is_reported() {
    let error = broken(
        "quality_statements: [QS5]\n        document_types: [BCF plan",
        "quality_statements: [QS10]\n        document_types: [BCF plan",
    );
    assert_problem(&error, "toolkit.information_return.items[", "unknown quality statement `QS10`");
    let error = broken(
        "quality_statements: [QS5]\n        document_types: [BCF plan",
        "quality_statements: some\n        document_types: [BCF plan",
    );
    assert_problem(&error, "toolkit.information_return.items[", "must be `all` or a list");
}

#[test]
fn a_duplicate_ir_code_is_reported() {
    let error = broken("- code: IR23\n", "- code: IR22\n");
    assert_problem(&error, "toolkit.information_return.items[", "duplicate Information Return item `IR22`");
}

#[test]
fn a_missing_evidence_category_is_reported() {
    let error = broken("        peoples_experience:\n", "        peoples_experiences:\n");
    assert_problem(
        &error,
        "cqc.quality_statements[0].required_evidence",
        "missing the evidence category `peoples_experience`",
    );
    assert_problem(
        &error,
        "cqc.quality_statements[0].required_evidence.peoples_experiences",
        "unknown evidence category",
    );
}

#[test]
fn a_rating_scale_without_dont_know_is_reported() {
    let error = broken("{ value: 0, label: \"Don't know\" }", "{ value: 5, label: \"Don't know\" }");
    assert_problem(&error, "toolkit.rating_scale", "exactly the five answers");
}

#[test]
fn overlapping_rating_bands_are_reported() {
    let error = broken("min_percent: 63", "min_percent: 60");
    assert_problem(&error, "scoring.rating_bands[2]", "must start at 63%");
}

#[test]
fn an_unknown_key_is_reported_not_ignored() {
    let error = broken("key: cqc-la-2023\n", "key: cqc-la-2023\ncolour: blue\n");
    assert_problem(&error, "colour (line 15", "unknown field `colour`");
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = SHIPPED.replacen("- code: IR23\n", "- code: IR22\n", 1).replacen(
        "- id: QS1.14\n",
        "- id: QS1.13\n",
        1,
    );
    let error = parse("broken.yaml", &text).expect_err("broken");
    assert!(error.problems.len() >= 2, "{error}");
}

#[test]
fn framework_check_command_prints_counts_or_problems() {
    let bin = env!("CARGO_BIN_EXE_selfassess");
    let good = std::process::Command::new(bin)
        .args(["framework", "check", concat!(env!("CARGO_MANIFEST_DIR"), "/frameworks/cqc-la-2023.yaml")])
        .output()
        .expect("run selfassess");
    assert!(good.status.success());
    let stdout = String::from_utf8_lossy(&good.stdout);
    assert!(stdout.contains("95 checklist items (14, 12, 7, 12, 6, 10, 15, 9, 10)"), "{stdout}");
    assert!(stdout.contains("35 Information Return items"), "{stdout}");

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, SHIPPED.replacen("- code: IR23\n", "- code: IR22\n", 1)).expect("write");
    let bad = std::process::Command::new(bin).args(["framework", "check"]).arg(&path).output().expect("run");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("broken.yaml: toolkit.information_return.items["), "{stderr}");
    assert!(stderr.contains("duplicate Information Return item `IR22`"), "{stderr}");

    let missing = std::process::Command::new(bin)
        .args(["framework", "check", "/nonexistent.yaml"])
        .output()
        .expect("run");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot be read"));
}
