//! The `selfassess` command: parses the command line and starts things.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use selfassess::accounts::service::{self, ServiceError};
use selfassess::config::{Config, DatabaseUrl};
use selfassess::startup::Application;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "selfassess", version, about = "Adult social care self-assessment for English councils")]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no command, `selfassess` serves the web app.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve(ServeArgs),
    /// Work with framework files.
    Framework {
        #[command(subcommand)]
        command: FrameworkCommand,
    },
    /// Administer people from the command line.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Create a demonstration council with people, an assessment and synthetic responses.
    Demo {
        /// How many synthetic survey responses to make.
        #[arg(long, default_value_t = 300)]
        respondents: usize,
        /// Seed for the random answers (the same seed makes the same demo).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Work out the indicative overall rating from quality statement scores, by CQC's method:
    /// `selfassess rating 2,2,3,3,3,3,2,3,3`.
    Rating {
        /// Scores 1 to 4, separated by commas (or given as separate arguments).
        #[arg(required = true, num_args = 1..)]
        scores: Vec<String>,
        /// The framework whose rating bands to use.
        #[arg(long, default_value = "cqc-la-2023")]
        framework: String,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a platform administrator (the first one, on a new deployment).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Read the password from standard input (the only way: never as an argument).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create a personal API token for a person, for scripting; prints it once.
    Token {
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long, default_value = "command line")]
        name: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        days: i64,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain; exit non-zero naming the first bad entry.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum FrameworkCommand {
    /// Check a framework file; print its counts, or every problem with its location.
    Check { path: PathBuf },
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "SELFASSESS_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    mail: MailArgs,
    /// Largest spreadsheet a lead may upload for import, in MB (other requests: 2 MB).
    #[arg(long, env = "SELFASSESS_MAX_UPLOAD_MB", default_value_t = selfassess::web::limits::DEFAULT_UPLOAD_MB,
        value_parser = clap::value_parser!(u64).range(1..=1024))]
    max_upload_mb: u64,
    #[command(flatten)]
    evidence: EvidenceArgs,
}

/// The evidence library. The bucket's keys are read from the environment only
/// (`SELFASSESS_S3_ACCESS_KEY_ID`, `SELFASSESS_S3_SECRET_ACCESS_KEY`), never from arguments.
#[derive(Args, Clone)]
struct EvidenceArgs {
    /// Largest evidence file, in MB.
    #[arg(long, env = "SELFASSESS_EVIDENCE_MAX_MB", default_value_t = selfassess::evidence::storage::DEFAULT_MAX_MB,
        value_parser = clap::value_parser!(u64).range(1..=1024))]
    evidence_max_mb: u64,
    /// Evidence dated more than this many months before the assessment's date is flagged (each
    /// assessment's leads may change it).
    #[arg(long, env = "SELFASSESS_EVIDENCE_CURRENCY_MONTHS", default_value_t = selfassess::evidence::domain::DEFAULT_CURRENCY_MONTHS,
        value_parser = clap::value_parser!(u32).range(1..=120))]
    evidence_currency_months: u32,
    /// Keep evidence files in this S3 bucket instead of `<data-dir>/evidence`.
    #[arg(long, env = "SELFASSESS_S3_BUCKET")]
    s3_bucket: Option<String>,
    /// An S3-compatible server's address, e.g. `https://s3.council.example` (none for AWS).
    #[arg(long, env = "SELFASSESS_S3_ENDPOINT", hide_env_values = true)]
    s3_endpoint: Option<String>,
    /// The bucket's region.
    #[arg(long, env = "SELFASSESS_S3_REGION", default_value = "eu-west-2")]
    s3_region: String,
}

