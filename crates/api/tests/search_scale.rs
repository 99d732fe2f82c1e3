//! The search index at mainnet scale: a million names indexed in refresh-sized batches, then
//! the slowest kinds of query (one-letter prefixes match most names). Ignored by default: run
//! with `cargo nextest run -p blockstack-api --test search_scale --run-ignored only`.

use std::time::{Duration, Instant};

use blockstack_api::search::SearchIndex;

/// A deterministic pseudo-random name: two syllable words joined by `_` or `-` half the time.
fn name(i: u64) -> String {
    const SYL: [&str; 16] = [
        "al", "be", "co", "da", "el", "fi", "go", "ha", "jo", "ka", "li", "mo", "ni", "or", "pa",
        "ru",
    ];
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i >> 7);
    let mut word = |n: usize| {
        let mut w = String::new();
        for _ in 0..n {
            w.push_str(SYL[(x & 15) as usize]);
            x >>= 4;
        }
        w
    };
    let first = word(3);
    let second = word(2);
    match i % 4 {
        0 => format!("{first}{i}.id"),
        1 => format!("{first}_{second}{i}.id"),
        2 => format!("{first}-{second}{i}.id"),
        _ => format!("{second}{first}{i}.id"),
    }
}

#[test]
#[ignore = "builds a million-name index (minutes in a debug build)"]
fn a_million_names_index_in_batches_and_search_fast() {
    let dir = tempfile::tempdir().expect("dir");
    let index = SearchIndex::open(dir.path().join("search.db")).expect("open");
    let total: u64 = 1_000_000;
    let batch = 10_000;
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    for (step, start) in (0..total).step_by(batch).enumerate() {
        let names: Vec<String> = (start..start + batch as u64).map(name).collect();
        let t = Instant::now();
        index.add_names(&names, step as u64).expect("add");
        slowest = slowest.max(t.elapsed());
    }
    let build = started.elapsed();
    assert_eq!(index.len().expect("len"), total);
    let size = std::fs::metadata(index.path())
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "indexed {total} names in {build:?} (slowest batch of {batch}: {slowest:?}), {} MiB",
        size >> 20
    );
    for query in [
        "a",
        "jo",
        "alcoda",
        "be_",
        "ka li",
        "nomatchatall",
        &name(123_457),
    ] {
        let t = Instant::now();
        let hits = index.search(query, 50).expect("search");
        let took = t.elapsed();
        println!("query {query:?}: {} hits in {took:?}", hits.len());
        assert!(took < Duration::from_secs(2), "{query:?} took {took:?}");
    }
}
