//! Loader for the real BNS zone files in `tests/data/name_zonefiles.txt`.
//!
//! The file alternates a line holding the zone file hash with a line holding
//! the zone file, its newlines written as the two characters `\n` (the zone
//! files contain no other backslashes).

/// One recorded zone file.
pub struct RealZonefile {
    /// The hash recorded next to it.
    pub hash: String,
    /// The zone file bytes.
    pub text: String,
}

/// All recorded zone files, in file order.
pub fn real_zonefiles() -> Vec<RealZonefile> {
    let data = include_str!("../data/name_zonefiles.txt");
    let lines: Vec<&str> = data.lines().collect();
    lines
        .chunks(2)
        .filter_map(|pair| match pair {
            [hash, text] => Some(RealZonefile {
                hash: (*hash).to_owned(),
                text: text.replace("\\n", "\n"),
            }),
            _ => None,
        })
        .collect()
}
