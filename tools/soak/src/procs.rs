//! The processes under test (nats-server, aggregator, assessor) and what
//! `/proc` says about them: resident memory and CPU time.
//!
//! Children are killed when their handle drops, so an interrupted or failed
//! soak leaves nothing running. CPU time is read in clock ticks of 1/100 s
//! (`USER_HZ`, 100 on every Linux this runs on).

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

const TICKS_PER_SECOND: f64 = 100.0;

/// A child process killed on drop, its output in `<run_dir>/<name>.log`.
#[derive(Debug)]
pub struct Proc {
    pub name: &'static str,
    pub log: PathBuf,
    child: Child,
}

impl Proc {
    pub fn spawn(
        name: &'static str,
        program: &Path,
        args: &[String],
        run_dir: &Path,
    ) -> anyhow::Result<Proc> {
        let log = run_dir.join(format!("{name}.log"));
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(program)
            .args(args)
            .env("LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {name} ({})", program.display()))?;
        Ok(Proc { name, log, child })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `Err` naming the log if the process has exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); see {}",
                self.name,
                self.log.display()
            );
        }
        Ok(())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits until something accepts connections on `port`.
pub async fn wait_listening(proc: &mut Proc, port: u16, timeout: Duration) -> anyhow::Result<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + timeout;
    loop {
        proc.check_alive()?;
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{} did not listen on {addr} within {timeout:?}", proc.name);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
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
    /// CPU use between `earlier` and `self`, in percent of one core.
    pub fn cpu_pct_since(&self, earlier: &Usage) -> f64 {
        let wall = self.at.duration_since(earlier.at).as_secs_f64();
        if wall <= 0.0 {
            return 0.0;
        }
        100.0 * (self.cpu_seconds - earlier.cpu_seconds).max(0.0) / wall
    }
}

pub fn usage(pid: u32) -> anyhow::Result<Usage> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    Ok(Usage {
        rss_bytes: rss_bytes(&status).context("no VmRSS in /proc/<pid>/status")?,
        cpu_seconds: cpu_ticks(&stat).context("unreadable /proc/<pid>/stat")? as f64
            / TICKS_PER_SECOND,
        at: Instant::now(),
    })
}

/// `VmRSS:   123456 kB` from `/proc/<pid>/status`.
fn rss_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// utime + stime (fields 14 and 15) of `/proc/<pid>/stat`. The command name
/// (field 2) may hold spaces and parentheses, so fields are counted from the
/// last `)`.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests;
