//! Who is making a request, and what they may do. Authorisation lives here and in the
//! services, never only in templates.

use serde::Serialize;
use std::collections::BTreeSet;
use uuid::Uuid;

use super::domain::Role;
use crate::audit::AuditActor;
use crate::framework::QualityStatementId;

#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    pub council_id: Uuid,
    pub council_name: String,
    pub roles: BTreeSet<Role>,
    /// For quality statement leads: the statements they own.
    pub statements: Vec<QualityStatementId>,
}

/// How the request proved who it is.
#[derive(Debug, Clone)]
pub enum Via {
    Session { token_hash: String, csrf_token: String },
    ApiToken { id: Uuid },
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub is_platform_admin: bool,
    pub memberships: Vec<Membership>,
    pub via: Via,
}

/// Why an action was refused. `NotFound` hides another council's existence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    NotFound,
    Forbidden,
}

impl Actor {
    pub fn membership(&self, council_id: Uuid) -> Option<&Membership> {
        self.memberships.iter().find(|m| m.council_id == council_id)
    }

    pub fn has_role(&self, council_id: Uuid, role: Role) -> bool {
        self.membership(council_id).is_some_and(|m| m.roles.contains(&role))
    }

    /// Reading a council's pages: any member, or a platform administrator. Others get 404.
    pub fn can_read(&self, council_id: Uuid) -> Result<(), Denied> {
        if self.is_platform_admin || self.membership(council_id).is_some() {
            Ok(())
        } else {
            Err(Denied::NotFound)
        }
    }

    /// Leading a council (inviting people, reading its audit log): its assessment leads, and
    /// platform administrators, who may act as a lead in any council.
    pub fn can_lead(&self, council_id: Uuid) -> Result<(), Denied> {
        self.can_read(council_id)?;
        if self.is_platform_admin || self.has_role(council_id, Role::AssessmentLead) {
            Ok(())
        } else {
            Err(Denied::Forbidden)
        }
    }

    /// Writing a quality statement's Stage 2 summary: the council's assessment leads (all
    /// statements), its quality statement leads (the statements they lead), and platform
    /// administrators, as leads. Other members get 403; others 404.
    pub fn can_edit_summary(&self, council_id: Uuid, statement: QualityStatementId) -> Result<(), Denied> {
        self.can_read(council_id)?;
        let leads_it = self.membership(council_id).is_some_and(|m| {
            m.roles.contains(&Role::QualityStatementLead) && m.statements.contains(&statement)
        });
        if self.is_platform_admin || self.has_role(council_id, Role::AssessmentLead) || leads_it {
            Ok(())
        } else {
            Err(Denied::Forbidden)
        }
    }

    /// Verifying or returning a Stage 2 summary: the council's verifiers (senior managers).
    pub fn can_verify(&self, council_id: Uuid) -> Result<(), Denied> {
        self.can_read(council_id)?;
        if self.has_role(council_id, Role::Verifier) { Ok(()) } else { Err(Denied::Forbidden) }
    }

    /// Trying other scores on the "what if" page: assessment leads, quality statement leads and
    /// platform administrators.
    pub fn can_try_scores(&self, council_id: Uuid) -> Result<(), Denied> {
        self.can_read(council_id)?;
        if self.is_platform_admin
            || self.has_role(council_id, Role::AssessmentLead)
            || self.has_role(council_id, Role::QualityStatementLead)
        {
            Ok(())
        } else {
            Err(Denied::Forbidden)
        }
    }

    pub fn can_administer_platform(&self) -> Result<(), Denied> {
        if self.is_platform_admin { Ok(()) } else { Err(Denied::Forbidden) }
    }

    pub fn audit_actor(&self) -> AuditActor {
        AuditActor { user_id: Some(self.user_id), name: self.name.clone() }
    }

    pub fn session_hash(&self) -> Option<&str> {
        match &self.via {
            Via::Session { token_hash, .. } => Some(token_hash),
            Via::ApiToken { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_written_by_leads_of_their_statements_and_verified_by_verifiers() {
        let qs = |number| QualityStatementId { number };
        let (mut qs_lead, council) = actor(&[Role::QualityStatementLead], false);
        qs_lead.memberships[0].statements = vec![qs(1), qs(4)];
        assert_eq!(qs_lead.can_edit_summary(council, qs(1)), Ok(()));
        assert_eq!(qs_lead.can_edit_summary(council, qs(2)), Err(Denied::Forbidden));
        assert_eq!(qs_lead.can_verify(council), Err(Denied::Forbidden));
        assert_eq!(qs_lead.can_edit_summary(Uuid::now_v7(), qs(1)), Err(Denied::NotFound));
        let (lead, council) = actor(&[Role::AssessmentLead], false);
        assert_eq!(lead.can_edit_summary(council, qs(9)), Ok(()));
        assert_eq!(lead.can_verify(council), Err(Denied::Forbidden));
        let (verifier, council) = actor(&[Role::Verifier], false);
        assert_eq!(verifier.can_edit_summary(council, qs(1)), Err(Denied::Forbidden));
        assert_eq!(verifier.can_verify(council), Ok(()));
        assert_eq!(verifier.can_try_scores(council), Err(Denied::Forbidden));
        let (admin, _) = actor(&[], true);
        assert_eq!(admin.can_edit_summary(council, qs(2)), Ok(()));
        assert_eq!(admin.can_try_scores(council), Ok(()));
    }

    fn actor(roles: &[Role], admin: bool) -> (Actor, Uuid) {
        let council = Uuid::now_v7();
        let actor = Actor {
            user_id: Uuid::now_v7(),
            name: "Ada".into(),
            email: "ada@example.org".into(),
            is_platform_admin: admin,
            memberships: vec![Membership {
                council_id: council,
                council_name: "Hartlepool".into(),
                roles: roles.iter().copied().collect(),
                statements: vec![],
            }],
            via: Via::ApiToken { id: Uuid::now_v7() },
        };
        (actor, council)
    }

    #[test]
    fn other_councils_are_not_found_and_roles_are_forbidden() {
        let (viewer, council) = actor(&[Role::Viewer], false);
        let elsewhere = Uuid::now_v7();
        assert_eq!(viewer.can_read(council), Ok(()));
        assert_eq!(viewer.can_lead(council), Err(Denied::Forbidden));
        assert_eq!(viewer.can_read(elsewhere), Err(Denied::NotFound));
        assert_eq!(viewer.can_lead(elsewhere), Err(Denied::NotFound));
        let (lead, council) = actor(&[Role::AssessmentLead], false);
        assert_eq!(lead.can_lead(council), Ok(()));
        assert_eq!(lead.can_administer_platform(), Err(Denied::Forbidden));
        let (admin, _) = actor(&[], true);
        assert_eq!(admin.can_lead(elsewhere), Ok(()));
        assert_eq!(admin.can_administer_platform(), Ok(()));
    }
}
