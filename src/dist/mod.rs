//! `casegraph dist`: the heavy passes of a case too large for one machine,
//! spread over several processes with Timely Dataflow (the `timely` crate,
//! pinned to one exact version and used only in this module).
//!
//! The run, for every worker (`--workers` threads in each of the
//! processes):
//! 1. [`read`]: its own byte range of calls.csv (cut at record starts,
//!    quoted newlines accounted for), every row checked by ingest's own
//!    checks ([`crate::ingest::calls::CallChecker`]); rows go to the worker
//!    that owns the hash of their bytes, which finds exact duplicates across
//!    the whole file, so the row ledger (`rows_read = kept + rejected +
//!    duplicates`) sums over workers to what `casegraph ingest` counts;
//! 2. [`passes`]: kept calls to the worker owning their phone pair (contact
//!    pairs), pair profiles to the workers owning each phone (the hub rule
//!    of [`crate::analysis::hubs`], with the median and the case's period
//!    gathered from every worker), components by union-find (labels: the
//!    smallest phone of each component), PageRank in 2^-62 fixed point so
//!    that every sum is exact and the ranks do not depend on how the work
//!    was split;
//! 3. [`write`]: the canonical outputs (sorted, atomic): pairs.csv range
//!    by range, each worker's sorted range sent to worker 0 in turn, a
//!    bounded piece a round (no process holds every pair); the smaller
//!    files by worker 0.
//!
//! Timely carries the data: each exchange is a dataflow of its own whose
//! input is routed by destination worker and whose probe is the barrier
//! ending a round ([`Exchanger`]); the kernels run in the workers between
//! rounds (bulk-synchronous). [`net`] connects and authenticates the
//! processes before timely gets the sockets; [`launch`] starts local
//! processes for `--procs N`.

pub mod folders;
pub mod launch;
pub mod net;
mod passes;
mod read;
pub mod state;
pub mod write;

use crate::analysis::hubs::HubConfig;
use crate::ingest::IngestConfig;
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::vec::Input;
use timely::dataflow::operators::Probe;
use timely::dataflow::{InputHandleVec, ProbeHandle};
use timely::worker::Worker;

/// A phone as its canonical number's bytes, zero-padded to 16 and read big
/// endian: exact, and ordered as the numbers are as text.
pub type Phone = u128;

/// The [`Phone`] of a canonical number (at most 16 bytes: `+` and 15
/// digits).
pub fn phone_of(canonical: &str) -> Phone {
    let mut b = [0u8; 16];
    let n = canonical.len().min(16);
    b[..n].copy_from_slice(&canonical.as_bytes()[..n]);
    u128::from_be_bytes(b)
}

/// The canonical number of a [`Phone`].
pub fn phone_text(p: Phone) -> String {
    let b = p.to_be_bytes();
    let n = b.iter().position(|&x| x == 0).unwrap_or(16);
    String::from_utf8_lossy(&b[..n]).into_owned()
}

/// Which worker owns a phone (hash partitioning).
pub fn owner(p: Phone, peers: usize) -> usize {
    (xxhash_rust::xxh3::xxh3_64(&p.to_le_bytes()) % peers as u64) as usize
}

/// What can stop a distributed run.
#[derive(Debug, thiserror::Error)]
pub enum DistError {
    #[error(transparent)]
    Case(#[from] crate::error::Error),
    /// Connecting or authenticating the processes.
    #[error("{0}")]
    Network(String),
    /// A peer process died or hung up mid-run.
    #[error("process {process} was lost mid-run ({reason}); the run is stopped")]
    PeerLost { process: usize, reason: String },
    /// A local worker process (`--procs`) failed.
    #[error("{0}")]
    Process(String),
    #[error("{0}")]
    Invalid(String),
    /// A stored state (`--state`) that cannot be used, with why.
    #[error("{}: {reason}", path.display())]
    State { path: PathBuf, reason: String },
}

pub type Result<T, E = DistError> = std::result::Result<T, E>;

/// PageRank's parameters (those of `casegraph central --measure pagerank
/// --weighted`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankConfig {
    pub alpha: f64,
    pub tol: f64,
    pub max_iter: usize,
}

impl Default for RankConfig {
    fn default() -> Self {
        RankConfig {
            alpha: crate::analysis::pagerank::DEFAULT_ALPHA,
            tol: crate::analysis::pagerank::DEFAULT_TOL,
            max_iter: crate::analysis::pagerank::DEFAULT_MAX_ITER,
        }
    }
}

