//! `casegraph serve CASE [--leads DIR] [--port N] [--bind ADDR --token T]`:
//! explore the case in the browser ([`casegraph::serve`]). Prints the
//! address on stdout once the case is loaded and the port is bound, then
//! answers until stopped (Ctrl-C).

use super::{usage, CaseArgs};
use anyhow::Context;
use casegraph::serve::{self, notes, Access, Explorer, ExplorerConfig};
use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    case: CaseArgs,
    /// A `casegraph leads` output folder: its gangs and leads are listed on the page
    #[arg(long, value_name = "OUT_DIR")]
    leads: Option<PathBuf>,
    /// Port to listen on (0: any free port; the address is printed)
    #[arg(long, default_value_t = 7878)]
    port: u16,
    /// Address to listen on; anything but a loopback address needs --token
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    bind: IpAddr,
    /// A secret every request must carry (at least 16 characters); required with a non-loopback --bind
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// The analyst's notes file (default: beside the case, CASE.notes.json)
    #[arg(long, value_name = "FILE")]
    notes: Option<PathBuf>,
    /// The analyst's name, recorded with every note (default: $USER)
    #[arg(long, value_name = "NAME")]
    analyst: Option<String>,
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let addr = SocketAddr::new(a.bind, a.port);
    // Refuse an open bind before spending time on the case.
    Access::new(SocketAddr::new(a.bind, 1), a.token.clone()).map_err(usage)?;
    let graph = a.case.open()?;
    let notes_path = a
        .notes
        .clone()
        .unwrap_or_else(|| notes::notes_path_for(&a.case.case));
    let analyst = a
        .analyst
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "analyst".into());
    let explorer = Explorer::new(
        graph,
        ExplorerConfig {
            case_name: a.case.case.display().to_string(),
            leads_dir: a.leads.clone(),
            notes_path: notes_path.clone(),
            analyst,
        },
    )?;
    let listener = TcpListener::bind(addr).with_context(|| format!("listening on {addr}"))?;
    let bound = listener.local_addr()?;
    let access = Access::new(bound, a.token.clone()).map_err(usage)?;
    let app = serve::router(Arc::new(explorer), access);
    let host = match bound.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{}", bound.port()),
        IpAddr::V4(ip) => format!("{ip}:{}", bound.port()),
    };
    let url = match &a.token {
        Some(_) => format!("http://{host}/?token=…  (the token given with --token)"),
        None => format!("http://{host}/"),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "casegraph: serving {} at {url}", a.case.case.display())?;
    out.flush()?;
    drop(out);
    eprintln!(
        "casegraph: ready in {:.0} ms; notes in {}; Ctrl-C stops",
        started.elapsed().as_secs_f64() * 1000.0,
        notes_path.display()
    );
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    serve::run(listener, app, threads).context("serving")?;
    Ok(0)
}
