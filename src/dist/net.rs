//! Connecting the processes of a run, and authenticating them, before
//! timely is handed the sockets (timely's own network layer trusts anyone
//! who connects).
//!
//! Process `i` listens on its own address, connects to every process
//! before it and accepts every process after it (timely's layout: one
//! socket per pair). Each connection starts with a challenge/response in
//! both directions over a shared secret, HMAC-SHA256 over both sides'
//! fresh 32-byte nonces, both process numbers and the run's shape (process
//! and worker counts): the connecting side proves it knows the secret for
//! this very challenge, then the accepting side proves it in turn. Nothing
//! of the case flows before both have. A failed proof stops the run on
//! both sides with a message naming the peer; so does a peer that does not
//! come within the connect timeout. The secret never crosses the network.
//! Traffic after the handshake is not encrypted: run on a private network
//! or through a tunnel (docs/dist.md).

use super::{Cluster, DistError, Result};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant};

const MAGIC: &[u8; 8] = b"CGDIST01";
/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 16;
/// How long one step of the handshake may take once connected.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// The addresses of a hosts file: one `host:port` per line, in process
/// order; blank lines and `#` comments are skipped.
pub fn read_hosts(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        DistError::Invalid(format!(
            "{}: cannot read the hosts file: {e}",
            path.display()
        ))
    })?;
    let mut hosts = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if !line.contains(':') {
            return Err(DistError::Invalid(format!(
                "{}:{}: expected host:port, found {line:?}",
                path.display(),
                i + 1
            )));
        }
        hosts.push(line.to_string());
    }
    if hosts.is_empty() {
        return Err(DistError::Invalid(format!(
            "{}: expected one host:port per process, found none",
            path.display()
        )));
    }
    Ok(hosts)
}

/// Check a shared secret's length.
pub fn check_secret(secret: &[u8]) -> Result<()> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(DistError::Invalid(format!(
            "shared secret: expected at least {MIN_SECRET_BYTES} bytes, found {}",
            secret.len()
        )));
    }
    Ok(())
}

/// The run's shape both sides must agree on.
#[derive(Clone, Copy)]
struct Shape {
    processes: u64,
    workers: u64,
}

fn mac(secret: &[u8], role: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(b"casegraph-dist ");
    m.update(role);
    for p in parts {
        m.update(&(p.len() as u64).to_le_bytes());
        m.update(p);
    }
    m
}

fn transcript(
    nonce_first: &[u8; 32],
    nonce_second: &[u8; 32],
    from: usize,
    to: usize,
    shape: Shape,
) -> Vec<Vec<u8>> {
    vec![
        nonce_first.to_vec(),
        nonce_second.to_vec(),
        (from as u64).to_le_bytes().to_vec(),
        (to as u64).to_le_bytes().to_vec(),
        shape.processes.to_le_bytes().to_vec(),
        shape.workers.to_le_bytes().to_vec(),
    ]
}

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(|x| x.as_slice()).collect()
}

fn nonce() -> [u8; 32] {
    let mut n = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut n);
    n
}

fn read_exact(s: &mut TcpStream, buf: &mut [u8], what: &str) -> Result<()> {
    s.read_exact(buf)
        .map_err(|e| DistError::Network(format!("handshake: reading {what}: {e}")))
}

fn write_all(s: &mut TcpStream, buf: &[u8], what: &str) -> Result<()> {
    s.write_all(buf)
        .map_err(|e| DistError::Network(format!("handshake: sending {what}: {e}")))
}

/// Connected and authenticated sockets to every other process, in process
/// order, `None` at this process's own place: what
/// `initialize_networking_from_sockets` takes.
pub fn connect_all(
    cluster: &Cluster,
    workers: usize,
    timeout: Duration,
) -> Result<Vec<Option<TcpStream>>> {
    check_secret(&cluster.secret)?;
    let me = cluster.process;
    let n = cluster.addresses.len();
    if me >= n {
        return Err(DistError::Invalid(format!(
            "--process: expected a number below {n} (the hosts file's processes), found {me}"
        )));
    }
    let shape = Shape {
        processes: n as u64,
        workers: workers as u64,
    };
    let deadline = Instant::now() + timeout;
    let listener = TcpListener::bind(&cluster.addresses[me]).map_err(|e| {
        DistError::Network(format!(
            "process {me}: cannot listen on {}: {e}",
            cluster.addresses[me]
        ))
    })?;
    let lower: Vec<(usize, String)> = cluster.addresses[..me]
        .iter()
        .cloned()
        .enumerate()
        .collect();
    let secret = cluster.secret.clone();
    let connector = std::thread::spawn(move || -> Result<Vec<TcpStream>> {
        lower
            .iter()
            .map(|(j, addr)| connect_one(&secret, me, *j, addr, shape, deadline))
            .collect()
    });
    let accepted = accept_higher(&listener, cluster, shape, deadline);
    let connected = connector
        .join()
        .map_err(|_| DistError::Network("the connecting thread stopped unexpectedly".into()))?;
    let accepted = accepted?;
    let connected = connected?;
    let mut sockets: Vec<Option<TcpStream>> = connected.into_iter().map(Some).collect();
    sockets.push(None);
    sockets.extend(accepted.into_iter().map(Some));
    for s in sockets.iter().flatten() {
        s.set_read_timeout(None)
            .and_then(|_| s.set_write_timeout(None))
            .and_then(|_| s.set_nodelay(true))
            .map_err(|e| DistError::Network(format!("configuring a socket: {e}")))?;
    }
    Ok(sockets)
}

