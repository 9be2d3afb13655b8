//! People and roles: parsed once at the edge, no I/O.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::framework::QualityStatementId;

/// A normalised email address (trimmed, lower-case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, &'static str> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter an email address");
        }
        if email.len() > 254 {
            return Err("Email address must be 254 characters or fewer");
        }
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
                    && email.chars().all(|c| !c.is_whitespace() && !c.is_control())
            }
            None => false,
        };
        if !valid {
            return Err("Enter an email address in the correct format, like name@example.gov.uk");
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's name as they want it shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str) -> Result<PersonName, &'static str> {
        let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err("Enter a name");
        }
        if name.chars().count() > 100 {
            return Err("Name must be 100 characters or fewer");
        }
        Ok(PersonName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A role within one council. Platform administrators are marked on the user instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    AssessmentLead,
    QualityStatementLead,
    Verifier,
    Contributor,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] =
        [Role::AssessmentLead, Role::QualityStatementLead, Role::Verifier, Role::Contributor, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::AssessmentLead => "assessment_lead",
            Role::QualityStatementLead => "quality_statement_lead",
            Role::Verifier => "verifier",
            Role::Contributor => "contributor",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::AssessmentLead => "Assessment lead",
            Role::QualityStatementLead => "Quality statement lead",
            Role::Verifier => "Verifier (senior manager)",
            Role::Contributor => "Contributor",
            Role::Viewer => "Viewer",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Role::AssessmentLead => {
                "Sets up assessment cycles, invites people, composes the final report and reads the audit log"
            }
            Role::QualityStatementLead => "Owns the Stage 2 summary of chosen quality statements",
            Role::Verifier => "Verifies Stage 2 summaries as the senior manager responsible",
            Role::Contributor => "Fills checklists while signed in and records workshops",
            Role::Viewer => "Reads everything in the council's assessments, changes nothing",
        }
    }

    pub fn parse(input: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == input)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The quality statements a quality statement lead owns, as stored ("QS1,QS4").
pub fn format_statements(statements: &[QualityStatementId]) -> String {
    statements.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",")
}

pub fn parse_statements(stored: &str) -> Vec<QualityStatementId> {
    stored.split(',').filter_map(|s| s.trim().parse().ok()).collect()
}

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A new password that passed the rules. Following NCSC guidance: length over complexity (no
/// rules about character classes), and a deny-list: zxcvbn's dictionaries of common passwords,
/// names and words, plus the person's own email and name and the service's name.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(input: &str, email: &str, name: &str) -> Result<NewPassword, String> {
        let chars = input.chars().count();
        if chars == 0 {
            return Err("Enter a password".into());
        }
        if chars < MIN_PASSWORD_CHARS {
            return Err(format!(
                "Password must be {MIN_PASSWORD_CHARS} characters or more. Three random words make a good password"
            ));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(format!("Password must be {MAX_PASSWORD_CHARS} characters or fewer"));
        }
        let lower = input.to_lowercase();
        let local = email.split('@').next().unwrap_or_default().to_lowercase();
        let personal = [local.as_str(), email, name, "selfassess", "self-assess", "social care"];
        if personal.iter().any(|p| p.chars().count() >= 4 && lower.contains(&p.to_lowercase())) {
            return Err(
                "Password must not contain your name, your email address or the name of this service".into(),
            );
        }
        let inputs: Vec<&str> = personal.iter().copied().filter(|p| !p.is_empty()).collect();
        let strength = zxcvbn::zxcvbn(input, &inputs);
        if (strength.score() as u8) < 3 {
            return Err("Password is too easy to guess: it is a common password or close to one. Try three random words".into());
        }
        Ok(NewPassword(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse("  Ada@Example.GOV.uk ").map(|e| e.0), Ok("ada@example.gov.uk".into()));
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "ada@@example.org",
            "a da@example.org",
            "ada@example..org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn passwords_favour_length_and_refuse_common_ones() {
        let ok = |p| NewPassword::parse(p, "ada@example.org", "Ada Lovelace").is_ok();
        assert!(ok("correct horse battery staple"));
        assert!(ok("kettle orbit plum lantern"));
        assert!(!ok("short"), "too short");
        assert!(!ok("password123"), "common");
        assert!(!ok("Password1234!"), "common with decoration");
        assert!(!ok("qwertyuiop"), "keyboard pattern");
        assert!(!ok("ada lovelace rocks"), "contains the name");
        assert!(!ok("my ada@example.org pw"), "contains the email");
        assert!(!ok(&"x".repeat(300)), "too long");
        assert!(
            !format!("{:?}", NewPassword::parse("correct horse battery staple", "a@b.co", "A").unwrap())
                .contains("horse")
        );
    }

    proptest! {
        #[test]
        fn email_parsing_is_idempotent(input in "[a-zA-Z0-9.@ _-]{0,40}") {
            if let Ok(email) = Email::parse(&input) {
                prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
                prop_assert_eq!(email.as_str().to_lowercase(), email.as_str());
            }
        }
    }
}
