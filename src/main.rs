//! The `selfassess` command: parses the command line and starts things.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use selfassess::config::{Config, DatabaseUrl};
use selfassess::startup::Application;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "selfassess",
    version,
    about = "Adult social care self-assessment for English councils"
)]
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
    /// Directory for the SQLite database and uploaded files.
    #[arg(long, env = "SELFASSESS_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://…`; default: an SQLite file in the data directory.
    #[arg(long, env = "SELFASSESS_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

impl ServeArgs {
    fn config(&self) -> anyhow::Result<Config> {
        let database = match &self.database_url {
            Some(url) => url
                .parse::<DatabaseUrl>()
                .context("invalid --database-url / SELFASSESS_DATABASE_URL")?,
            None => DatabaseUrl::default_in(&self.data_dir),
        };
        Ok(Config {
            addr: self.addr,
            data_dir: self.data_dir.clone(),
            database,
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Framework {
            command: FrameworkCommand::Check { path },
        }) => {
            return framework_check(&path);
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
        // Scripts and the browser tests read this line to find the port.
        println!("selfassess listening on http://{addr}");
        app.run_until_stopped().await.context("server error")
    })
}
