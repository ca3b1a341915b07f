//! Who may use the API, and as what.
//!
//! Three modes, chosen at start ([`AuthMode`]):
//! - **tokens** (`--auth-tokens FILE`): `Authorization: Bearer <token>`; the
//!   file has one `role name token [selector]` line per user. Only SHA-256 hashes of
//!   the tokens are kept in memory, and a presented token is compared with
//!   every entry in constant time ([`TokenTable::lookup`]).
//! - **proxy** (`--trust-proxy-header NAME`): a reverse proxy in front has
//!   authenticated the user and names them in header `NAME`, with the role
//!   in `--proxy-role-header` (`viewer` or `admin`) and, if
//!   `--proxy-scope-header` is set, a selector in that header. Only for an
//!   API that nothing but that proxy can reach.
//! - **disabled** (`--insecure-no-auth`): everyone is an admin; the local
//!   demo only, with a warning at every start.
//!
//! Roles: `viewer` may read (`GET`/`HEAD` under `/api/`, the SSE stream
//! included); `admin` may also change the fleet registry (maintenance,
//! labels, acknowledgements, forget).
//!
//! Scope: a user may carry a label selector (`customer=acme`), and then
//! sees and changes only the sites it selects ([`crate::scope`]); without
//! one, the whole fleet.
//! `/`, `/ui/*`, `/healthz`, `/readyz`, `/metrics` and the OpenAPI document
//! carry no site data and stay open, for browsers, probes and scrapers.
//!
//! The pure parts (token file, header parsing, role rules) are here; the
//! middleware that applies them is [`crate::guard`].

use std::fmt;
use std::path::Path;

use axum::http::{HeaderMap, HeaderName, Method, header};
use healthmon_common::ConfigError;
use healthmon_registry::Selector;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Shortest token accepted: 128 bits of hex.
pub const MIN_TOKEN_LEN: usize = 32;
pub const MAX_TOKEN_LEN: usize = 256;
pub const MAX_NAME_LEN: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim() {
            "viewer" => Some(Role::Viewer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        }
    }
}

/// An authenticated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    /// The sites this user may see and change; empty: every site.
    pub scope: Selector,
}

/// Why a request is not authenticated; the `detail` of its audit line.
/// Never contains the credential itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Missing,
    NotBearer,
    UnknownToken,
    /// Proxy mode: the role header is missing or not a role.
    BadProxyRole,
    /// Proxy mode: the scope header is not a selector.
    BadProxyScope,
}

impl Failure {
    pub fn detail(&self) -> &'static str {
        match self {
            Failure::Missing => "missing credentials",
            Failure::NotBearer => "authorization is not a bearer token",
            Failure::UnknownToken => "unknown token",
            Failure::BadProxyRole => "proxy role header missing or not viewer/admin",
            Failure::BadProxyScope => "proxy scope header is not a label selector",
        }
    }
}

/// The proxy's headers: the user and the role.
#[derive(Debug, Clone)]
pub struct ProxyHeaders {
    pub user: HeaderName,
    pub role: HeaderName,
    /// A selector limiting the user to some sites; absent or empty: all.
    pub scope: Option<HeaderName>,
}

#[derive(Debug, Clone)]
pub enum AuthMode {
    /// Everyone is an admin named `anonymous`: the local demo only.
    Disabled,
    Tokens(TokenTable),
    Proxy(ProxyHeaders),
}

impl AuthMode {
    /// The mode the flags choose. Exactly one is required: running without
    /// authentication must be asked for by name.
    pub fn from_flags(
        tokens: Option<&Path>,
        proxy_user_header: Option<&str>,
        proxy_role_header: &str,
        proxy_scope_header: Option<&str>,
        insecure_no_auth: bool,
    ) -> Result<AuthMode, ConfigError> {
        match (tokens, proxy_user_header, insecure_no_auth) {
            (Some(path), None, false) => TokenTable::load(path)
                .map(AuthMode::Tokens)
                .map_err(|e| ConfigError::invalid("--auth-tokens", e)),
            (None, Some(user), false) => {
                let header = |flag: &str, name: &str| {
                    HeaderName::try_from(name.trim()).map_err(|_| {
                        ConfigError::invalid(flag, format!("{name:?} is not a header name"))
                    })
                };
                Ok(AuthMode::Proxy(ProxyHeaders {
                    user: header("--trust-proxy-header", user)?,
                    role: header("--proxy-role-header", proxy_role_header)?,
                    scope: proxy_scope_header
                        .map(|name| header("--proxy-scope-header", name))
                        .transpose()?,
                }))
            }
            (None, None, true) => Ok(AuthMode::Disabled),
            (None, None, false) => Err(ConfigError::combination(
                "the API needs an authentication mode: --auth-tokens FILE (bearer tokens), \
                 --trust-proxy-header NAME (behind an authenticating reverse proxy), or \
                 --insecure-no-auth (a local demo only); see docs/SECURITY.md",
            )),
            _ => Err(ConfigError::combination(
                "choose one of --auth-tokens, --trust-proxy-header and --insecure-no-auth",
            )),
        }
    }

