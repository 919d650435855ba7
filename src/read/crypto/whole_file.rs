//! The whole-file decrypting reader: Manifest.db decrypted front to back as one stream. The product reads
//! pages on demand through the VFS ([`super::vfs`]); this is the reference it is tested and measured against.

use std::io::Read;
use std::path::Path;

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, InnerIvInit, KeyInit};
use zeroize::Zeroizing;

use super::{plaintext_len, DecryptError, Key};

/// Reads an AES-256-CBC (zero IV, PKCS#7) file as plaintext, block by block, so the plaintext can be
/// handed to SQLite without a second copy. The caller reads exactly [`DecryptingReader::plaintext_len`] bytes.
pub struct DecryptingReader<R> {
    inner: R,
    /// The key schedule (wiped on drop) and the CBC chaining value carried from one chunk to the next.
    cipher: aes::Aes256Dec,
    iv: aes::Block,
    /// Decrypted in place; allocated once at `CHUNK` bytes so it never reallocates (and leaves no copy).
    buffer: Zeroizing<Vec<u8>>,
    start: usize,
    remaining: u64,
    patch_wal_header: bool,
    offset: u64,
}

impl DecryptingReader<std::io::BufReader<std::fs::File>> {
    /// Opens `path` read-only and works out the plaintext length from the last block's padding.
    pub fn open(path: &Path, key: &Key) -> Result<Self, DecryptError> {
        use std::io::{Seek, SeekFrom};
        let mut file = std::fs::File::open(path)?;
        let plain = plaintext_len(&file, key)?;
        file.seek(SeekFrom::Start(0))?;
        Ok(DecryptingReader {
            inner: std::io::BufReader::with_capacity(1 << 20, file),
            cipher: aes::Aes256Dec::new(key.as_ref().into()),
            iv: aes::Block::default(),
            buffer: Zeroizing::new(Vec::with_capacity(CHUNK)),
            start: 0,
            remaining: plain,
            patch_wal_header: true,
            offset: 0,
        })
    }
}

impl<R: Read> DecryptingReader<R> {
    pub fn plaintext_len(&self) -> u64 {
        self.remaining + self.offset
    }

    fn refill(&mut self) -> std::io::Result<()> {
        self.start = 0;
        self.buffer.resize(CHUNK, 0);
        let mut filled = 0;
        while filled < CHUNK {
            match self.inner.read(&mut self.buffer[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        let whole = filled - filled % 16;
        self.buffer.truncate(whole);
        if whole == 0 {
            return Ok(());
        }
        let next_iv = aes::Block::clone_from_slice(&self.buffer[whole - 16..]);
        // One call over the chunk, in place: AES-NI decrypts 8 blocks at a time.
        cbc::Decryptor::<aes::Aes256Dec>::inner_iv_init(self.cipher.clone(), &self.iv)
            .decrypt_padded_mut::<NoPadding>(&mut self.buffer)
            .map_err(|_| std::io::Error::other("a ciphertext chunk is not whole blocks"))?;
        self.iv = next_iv;
        Ok(())
    }
}

/// Ciphertext read and decrypted per refill.
const CHUNK: usize = 1 << 16;

impl<R: Read> Read for DecryptingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.remaining == 0 || out.is_empty() {
            return Ok(0);
        }
        if self.start == self.buffer.len() {
            self.refill()?;
            if self.buffer.is_empty() {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
        let n = out
            .len()
            .min(self.buffer.len() - self.start)
            .min(self.remaining as usize);
        out[..n].copy_from_slice(&self.buffer[self.start..self.start + n]);
        // Real Manifest.db files are in WAL mode; an in-memory copy must say "rollback journal" (bytes 18
        // and 19 = 1) or SQLite refuses to open it.
        if self.patch_wal_header {
            for (i, byte) in out[..n].iter_mut().enumerate() {
                let at = self.offset + i as u64;
                if at == 18 || at == 19 {
                    *byte = 1;
                }
            }
            if self.offset + n as u64 > 19 {
                self.patch_wal_header = false;
            }
        }
        self.start += n;
        self.offset += n as u64;
        self.remaining -= n as u64;
        Ok(n)
    }
}
