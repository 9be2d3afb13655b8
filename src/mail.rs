//! Outgoing email through an SMTP relay, when one is configured.
//!
//! Mail is a courtesy, never the only way: an invitation link is always shown to the person
//! who created it, so a relay that is down or refuses the message loses nothing.

use crate::config::redact;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::fmt;
use std::time::Duration;

/// How long one attempt to hand a message to the relay may take before we give up on it.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and as whom mail is sent. `Debug` never shows the relay's password.
#[derive(Clone)]
pub struct MailConfig {
    /// `smtp://user:pass@host:587?tls=required`, `smtps://host` or `smtp://host:25` (see the README).
    pub smtp_url: String,
    /// The sender, such as `Self-assessment <selfassess@council.gov.uk>`.
    pub from: String,
    /// The address people use to reach this service, for links in messages.
    pub public_url: url::Url,
}

impl fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &redact(&self.smtp_url))
            .field("from", &self.from)
            .field("public_url", &self.public_url.as_str())
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the SMTP URL `{url}` is not usable: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("the sender address `{0}` is not a valid mailbox")]
    BadFrom(String),
    #[error("the public URL must start with http:// or https://; got `{0}`")]
    BadPublicUrl(String),
    #[error("cannot build the message: {0}")]
    Message(String),
    #[error("the mail relay did not accept the message: {0}")]
    Send(String),
}

/// Sends messages through the configured relay. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: url::Url,
}

/// What an invitation message says.
pub struct InvitationMail<'a> {
    pub to: &'a str,
    pub council_name: &'a str,
    pub inviter_name: &'a str,
    pub role_label: &'a str,
    /// The path of the one-time link, such as `/invitations/…`.
    pub link_path: &'a str,
    pub expires: &'a str,
}

impl Mailer {
    /// Checks the configuration; connects only when the first message is sent. Call it
    /// within the async runtime (the connection pool starts a task).
    pub fn new(config: &MailConfig) -> Result<Self, MailError> {
        if !matches!(config.public_url.scheme(), "http" | "https") {
            return Err(MailError::BadPublicUrl(config.public_url.to_string()));
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
            .map_err(|e| MailError::BadUrl { url: redact(&config.smtp_url), reason: e.to_string() })?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let from = config.from.parse::<Mailbox>().map_err(|_| MailError::BadFrom(config.from.clone()))?;
        Ok(Self { transport, from, public_url: config.public_url.clone() })
    }

    /// The absolute address of a path of this service.
    pub fn absolute(&self, path: &str) -> String {
        self.public_url.join(path).map(String::from).unwrap_or_else(|_| path.to_owned())
    }

    pub async fn send_invitation(&self, mail: &InvitationMail<'_>) -> Result<(), MailError> {
        let to = mail.to.parse::<Mailbox>().map_err(|e| MailError::Message(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("Invitation to {}'s adult social care self-assessment", mail.council_name))
            .header(ContentType::TEXT_PLAIN)
            .body(invitation_text(mail, &self.absolute(mail.link_path)))
            .map_err(|e| MailError::Message(e.to_string()))?;
        let sent = tokio::time::timeout(SEND_TIMEOUT * 2, self.transport.send(message))
            .await
            .map_err(|_| MailError::Send("timed out".to_owned()))?;
        sent.map(|_| ()).map_err(|e| MailError::Send(e.to_string()))
    }
}

/// The plain-text body: short, with the link on a line of its own so mail programs keep it whole.
fn invitation_text(mail: &InvitationMail<'_>, link: &str) -> String {
    format!(
        "{inviter} has invited you to take part in {council}'s adult social care self-assessment \
         as {role}.\n\n\
         To accept, open this link and set your password (or sign in, if you already have an account):\n\n\
         {link}\n\n\
         The link works once and expires on {expires}. If you were not expecting this invitation, \
         you can ignore this email: nothing happens unless the link is used.\n",
        inviter = mail.inviter_name,
        council = mail.council_name,
        role = mail.role_label.to_lowercase(),
        expires = mail.expires,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(smtp_url: &str) -> MailConfig {
        MailConfig {
            smtp_url: smtp_url.to_owned(),
            from: "Self-assessment <selfassess@example.gov.uk>".to_owned(),
            public_url: "https://selfassess.example.gov.uk/".parse().unwrap(),
        }
    }

    // The connection pool needs a runtime.
    #[tokio::test]
    async fn a_relay_password_is_never_shown() {
        let config = config("smtp://relay:hunter2@mail.example.gov.uk:587?tls=required");
        assert!(!format!("{config:?}").contains("hunter2"));
        let bad = MailConfig { smtp_url: "smtp://relay:hunter2@/".to_owned(), ..config };
        let error = Mailer::new(&bad).err().expect("a URL without a host is refused");
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    // The connection pool needs a runtime.
    #[tokio::test]
    async fn configuration_is_checked_before_any_mail_is_sent() {
        assert!(Mailer::new(&config("smtp://mail.example.gov.uk:25")).is_ok());
        assert!(matches!(Mailer::new(&config("ftp://mail.example.gov.uk")), Err(MailError::BadUrl { .. })));
        let bad_from = MailConfig { from: "not an address".to_owned(), ..config("smtp://localhost") };
        assert!(matches!(Mailer::new(&bad_from), Err(MailError::BadFrom(_))));
        let bad_public =
            MailConfig { public_url: "ftp://x.example".parse().unwrap(), ..config("smtp://localhost") };
        assert!(matches!(Mailer::new(&bad_public), Err(MailError::BadPublicUrl(_))));
    }

    // The connection pool needs a runtime.
    #[tokio::test]
    async fn links_are_made_absolute_from_the_public_address() {
        let mailer = Mailer::new(&config("smtp://localhost")).unwrap();
        assert_eq!(mailer.absolute("/invitations/abc"), "https://selfassess.example.gov.uk/invitations/abc");
    }

    #[test]
    fn the_invitation_says_who_what_and_until_when() {
        let mail = InvitationMail {
            to: "sam@example.gov.uk",
            council_name: "Camden",
            inviter_name: "Ada Lead",
            role_label: "Verifier",
            link_path: "/invitations/t",
            expires: "29 November 2026",
        };
        let text = invitation_text(&mail, "https://x.example/invitations/t");
        assert!(text.contains("Ada Lead has invited you"), "{text}");
        assert!(text.contains("Camden's adult social care self-assessment as verifier"), "{text}");
        assert!(text.contains("\nhttps://x.example/invitations/t\n"), "{text}");
        assert!(text.contains("expires on 29 November 2026"), "{text}");
    }
}