    /// Authenticates a request from its headers and, on the SSE route only
    /// (`EventSource` cannot set headers), an `access_token` query value.
    pub fn authenticate(
        &self,
        headers: &HeaderMap,
        query_token: Option<&str>,
    ) -> Result<Principal, Failure> {
        match self {
            AuthMode::Disabled => Ok(Principal {
                name: "anonymous".into(),
                role: Role::Admin,
                scope: Selector::default(),
            }),
            AuthMode::Tokens(table) => {
                let token = match headers.get(header::AUTHORIZATION) {
                    Some(value) => bearer(value.to_str().map_err(|_| Failure::NotBearer)?)?,
                    None => query_token.ok_or(Failure::Missing)?,
                };
                table.lookup(token).ok_or(Failure::UnknownToken)
            }
            AuthMode::Proxy(names) => {
                let user = headers
                    .get(&names.user)
                    .and_then(|v| v.to_str().ok())
                    .map(str::trim)
                    .filter(|u| valid_name(u))
                    .ok_or(Failure::Missing)?;
                let role = headers
                    .get(&names.role)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Role::parse)
                    .ok_or(Failure::BadProxyRole)?;
                let scope = match names.scope.as_ref().and_then(|h| headers.get(h)) {
                    None => Selector::default(),
                    Some(value) => match value.to_str().map(str::trim) {
                        Ok("") => Selector::default(),
                        Ok(text) => text.parse().map_err(|_| Failure::BadProxyScope)?,
                        Err(_) => return Err(Failure::BadProxyScope),
                    },
                };
                Ok(Principal {
                    name: user.to_owned(),
                    role,
                    scope,
                })
            }
        }
    }
}

/// `Bearer <token>` (scheme case-insensitive) → the token.
fn bearer(value: &str) -> Result<&str, Failure> {
    let (scheme, token) = value.trim().split_once(' ').ok_or(Failure::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Failure::NotBearer);
    }
    Ok(token.trim())
}

/// The role a request needs: reading needs `viewer`, anything else `admin`.
pub fn required_role(method: &Method) -> Role {
    if method == Method::GET || method == Method::HEAD {
        Role::Viewer
    } else {
        Role::Admin
    }
}

/// Whether a path serves site data (and so needs authentication).
pub fn is_protected(path: &str) -> bool {
    path.starts_with("/api/") && path != "/api/v1/openapi.json"
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.@-".contains(&b))
}

fn valid_token(token: &str) -> bool {
    (MIN_TOKEN_LEN..=MAX_TOKEN_LEN).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

struct Entry {
    hash: [u8; 32],
    principal: Principal,
}

/// The users of `--auth-tokens`, with their tokens hashed.
#[derive(Clone)]
pub struct TokenTable {
    entries: std::sync::Arc<Vec<Entry>>,
}

impl fmt::Debug for TokenTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names and roles only: hashes are not for logs either.
        f.debug_struct("TokenTable")
            .field("users", &self.entries.len())
            .finish()
    }
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// What is wrong with a token file; never quotes a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenFileError {
    #[error("cannot read it: {0}")]
    Read(String),
    #[error("line {line}: {problem}")]
    Line { line: usize, problem: String },
    #[error("no users (expected `role name token [selector]` lines)")]
    Empty,
    #[error("{path}: {problem}")]
    In {
        path: String,
        problem: Box<TokenFileError>,
    },
}

impl TokenFileError {
    fn line(line: usize, problem: impl Into<String>) -> Self {
        TokenFileError::Line {
            line,
            problem: problem.into(),
        }
    }
}

impl TokenTable {
    /// Parses the token file: `role name token [selector]` per line (the
    /// selector, e.g. `customer=acme`, limits the user to those sites), `#`
    /// comments and blank lines ignored. Errors name the line, never its token.
    pub fn parse(text: &str) -> Result<TokenTable, TokenFileError> {
        let mut entries: Vec<Entry> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let n = i + 1;
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (role, name, token, scope) = match fields[..] {
                [role, name, token] => (role, name, token, None),
                [role, name, token, scope] => (role, name, token, Some(scope)),
                _ => {
                    return Err(TokenFileError::line(
                        n,
                        format!(
                            "expected `role name token [selector]` (3 or 4 fields), found {}",
                            fields.len()
                        ),
                    ));
                }
            };
            let role = Role::parse(role)
                .ok_or_else(|| TokenFileError::line(n, "role must be viewer or admin"))?;
            if !valid_name(name) {
                return Err(TokenFileError::line(
                    n,
                    format!("name must be 1-{MAX_NAME_LEN} characters of A-Z a-z 0-9 _ . @ -"),
                ));
            }
            if !valid_token(token) {
                return Err(TokenFileError::line(
                    n,
                    format!(
                        "token must be {MIN_TOKEN_LEN}-{MAX_TOKEN_LEN} characters of A-Z a-z 0-9 - . _ ~ (e.g. `openssl rand -hex 32`)"
                    ),
                ));
            }
            let scope = match scope {
                None => Selector::default(),
                Some(text) => text
                    .parse()
                    .map_err(|e| TokenFileError::line(n, format!("selector: {e}")))?,
            };
            let hash = hash(token);
            if entries.iter().any(|e| e.hash == hash) {
                return Err(TokenFileError::line(n, "this token is already used above"));
            }
            entries.push(Entry {
                hash,
                principal: Principal {
                    name: name.to_owned(),
                    role,
                    scope,
                },
            });
        }
        if entries.is_empty() {
            return Err(TokenFileError::Empty);
        }
        Ok(TokenTable {
            entries: std::sync::Arc::new(entries),
        })
    }

    pub fn load(path: &Path) -> Result<TokenTable, TokenFileError> {
        let in_file = |problem: TokenFileError| TokenFileError::In {
            path: path.display().to_string(),
            problem: Box::new(problem),
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| in_file(TokenFileError::Read(e.to_string())))?;
        Self::parse(&text).map_err(in_file)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The user whose token this is. Every entry is compared, in constant
    /// time, whether or not an earlier one matched: the answer's timing
    /// says nothing about the tokens.
    pub fn lookup(&self, token: &str) -> Option<Principal> {
        let presented = hash(token);
        let mut found = None;
        for entry in self.entries.iter() {
            if bool::from(entry.hash.ct_eq(&presented)) {
                found = Some(&entry.principal);
            }
        }
        found.cloned()
    }
}

#[cfg(test)]
mod tests;
