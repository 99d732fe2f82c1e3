//! Driving `wrk`: a Lua script per route (random names for the lookups), one run, and the
//! figures its `done` hook prints.

use std::path::Path;
use std::process::Command;

/// What one `wrk` run measured.
#[derive(Clone, Debug, Default)]
pub struct Run {
    /// Requests completed.
    pub requests: u64,
    /// Seconds the run lasted.
    pub seconds: f64,
    /// Median latency, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, milliseconds.
    pub p99_ms: f64,
    /// Largest latency, milliseconds.
    pub max_ms: f64,
    /// Connections that could not be made.
    pub connect_errors: u64,
    /// Failed reads.
    pub read_errors: u64,
    /// Failed writes.
    pub write_errors: u64,
    /// Requests that timed out.
    pub timeouts: u64,
    /// Replies with a status of 400 or more.
    pub bad_status: u64,
}

impl Run {
    /// Requests a second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    /// Every kind of error added up.
    pub fn errors(&self) -> u64 {
        self.connect_errors + self.read_errors + self.write_errors + self.timeouts + self.bad_status
    }
}

/// The `done` hook: one `key value` line per figure, on wrk's standard output.
const DONE: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("figure requests %d\n", summary.requests))
  io.write(string.format("figure duration_us %d\n", summary.duration))
  io.write(string.format("figure p50_us %d\n", latency:percentile(50)))
  io.write(string.format("figure p99_us %d\n", latency:percentile(99)))
  io.write(string.format("figure max_us %d\n", latency.max))
  io.write(string.format("figure connect %d\n", e.connect))
  io.write(string.format("figure read %d\n", e.read))
  io.write(string.format("figure write %d\n", e.write))
  io.write(string.format("figure timeout %d\n", e.timeout))
  io.write(string.format("figure status %d\n", e.status))
end
"#;

/// A script that asks for `GET path` every time.
pub fn fixed_script(path: &str) -> String {
    format!("wrk.method = \"GET\"\nwrk.path = \"{path}\"\n{DONE}")
}

/// A script that looks up a random name of the `total` in the database: name `i` (from 0) is
/// line `i + 1` of `real_names` while there are lines, else `synthetic<i>.id`.
pub fn names_script(real_names: &Path, total: usize) -> String {
    format!(
        r#"local real = {{}}
for line in io.lines("{file}") do real[#real + 1] = line end
local nreal = #real
local total = {total}
setup = function(thread)
  counter = (counter or 0) + 1
  thread:set("seed", counter)
end
init = function(args)
  math.randomseed(7919 * (seed or 1))
end
request = function()
  local i = math.random(total) - 1
  local name
  if i < nreal then name = real[i + 1] else name = "synthetic" .. i .. ".id" end
  return wrk.format("GET", "/v1/names/" .. name)
end
{DONE}"#,
        file = real_names.display(),
    )
}

/// Runs `wrk` against `base` (`http://host:port`) with `script` for `seconds`.
pub fn run(
    base: &str,
    script: &Path,
    threads: u32,
    connections: u32,
    seconds: u32,
) -> Result<Run, String> {
    let out = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("--timeout")
        .arg("10s")
        .arg("-s")
        .arg(script)
        .arg(base)
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "wrk failed ({}): {text}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    parse(&text).ok_or_else(|| format!("wrk printed no figures: {text}"))
}

/// The figures of a run's output.
fn parse(text: &str) -> Option<Run> {
    let mut run = Run::default();
    let mut seen = 0;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("figure") {
            continue;
        }
        let (Some(key), Some(value)) = (words.next(), words.next()) else {
            continue;
        };
        let v: u64 = value.parse().ok()?;
        let ms = v as f64 / 1000.0;
        match key {
            "requests" => run.requests = v,
            "duration_us" => run.seconds = v as f64 / 1e6,
            "p50_us" => run.p50_ms = ms,
            "p99_us" => run.p99_ms = ms,
            "max_us" => run.max_ms = ms,
            "connect" => run.connect_errors = v,
            "read" => run.read_errors = v,
            "write" => run.write_errors = v,
            "timeout" => run.timeouts = v,
            "status" => run.bad_status = v,
            _ => continue,
        }
        seen += 1;
    }
    (seen == 10 && run.seconds > 0.0).then_some(run)
}