/// Connect to process `to` (retrying until the deadline) and prove this
/// process knows the secret, then check its proof.
fn connect_one(
    secret: &[u8],
    me: usize,
    to: usize,
    addr: &str,
    shape: Shape,
    deadline: Instant,
) -> Result<TcpStream> {
    let mut last = String::from("not tried");
    let mut s = loop {
        if Instant::now() >= deadline {
            return Err(DistError::Network(format!(
                "process {me}: could not reach process {to} at {addr} before the connect timeout: {last}"
            )));
        }
        let target = addr
            .to_socket_addrs()
            .map_err(|e| DistError::Network(format!("process {to}: bad address {addr:?}: {e}")))?
            .next()
            .ok_or_else(|| {
                DistError::Network(format!("process {to}: {addr:?} names no address"))
            })?;
        match TcpStream::connect_timeout(&target, Duration::from_secs(2)) {
            Ok(s) => break s,
            Err(e) => {
                last = e.to_string();
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    s.set_read_timeout(Some(STEP_TIMEOUT))
        .map_err(|e| DistError::Network(e.to_string()))?;
    let mut hello = [0u8; 40];
    read_exact(&mut s, &mut hello, &format!("process {to}'s challenge"))?;
    if &hello[..8] != MAGIC {
        return Err(DistError::Network(format!(
            "process {to} at {addr}: expected a casegraph dist process, found another protocol"
        )));
    }
    let theirs: [u8; 32] = hello[8..].try_into().expect("32 bytes");
    let mine = nonce();
    let t = transcript(&theirs, &mine, me, to, shape);
    let proof = mac(secret, b"connector", &refs(&t)).finalize().into_bytes();
    let mut msg = Vec::with_capacity(8 + 24 + 32 + 32);
    msg.extend_from_slice(MAGIC);
    msg.extend_from_slice(&(me as u64).to_le_bytes());
    msg.extend_from_slice(&shape.processes.to_le_bytes());
    msg.extend_from_slice(&shape.workers.to_le_bytes());
    msg.extend_from_slice(&mine);
    msg.extend_from_slice(&proof);
    write_all(&mut s, &msg, "this process's proof")?;
    let mut verdict = [0u8; 1];
    read_exact(&mut s, &mut verdict, &format!("process {to}'s verdict"))
        .map_err(|_| refused(to, addr))?;
    match verdict[0] {
        1 => {}
        2 => {
            return Err(DistError::Network(format!(
                "process {to} at {addr} runs a different shape (process or worker count) than this process's {} processes of {} workers",
                shape.processes, shape.workers
            )))
        }
        _ => return Err(refused(to, addr)),
    }
    let mut their_proof = [0u8; 32];
    read_exact(&mut s, &mut their_proof, &format!("process {to}'s proof"))?;
    let t = transcript(&mine, &theirs, to, me, shape);
    mac(secret, b"acceptor", &refs(&t))
        .verify_slice(&their_proof)
        .map_err(|_| {
            DistError::Network(format!(
                "process {to} at {addr} failed authentication: it does not hold this run's shared secret"
            ))
        })?;
    Ok(s)
}

fn refused(to: usize, addr: &str) -> DistError {
    DistError::Network(format!(
        "process {to} at {addr} refused this process: authentication failed (the shared secrets differ)"
    ))
}

/// Accept every process after this one, checking each proof; a failed one
/// stops the run.
fn accept_higher(
    listener: &TcpListener,
    cluster: &Cluster,
    shape: Shape,
    deadline: Instant,
) -> Result<Vec<TcpStream>> {
    let me = cluster.process;
    let n = cluster.addresses.len();
    let mut got: Vec<Option<TcpStream>> = (me + 1..n).map(|_| None).collect();
    listener
        .set_nonblocking(true)
        .map_err(|e| DistError::Network(e.to_string()))?;
    while got.iter().any(Option::is_none) {
        match listener.accept() {
            Ok((mut s, from)) => {
                s.set_nonblocking(false)
                    .and_then(|_| s.set_read_timeout(Some(STEP_TIMEOUT)))
                    .map_err(|e| DistError::Network(e.to_string()))?;
                let (peer, s) =
                    accept_one(&mut s, &cluster.secret, me, n, shape, from).map(|p| (p, s))?;
                if got[peer - me - 1].is_some() {
                    return Err(DistError::Network(format!(
                        "process {me}: process {peer} connected twice (from {from})"
                    )));
                }
                got[peer - me - 1] = Some(s);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    let missing: Vec<String> = got
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.is_none())
                        .map(|(k, _)| format!("{} ({})", me + 1 + k, cluster.addresses[me + 1 + k]))
                        .collect();
                    return Err(DistError::Network(format!(
                        "process {me}: waited for process {} to connect to {}; none came before the connect timeout",
                        missing.join(", "),
                        cluster.addresses[me]
                    )));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(DistError::Network(format!("process {me}: accepting: {e}"))),
        }
    }
    Ok(got.into_iter().flatten().collect())
}

fn accept_one(
    s: &mut TcpStream,
    secret: &[u8],
    me: usize,
    n: usize,
    shape: Shape,
    from: std::net::SocketAddr,
) -> Result<usize> {
    let mine = nonce();
    let mut hello = Vec::with_capacity(40);
    hello.extend_from_slice(MAGIC);
    hello.extend_from_slice(&mine);
    write_all(s, &hello, "the challenge")?;
    let mut msg = [0u8; 8 + 24 + 32 + 32];
    read_exact(
        s,
        &mut msg,
        &format!("the proof of the connection from {from}"),
    )?;
    if &msg[..8] != MAGIC {
        return Err(DistError::Network(format!(
            "process {me}: a connection from {from} does not speak the casegraph dist protocol"
        )));
    }
    let word =
        |k: usize| u64::from_le_bytes(msg[8 + 8 * k..16 + 8 * k].try_into().expect("8 bytes"));
    let (peer, processes, workers) = (word(0) as usize, word(1), word(2));
    let theirs: [u8; 32] = msg[32..64].try_into().expect("32 bytes");
    let proof = &msg[64..96];
    let claimed = Shape { processes, workers };
    let t = transcript(&mine, &theirs, peer, me, claimed);
    if mac(secret, b"connector", &refs(&t))
        .verify_slice(proof)
        .is_err()
    {
        let _ = s.write_all(&[0]);
        return Err(DistError::Network(format!(
            "process {me}: the connection from {from} (claiming to be process {peer}) failed authentication: it does not hold this run's shared secret"
        )));
    }
    if processes != shape.processes || workers != shape.workers || peer <= me || peer >= n {
        let _ = s.write_all(&[2]);
        return Err(DistError::Network(format!(
            "process {me}: process {peer} (from {from}) runs {processes} processes of {workers} workers; this one {} of {}",
            shape.processes, shape.workers
        )));
    }
    let t = transcript(&theirs, &mine, me, peer, shape);
    let answer = mac(secret, b"acceptor", &refs(&t)).finalize().into_bytes();
    let mut reply = vec![1u8];
    reply.extend_from_slice(&answer);
    write_all(s, &reply, "this process's proof")?;
    Ok(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    fn two(secrets: [&[u8]; 2]) -> [Result<Vec<Option<TcpStream>>>; 2] {
        let addrs: Vec<String> = (0..2)
            .map(|_| format!("127.0.0.1:{}", free_port()))
            .collect();
        let run = |i: usize, secret: &[u8]| {
            let c = Cluster {
                process: i,
                addresses: addrs.clone(),
                secret: secret.to_vec(),
            };
            std::thread::spawn(move || connect_all(&c, 1, Duration::from_secs(5)))
        };
        let a = run(0, secrets[0]);
        let b = run(1, secrets[1]);
        [a.join().unwrap(), b.join().unwrap()]
    }

    #[test]
    fn processes_with_the_same_secret_connect() {
        let [a, b] = two([b"0123456789abcdef-same", b"0123456789abcdef-same"]);
        assert_eq!(a.unwrap().len(), 2);
        assert_eq!(b.unwrap().len(), 2);
    }

    #[test]
    fn a_wrong_secret_is_refused_on_both_sides() {
        let [a, b] = two([b"0123456789abcdef-one", b"0123456789abcdef-two"]);
        let a = a.unwrap_err().to_string();
        let b = b.unwrap_err().to_string();
        assert!(a.contains("failed authentication"), "{a}");
        assert!(b.contains("refused this process"), "{b}");
    }

    #[test]
    fn a_short_secret_is_refused_before_connecting() {
        assert!(check_secret(b"short").is_err());
    }
}
