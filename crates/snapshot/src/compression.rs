//! The payload's compression: the original's bzip2, or zstd.
//!
//! v0.18 payloads are bzip2 (Python's `tarfile` `w:bz2`, level 9). bzip2 compresses about
//! 10 MB/s per core, so the name database of a million names alone would take over a minute;
//! zstd at a low level compresses the same state at hundreds of MB/s on two threads. Both are
//! read back, told apart by their magic bytes, so either kind of snapshot restores; `create`
//! writes zstd unless asked for bzip2. The container, the tar layout, the trailer and the
//! signatures are the same for both.

use std::io::{Read, Write};
use std::str::FromStr;

/// How a payload is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// bzip2, level 9: the original's payload, byte-compatible with its readers.
    Bzip2,
    /// zstd (multi-threaded, low level): fast enough for mainnet-sized state.
    Zstd,
}

/// zstd's frame magic, little-endian `0xFD2FB528`.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// zstd level: level 1 is several times faster than the default 3 and only a little larger.
const ZSTD_LEVEL: i32 = 1;

impl FromStr for Compression {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bzip2" => Ok(Self::Bzip2),
            "zstd" => Ok(Self::Zstd),
            _ => Err(format!("{s:?}: expected bzip2 or zstd")),
        }
    }
}

impl Compression {
    /// Recognises a payload by its first bytes.
    pub fn detect(head: &[u8]) -> Option<Self> {
        match head {
            [b'B', b'Z', b'h', level, ..] if (b'1'..=b'9').contains(level) => Some(Self::Bzip2),
            [a, b, c, d, ..] if [*a, *b, *c, *d] == ZSTD_MAGIC => Some(Self::Zstd),
            _ => None,
        }
    }

    /// A decompressing reader over `input`. bzip2 input may hold several concatenated
    /// streams, as parallel compressors write.
    pub fn decoder<'a, R: Read + 'a>(self, input: R) -> std::io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Self::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(input)),
            Self::Zstd => Box::new(zstd::stream::read::Decoder::new(input)?),
        })
    }

    /// A compressing writer over `output`, using up to `threads` worker threads where the
    /// codec supports it.
    pub fn encoder<W: Write>(self, output: W, threads: u32) -> std::io::Result<Encoder<W>> {
        Ok(match self {
            Self::Bzip2 => Encoder::Bzip2(bzip2::write::BzEncoder::new(
                output,
                bzip2::Compression::best(),
            )),
            Self::Zstd => {
                let mut e = zstd::stream::write::Encoder::new(output, ZSTD_LEVEL)?;
                if threads > 1 {
                    e.multithread(threads)?;
                }
                Encoder::Zstd(e)
            }
        })
    }
}

/// A compressing writer; [`Encoder::finish`] writes the end of the stream.
pub enum Encoder<W: Write> {
    /// bzip2.
    Bzip2(bzip2::write::BzEncoder<W>),
    /// zstd.
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    /// Ends the stream and returns the inner writer.
    pub fn finish(self) -> std::io::Result<W> {
        match self {
            Self::Bzip2(e) => e.finish(),
            Self::Zstd(e) => e.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Bzip2(e) => e.write(buf),
            Self::Zstd(e) => e.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Bzip2(e) => e.flush(),
            Self::Zstd(e) => e.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(c: Compression, data: &[u8]) -> Vec<u8> {
        let mut e = c.encoder(Vec::new(), 2).expect("encoder");
        e.write_all(data).expect("write");
        let packed = e.finish().expect("finish");
        assert_eq!(Compression::detect(&packed), Some(c));
        let mut out = Vec::new();
        c.decoder(&packed[..])
            .expect("decoder")
            .read_to_end(&mut out)
            .expect("read");
        out
    }

    #[test]
    fn both_codecs_round_trip_and_are_detected() {
        let data: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        assert_eq!(round_trip(Compression::Bzip2, &data), data);
        assert_eq!(round_trip(Compression::Zstd, &data), data);
    }

    #[test]
    fn concatenated_bzip2_streams_read_as_one() {
        let mut packed = Vec::new();
        for part in [&b"first "[..], b"second"] {
            let mut e = Compression::Bzip2.encoder(Vec::new(), 1).expect("encoder");
            e.write_all(part).expect("write");
            packed.extend(e.finish().expect("finish"));
        }
        let mut out = String::new();
        Compression::Bzip2
            .decoder(&packed[..])
            .expect("decoder")
            .read_to_string(&mut out)
            .expect("read");
        assert_eq!(out, "first second");
    }

    #[test]
    fn unknown_payloads_are_not_detected() {
        assert_eq!(Compression::detect(b"BZh0"), None);
        assert_eq!(Compression::detect(b"ustar"), None);
        assert_eq!(Compression::detect(b""), None);
        assert_eq!("gzip".parse::<Compression>().ok(), None);
    }
}
