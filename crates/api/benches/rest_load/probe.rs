//! Side measurements while `wrk` runs: the node RPC's `getinfo` latency, and the server
//! process's resident memory from `/proc`.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A `getinfo` call's latencies, milliseconds, and the calls that failed.
#[derive(Debug, Default)]
pub struct GetinfoStats {
    /// Latency of every call that answered.
    pub latencies_ms: Vec<f64>,
    /// Calls with no well-formed answer.
    pub failed: u64,
}

impl GetinfoStats {
    /// The `q`-quantile of the latencies (0 when none answered).
    pub fn quantile(&self, q: f64) -> f64 {
        let mut v = self.latencies_ms.clone();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return 0.0;
        }
        let at = ((v.len() - 1) as f64 * q).round() as usize;
        v[at.min(v.len() - 1)]
    }
}

const GETINFO: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>getinfo</methodName>\n<params>\n</params>\n</methodCall>\n";

/// One `getinfo` over a fresh connection to `addr`; the latency, if it answered with a
/// `getinfo` document.
fn getinfo(addr: &str) -> Option<f64> {
    let start = Instant::now();
    let mut conn = TcpStream::connect(addr).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(120))).ok()?;
    let request = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{GETINFO}",
        GETINFO.len()
    );
    conn.write_all(request.as_bytes()).ok()?;
    let mut reply = Vec::new();
    conn.read_to_end(&mut reply).ok()?;
    let elapsed = start.elapsed().as_secs_f64() * 1000.0;
    let text = String::from_utf8_lossy(&reply);
    (text.starts_with("HTTP/1.1 200") && text.contains("last_block_processed")).then_some(elapsed)
}

/// Calls `getinfo` on `addr` every `every` until stopped.
pub struct GetinfoProbe {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<GetinfoStats>,
}

impl GetinfoProbe {
    /// Starts calling.
    pub fn start(addr: String, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut stats = GetinfoStats::default();
            while !flag.load(Ordering::Relaxed) {
                match getinfo(&addr) {
                    Some(ms) => stats.latencies_ms.push(ms),
                    None => stats.failed += 1,
                }
                std::thread::sleep(every);
            }
            stats
        });
        Self { stop, thread }
    }

    /// Stops calling and returns what was measured.
    pub fn finish(self) -> GetinfoStats {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("getinfo probe")
    }
}

/// A `kB` field of `/proc/<pid>/status`, in MB.
pub fn status_mb(pid: u32, field: &str) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1000.0)
}

/// CPU seconds (user + system) a process has used, from `/proc/<pid>/stat`.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = text.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Clock ticks; Linux reports them at 100 a second to user space.
    Some((utime + stime) / 100.0)
}

/// Samples a process's resident memory (`VmRSS`) every 100 ms until stopped.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<(f64, f64)>>,
}

impl RssSampler {
    /// Starts sampling `pid`.
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            let mut samples = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                if let Some(mb) = status_mb(pid, "VmRSS:") {
                    samples.push((start.elapsed().as_secs_f64(), mb));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            samples
        });
        Self { stop, thread }
    }

    /// Stops sampling and returns `(seconds since start, MB)` pairs.
    pub fn finish(self) -> Vec<(f64, f64)> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("RSS sampler")
    }
}
