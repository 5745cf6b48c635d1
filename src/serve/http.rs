//! The HTTP side of `casegraph serve` (axum): the page and its assets,
//! embedded in the binary, and `/api/*`, routed to [`super::api::Explorer`].
//!
//! Safe by default:
//! - every answer carries a Content-Security-Policy that lets the page
//!   load and fetch only from the server itself (`default-src 'self'`, no
//!   inline script, no frames), so nothing the page does can reach
//!   another machine;
//! - bound to a loopback address without a token, only requests whose
//!   `Host` is that address (or `localhost`) are answered, so a web page
//!   elsewhere cannot read the case through DNS rebinding;
//! - with a token (required for any other address, see [`Access::new`])
//!   every request must carry it: header `X-Casegraph-Token`,
//!   `Authorization: Bearer`, the `casegraph_token` cookie the page gets
//!   when it is opened as `/?token=…`, or `?token=` itself;
//! - requests are bounded ([`MAX_BODY_BYTES`], [`MAX_URI_BYTES`]); every
//!   refusal is a JSON `{"error": …}` with a 4xx status, and a failing
//!   request never stops the server.

use super::api::{ApiError, Explorer, Params};
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;

/// The largest request body read (notes, exports).
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The longest request target (path and query) answered.
pub const MAX_URI_BYTES: usize = 8 << 10;
/// The shortest token accepted.
pub const MIN_TOKEN_CHARS: usize = 16;

/// The policy sent with every answer.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");
const CYTOSCAPE_JS: &str = include_str!("assets/vendor/cytoscape.min.js");
const CYTOSCAPE_LICENSE: &str = include_str!("assets/vendor/cytoscape.LICENSE");
const CYTOSCAPE_VERSION: &str = include_str!("assets/vendor/cytoscape.VERSION");

/// Who may talk to the server.
#[derive(Debug, Clone)]
pub struct Access {
    token: Option<String>,
    /// `Host` values answered when there is no token.
    hosts: Vec<String>,
}

impl Access {
    /// The rule for a server bound at `addr`: a loopback address may go
    /// without a token; any other address needs one of at least
    /// [`MIN_TOKEN_CHARS`] characters.
    pub fn new(addr: SocketAddr, token: Option<String>) -> Result<Access, String> {
        if let Some(t) = &token {
            if t.chars().count() < MIN_TOKEN_CHARS || t.chars().any(|c| !c.is_ascii_graphic()) {
                return Err(format!(
                    "--token: expected at least {MIN_TOKEN_CHARS} printable ASCII characters without spaces, found {} characters",
                    t.chars().count()
                ));
            }
        } else if !addr.ip().is_loopback() {
            return Err(format!(
                "--bind {}: expected a loopback address (127.0.0.1) or --token: any other address lets other machines read the case",
                addr.ip()
            ));
        }
        let port = addr.port();
        let hosts = vec![
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
            format!("{addr}"),
        ];
        Ok(Access { token, hosts })
    }
}

struct Shared {
    explorer: Arc<Explorer>,
    access: Access,
}

/// The application: page, assets and API.
pub fn router(explorer: Arc<Explorer>, access: Access) -> Router {
    let shared = Arc::new(Shared { explorer, access });
    Router::new()
        .route("/", get(index))
        .route("/assets/{name}", get(asset))
        .route("/api/{endpoint}", get(api_get).post(api_post))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

fn json_error(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(e.body())).into_response()
}

fn refuse(status: u16, message: String) -> Response {
    json_error(&ApiError {
        status,
        message,
        suggestions: Vec::new(),
    })
}

