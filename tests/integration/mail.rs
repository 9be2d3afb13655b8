//! Invitations sent through a real SMTP conversation: the app's mail client talks to a small
//! SMTP server run by the test, which keeps what it is given.

use crate::helpers::{Backend, PASSWORD, browser, spawn_app_configured};
use selfassess::mail::MailConfig;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the server received it.
#[derive(Debug, Clone, Default)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// Listens on a free local port and accepts every message (or refuses every recipient).
async fn smtp_sink(refuse_recipients: bool) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP sink");
    let port = listener.local_addr().expect("address").port();
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let kept = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
                let mut current = Received::default();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-sink.test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        current = Received { mail_from: line[10..].trim().to_owned(), ..Default::default() };
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        if refuse_recipients {
                            b"550 5.1.1 mailbox unavailable\r\n"
                        } else {
                            current.rcpt_to.push(line[8..].trim().to_owned());
                            b"250 OK\r\n"
                        }
                    } else if upper == "DATA" {
                        let _ = write.write_all(b"354 end with .\r\n").await;
                        while let Ok(Some(data)) = lines.next_line().await {
                            if data == "." {
                                break;
                            }
                            current.data.push_str(&data);
                            current.data.push('\n');
                        }
                        kept.lock().expect("inbox").push(std::mem::take(&mut current));
                        b"250 OK queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, inbox)
}

fn mail_config(port: u16) -> MailConfig {
    MailConfig {
        smtp_url: format!("smtp://127.0.0.1:{port}"),
        from: "Self-assessment <selfassess@example.gov.uk>".to_owned(),
        public_url: "https://selfassess.example.gov.uk".parse().expect("url"),
    }
}

async fn invite(app: &crate::helpers::TestApp, email: &str) -> scraper::Html {
    let world = app.world().await;
    let lead = browser();
    app.sign_in_with(&lead, &world.lead, PASSWORD).await;
    let page = format!("/councils/{}/invite", world.council);
    let response = app.post_form_with(&lead, &page, &page, &[("email", email), ("role", "verifier")]).await;
    assert_eq!(response.status(), 200);
    scraper::Html::parse_document(&response.text().await.expect("body"))
}

#[tokio::test]
async fn invitations_are_emailed_when_a_relay_is_configured() {
    let (port, inbox) = smtp_sink(false).await;
    let app = spawn_app_configured(Backend::Sqlite, |config| config.mail = Some(mail_config(port))).await;
    let page = invite(&app, "Sam.Verifier@Example.org").await;
    assert_eq!(
        crate::helpers::select_texts(&page, "#invitation-emailed").len(),
        1,
        "the page says the link was emailed"
    );
    let shown =
        crate::helpers::select_texts(&page, "#invitation-link").pop().expect("the link is still shown");

    let received = inbox.lock().expect("inbox").clone();
    assert_eq!(received.len(), 1, "one message");
    let message = &received[0];
    assert_eq!(message.mail_from, "<selfassess@example.gov.uk>");
    assert_eq!(message.rcpt_to, ["<sam.verifier@example.org>"]);
    assert!(message.data.contains("Subject: Invitation to "), "{}", message.data);
    // The body is quoted-printable (long lines are folded with a soft break, `=` at the end).
    assert!(message.data.contains("Content-Transfer-Encoding: quoted-printable"), "{}", message.data);
    let text = message.data.replace("=\n", "").replace("=3D", "=");
    // The emailed link is the shown one, made absolute with the public address, and it works.
    let absolute = format!("https://selfassess.example.gov.uk{shown}");
    assert!(text.contains(&format!("\n{absolute}\n")), "{text}");
    assert!(text.contains("self-assessment as verifier"), "{text}");
    assert_eq!(app.get(&shown).await.status(), 200, "the emailed link opens the invitation");
}

#[tokio::test]
async fn an_invitation_survives_a_relay_that_refuses_it() {
    let (port, inbox) = smtp_sink(true).await;
    let app = spawn_app_configured(Backend::Sqlite, |config| config.mail = Some(mail_config(port))).await;
    let page = invite(&app, "refused@example.org").await;
    let notice =
        crate::helpers::select_texts(&page, "#invitation-not-emailed").pop().expect("says mail failed");
    assert!(notice.contains("send refused@example.org the link below yourself"), "{notice}");
    let shown = crate::helpers::select_texts(&page, "#invitation-link").pop().expect("link still shown");
    assert!(inbox.lock().expect("inbox").is_empty());
    assert_eq!(app.get(&shown).await.status(), 200, "the invitation was kept");
}

#[tokio::test]
async fn an_invitation_survives_a_relay_that_is_down() {
    // A port nobody listens on: bind one, then free it.
    let port = TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("addr").port();
    let app = spawn_app_configured(Backend::Sqlite, |config| config.mail = Some(mail_config(port))).await;
    let page = invite(&app, "down@example.org").await;
    assert_eq!(crate::helpers::select_texts(&page, "#invitation-not-emailed").len(), 1);
    let shown = crate::helpers::select_texts(&page, "#invitation-link").pop().expect("link still shown");
    assert_eq!(app.get(&shown).await.status(), 200);
}
