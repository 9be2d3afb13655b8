//! A minimal HTTP/1.1 keep-alive client for the benchmark tools, and signing in through the
//! HTML form (form token and cookies) as a person would.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

pub struct Client {
    pub host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

pub struct Reply {
    pub status: u16,
    pub body: Bytes,
    pub set_cookies: Vec<String>,
}

impl Client {
    pub fn new(host: &str) -> Client {
        Client { host: host.to_owned(), sender: None }
    }

    async fn sender(&mut self) -> Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = tokio::net::TcpStream::connect(&self.host).await?;
            stream.set_nodelay(true)?;
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("connected"))
    }

    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Reply> {
        let mut request =
            hyper::Request::builder().method(method).uri(path).header("host", self.host.clone());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body))?;
        let sender = self.sender().await?;
        sender.ready().await?;
        let response = match sender.send_request(request).await {
            Ok(response) => response,
            Err(error) => {
                self.sender = None;
                return Err(error.into());
            }
        };
        let status = response.status().as_u16();
        let set_cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .collect();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Reply { status, body, set_cookies })
    }
}

/// The form token on a page.
pub fn csrf(html: &[u8]) -> Result<String> {
    let html = String::from_utf8_lossy(html);
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).ok_or("no csrf_token on the page")? + marker.len();
    let end = html[start..].find('"').ok_or("unterminated csrf_token")?;
    Ok(html[start..start + end].to_owned())
}

/// An `application/x-www-form-urlencoded` body.
pub fn form(fields: &[(&str, &str)]) -> Bytes {
    let escape = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let encoded: Vec<String> = fields.iter().map(|(k, v)| format!("{}={}", escape(k), escape(v))).collect();
    Bytes::from(encoded.join("&"))
}

/// Cookies as a browser keeps them: the latest value of each name.
#[derive(Default, Clone)]
pub struct Cookies(Vec<String>);

impl Cookies {
    pub fn remember(&mut self, set: Vec<String>) {
        for c in set {
            let name = c.split('=').next().unwrap_or_default().to_owned();
            self.0.retain(|old| !old.starts_with(&format!("{name}=")));
            self.0.push(c);
        }
    }

    pub fn header(&self) -> String {
        self.0.join("; ")
    }
}

/// Signs in through the form; returns the cookies of the signed-in session.
pub async fn sign_in(client: &mut Client, email: &str, password: &str) -> Result<Cookies> {
    let mut cookies = Cookies::default();
    let page = client.send("GET", "/sign-in", &[], Bytes::new()).await?;
    cookies.remember(page.set_cookies);
    let body = form(&[("csrf_token", &csrf(&page.body)?), ("email", email), ("password", password)]);
    let headers = [("content-type", "application/x-www-form-urlencoded"), ("cookie", &cookies.header())];
    let reply = client.send("POST", "/sign-in", &headers, body).await?;
    if reply.status != 303 {
        return Err(format!("sign-in answered {}", reply.status).into());
    }
    cookies.remember(reply.set_cookies);
    Ok(cookies)
}