impl EvidenceArgs {
    fn config(&self) -> anyhow::Result<selfassess::evidence::storage::EvidenceConfig> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let s3 = match &self.s3_bucket {
            None => {
                if self.s3_endpoint.is_some() {
                    anyhow::bail!(
                        "with --s3-endpoint / SELFASSESS_S3_ENDPOINT, also set --s3-bucket / SELFASSESS_S3_BUCKET"
                    );
                }
                None
            }
            Some(bucket) => {
                let (id, secret) =
                    (env("SELFASSESS_S3_ACCESS_KEY_ID"), env("SELFASSESS_S3_SECRET_ACCESS_KEY"));
                if id.is_some() != secret.is_some() {
                    anyhow::bail!(
                        "set both SELFASSESS_S3_ACCESS_KEY_ID and SELFASSESS_S3_SECRET_ACCESS_KEY, or neither"
                    );
                }
                if let Some(endpoint) = &self.s3_endpoint {
                    url::Url::parse(endpoint).with_context(|| {
                        format!(
                            "--s3-endpoint / SELFASSESS_S3_ENDPOINT `{}` is not a URL",
                            selfassess::config::redact(endpoint)
                        )
                    })?;
                }
                Some(selfassess::evidence::storage::S3Config {
                    bucket: bucket.clone(),
                    endpoint: self.s3_endpoint.clone(),
                    region: self.s3_region.clone(),
                    access_key_id: id,
                    secret_access_key: secret,
                })
            }
        };
        Ok(selfassess::evidence::storage::EvidenceConfig {
            s3,
            max_upload_bytes: selfassess::evidence::storage::mb(self.evidence_max_mb),
            currency_months: self.evidence_currency_months,
        })
    }
}

/// Outgoing mail: all three or none.
#[derive(Args, Clone)]
struct MailArgs {
    /// SMTP relay for invitations, e.g. `smtp://user:pass@host:587?tls=required` or `smtps://host`.
    #[arg(long, env = "SELFASSESS_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Sender of mail, e.g. `Self-assessment <selfassess@council.gov.uk>`.
    #[arg(long, env = "SELFASSESS_MAIL_FROM")]
    mail_from: Option<String>,
    /// The address people reach this service at (for links in mail), e.g. `https://selfassess.council.gov.uk`.
    #[arg(long, env = "SELFASSESS_PUBLIC_URL")]
    public_url: Option<String>,
}

impl MailArgs {
    fn config(&self) -> anyhow::Result<Option<selfassess::mail::MailConfig>> {
        let Some(smtp_url) = &self.smtp_url else { return Ok(None) };
        let from = self
            .mail_from
            .clone()
            .context("with --smtp-url / SELFASSESS_SMTP_URL, also set --mail-from / SELFASSESS_MAIL_FROM")?;
        let public_url = self.public_url.as_deref().context(
            "with --smtp-url / SELFASSESS_SMTP_URL, also set --public-url / SELFASSESS_PUBLIC_URL",
        )?;
        let public_url = url::Url::parse(public_url)
            .with_context(|| format!("--public-url / SELFASSESS_PUBLIC_URL `{public_url}` is not a URL"))?;
        Ok(Some(selfassess::mail::MailConfig { smtp_url: smtp_url.clone(), from, public_url }))
    }
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Directory for the SQLite database and uploaded files.
    #[arg(long, env = "SELFASSESS_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://…`; default: an SQLite file in the data directory.
    #[arg(long, env = "SELFASSESS_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

impl DbArgs {
    fn database(&self) -> anyhow::Result<DatabaseUrl> {
        match &self.database_url {
            Some(url) => {
                url.parse::<DatabaseUrl>().context("invalid --database-url / SELFASSESS_DATABASE_URL")
            }
            None => Ok(DatabaseUrl::default_in(&self.data_dir)),
        }
    }