/// What one run reads and writes.
#[derive(Debug, Clone)]
pub struct DistConfig {
    /// The case folder (its calls.csv is read); unused by a run that adds
    /// files to a stored state (`state.add`).
    pub case: PathBuf,
    pub out: PathBuf,
    pub ingest: IngestConfig,
    /// Worker threads per process.
    pub workers: usize,
    pub hubs: HubConfig,
    pub rank: RankConfig,
    /// How long to wait for the other processes to connect.
    pub connect_timeout: Duration,
    /// How many suspicious groups to write as case folders (0: none; see
    /// [`folders`]).
    pub folders: usize,
    /// Keep the run's state in a folder, or add call files to a stored
    /// state (see [`state`]).
    pub state: Option<state::StateConfig>,
    /// Compute PageRank on a run that adds to a stored state (`--add`
    /// with `--pagerank`); a full run always computes it.
    pub rank_on_add: bool,
}

/// This process's place in the cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub process: usize,
    /// `host:port` of every process, in process order.
    pub addresses: Vec<String>,
    pub secret: Vec<u8>,
}

/// What a process reports as the run goes.
#[derive(Debug, Clone)]
pub enum Event {
    /// Every peer connected and authenticated.
    Connected { peers: usize },
    /// A local process was started (`--procs`).
    Started { process: usize, pid: u32 },
}

/// Counts a finished run reports (process 0 has them all).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Summary {
    pub rows_read: u64,
    pub kept: u64,
    pub rejected: u64,
    pub duplicates: u64,
    pub pairs: u64,
    pub hubs: u64,
    pub components: u64,
    pub ranked: u64,
    pub pagerank_iterations: u64,
    /// Case folders written (`--folders`).
    pub folders: u64,
    /// Files written (process 0 only).
    pub written: Vec<PathBuf>,
    /// What happened to the stored state (`--state`), in words.
    pub state: Option<String>,
    /// Seconds spent in each step, as worker 0 saw them (waits included).
    pub phases: Vec<(String, f64)>,
}

/// A peer lost, as timely's network threads found it: they panic with
/// "timely communication error" in threads named `timely:recv-N` /
/// `timely:send-N`. The hook records the first and keeps it quiet.
static PEER_FAILURE: Mutex<Option<(usize, String)>> = Mutex::new(None);
static STOP: AtomicBool = AtomicBool::new(false);

fn install_peer_failure_hook() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().unwrap_or("").to_string();
            let peer = name
                .strip_prefix("timely:recv-")
                .or_else(|| name.strip_prefix("timely:send-"))
                .and_then(|n| n.parse::<usize>().ok());
            if let Some(process) = peer {
                let text = info
                    .payload()
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                let mut slot = PEER_FAILURE.lock().unwrap_or_else(|e| e.into_inner());
                if slot.is_none() {
                    *slot = Some((process, text));
                }
                STOP.store(true, Ordering::SeqCst);
                return;
            }
            previous(info);
        }));
    });
}

