//! A real headless Chromium driven over WebDriver: Debian's `chromedriver`
//! started on a free port per test, `fantoccini` speaking plain http to it.
//!
//! The page is read through one script ([`Browser::page`]) that returns what a
//! person sees in one go (rows, counters, live state, the open detail), so a
//! test polls a consistent snapshot instead of chasing elements that the page
//! replaces as it updates. Actions (clicks, typing, keys) go through real
//! WebDriver input, as a user's would.
//!
//! Missing binaries fail the test with an install hint rather than skipping
//! it: a silent skip would hide a broken CI install.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use healthmon_test_support::{TempDir, eventually, free_port};
use serde::Deserialize;
use serde_json::json;

/// Flags the issue asks for; the window size is the README screenshot's.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,850",
];

const INSTALL_HINT: &str = "run `scripts/install-deps.sh --browser` (Debian's chromium and chromium-driver), \
     or set CHROMIUM_BIN / CHROMEDRIVER_BIN";

/// What the page shows right now, read in one script run.
#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    pub rows: Vec<Row>,
    pub counts: Counts,
    /// `#live-status`'s `data-state`: `connecting`, `live` or `reconnecting`.
    pub live: String,
    pub live_text: String,
    pub detail: Option<Detail>,
    pub hash: String,
    /// Set by [`Browser::mark_page`]; gone after any reload or navigation.
    pub marker: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    pub site_id: String,
    pub connectivity: String,
    pub health: String,
    /// The row is flagged and its `maintenance` badge is visible.
    pub maintenance: bool,
    /// The text of the connectivity cell, as a person reads it.
    pub connectivity_text: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Counts {
    pub total: String,
    pub online: String,
    pub late: String,
    pub offline: String,
    pub unknown: String,
    pub healthy: String,
    pub degraded: String,
    pub critical: String,
    pub maintenance: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Detail {
    pub site_id: String,
    /// `(name, connected)` in the panel's order.
    pub connections: Vec<(String, bool)>,
    /// `(name, role)`.
    pub nodes: Vec<(String, String)>,
}

impl Page {
    pub fn row(&self, site_id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.site_id == site_id)
    }

    /// The site ids of the listed rows, in page order.
    pub fn site_ids(&self) -> Vec<&str> {
        self.rows.iter().map(|r| r.site_id.as_str()).collect()
    }
}

const READ_PAGE: &str = r#"
const q = (s) => document.querySelector(s);
const text = (el) => (el ? el.textContent.trim() : '');
const rows = [...document.querySelectorAll('#site-rows tr[data-site-id]')].map((tr) => ({
  site_id: tr.dataset.siteId,
  connectivity: tr.dataset.connectivity || '',
  health: tr.dataset.health || '',
  connectivity_text: text(tr.querySelector('[data-col=connectivity]')),
  maintenance: tr.dataset.maintenance === 'true'
    && [...tr.querySelectorAll('[data-col=health] [data-status=maintenance]')].some((b) => !b.hidden),
}));
const counts = {};
for (const k of ['total', 'online', 'late', 'offline', 'unknown', 'healthy', 'degraded', 'critical', 'maintenance']) {
  counts[k] = text(q('#count-' + k));
}
const panel = q('#site-detail');
const detail = panel && !panel.hidden && panel.dataset.siteId ? {
  site_id: panel.dataset.siteId,
  connections: [...panel.querySelectorAll('[data-connection]')]
    .map((el) => [el.dataset.connection, el.dataset.connected === 'true']),
  nodes: [...panel.querySelectorAll('[data-node]')].map((el) => [el.dataset.node, el.dataset.role]),
} : null;
const live = q('#live-status');
return {
  rows, counts, detail,
  live: live.dataset.state || '', live_text: text(live),
  hash: location.hash,
  marker: window.__healthmonTestMarker === undefined ? null : String(window.__healthmonTestMarker),
};
"#;

/// A headless Chromium session; chromedriver (and with it Chromium) is
/// stopped on drop, also when the test panics.
pub struct Browser {
    pub client: Client,
    driver: ChromeDriver,
    session: Option<String>,
    _profile: TempDir,
}

