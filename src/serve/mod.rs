//! `casegraph serve`: explore a case in the browser, offline, on the
//! analyst's own machine (issue 19).
//!
//! [`api`] answers the page's questions in JSON from the existing queries
//! ([`crate::query`]: look-up by any spelling, typed neighbours, k shortest
//! paths, timelines, source rows) and exporter ([`crate::export`]);
//! [`notes`] keeps the analyst's labels, notes and lead statuses in a file
//! beside the case, the one file the server writes; [`http`] is the axum
//! application: the page, its scripts and the vendored cytoscape.js
//! (`assets/`, embedded with `include_str!`), the Content-Security-Policy,
//! the host and token rules and the request bounds. See `docs/serve.md`.

pub mod api;
pub mod http;
pub use crate::notes;

pub use api::{ApiError, Explorer, ExplorerConfig};
pub use http::{router, Access};

/// Serve `app` on an already bound listener until the process is stopped,
/// on a runtime of `threads` worker threads (queries run on its blocking
/// pool).
pub fn run(
    listener: std::net::TcpListener,
    app: axum::Router,
    threads: usize,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(listener, app).await
    })
}