fn peer_failure() -> Option<(usize, String)> {
    PEER_FAILURE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

/// One exchange of typed messages among all workers, as a timely dataflow:
/// messages sent at round `r` go to their destination worker (the
/// exchange), which keeps them in its inbox; the probe passing `r` is the
/// barrier: every message of the round has arrived everywhere.
pub(crate) struct Exchanger<M: timely::ExchangeData + Clone> {
    input: InputHandleVec<u64, (u32, M)>,
    probe: ProbeHandle<u64>,
    /// Messages received: a faster worker may already send the next
    /// round's while this one still waits for the end of the current round.
    inbox: Rc<RefCell<Inbox<M>>>,
    round: u64,
}

/// Messages sent between two steps of the worker while a round is sent.
const SEND_BATCH: usize = 1 << 16;

/// A worker's received messages in the order they arrived, and the time
/// each run of them was sent at (the time is not kept per message: a
/// message of phones is 48 bytes, and a tag would make it 64).
struct Inbox<M> {
    messages: Vec<M>,
    /// (time, index of the run's first message), in arrival order.
    runs: Vec<(u64, usize)>,
}

impl<M> Default for Inbox<M> {
    fn default() -> Self {
        Inbox {
            messages: Vec::new(),
            runs: Vec::new(),
        }
    }
}

impl<M> Inbox<M> {
    /// The messages that follow were sent at `time`.
    fn mark(&mut self, time: u64) {
        if self.runs.last().map(|r| r.0) != Some(time) {
            self.runs.push((time, self.messages.len()));
        }
    }

    /// The messages sent before `end`, leaving the later ones. A later
    /// round's messages arrive only once every worker has finished this
    /// one, so they follow this round's: the split is one cut, and the
    /// messages taken keep their memory (no copy).
    fn take_before(&mut self, end: u64) -> Vec<M> {
        let cut = self.runs.iter().position(|r| r.0 >= end);
        let Some(k) = cut else {
            self.runs.clear();
            return std::mem::take(&mut self.messages);
        };
        if self.runs[k..].iter().any(|r| r.0 < end) {
            return self.take_before_unordered(end);
        }
        let at = self.runs[k].1;
        let later = self.messages.split_off(at);
        self.runs = self.runs[k..].iter().map(|&(t, i)| (t, i - at)).collect();
        std::mem::replace(&mut self.messages, later)
    }

    /// [`Inbox::take_before`] for runs in any order (not expected: kept so
    /// that the inbox never depends on the order being as argued).
    fn take_before_unordered(&mut self, end: u64) -> Vec<M> {
        let mut bounds: Vec<(u64, usize, usize)> = Vec::with_capacity(self.runs.len());
        for (k, &(t, i)) in self.runs.iter().enumerate() {
            let j = self.runs.get(k + 1).map_or(self.messages.len(), |r| r.1);
            bounds.push((t, i, j));
        }
        let mut now = Vec::new();
        let mut later = Vec::new();
        let mut runs = Vec::new();
        let mut all = std::mem::take(&mut self.messages).into_iter();
        for (t, i, j) in bounds {
            let run = all.by_ref().take(j - i);
            if t < end {
                now.extend(run);
            } else {
                runs.push((t, later.len()));
                later.extend(run);
            }
        }
        self.messages = later;
        self.runs = runs;
        now
    }
}

/// Messages a worker sends in one sub-round: after each, it waits until
/// every worker still sending has sent as many and all of them have
/// arrived (flow control: what is in flight between processes is bounded
/// by workers x `SUB_ROUND` messages, however far one sender could run
/// ahead of a slow receiver).
const SUB_ROUND: usize = 1 << 18;

/// Round `r` takes the times `[r << 32, (r + 1) << 32)`: one per sub-round.
fn round_start(round: u64) -> u64 {
    round << 32
}

impl<M: timely::ExchangeData + Clone> Exchanger<M> {
    pub(crate) fn new(worker: &mut Worker) -> Self {
        let inbox = Rc::new(RefCell::new(Inbox::default()));
        let mut input = InputHandleVec::new();
        let probe = ProbeHandle::new();
        let sink = Rc::clone(&inbox);
        worker.dataflow::<u64, _, _>(|scope| {
            scope
                .input_from(&mut input)
                .unary::<timely::container::CapacityContainerBuilder<Vec<()>>, _, _, _>(
                    Exchange::new(|x: &(u32, M)| x.0 as u64),
                    "Deliver",
                    move |_, _| {
                        move |input, _output| {
                            input.for_each_stamp(|cap, data| {
                                let time = cap.least().copied().unwrap_or(0);
                                let mut inbox = sink.borrow_mut();
                                inbox.mark(time);
                                for d in data.flat_map(|d| d.drain(..)) {
                                    inbox.messages.push(d.1);
                                }
                            });
                        }
                    },
                )
                .probe_with(&probe);
        });
        Exchanger {
            input,
            probe,
            inbox,
            round: 0,
        }
    }

    /// Send each `(worker, message)`, wait until the round is complete
    /// everywhere, and return the messages this worker received (in no
    /// particular order: callers sort by full keys). `out` is drawn as it
    /// is sent, in sub-rounds of [`SUB_ROUND`] messages: a sender never
    /// runs more than one sub-round ahead of its slowest peer. A worker
    /// that has sent everything moves to the round's end at once, so the
    /// workers need not agree on how many sub-rounds each one takes.
    pub(crate) fn round(
        &mut self,
        worker: &mut Worker,
        out: impl IntoIterator<Item = (usize, M)>,
    ) -> Result<Vec<M>> {
        let start = round_start(self.round);
        let mut time = start;
        for (i, (dest, m)) in out.into_iter().enumerate() {
            self.input.send((dest as u32, m));
            if i % SUB_ROUND == SUB_ROUND - 1 {
                time += 1;
                self.wait_for(worker, time)?;
            } else if i % SEND_BATCH == SEND_BATCH - 1 {
                worker.step();
                check_stop()?;
            }
        }
        self.round += 1;
        let end = round_start(self.round);
        self.wait_for(worker, end)?;
        // This round's messages were sent before `end`; a faster worker's
        // next round's stay in the inbox.
        Ok(self.inbox.borrow_mut().take_before(end))
    }

    /// Move this worker's input to `time` and wait until every message
    /// sent before it, by any worker, has arrived where it was sent.
    fn wait_for(&mut self, worker: &mut Worker, time: u64) -> Result<()> {
        self.input.advance_to(time);
        while self.probe.less_than(&time) {
            worker.step_or_park(Some(Duration::from_millis(1)));
            check_stop()?;
        }
        Ok(())
    }

    /// Send `m` to every worker (an all-gather when every worker does).
    pub(crate) fn all(&mut self, worker: &mut Worker, m: Vec<M>) -> Result<Vec<M>>
    where
        M: Clone,
    {
        let peers = worker.peers();
        self.round(
            worker,
            (0..peers).flat_map(|w| m.iter().cloned().map(move |x| (w, x))),
        )
    }
}

/// Stop a worker whose run is lost (a peer died, or another worker of this
/// process failed).
fn check_stop() -> Result<()> {
    if STOP.load(Ordering::SeqCst) {
        return Err(match peer_failure() {
            Some((process, reason)) => DistError::PeerLost { process, reason },
            None => DistError::Process("stopped: another worker of this process failed".into()),
        });
    }
    Ok(())
}

/// Run this process's part of a distributed run: connect to and
/// authenticate the other processes (none for a cluster of one), start
/// `config.workers` timely workers, and wait for them. Fails promptly when
/// a peer is lost: timely's network threads report it, and the workers are
/// abandoned (the caller exits the process).
pub fn run_process(
    config: &DistConfig,
    cluster: &Cluster,
    events: &(dyn Fn(Event) + Sync),
) -> Result<Summary> {
    if config.workers == 0 {
        return Err(DistError::Invalid(
            "--workers: expected at least 1 worker thread, found 0".into(),
        ));
    }
    install_peer_failure_hook();
    let (builders, others) = join_cluster(config, cluster, events)?;
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Summary>)>();
    let tx = Mutex::new(tx);
    let shared = config.clone();
    let guards = timely::execute::execute_from(
        builders,
        others,
        timely::WorkerConfig::default(),
        move |worker| {
            let index = worker.index();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                passes::run_worker(worker, &shared)
            }))
            .unwrap_or_else(|p| {
                Err(DistError::Process(format!(
                    "worker {index} stopped unexpectedly: {}",
                    panic_text(p.as_ref())
                )))
            });
            let _ = tx
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .send((index, result));
        },
    )
    .map_err(DistError::Network)?;
    wait_for_workers(config.workers, &rx, guards)
}