impl Browser {
    /// Starts chromedriver and a fresh Chromium profile; panics with an
    /// install hint if either binary is missing.
    pub async fn start() -> Self {
        let chromium = find_binary("CHROMIUM_BIN", &["chromium", "chromium-browser"]);
        let driver = ChromeDriver::start();
        let profile = TempDir::new("chromium-profile").expect("create a Chromium profile dir");
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path.display()));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start Chromium ({}): {e}; {INSTALL_HINT}",
                    chromium.display()
                )
            });
        let session = client.session_id().await.ok().flatten();
        let browser = Browser {
            client,
            driver,
            session,
            _profile: profile,
        };
        browser.set_viewport(1400, 850).await;
        browser
    }

    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("the page loads");
    }

    pub async fn page(&self) -> Page {
        let value = self
            .client
            .execute(READ_PAGE, vec![])
            .await
            .expect("the page can be read");
        serde_json::from_value(value).expect("the page has the documented hooks")
    }

    /// Polls the page until `check` accepts what it shows; on timeout the
    /// panic shows the last snapshot.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&Page) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            let page = self.page().await;
            if let Some(value) = check(&page) {
                return value;
            }
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {timeout:?} waiting for the page to show {what}; \
                     it showed {page:#?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Resizes the window so the page itself gets `width` x `height` pixels
    /// (the window's own frame comes on top, if headless draws one).
    pub async fn set_viewport(&self, width: u32, height: u32) {
        let frame = self
            .client
            .execute(
                "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
                vec![],
            )
            .await
            .expect("the page runs scripts");
        let extra = |i: usize| u32::try_from(frame[i].as_u64().unwrap_or(0)).unwrap_or(0);
        self.client
            .set_window_size(width + extra(0), height + extra(1))
            .await
            .expect("the window resizes");
    }

    /// Leaves a mark on the page's window that only a reload would clear.
    pub async fn mark_page(&self, value: &str) {
        self.client
            .execute(
                "window.__healthmonTestMarker = arguments[0];",
                vec![json!(value)],
            )
            .await
            .expect("the page runs scripts");
    }

    pub async fn find(&self, css: &str) -> Element {
        eventually(
            &format!("{css} on the page"),
            Duration::from_secs(10),
            || async move { self.client.find(Locator::Css(css)).await.ok() },
        )
        .await
    }

    /// Clicks what `css` names, as a user would (retried while the page
    /// re-renders the element).
    pub async fn click(&self, css: &str) {
        eventually(
            &format!("a click on {css}"),
            Duration::from_secs(10),
            || async move {
                let element = self.client.find(Locator::Css(css)).await.ok()?;
                element.click().await.ok()
            },
        )
        .await
    }

    /// The site's row, once listed.
    pub async fn row(&self, site_id: &str) -> Element {
        self.find(&format!("#site-rows tr[data-site-id=\"{site_id}\"]"))
            .await
    }

    /// Writes a PNG of the window to `target/test-artifacts/<name>` and
    /// returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).expect("create target/test-artifacts");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Ends the session (Chromium quits) and stops chromedriver.
    pub async fn close(mut self) {
        self.session = None;
        let client = self.client.clone();
        client.close().await.expect("the browser session closes");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A panicking test never reaches `close`, and its runtime is going
        // away: end the session synchronously so Chromium does not outlive
        // chromedriver.
        if let Some(session) = self.session.take() {
            self.driver.delete_session(&session);
        }
    }
}

/// `chromedriver` on a free loopback port, killed on drop.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    fn start() -> Self {
        let bin = find_binary("CHROMEDRIVER_BIN", &["chromedriver"]);
        let port = free_port().expect("a free port for chromedriver");
        let child = Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}; {INSTALL_HINT}", bin.display()));
        let driver = ChromeDriver { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port} within 10s; {INSTALL_HINT}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        driver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `DELETE /session/{id}` over a blocking socket: chromedriver quits
    /// Chromium before it answers.
    fn delete_session(&self, session: &str) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            // The answer comes once Chromium is gone; its start is enough
            // (chromedriver may keep the connection open after it).
            let mut answer = [0u8; 512];
            let _ = stream.read(&mut answer);
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$env_var`, else the first of `names` on `PATH`; panics with the install hint.
fn find_binary(env_var: &str, names: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(env_var) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{env_var}={} is not a file; {INSTALL_HINT}",
            path.display()
        );
        return path;
    }
    let paths = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&paths)
        .chain([PathBuf::from("/usr/bin")])
        .collect();
    for name in names {
        for dir in &dirs {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("{} not found; {INSTALL_HINT}", names.join(" or "))
}

/// `target/test-artifacts`, found from the test binary's own location
/// (`target/<profile>/deps/…`) so a custom target dir is honoured.
pub fn artifacts_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let target = exe
        .ancestors()
        .find(|dir| dir.file_name().is_some_and(|n| n == "deps"))
        .and_then(|deps| deps.parent()?.parent())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("test-artifacts")
}