    /// Opens and migrates the database for a one-off command.
    async fn open(&self) -> anyhow::Result<selfassess::db::Db> {
        let db = selfassess::db::Db::connect(&self.database()?).await?;
        db.migrate().await?;
        Ok(db)
    }
}

impl ServeArgs {
    fn config(&self) -> anyhow::Result<Config> {
        Ok(Config {
            addr: self.addr,
            data_dir: self.db.data_dir.clone(),
            database: self.db.database()?,
            mail: self.mail.config()?,
            limits: selfassess::web::limits::Limits::with_upload_mb(self.max_upload_mb),
            evidence: self.evidence.config()?,
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Framework { command: FrameworkCommand::Check { path } }) => {
            return framework_check(&path);
        }
        Some(Command::Admin { command }) => return run_once(admin(command)),
        Some(Command::Demo { respondents, seed, db }) => return run_once(demo(respondents, seed, db)),
        Some(Command::Rating { scores, framework }) => return rating(&scores, &framework),
        Some(Command::Audit { command: AuditCommand::Verify { db } }) => {
            return run_once(async move {
                let db = db.open().await?;
                Ok(selfassess::audit::run_verify_command(&db).await?)
            });
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("selfassess: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a one-off command on its own runtime; errors print and exit 1.
fn run_once(command: impl std::future::Future<Output = anyhow::Result<ExitCode>>) -> ExitCode {
    let result = tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")
        .and_then(|rt| rt.block_on(command));
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("selfassess: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_field_errors(error: &ServiceError) -> anyhow::Error {
    match error {
        ServiceError::Invalid(errors) => {
            anyhow::anyhow!(
                errors
                    .iter()
                    .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
        other => anyhow::anyhow!("{other}"),
    }
}

async fn admin(command: AdminCommand) -> anyhow::Result<ExitCode> {
    match command {
        AdminCommand::Create { email, name, password_stdin: _, db } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            let db = db.open().await?;
            let id = service::create_platform_admin(&db, &email, &name, password)
                .await
                .map_err(|e| print_field_errors(&e))?;
            println!("created platform administrator {} ({id})", email.trim().to_lowercase());
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::Token { email, name, days, db } => {
            let db = db.open().await?;
            let created =
                service::cli_token(&db, &email, &name, days).await.map_err(|e| print_field_errors(&e))?;
            eprintln!(
                "token {} for {}, expires {}; it is shown only this once:",
                created.id,
                email.trim(),
                created.expires_at.date()
            );
            println!("{}", created.token);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn demo(respondents: usize, seed: u64, db: DbArgs) -> anyhow::Result<ExitCode> {
    let frameworks = selfassess::framework::Frameworks::shipped()?;
    let database = db.open().await?;
    let demo = selfassess::engagement::demo::create(&database, &frameworks, respondents, seed).await?;
    println!(
        "Created {} with {} synthetic responses, {} verified-or-submitted Stage 2 summaries, {} evidence items \
         and {} parts of the Stage 3 document.",
        selfassess::engagement::demo::DEMO_COUNCIL,
        demo.responses,
        demo.later_stages.summaries,
        demo.later_stages.evidence_items,
        demo.later_stages.report_parts
    );
    println!();
    println!("Sign in at /sign-in (for example http://127.0.0.1:8080/sign-in) as:");
    for (role, email, password) in &demo.people {
        println!("  {role:<36} {email:<52} password: {password}");
    }
    println!();
    println!("Council:    /councils/{}", demo.council_id);
    println!("Assessment: /assessments/{}", demo.assessment_id);
    println!("Survey:     {} (open; anyone can answer)", demo.round_link);
    println!();
    println!("These passwords are shown only now. The data is made up; the council is not real.");
    Ok(ExitCode::SUCCESS)
}

/// `selfassess rating 2,2,3,…`: prints the rating in one line, or names the bad score.
fn rating(scores: &[String], framework: &str) -> ExitCode {
    use selfassess::summaries::rating;
    let frameworks = match selfassess::framework::Frameworks::shipped() {
        Ok(frameworks) => frameworks,
        Err(error) => {
            eprintln!("selfassess: {error}");
            return ExitCode::FAILURE;
        }
    };
    let Some(framework) = frameworks.get(framework) else {
        let known: Vec<&str> = frameworks.all().iter().map(|f| f.key.as_str()).collect();
        eprintln!("selfassess rating: no framework {framework} (known: {})", known.join(", "));
        return ExitCode::FAILURE;
    };
    match rating::parse_scores(&scores.join(","))
        .and_then(|s| rating::rate(&s, &framework.scoring.rating_bands))
    {
        Ok(r) => {
            println!("{}", rating::describe(&r));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("selfassess rating: {error}");
            ExitCode::FAILURE
        }
    }
}

fn framework_check(path: &std::path::Path) -> ExitCode {
    match selfassess::framework::check_file(path) {
        Ok(framework) => {
            println!("{}: ok", path.display());
            println!("{}", framework.summary_line());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            eprintln!("{} problem(s) found", error.problems.len());
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let app = Application::build(&config).await?;
        let addr = app.local_addr().context("cannot read the listening address")?;
        tracing::info!(database = %config.database, data_dir = %config.data_dir.display(), "starting");
        match &config.mail {
            Some(mail) => tracing::info!(smtp = %selfassess::config::redact(&mail.smtp_url), "invitations are sent by email"),
            None => tracing::info!("no SMTP relay configured: invitation links are shown, not emailed"),
        }
        tracing::info!(store = %app.evidence_store(), "evidence files are kept in this store");
        // Scripts and the browser tests read this line to find the port.
        println!("selfassess listening on http://{addr}");
        app.run_until_stopped().await.context("server error")
    })
}