/// What timely needs to start this process's workers: one allocator per
/// worker, and whatever must live as long as they run (the network
/// threads). A cluster of one process needs no network; otherwise this
/// connects to and authenticates every other process first.
fn join_cluster(
    config: &DistConfig,
    cluster: &Cluster,
    events: &(dyn Fn(Event) + Sync),
) -> Result<(
    Vec<timely::communication::AllocatorBuilder>,
    Box<dyn std::any::Any + Send>,
)> {
    let n = cluster.addresses.len();
    if n <= 1 {
        return timely::CommunicationConfig::Process(config.workers)
            .try_build()
            .map_err(DistError::Network);
    }
    let sockets = net::connect_all(cluster, config.workers, config.connect_timeout)?;
    events(Event::Connected { peers: n });
    let hooks = timely::communication::Hooks::default();
    let process_allocators = timely::communication::allocator::ProcessBuilder::new_typed_vector(
        config.workers,
        hooks.refill.clone(),
        hooks.spill.clone(),
    );
    let (builders, guard) =
        timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets(
            process_allocators,
            sockets,
            cluster.process,
            config.workers,
            hooks,
        )
        .map_err(|e| DistError::Network(format!("starting the network threads: {e}")))?;
    Ok((
        builders
            .into_iter()
            .map(timely::communication::AllocatorBuilder::Tcp)
            .collect(),
        Box::new(guard),
    ))
}

