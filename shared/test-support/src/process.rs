//! Child processes — nats-server, the services run as binaries by the bench,
//! the soak and the e2e tests — and what `/proc` says about them.
//!
//! A [`Proc`] is killed when dropped, so a failed or interrupted run leaves
//! nothing behind; its output goes to `<log_dir>/<name>.log`, whose tail is
//! quoted when it dies unexpectedly.

use std::fs::{File, OpenOptions};
use std::net::{SocketAddr, TcpStream};
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
        Self::start(name, program, args, &[], log_dir, false)
    }

    /// Like [`spawn`](Self::spawn), with these environment variables set.
    pub fn spawn_env(
        name: &str,
        program: &Path,
        args: &[String],
        env: &[(String, String)],
        log_dir: &Path,
    ) -> Result<Proc> {
        Self::start(name, program, args, env, log_dir, false)
    }

    /// Like [`spawn`](Self::spawn), with stdout piped to [`take_stdout`](Self::take_stdout).
    pub fn spawn_piped(
        name: &str,
        program: &Path,
        args: &[String],
        log_dir: &Path,
    ) -> Result<Proc> {
        Self::start(name, program, args, &[], log_dir, true)
    }

    /// Under `perf record` with DWARF call graphs (release builds keep line
    /// tables but no frame pointers), stopped with SIGINT so the profile is
    /// written. About 10 MB per busy second: meant for one bench section.
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
        let mut proc = Self::start(name, Path::new("perf"), &perf_args, &[], log_dir, false)?;
        proc.interrupt = true;
        Ok(proc)
    }

    fn start(
        name: &str,
        program: &Path,
        args: &[String],
        env: &[(String, String)],
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
        // RUST_LOG would override the --log-level a caller passes.
        let child = Command::new(program)
            .args(args)
            .env_remove("RUST_LOG")
            .envs(env.iter().map(|(k, v)| (k, v)))
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

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where its output goes.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Its output so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }

    /// An error naming the exit status, the end of the log and its path if
    /// the process has exited.
    pub fn alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!(
                "{} exited ({status}): {} (log: {})",
                self.name,
                tail.join(" | "),
                self.log.display()
            );
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

    /// SIGTERM, as `docker stop` or `systemctl stop` sends; waits up to
    /// `timeout` for a clean exit (an error if there was none), then makes
    /// sure with SIGKILL.
    pub async fn terminate(&mut self, timeout: Duration) -> Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let clean = self.wait_exit(timeout).await;
        self.kill();
        clean
    }

    /// SIGKILL now, and reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Memory and CPU time now.
    pub fn usage(&self) -> Result<Usage> {
        Usage::of(self.pid())
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
        cpu_seconds(self.pid())
    }
}

fn cpu_seconds(pid: u32) -> Result<f64> {
    match schedstat_seconds(pid) {
        Some(seconds) => Ok(seconds),
        None => {
            let path = format!("/proc/{pid}/stat");
            let stat = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
            let ticks = stat_ticks(&stat).context("unreadable /proc/<pid>/stat")?;
            Ok(ticks as f64 / CLOCK_TICKS_PER_SECOND)
        }
    }
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
        self.kill();
    }
}

/// Memory and CPU time of one process at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    pub rss_bytes: u64,
    pub cpu_seconds: f64,
    pub at: Instant,
}

impl Usage {
    /// Memory and CPU time of process `pid` now.
    pub fn of(pid: u32) -> Result<Usage> {
        Ok(Usage {
            rss_bytes: status_kib(pid, "VmRSS:")? * 1024,
            cpu_seconds: cpu_seconds(pid)?,
            at: Instant::now(),
        })
    }

    /// CPU use between `earlier` and `self`, in percent of one core.
    pub fn cpu_pct_since(&self, earlier: &Usage) -> f64 {
        let wall = self.at.duration_since(earlier.at).as_secs_f64();
        if wall <= 0.0 {
            return 0.0;
        }
        100.0 * (self.cpu_seconds - earlier.cpu_seconds).max(0.0) / wall
    }
}

/// [`Proc::cpu_seconds`] of this very process (0 where schedstat is missing).
pub fn own_cpu_seconds() -> f64 {
    schedstat_seconds(std::process::id()).unwrap_or(0.0)
}

/// Waits until something accepts connections on `port`, failing at once if
/// `proc` dies meanwhile. Blocks the thread (a process starts within tens of
/// milliseconds), so it serves sync and async callers alike.
pub fn wait_listening(proc: &mut Proc, port: u16, timeout: Duration) -> Result<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + timeout;
    loop {
        proc.alive()?;
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{} did not listen on {addr} within {timeout:?}", proc.name);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The first executable called `name` on `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
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

fn status_kib(pid: u32, key: &str) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    status_field_kib(&status, key).with_context(|| format!("no {key} in {path}"))
}

/// `VmRSS:   123456 kB` → 123456 for key `VmRSS:`.
fn status_field_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// utime + stime (fields 14 and 15) of `/proc/<pid>/stat`, in ticks. The
/// command name (field 2) may hold spaces and parentheses, so fields are
/// counted from the last `)`.
fn stat_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests;
