//! `--procs N`: a cluster of N processes of this same binary on
//! 127.0.0.1, one machine's way to use every core (and to test). The
//! parent picks free ports, writes the hosts file, hands the children the
//! shared secret through their environment (never their command line,
//! which other users can read), and watches them: the first child that
//! fails stops the others, and the run fails naming it and quoting the
//! last lines it wrote.

use super::{DistError, Event, Result};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The environment variable the shared secret is read from.
pub const SECRET_ENV: &str = "CASEGRAPH_DIST_SECRET";

/// Where each child's stderr lines go: (process, line).
pub type LineSink = Arc<dyn Fn(usize, &str) + Send + Sync>;

/// How to start the children.
pub struct Launch<'a> {
    /// This binary.
    pub exe: PathBuf,
    /// The arguments after `casegraph` common to every child (the `dist`
    /// subcommand, the case, `--out`, `--workers`, reading options); each
    /// child gets `--process I --hosts FILE` added.
    pub args: Vec<String>,
    pub procs: usize,
    pub secret: &'a [u8],
    /// Where the hosts file goes (a private folder).
    pub work_dir: &'a Path,
}

/// A fresh random secret for a local run, as hex.
pub fn random_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<String>()
        .into_bytes()
}

/// Free ports on 127.0.0.1, one per process (held until all are picked so
/// that no two are the same).
fn free_ports(n: usize) -> Result<Vec<u16>> {
    let listeners: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<_>>()
        .map_err(|e| DistError::Network(format!("finding free ports on 127.0.0.1: {e}")))?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| DistError::Network(e.to_string()))
}

struct Running {
    child: Child,
    /// The last lines the child wrote on stderr.
    tail: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

const TAIL_LINES: usize = 5;

/// Start the processes and wait for them; `Ok` when every one finished
/// well. Each child's stderr lines are passed to `line` as they come.
pub fn run_local(
    launch: &Launch<'_>,
    events: &(dyn Fn(Event) + Sync),
    line: LineSink,
) -> Result<()> {
    if launch.procs == 0 {
        return Err(DistError::Invalid(
            "--procs: expected at least 1 process, found 0".into(),
        ));
    }
    let hosts_file = write_hosts_file(launch)?;
    let mut running: Vec<Running> = Vec::with_capacity(launch.procs);
    for i in 0..launch.procs {
        match start_process(launch, i, &hosts_file, events, &line) {
            Ok(r) => running.push(r),
            Err(e) => {
                stop_all(&mut running);
                return Err(e);
            }
        }
    }
    watch_until_all_finish(&mut running)?;
    for r in &mut running {
        if let Some(t) = r.reader.take() {
            let _ = t.join();
        }
    }
    Ok(())
}

/// The hosts file of the local cluster: a free port on 127.0.0.1 for each
/// process, one a line, in the launch's private folder.
fn write_hosts_file(launch: &Launch<'_>) -> Result<PathBuf> {
    let ports = free_ports(launch.procs)?;
    let hosts: String = ports.iter().map(|p| format!("127.0.0.1:{p}\n")).collect();
    let hosts_file = launch.work_dir.join("hosts.txt");
    crate::atomic::write_atomically(&hosts_file, hosts.as_bytes())?;
    Ok(hosts_file)
}

/// Start process `i` with the shared secret in its environment, say so,
/// and start a thread that passes its stderr lines to `line` and keeps the
/// last few.
fn start_process(
    launch: &Launch<'_>,
    i: usize,
    hosts_file: &Path,
    events: &(dyn Fn(Event) + Sync),
    line: &LineSink,
) -> Result<Running> {
    let mut child = Command::new(&launch.exe)
        .args(&launch.args)
        .arg("--process")
        .arg(i.to_string())
        .arg("--hosts")
        .arg(hosts_file)
        .env(SECRET_ENV, String::from_utf8_lossy(launch.secret).as_ref())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            DistError::Process(format!(
                "starting process {i} ({}): {e}",
                launch.exe.display()
            ))
        })?;
    events(Event::Started {
        process: i,
        pid: child.id(),
    });
    let tail = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("stderr is piped");
    let (t, l) = (Arc::clone(&tail), Arc::clone(line));
    let reader = std::thread::spawn(move || {
        for text in BufReader::new(stderr).lines().map_while(|r| r.ok()) {
            l(i, &text);
            let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
            t.push(text);
            if t.len() > TAIL_LINES {
                t.remove(0);
            }
        }
    });
    Ok(Running {
        child,
        tail,
        reader: Some(reader),
    })
}

/// Poll the children until every one has finished; the first that fails
/// stops the others, and the error names it and quotes its last lines.
fn watch_until_all_finish(running: &mut [Running]) -> Result<()> {
    let mut finished = vec![false; running.len()];
    loop {
        for i in 0..running.len() {
            if finished[i] {
                continue;
            }
            let status = running[i]
                .child
                .try_wait()
                .map_err(|e| DistError::Process(format!("watching process {i}: {e}")))?;
            let Some(status) = status else { continue };
            finished[i] = true;
            if !status.success() {
                let (i, status) = match status.code() {
                    Some(_) => killed_peer(running, i).unwrap_or((i, status)),
                    None => (i, status),
                };
                return Err(stop_after_failure(running, i, &status));
            }
        }
        if finished.iter().all(|&f| f) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A process that failed with an error status (`failed`) may only have
/// seen its peer vanish: when another process was ended by a signal (an
/// operator's kill, the out-of-memory killer) that one is the cause, and it
/// is the one to name. Looks for up to 200 ms, the time a peer needs to
/// notice a lost connection; `None` when no process was signalled.
fn killed_peer(
    running: &mut [Running],
    failed: usize,
) -> Option<(usize, std::process::ExitStatus)> {
    for _ in 0..10 {
        for (j, r) in running.iter_mut().enumerate() {
            if j == failed {
                continue;
            }
            if let Ok(Some(st)) = r.child.try_wait() {
                if st.code().is_none() {
                    return Some((j, st));
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Process `i` ended with `status`, not well: read its last words, stop
/// the others, and say which process failed, how, and what it said.
fn stop_after_failure(
    running: &mut [Running],
    i: usize,
    status: &std::process::ExitStatus,
) -> DistError {
    // Its last words first, then stop the others.
    if let Some(r) = running[i].reader.take() {
        let _ = r.join();
    }
    let tail = running[i]
        .tail
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .join("\n    ");
    stop_all(running);
    let how = match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => describe_signal(status),
    };
    DistError::Process(if tail.is_empty() {
        format!("process {i} {how}; the other processes were stopped")
    } else {
        format!("process {i} {how}; the other processes were stopped. Its last words:\n    {tail}")
    })
}

#[cfg(unix)]
fn describe_signal(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(9) => "was killed (SIGKILL)".into(),
        Some(s) => format!("was stopped by signal {s}"),
        None => format!("ended: {status}"),
    }
}

#[cfg(not(unix))]
fn describe_signal(status: &std::process::ExitStatus) -> String {
    format!("ended: {status}")
}

/// Kill and reap every child still running (only the children started
/// here, by their handles).
fn stop_all(running: &mut [Running]) {
    for r in running.iter_mut() {
        if let Ok(None) = r.child.try_wait() {
            let _ = r.child.kill();
        }
    }
    for r in running.iter_mut() {
        let _ = r.child.wait();
    }
}
