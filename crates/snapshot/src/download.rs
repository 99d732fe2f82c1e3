//! Fetching a snapshot over HTTP into a local file, resumable.
//!
//! Bytes go to `<dest>.part`. A later call with the same destination asks the server for the
//! rest (`Range: bytes=<have>-`); a server that ignores the range (status 200) starts the file
//! over. The finished file is synced and renamed to `dest`. Integrity rests on the signatures,
//! which are checked after the download, before anything is restored.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::header::{CONTENT_RANGE, RANGE};
use reqwest::StatusCode;

use crate::error::{io, Result, SnapshotError};

/// Where a download of `dest` keeps its partial bytes.
pub fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

fn failed(url: &str, reason: impl std::fmt::Display) -> SnapshotError {
    SnapshotError::Download {
        url: url.to_owned(),
        reason: reason.to_string(),
    }
}

/// The total size a `Content-Range: bytes a-b/total` header announces.
fn range_total(value: &str) -> Option<u64> {
    value
        .rsplit_once('/')
        .and_then(|(_, t)| t.trim().parse().ok())
}

/// The first byte a `Content-Range: bytes a-b/total` header announces.
fn range_start(value: &str) -> Option<u64> {
    let rest = value.trim().strip_prefix("bytes")?.trim();
    rest.split_once('-')
        .and_then(|(a, _)| a.trim().parse().ok())
}

/// Downloads `url` to `dest`, resuming a previous partial download; `progress(done, total)`
/// is called as bytes arrive. Returns `dest`.
pub async fn download(
    url: &str,
    dest: &Path,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<PathBuf> {
    let part = part_path(dest);
    let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .read_timeout(Duration::from_secs(120))
        .build()
        .map_err(|e| failed(url, e))?;
    let mut request = client.get(url);
    if have > 0 {
        request = request.header(RANGE, format!("bytes={have}-"));
    }
    let mut response = request.send().await.map_err(|e| failed(url, e))?;
    let status = response.status();
    let content_range = response
        .headers()
        .get(CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (mut done, total, append) = match status {
        StatusCode::PARTIAL_CONTENT => {
            let range = content_range.as_deref().unwrap_or_default();
            if range_start(range) != Some(have) {
                return Err(failed(
                    url,
                    format!("asked for bytes from {have}, the server sent {range:?}"),
                ));
            }
            (have, range_total(range), true)
        }
        // The partial file is already complete.
        StatusCode::RANGE_NOT_SATISFIABLE
            if have > 0 && content_range.as_deref().and_then(range_total) == Some(have) =>
        {
            std::fs::rename(&part, dest).map_err(io(dest))?;
            progress(have, Some(have));
            return Ok(dest.to_path_buf());
        }
        s if s.is_success() => (0, response.content_length(), false),
        s => return Err(failed(url, format!("the server answered {s}"))),
    };
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(&part)
        .map_err(io(&part))?;
    progress(done, total);
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                let _ = file.sync_all();
                return Err(failed(
                    url,
                    format!(
                        "{e}; {done} bytes are kept in {} and the next run resumes",
                        part.display()
                    ),
                ));
            }
        };
        file.write_all(&chunk).map_err(io(&part))?;
        done += chunk.len() as u64;
        progress(done, total);
    }
    if let Some(total) = total.filter(|t| *t != done) {
        let _ = file.sync_all();
        return Err(failed(
            url,
            format!("the transfer ended at {done} of {total} bytes; the next run resumes"),
        ));
    }
    file.sync_all().map_err(io(&part))?;
    drop(file);
    std::fs::rename(&part, dest).map_err(io(dest))?;
    Ok(dest.to_path_buf())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode as Code};
    use axum::response::IntoResponse;
    use axum::routing::get;

    use super::*;

    #[derive(Clone)]
    struct Served {
        body: Arc<Vec<u8>>,
        honour_range: bool,
        ranges: Arc<Mutex<Vec<Option<String>>>>,
    }

    async fn serve(State(s): State<Served>, headers: HeaderMap) -> axum::response::Response {
        let range = headers
            .get("range")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        s.ranges.lock().expect("lock").push(range.clone());
        let len = s.body.len();
        let start = range
            .as_deref()
            .filter(|_| s.honour_range)
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok());
        match start {
            Some(start) if start >= len => (
                Code::RANGE_NOT_SATISFIABLE,
                [("content-range", format!("bytes */{len}"))],
            )
                .into_response(),
            Some(start) => (
                Code::PARTIAL_CONTENT,
                [("content-range", format!("bytes {start}-{}/{len}", len - 1))],
                s.body[start..].to_vec(),
            )
                .into_response(),
            None => (Code::OK, s.body.to_vec()).into_response(),
        }
    }

    async fn server(honour_range: bool, body: Vec<u8>) -> (String, Served) {
        let served = Served {
            body: Arc::new(body),
            honour_range,
            ranges: Arc::default(),
        };
        let app = axum::Router::new()
            .route("/snapshot.bsk", get(serve))
            .with_state(served.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://{}/snapshot.bsk",
            listener.local_addr().expect("addr")
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, served)
    }

    fn body() -> Vec<u8> {
        (0..300_000u32).map(|i| (i % 253) as u8).collect()
    }

    #[tokio::test]
    async fn resumes_a_partial_download_with_a_range_request() {
        let (url, served) = server(true, body()).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("snapshot.bsk");
        std::fs::write(part_path(&dest), &body()[..1000]).expect("partial");
        let mut last = (0, None);
        download(&url, &dest, |d, t| last = (d, t))
            .await
            .expect("download");
        assert_eq!(std::fs::read(&dest).expect("read"), body());
        assert!(!part_path(&dest).exists());
        assert_eq!(last, (300_000, Some(300_000)));
        assert_eq!(
            served.ranges.lock().expect("lock").as_slice(),
            [Some("bytes=1000-".to_owned())]
        );
    }

    #[tokio::test]
    async fn a_server_ignoring_ranges_restarts_the_file() {
        let (url, _) = server(false, body()).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("snapshot.bsk");
        std::fs::write(part_path(&dest), b"stale bytes of something else").expect("partial");
        download(&url, &dest, |_, _| {}).await.expect("download");
        assert_eq!(std::fs::read(&dest).expect("read"), body());
    }

    #[tokio::test]
    async fn a_complete_partial_file_is_finished_without_refetching() {
        let (url, _) = server(true, body()).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("snapshot.bsk");
        std::fs::write(part_path(&dest), body()).expect("partial");
        download(&url, &dest, |_, _| {}).await.expect("download");
        assert_eq!(std::fs::read(&dest).expect("read"), body());
    }

    #[tokio::test]
    async fn http_errors_are_reported_with_the_url() {
        let (url, _) = server(true, body()).await;
        let missing = url.replace("snapshot.bsk", "nothing");
        let dir = tempfile::tempdir().expect("tempdir");
        let err = download(&missing, &dir.path().join("x"), |_, _| {})
            .await
            .expect_err("404");
        assert!(err.to_string().contains("404"), "{err}");
        assert!(err.to_string().contains(&missing), "{err}");
    }
}