/// The message of a worker's panic, when it has one.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Wait for this process's `workers` to report, watching for a lost peer
/// meanwhile; worker 0's summary is the run's. On the first failure the
/// workers are abandoned, not joined: they may wait forever on a lost peer.
fn wait_for_workers(
    workers: usize,
    rx: &std::sync::mpsc::Receiver<(usize, Result<Summary>)>,
    guards: timely::communication::WorkerGuards<()>,
) -> Result<Summary> {
    let mut summary: Option<Summary> = None;
    let mut done = 0;
    while done < workers {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok((index, Ok(s))) => {
                done += 1;
                // Worker 0 has the whole run's counts; others only theirs.
                if index == 0 {
                    summary = Some(s);
                }
            }
            Ok((_, Err(e))) => {
                STOP.store(true, Ordering::SeqCst);
                // The workers and network threads of a failed run may wait
                // forever on lost peers: leave them; the process exits.
                std::mem::forget(guards);
                return Err(e);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Some((process, reason)) = peer_failure() {
                    std::mem::forget(guards);
                    return Err(DistError::PeerLost { process, reason });
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    drop(guards);
    if let Some((process, reason)) = peer_failure() {
        return Err(DistError::PeerLost { process, reason });
    }
    Ok(summary.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_the_order_of_their_numbers_as_text() {
        let mut numbers = vec![
            "13800138000",
            "+8613800138000",
            "110",
            "1380013800",
            "95555",
        ];
        let mut phones: Vec<Phone> = numbers.iter().map(|n| phone_of(n)).collect();
        numbers.sort();
        phones.sort();
        let back: Vec<String> = phones.into_iter().map(phone_text).collect();
        assert_eq!(back, numbers);
    }

    /// Runs of messages as the Deliver operator fills an inbox.
    fn inbox_of(runs: &[(u64, &[u32])]) -> Inbox<u32> {
        let mut inbox = Inbox::default();
        for (time, messages) in runs {
            inbox.mark(*time);
            inbox.messages.extend_from_slice(messages);
        }
        inbox
    }

    #[test]
    fn a_round_takes_its_sub_rounds_messages_and_leaves_the_next_rounds() {
        let end = round_start(1);
        // Round 0's sub-rounds 0 and 1, then a faster worker's round 1.
        let mut inbox = inbox_of(&[(0, &[1, 2]), (1, &[3]), (0, &[4]), (end, &[5, 6])]);
        assert_eq!(inbox.take_before(end), vec![1, 2, 3, 4]);
        assert_eq!(inbox.runs, vec![(end, 0)]);
        assert_eq!(inbox.take_before(round_start(2)), vec![5, 6]);
        assert!(inbox.messages.is_empty() && inbox.runs.is_empty());
        // Out of order (not expected), the split is still by time.
        let mut inbox = inbox_of(&[(0, &[1]), (end, &[2]), (3, &[3]), (end + 1, &[4])]);
        assert_eq!(inbox.take_before(end), vec![1, 3]);
        assert_eq!(inbox.take_before(round_start(2)), vec![2, 4]);
    }

    #[test]
    fn rounds_of_many_sub_rounds_arrive_whole_however_unevenly_the_workers_send() {
        // Worker 0 sends three and a half sub-rounds to worker 1, which
        // sends nothing; then each sends one message to the other, twice,
        // so that a later round follows a long one.
        let many = 3 * SUB_ROUND + SUB_ROUND / 2;
        let config = timely::Config::process(2);
        let got = timely::execute(config, move |worker| {
            let mut x: Exchanger<u64> = Exchanger::new(worker);
            let me = worker.index();
            let out = (0..many as u64).filter(|_| me == 0).map(|i| (1, i));
            let first = x.round(worker, out).expect("the round completes");
            let mut later = Vec::new();
            for r in 0..2u64 {
                later.push(x.round(worker, [(1 - me, r)]).expect("completes"));
            }
            (first, later)
        })
        .expect("two workers start")
        .join();
        let mut results: Vec<_> = got
            .into_iter()
            .map(|r| r.expect("no worker failed"))
            .collect();
        let (mut first1, later1) = results.pop().unwrap();
        let (first0, later0) = results.pop().unwrap();
        assert!(first0.is_empty());
        first1.sort_unstable();
        assert_eq!(first1, (0..many as u64).collect::<Vec<_>>());
        assert_eq!(later0, vec![vec![0], vec![1]]);
        assert_eq!(later1, vec![vec![0], vec![1]]);
    }
}