/// Equal texts, in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn presented_tokens(req: &Request) -> Vec<String> {
    let h = req.headers();
    let mut out = Vec::new();
    if let Some(v) = h.get("x-casegraph-token").and_then(|v| v.to_str().ok()) {
        out.push(v.to_string());
    }
    if let Some(v) = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        out.push(v.to_string());
    }
    for c in h.get_all(header::COOKIE) {
        for part in c.to_str().unwrap_or("").split(';') {
            if let Some(v) = part.trim().strip_prefix("casegraph_token=") {
                out.push(v.to_string());
            }
        }
    }
    if let Some(q) = req.uri().query() {
        for part in q.split('&') {
            if let Some(v) = part.strip_prefix("token=") {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// Bounds, host and token first; the security headers on every answer.
async fn guard(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let mut set_cookie = None;
    let refused = if req.uri().to_string().len() > MAX_URI_BYTES {
        Some(refuse(
            414,
            format!(
                "request: expected a request target of at most {MAX_URI_BYTES} bytes, found {}",
                req.uri().to_string().len()
            ),
        ))
    } else if let Some(token) = &s.access.token {
        let ok = presented_tokens(&req).iter().any(|t| same(t, token));
        if ok && req.uri().path() == "/" {
            set_cookie = Some(format!(
                "casegraph_token={token}; HttpOnly; SameSite=Strict; Path=/"
            ));
        }
        (!ok).then(|| {
            refuse(
                401,
                "token: expected the server's token (header X-Casegraph-Token, or open the page as /?token=…), found none or another"
                    .into(),
            )
        })
    } else {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        (!s.access.hosts.iter().any(|h| h == host)).then(|| {
            refuse(
                403,
                format!(
                    "Host: expected {} (this server answers only this machine), found {host:?}",
                    s.access.hosts[0]
                ),
            )
        })
    };
    let mut res = match refused {
        Some(r) => r,
        None => next.run(req).await,
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(c) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(header::SET_COOKIE, c);
    }
    res
}

async fn index() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        INDEX_HTML,
    )
        .into_response()
}

async fn asset(Path(name): Path<String>) -> Response {
    let (ty, body) = match name.as_str() {
        "app.js" => ("text/javascript; charset=utf-8", APP_JS),
        "app.css" => ("text/css; charset=utf-8", APP_CSS),
        "cytoscape.min.js" => ("text/javascript; charset=utf-8", CYTOSCAPE_JS),
        "cytoscape.LICENSE" => ("text/plain; charset=utf-8", CYTOSCAPE_LICENSE),
        "cytoscape.VERSION" => ("text/plain; charset=utf-8", CYTOSCAPE_VERSION),
        _ => {
            return refuse(
                404,
                format!("/assets/{name}: expected app.js, app.css, cytoscape.min.js, cytoscape.LICENSE or cytoscape.VERSION, found no such asset"),
            )
        }
    };
    ([(header::CONTENT_TYPE, ty)], body).into_response()
}

async fn fallback(method: Method, uri: axum::http::Uri) -> Response {
    refuse(
        404,
        format!(
            "{method} {}: expected / (the page), /assets/… or /api/…, found no such page",
            uri.path()
        ),
    )
}

/// Run one answer off the async workers: queries read the graph for as
/// long as they need without holding up other requests.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(ApiError {
            status: 500,
            message: format!("the request failed inside the server ({e}); the server goes on"),
            suggestions: Vec::new(),
        })
    })
}

async fn api_get(
    State(s): State<Arc<Shared>>,
    Path(endpoint): Path<String>,
    query: Result<Query<Params>, QueryRejection>,
) -> Response {
    let params = match query {
        Ok(Query(p)) => p,
        Err(e) => return refuse(400, format!("query string: {}", e.body_text())),
    };
    let explorer = s.explorer.clone();
    match blocking(move || explorer.get(&endpoint, &params)).await {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => json_error(&e),
    }
}

async fn api_post(
    State(s): State<Arc<Shared>>,
    Path(endpoint): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_big = |n: String| {
        refuse(
            413,
            format!("body: expected at most {MAX_BODY_BYTES} bytes, found {n}"),
        )
    };
    if let Some(n) = declared.filter(|&n| n > MAX_BODY_BYTES as u64) {
        return too_big(n.to_string());
    }
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return too_big("more".into()),
    };
    let explorer = s.explorer.clone();
    match endpoint.as_str() {
        "notes" => {
            let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            match blocking(move || explorer.post_notes(&bytes, &now)).await {
                Ok(v) => axum::Json(v).into_response(),
                Err(e) => json_error(&e),
            }
        }
        "export" => match blocking(move || explorer.export_graphml(&bytes)).await {
            Ok(xml) => (
                [
                    (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"selection.graphml\"",
                    ),
                ],
                xml,
            )
                .into_response(),
            Err(e) => json_error(&e),
        },
        other => refuse(
            if ["case", "search", "node", "expand", "path", "evidence", "timeline", "leads"]
                .contains(&other)
            {
                405
            } else {
                404
            },
            format!("POST /api/{other}: expected POST /api/notes or /api/export, found no such endpoint"),
        ),
    }
}
