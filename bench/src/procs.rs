//! Child processes of a run (killed on drop, output kept in the log
//! directory), the nats-server they share, and what `/proc` says about them.

use std::fs::{File, OpenOptions};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Linux reports CPU times in clock ticks of `USER_HZ`, 100 on every architecture we run on.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// One child process, killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct Proc {
    name: String,
    child: Child,
    log: PathBuf,
    /// Stop with SIGINT and wait (a `perf record` wrapper must write its file).
    interrupt: bool,
}

impl Proc {
    /// Starts `program` with stdout and stderr appended to `<log_dir>/<name>.log`.
    pub fn spawn(name: &str, program: &Path, args: &[String], log_dir: &Path) -> Result<Proc> {
        Self::start(name, program, args, log_dir, false)
    }

    /// Like [`spawn`](Self::spawn), with stdout piped to [`take_stdout`](Self::take_stdout).
    pub fn spawn_piped(
        name: &str,
        program: &Path,
        args: &[String],
        log_dir: &Path,
    ) -> Result<Proc> {
        Self::start(name, program, args, log_dir, true)
    }

    fn start(
        name: &str,
        program: &Path,
        args: &[String],
        log_dir: &Path,
        piped: bool,
    ) -> Result<Proc> {
        std::fs::create_dir_all(log_dir)
            .with_context(|| format!("create {}", log_dir.display()))?;
        let log = log_dir.join(format!("{name}.log"));
        let open =
            || -> Result<File> { Ok(OpenOptions::new().create(true).append(true).open(&log)?) };
        let stdout = if piped {
            Stdio::piped()
        } else {
            Stdio::from(open()?)
        };
        let child = Command::new(program)
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::from(open()?))
            .spawn()
            .with_context(|| format!("start {} ({})", name, program.display()))?;
        Ok(Proc {
            name: name.to_owned(),
            child,
            log,
            interrupt: false,
        })
    }

    /// Under `perf record` with DWARF call graphs (release builds keep line
    /// tables but no frame pointers), stopped with SIGINT so the profile is
    /// written. About 10 MB per busy second: meant for `--only <section>`.
    pub fn spawn_profiled(
        name: &str,
        program: &Path,
        args: &[String],
        log_dir: &Path,
        profile: &Path,
    ) -> Result<Proc> {
        let mut perf_args: Vec<String> =
            ["record", "-F", "299", "--call-graph", "dwarf,32768", "-o"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        perf_args.push(profile.display().to_string());
        perf_args.push("--".into());
        perf_args.push(program.display().to_string());
        perf_args.extend_from_slice(args);
        let mut proc = Self::start(name, Path::new("perf"), &perf_args, log_dir, false)?;
        proc.interrupt = true;
        Ok(proc)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }

    /// An error naming the exit status and the end of the log if the process has exited.
    pub fn alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!("{} exited ({status}): {}", self.name, tail.join(" | "));
        }
        Ok(())
    }

    /// Waits for a voluntary exit.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        bail!("{} did not exit within {timeout:?}", self.name)
    }

    pub fn rss_bytes(&self) -> Result<u64> {
        status_kib(self.pid(), "VmRSS:").map(|kib| kib * 1024)
    }

    /// Peak RSS since start.
    pub fn peak_rss_bytes(&self) -> Result<u64> {
        status_kib(self.pid(), "VmHWM:").map(|kib| kib * 1024)
    }

    /// CPU time of the process: nanosecond run times of its threads from
    /// `/proc/<pid>/task/*/schedstat`, since `/proc/<pid>/stat` counts in
    /// 10 ms ticks, too coarse for a collector cycle. A thread that exited
    /// takes its time with it, so threads are not expected to come and go
    /// during a measurement (neither tokio's blocking pool nor Go's do within
    /// seconds); without schedstat, the tick count is the fallback.
    pub fn cpu_seconds(&self) -> Result<f64> {
        match schedstat_seconds(self.pid()) {
            Some(seconds) => Ok(seconds),
            None => stat_seconds(self.pid()),
        }
    }
}

/// [`Proc::cpu_seconds`] of this very process (0 where schedstat is missing).
pub fn own_cpu_seconds() -> f64 {
    schedstat_seconds(std::process::id()).unwrap_or(0.0)
}

fn schedstat_seconds(pid: u32) -> Option<f64> {
    let mut ns: u64 = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let path = task.ok()?.path().join("schedstat");
        // A thread may exit between listing and reading: it no longer counts.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        ns += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns as f64 / 1e9)
}

/// User + system time of every thread, dead ones included, in clock ticks.
fn stat_seconds(pid: u32) -> Result<f64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    let ticks = |i: usize| -> Result<f64> {
        let field = fields.get(i).context("short /proc stat line")?;
        Ok(field.parse::<u64>()? as f64)
    };
    Ok((ticks(11)? + ticks(12)?) / CLOCK_TICKS_PER_SECOND)
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.interrupt {
            let _ = Command::new("kill")
                .args(["-INT", &self.pid().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status_kib(pid: u32, key: &str) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with(key))
        .with_context(|| format!("no {key} in {path}"))?;
    let kib = line
        .split_whitespace()
        .nth(1)
        .context("empty status line")?;
    Ok(kib.parse()?)
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub async fn wait_port(port: u16, proc: &mut Proc, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        proc.alive()?;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("nothing listens on port {port} after {timeout:?}")
}

/// A nats-server of its own for one section, with monitoring (`/varz`) on.
#[derive(Debug)]
pub struct Nats {
    proc: Proc,
    port: u16,
    monitor: u16,
}

impl Nats {
    pub async fn start(log_dir: &Path, label: &str) -> Result<Nats> {
        let bin = nats_server_bin()?;
        let (port, monitor) = (free_port()?, free_port()?);
        let args = ["-a", "127.0.0.1", "-p", &port.to_string(), "-m"]
            .iter()
            .map(|s| s.to_string())
            .chain([monitor.to_string()])
            .collect::<Vec<_>>();
        let mut proc = Proc::spawn(&format!("{label}-nats"), &bin, &args, log_dir)?;
        wait_port(port, &mut proc, Duration::from_secs(10)).await?;
        wait_port(monitor, &mut proc, Duration::from_secs(10)).await?;
        Ok(Nats {
            proc,
            port,
            monitor,
        })
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn proc(&self) -> &Proc {
        &self.proc
    }

    /// Messages the server dropped because a subscriber fell behind (`/varz` `slow_consumers`).
    pub async fn slow_consumers(&self, http: &reqwest::Client) -> Result<u64> {
        let url = format!("http://127.0.0.1:{}/varz", self.monitor);
        let body = http
            .get(&url)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        let varz: serde_json::Value = serde_json::from_str(&body).context("parse /varz")?;
        varz["slow_consumers"]
            .as_u64()
            .context("no slow_consumers in /varz")
    }
}

/// `NATS_SERVER_BIN`, else `nats-server` on `PATH`.
pub fn nats_server_bin() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("NATS_SERVER_BIN") {
        return Ok(PathBuf::from(path));
    }
    find_on_path("nats-server")
        .context("nats-server not found: set NATS_SERVER_BIN or run scripts/install-deps.sh")
}

pub fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}
