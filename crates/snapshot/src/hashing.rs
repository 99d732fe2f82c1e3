//! SHA-256 computed while bytes stream through, so no file is ever read twice to be hashed or
//! held in memory.

use std::io::{self, Read, Write};

use bitcoin::hashes::{sha256, Hash, HashEngine};

/// A writer that hashes and counts what it passes on.
pub struct HashingWriter<W> {
    inner: W,
    engine: sha256::HashEngine,
    len: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            engine: sha256::HashEngine::default(),
            len: 0,
        }
    }

    /// The inner writer, the digest and the byte count so far.
    pub fn finish(self) -> (W, [u8; 32], u64) {
        let digest = sha256::Hash::from_engine(self.engine).to_byte_array();
        (self.inner, digest, self.len)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(written) = buf.get(..n) {
            self.engine.input(written);
        }
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes and counts what it yields.
pub struct HashingReader<R> {
    inner: R,
    engine: sha256::HashEngine,
    len: u64,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            engine: sha256::HashEngine::default(),
            len: 0,
        }
    }

    /// Reads what is left to the end, then returns the digest and the byte count.
    pub fn drain(mut self) -> io::Result<([u8; 32], u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((
            sha256::Hash::from_engine(self.engine).to_byte_array(),
            self.len,
        ))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(read) = buf.get(..n) {
            self.engine.input(read);
        }
        self.len += n as u64;
        Ok(n)
    }
}

/// The SHA-256 of the first `len` bytes of `input`, read in large blocks.
pub fn sha256_prefix(input: impl Read, len: u64) -> io::Result<[u8; 32]> {
    let reader = HashingReader::new(io::BufReader::with_capacity(1 << 20, input.take(len)));
    let (digest, read) = reader.drain()?;
    if read != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("expected {len} bytes, the file has {read}"),
        ));
    }
    Ok(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_hashes_match_the_one_shot_hash() {
        let data = vec![5u8; 3_000_000];
        let want = sha256::Hash::hash(&data).to_byte_array();
        let mut w = HashingWriter::new(Vec::new());
        for chunk in data.chunks(7777) {
            w.write_all(chunk).expect("write");
        }
        let (out, digest, len) = w.finish();
        assert_eq!((digest, len), (want, data.len() as u64));
        assert_eq!(out, data);
        assert_eq!(sha256_prefix(&data[..], 3_000_000).expect("hash"), want);
        let prefix = sha256::Hash::hash(&data[..10]).to_byte_array();
        assert_eq!(sha256_prefix(&data[..], 10).expect("hash"), prefix);
        assert!(sha256_prefix(&data[..5], 10).is_err());
    }
}
