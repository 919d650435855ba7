//! A read-only SQLite VFS that decrypts an encrypted Manifest.db page by page as SQLite reads it, so memory
//! stays flat however large the database is (real ones reach 1.55 GB) and no plaintext is ever written.
//!
//! AES-CBC decrypts block `i` from ciphertext blocks `i` and `i - 1` (the zero IV for block 0), so a read of
//! plaintext `[offset, offset + len)` preads ciphertext from one block before `offset` and decrypts only that.
//!
//! How a connection gets its key, safely and without global mutable state shared between connections:
//! [`open`] opens the file, checks its padding, builds the decrypting state (file handle, AES key schedule,
//! buffer) and parks it in `PENDING` under a fresh one-shot token, then opens the SQLite URI with
//! `cloudfit_token=<n>`. SQLite's xOpen for that URI *takes* the state out of the registry, so each
//! connection owns its own file handle and key schedule and shares nothing with any other connection; a
//! token is never valid twice, and a forged or stale one finds nothing and fails to open. The raw key
//! is never stored: only the expanded AES key schedule, wiped (zeroize) when the connection closes.
//!
//! The one module of the library with unsafe code: SQLite's VFS is a C interface. Every block says why it is
//! sound (SAFETY).
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void, CStr};
use std::fs::File;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, InnerIvInit, KeyInit};
use rusqlite::{ffi, Connection, OpenFlags};
use zeroize::Zeroizing;

use super::{DecryptError, Key};
use crate::error::{Error, Result};

/// The name the VFS is registered under (never as the default VFS).
const VFS_NAME: &CStr = c"cloudfit-aes-cbc";
/// The URI parameter carrying the one-shot token of a [`PENDING`] file.
const TOKEN_PARAM: &CStr = c"cloudfit_token";
/// Longest path SQLite may hand the VFS.
const MAX_PATH: c_int = 4096;

/// Plaintext decrypted per pread when SQLite reads sequentially (a table scan); a read elsewhere (a B-tree
/// lookup) decrypts only what was asked. Measured on 1.3 GB, 1.3M rows: every row read in about 2.1 s with no
/// read-ahead, 1.4 s at 64 KiB, 0.95 s at 1 MiB, no better at 4 MiB; the buffer is per connection.
const READ_AHEAD: usize = 1 << 20;
/// The buffer also holds the largest page SQLite can ask for at once (64 KiB) plus the IV block.
const BUFFER: usize = if READ_AHEAD > 65536 {
    READ_AHEAD
} else {
    65536
} + 16;

/// Decrypting states made by [`open`] and not yet claimed by SQLite's xOpen, by token.
static PENDING: Mutex<Vec<(u64, Box<Decrypting>)>> = Mutex::new(Vec::new());
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// Opens the encrypted database at `path` read-only and immutable through the decrypting VFS. Each call
/// gives an independent connection (its own file handle and state), so several may read one file from
/// several threads.
pub fn open(path: &Path, key: &Key) -> Result<Connection> {
    let problem = |p: String| Error::damaged_encryption(path, p);
    register().map_err(|rc| Error::Encryption {
        path: path.to_path_buf(),
        problem: format!("SQLite refused cloudfit's decrypting reader (code {rc})"),
    })?;
    let state = Decrypting::open(path, key).map_err(|e| problem(e.to_string()))?;
    // Shorter than SQLite's 100-byte header cannot be a database.
    if state.plain_len < 100 {
        return Err(problem(format!(
            "it decrypts to {} bytes, too short to be a database",
            state.plain_len
        )));
    }
    let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
    let uri = crate::read::manifest_db::immutable_uri(path).map_err(|e| Error::io(path, e))?;
    let uri = format!("{uri}&{}={token}", TOKEN_PARAM.to_string_lossy());
    pending().push((token, Box::new(state)));
    // Whatever happens, the token does not outlive this call: xOpen took it, or it is dropped here.
    struct Unpark(u64);
    impl Drop for Unpark {
        fn drop(&mut self) {
            pending().retain(|(t, _)| *t != self.0);
        }
    }
    let _unpark = Unpark(token);
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags_and_vfs(&uri, flags, VFS_NAME)
        .map_err(|e| Error::sqlite(path, e))?;
    // Sorting or temporary tables must not spill to a file (the VFS refuses any file but the database);
    // query_only is a second lock on writes.
    conn.execute_batch("PRAGMA temp_store = MEMORY; PRAGMA query_only = 1;")
        .and_then(|()| conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(())))
        .map_err(|e| {
            problem(format!(
                "the decrypted database does not open ({e}); the backup may be damaged"
            ))
        })?;
    Ok(conn)
}

fn pending() -> std::sync::MutexGuard<'static, Vec<(u64, Box<Decrypting>)>> {
    // A panic while holding the lock leaves the list intact: keep using it.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// One connection's view of the encrypted file.
struct Decrypting {
    file: File,
    /// The expanded key schedule; wiped on drop (the `zeroize` feature of `aes`).
    cipher: aes::Aes256Dec,
    plain_len: u64,
    cipher_len: u64,
    /// `buffer[16..16 + window_len]` is plaintext from `window_start`; `buffer[..16]` receives the IV.
    buffer: Zeroizing<Vec<u8>>,
    window_start: u64,
    window_len: usize,
    /// Where the last read ended: a read starting there is sequential and reads ahead.
    next_offset: u64,
}

impl Decrypting {
    fn open(path: &Path, key: &Key) -> std::result::Result<Decrypting, DecryptError> {
        let file = File::open(path)?;
        let plain_len = super::plaintext_len(&file, key)?;
        let cipher_len = file.metadata()?.len();
        Ok(Decrypting {
            file,
            cipher: aes::Aes256Dec::new(key.as_ref().into()),
            plain_len,
            cipher_len,
            buffer: Zeroizing::new(vec![0u8; BUFFER]),
            window_start: 0,
            window_len: 0,
            next_offset: u64::MAX,
        })
    }

    /// Fills `out` with plaintext from `offset`; returns how many bytes exist there (fewer at the end).
    fn read(&mut self, out: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let available = self.plain_len.saturating_sub(offset);
        let wanted = usize::try_from(available).map_or(out.len(), |a| a.min(out.len()));
        let sequential = offset == self.next_offset;
        let mut done = 0;
        while done < wanted {
            let at = offset + done as u64;
            let window_end = self.window_start + self.window_len as u64;
            if at < self.window_start || at >= window_end {
                let ahead = if sequential { READ_AHEAD } else { 0 };
                self.fill(at, (wanted - done).max(ahead))?;
            }
            let from = (at - self.window_start) as usize;
            let n = (self.window_len - from).min(wanted - done);
            out[done..done + n].copy_from_slice(&self.buffer[16 + from..16 + from + n]);
            done += n;
        }
        self.next_offset = offset + out.len() as u64;
        Ok(wanted)
    }

    /// Decrypts at least the block holding `offset` and up to `want` bytes from it, as the buffer allows.
    fn fill(&mut self, offset: u64, want: usize) -> std::io::Result<()> {
        let first = offset / 16 * 16;
        let room = (BUFFER - 16) as u64;
        let end = (offset + want as u64)
            .div_ceil(16)
            .saturating_mul(16)
            .min(first + room)
            .min(self.cipher_len);
        if end <= first {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let len = (end - first) as usize;
        // The IV is the ciphertext block before `first`, or zero for the first block.
        let (iv_at, skip) = if first == 0 { (0, 16) } else { (first - 16, 0) };
        self.window_len = 0;
        self.buffer[..16].fill(0);
        read_exact_at(&self.file, &mut self.buffer[skip..16 + len], iv_at)?;
        let (iv, blocks) = self.buffer.split_at_mut(16);
        let iv = aes::Block::clone_from_slice(iv);
        let cbc = cbc::Decryptor::<aes::Aes256Dec>::inner_iv_init(self.cipher.clone(), &iv);
        // One call over the whole run lets AES-NI decrypt 8 blocks at a time. `len` is whole blocks.
        cbc.decrypt_padded_mut::<NoPadding>(&mut blocks[..len])
            .map_err(|_| std::io::Error::other("a ciphertext run is not whole blocks"))?;
        self.window_start = first;
        self.window_len = len.min((self.plain_len - first) as usize);
        Ok(())
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Registers the VFS once per process; later calls return the first outcome.
fn register() -> std::result::Result<(), c_int> {
    static REGISTERED: OnceLock<c_int> = OnceLock::new();
    let rc = *REGISTERED.get_or_init(|| unsafe {
        let rc = ffi::sqlite3_initialize();
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        // Time, randomness and sleep come from the platform's own VFS.
        let platform = ffi::sqlite3_vfs_find(ptr::null());
        if platform.is_null() {
            return ffi::SQLITE_ERROR;
        }
        let vfs = Box::new(ffi::sqlite3_vfs {
            iVersion: 2,
            szOsFile: std::mem::size_of::<EncryptedFile>() as c_int,
            mxPathname: MAX_PATH,
            pNext: ptr::null_mut(),
            zName: VFS_NAME.as_ptr(),
            pAppData: platform.cast(),
            xOpen: Some(x_open),
            xDelete: Some(x_delete),
            xAccess: Some(x_access),
            xFullPathname: Some(x_full_pathname),
            xDlOpen: Some(x_dl_open),
            xDlError: Some(x_dl_error),
            xDlSym: Some(x_dl_sym),
            xDlClose: Some(x_dl_close),
            xRandomness: Some(x_randomness),
            xSleep: Some(x_sleep),
            xCurrentTime: Some(x_current_time),
            xGetLastError: Some(x_get_last_error),
            xCurrentTimeInt64: Some(x_current_time_int64),
            xSetSystemCall: None,
            xGetSystemCall: None,
            xNextSystemCall: None,
        });
        // SQLite keeps the pointer for the life of the process.
        ffi::sqlite3_vfs_register(Box::into_raw(vfs), 0)
    });
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(rc)
    }
}

/// What SQLite allocates per open file (`szOsFile` bytes): the base struct first, then our state.
#[repr(C)]
struct EncryptedFile {
    base: ffi::sqlite3_file,
    state: *mut Decrypting,
}

static IO_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    // Version 1: no shared memory (so no WAL) and no memory mapping.
    iVersion: 1,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

/// Runs a callback body, turning a panic into `failed`: nothing may unwind into SQLite's C frames.
fn guard(failed: c_int, body: impl FnOnce() -> c_int) -> c_int {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(failed)
}

/// The state behind an open file, if it is one of ours and still open.
///
/// # Safety
/// `file` must be a pointer SQLite passed to one of [`IO_METHODS`], so it points at an [`EncryptedFile`].
unsafe fn state<'a>(file: *mut ffi::sqlite3_file) -> Option<&'a mut Decrypting> {
    let file = file.cast::<EncryptedFile>();
    // SAFETY: per the contract, `file` is an EncryptedFile whose `state` is null or a live Box we made;
    // SQLite calls one method at a time per file.
    unsafe { file.as_ref().and_then(|f| f.state.as_mut()) }
}

unsafe extern "C" fn x_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    if file.is_null() {
        return ffi::SQLITE_CANTOPEN;
    }
    // SAFETY: SQLite hands us szOsFile writable bytes. pMethods stays null unless the open succeeds,
    // which tells SQLite not to call xClose.
    unsafe {
        (*file).pMethods = ptr::null();
        (*file.cast::<EncryptedFile>()).state = ptr::null_mut();
    }
    guard(ffi::SQLITE_CANTOPEN, || {
        // Only the main database, read-only: no journal, WAL, temporary or new file is ever opened.
        let writes = ffi::SQLITE_OPEN_READWRITE
            | ffi::SQLITE_OPEN_CREATE
            | ffi::SQLITE_OPEN_DELETEONCLOSE
            | ffi::SQLITE_OPEN_EXCLUSIVE;
        if name.is_null() || flags & ffi::SQLITE_OPEN_MAIN_DB == 0 || flags & writes != 0 {
            return ffi::SQLITE_CANTOPEN;
        }
        // SAFETY: for the main database SQLite passes a filename that carries its URI parameters.
        let token = unsafe { ffi::sqlite3_uri_parameter(name, TOKEN_PARAM.as_ptr()) };
        if token.is_null() {
            return ffi::SQLITE_CANTOPEN;
        }
        // SAFETY: a NUL-terminated string owned by SQLite for the duration of the call.
        let token = unsafe { CStr::from_ptr(token) };
        let Some(token) = token.to_str().ok().and_then(|t| t.parse::<u64>().ok()) else {
            return ffi::SQLITE_CANTOPEN;
        };
        let state = {
            let mut list = pending();
            match list.iter().position(|(t, _)| *t == token) {
                Some(i) => list.swap_remove(i).1,
                None => return ffi::SQLITE_CANTOPEN,
            }
        };
        // SAFETY: as above; from here SQLite owns the state until xClose.
        unsafe {
            (*file.cast::<EncryptedFile>()).state = Box::into_raw(state);
            (*file).pMethods = &IO_METHODS;
            if !out_flags.is_null() {
                *out_flags = ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_MAIN_DB;
            }
        }
        ffi::SQLITE_OK
    })
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    guard(ffi::SQLITE_IOERR_CLOSE, || {
        let file = file.cast::<EncryptedFile>();
        if file.is_null() {
            return ffi::SQLITE_OK;
        }
        // SAFETY: `state` is null or the Box made in x_open; it is taken exactly once. Dropping it closes
        // the file handle and wipes the key schedule and buffer.
        unsafe {
            let state = std::mem::replace(&mut (*file).state, ptr::null_mut());
            if !state.is_null() {
                drop(Box::from_raw(state));
            }
        }
        ffi::SQLITE_OK
    })
}

unsafe extern "C" fn x_read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    guard(ffi::SQLITE_IOERR_READ, || {
        // SAFETY: called by SQLite on a file it opened through x_open.
        let Some(state) = (unsafe { state(file) }) else {
            return ffi::SQLITE_IOERR_READ;
        };
        let (Ok(amount), Ok(offset)) = (usize::try_from(amount), u64::try_from(offset)) else {
            return ffi::SQLITE_IOERR_READ;
        };
        if buf.is_null() {
            return ffi::SQLITE_IOERR_READ;
        }
        // SAFETY: SQLite gives a buffer of `amount` writable bytes.
        let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), amount) };
        match state.read(out, offset) {
            Ok(n) if n == out.len() => ffi::SQLITE_OK,
            // SQLite expects the rest zeroed and this code for a read past the end.
            Ok(n) => {
                out[n..].fill(0);
                ffi::SQLITE_IOERR_SHORT_READ
            }
            Err(_) => ffi::SQLITE_IOERR_READ,
        }
    })
}

unsafe extern "C" fn x_write(
    _file: *mut ffi::sqlite3_file,
    _buf: *const c_void,
    _amount: c_int,
    _offset: ffi::sqlite3_int64,
) -> c_int {
    ffi::SQLITE_READONLY
}

unsafe extern "C" fn x_truncate(_file: *mut ffi::sqlite3_file, _size: ffi::sqlite3_int64) -> c_int {
    ffi::SQLITE_READONLY
}

/// Nothing was written, so there is nothing to sync.
unsafe extern "C" fn x_sync(_file: *mut ffi::sqlite3_file, _flags: c_int) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_file_size(
    file: *mut ffi::sqlite3_file,
    size: *mut ffi::sqlite3_int64,
) -> c_int {
    guard(ffi::SQLITE_IOERR_FSTAT, || {
        // SAFETY: called by SQLite on a file it opened through x_open.
        let Some(state) = (unsafe { state(file) }) else {
            return ffi::SQLITE_IOERR_FSTAT;
        };
        let Ok(len) = i64::try_from(state.plain_len) else {
            return ffi::SQLITE_IOERR_FSTAT;
        };
        if size.is_null() {
            return ffi::SQLITE_IOERR_FSTAT;
        }
        // SAFETY: SQLite passes a valid out-pointer.
        unsafe { *size = len };
        ffi::SQLITE_OK
    })
}

/// The file is immutable and never written: shared locks are free, anything that would lead to a write is
/// refused. (With `immutable=1` SQLite does not lock at all.)
unsafe extern "C" fn x_lock(_file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    if level <= ffi::SQLITE_LOCK_SHARED {
        ffi::SQLITE_OK
    } else {
        ffi::SQLITE_READONLY
    }
}

unsafe extern "C" fn x_unlock(_file: *mut ffi::sqlite3_file, _level: c_int) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_check_reserved_lock(
    _file: *mut ffi::sqlite3_file,
    out: *mut c_int,
) -> c_int {
    if !out.is_null() {
        // SAFETY: SQLite passes a valid out-pointer.
        unsafe { *out = 0 };
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_file_control(
    _file: *mut ffi::sqlite3_file,
    _op: c_int,
    _arg: *mut c_void,
) -> c_int {
    ffi::SQLITE_NOTFOUND
}

unsafe extern "C" fn x_sector_size(_file: *mut ffi::sqlite3_file) -> c_int {
    4096
}

unsafe extern "C" fn x_device_characteristics(_file: *mut ffi::sqlite3_file) -> c_int {
    ffi::SQLITE_IOCAP_IMMUTABLE
}

/// Never deletes anything (SQLite would only ask for a journal, which is never created).
unsafe extern "C" fn x_delete(
    _vfs: *mut ffi::sqlite3_vfs,
    _name: *const c_char,
    _sync_dir: c_int,
) -> c_int {
    ffi::SQLITE_IOERR_DELETE
}

/// No `-wal`, `-shm` or `-journal` exists as far as SQLite is concerned: it will not look for one to replay.
unsafe extern "C" fn x_access(
    _vfs: *mut ffi::sqlite3_vfs,
    _name: *const c_char,
    _flags: c_int,
    out: *mut c_int,
) -> c_int {
    if !out.is_null() {
        // SAFETY: SQLite passes a valid out-pointer.
        unsafe { *out = 0 };
    }
    ffi::SQLITE_OK
}

/// [`open`] already passes an absolute path: copy it as it is.
unsafe extern "C" fn x_full_pathname(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    out_len: c_int,
    out: *mut c_char,
) -> c_int {
    guard(ffi::SQLITE_CANTOPEN, || {
        if name.is_null() || out.is_null() {
            return ffi::SQLITE_CANTOPEN;
        }
        // SAFETY: SQLite passes a NUL-terminated name and an output buffer of `out_len` bytes.
        unsafe {
            let bytes = CStr::from_ptr(name).to_bytes_with_nul();
            if bytes.len() > usize::try_from(out_len).unwrap_or(0) {
                return ffi::SQLITE_CANTOPEN;
            }
            ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), out, bytes.len());
        }
        ffi::SQLITE_OK
    })
}

unsafe extern "C" fn x_dl_open(_vfs: *mut ffi::sqlite3_vfs, _name: *const c_char) -> *mut c_void {
    ptr::null_mut()
}

unsafe extern "C" fn x_dl_error(_vfs: *mut ffi::sqlite3_vfs, len: c_int, out: *mut c_char) {
    if len > 0 && !out.is_null() {
        // SAFETY: SQLite passes a buffer of `len` bytes; an empty message.
        unsafe { *out = 0 };
    }
}

type DlSym = unsafe extern "C" fn(*mut ffi::sqlite3_vfs, *mut c_void, *const c_char);

unsafe extern "C" fn x_dl_sym(
    _vfs: *mut ffi::sqlite3_vfs,
    _handle: *mut c_void,
    _symbol: *const c_char,
) -> Option<DlSym> {
    None
}

unsafe extern "C" fn x_dl_close(_vfs: *mut ffi::sqlite3_vfs, _handle: *mut c_void) {}

/// The platform VFS stored in `pAppData` at registration.
///
/// # Safety
/// `vfs` must be the VFS registered by [`register`].
unsafe fn platform<'a>(vfs: *mut ffi::sqlite3_vfs) -> Option<&'a mut ffi::sqlite3_vfs> {
    // SAFETY: pAppData is the platform VFS, which SQLite keeps for the life of the process.
    unsafe {
        vfs.as_ref()
            .and_then(|v| v.pAppData.cast::<ffi::sqlite3_vfs>().as_mut())
    }
}

unsafe extern "C" fn x_randomness(
    vfs: *mut ffi::sqlite3_vfs,
    len: c_int,
    out: *mut c_char,
) -> c_int {
    // SAFETY: forwarded as SQLite gave them.
    unsafe {
        match platform(vfs) {
            Some(p) => match p.xRandomness {
                Some(f) => f(p, len, out),
                None => 0,
            },
            None => 0,
        }
    }
}

unsafe extern "C" fn x_sleep(vfs: *mut ffi::sqlite3_vfs, micros: c_int) -> c_int {
    // SAFETY: forwarded as SQLite gave them.
    unsafe {
        match platform(vfs) {
            Some(p) => match p.xSleep {
                Some(f) => f(p, micros),
                None => 0,
            },
            None => 0,
        }
    }
}

unsafe extern "C" fn x_current_time(vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    // SAFETY: forwarded as SQLite gave them.
    unsafe {
        match platform(vfs) {
            Some(p) => match p.xCurrentTime {
                Some(f) => f(p, out),
                None => ffi::SQLITE_ERROR,
            },
            None => ffi::SQLITE_ERROR,
        }
    }
}

unsafe extern "C" fn x_current_time_int64(
    vfs: *mut ffi::sqlite3_vfs,
    out: *mut ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: forwarded as SQLite gave them.
    unsafe {
        match platform(vfs) {
            Some(p) if p.iVersion >= 2 => match p.xCurrentTimeInt64 {
                Some(f) => f(p, out),
                None => ffi::SQLITE_ERROR,
            },
            _ => ffi::SQLITE_ERROR,
        }
    }
}

unsafe extern "C" fn x_get_last_error(
    _vfs: *mut ffi::sqlite3_vfs,
    _len: c_int,
    _out: *mut c_char,
) -> c_int {
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::manifest_db;
    use aes::cipher::{BlockEncryptMut, KeyIvInit};
    use std::io::Read;

    /// AES-256-CBC, zero IV, PKCS#7: how backups encrypt Manifest.db.
    fn encrypt(key: &[u8; 32], plain: &[u8]) -> Vec<u8> {
        let pad = 16 - plain.len() % 16;
        let mut data = plain.to_vec();
        data.extend(std::iter::repeat_n(pad as u8, pad));
        let cipher = cbc::Encryptor::<aes::Aes256>::new(key.into(), &aes::Block::default());
        let len = data.len();
        cipher
            .encrypt_padded_mut::<NoPadding>(&mut data, len)
            .unwrap();
        data
    }

    fn names(dir: &Path) -> Vec<std::ffi::OsString> {
        let mut list: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        list.sort();
        list
    }

    type Row = (String, String, String, i64, Vec<u8>);

    fn rows(conn: &Connection, path: &Path) -> Vec<Row> {
        let mut out = Vec::new();
        manifest_db::for_each_row_in(conn, path, &manifest_db::Rows::All, |r| {
            out.push((
                String::from_utf8_lossy(r.file_id).into_owned(),
                r.domain.to_string(),
                r.relative_path.to_string(),
                r.flags,
                r.blob.to_vec(),
            ))
        })
        .unwrap();
        out
    }

    /// A Files table of `n` rows with blobs of varied size (some spill to overflow pages), in WAL mode as on
    /// a device, encrypted as `Manifest.db` in a fresh folder. Returns the folder, the path and the key.
    fn encrypted_db(n: u32, page_size: u32) -> (tempfile::TempDir, std::path::PathBuf, Key) {
        let plain_dir = tempfile::tempdir().unwrap();
        let plain = plain_dir.path().join("plain.db");
        {
            let conn = Connection::open(&plain).unwrap();
            conn.execute_batch(&format!(
                "PRAGMA page_size = {page_size};
                 CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);"
            ))
            .unwrap();
            let tx = conn.unchecked_transaction().unwrap();
            for i in 0..n {
                // Every 50th blob spans several pages, even of 4 KiB.
                let len = if i % 50 == 0 { 9000 } else { i * 37 % 700 };
                let blob: Vec<u8> = (0..len).map(|j| (i + j) as u8).collect();
                tx.execute(
                    "INSERT INTO Files VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![
                        format!("{:040x}", u128::from(i) * 0x9e37_79b9_7f4a_7c15),
                        format!("AppDomain-com.example.app{}", i % 17),
                        format!("Library/Caches/file {i}.dat"),
                        1 + i64::from(i % 3 == 0),
                        blob
                    ],
                )
                .unwrap();
            }
            tx.commit().unwrap();
            conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        }
        let bytes = std::fs::read(&plain).unwrap();
        assert_eq!(bytes[18..20], [2, 2], "a WAL-mode database, as on a device");
        let key = Zeroizing::new(std::array::from_fn(|i| (i * 7 + 3) as u8));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Manifest.db");
        std::fs::write(&path, encrypt(&key, &bytes)).unwrap();
        (dir, path, key)
    }

    #[test]
    fn rows_read_page_by_page_equal_the_whole_copy_and_nothing_appears_beside_the_file() {
        for page_size in [512, 4096, 65536] {
            let (dir, path, key) = encrypted_db(3000, page_size);
            let before = names(dir.path());
            let conn = open(&path, &key).unwrap();
            let got = rows(&conn, &path);
            drop(conn);
            assert_eq!(
                before,
                names(dir.path()),
                "nothing created beside the database"
            );
            let want = rows(
                &manifest_db::open_encrypted_in_memory(&path, &key).unwrap(),
                &path,
            );
            assert_eq!(got.len(), 3000);
            assert!(got == want, "page size {page_size}: rows differ");
        }
    }

    #[test]
    fn a_generated_encrypted_backup_reads_the_same_both_ways() {
        let tmp = tempfile::tempdir().unwrap();
        let spec = cloudfit_synth::BackupSpec {
            encrypted: true,
            password: Some("pw".into()),
            dpic: 10,
            iter: 10,
            files: 2000,
            ..Default::default()
        };
        cloudfit_synth::write_backup(tmp.path(), &spec).unwrap();
        let folder = tmp.path().join(spec.folder_name());
        let info = crate::read::plists::read_device_info(&folder).unwrap();
        let bag = super::super::Keybag::parse(info.keybag.as_deref().unwrap()).unwrap();
        let derived = super::super::passcode_key(&bag, b"pw").unwrap();
        let class_keys = super::super::unwrap_class_keys(&bag, &derived).unwrap();
        let key =
            super::super::manifest_key(info.manifest_key.as_deref().unwrap(), &class_keys).unwrap();
        let path = folder.join("Manifest.db");
        let before = names(&folder);
        let got = rows(&manifest_db::open_encrypted(&path, &key).unwrap(), &path);
        assert_eq!(before, names(&folder));
        let want = rows(
            &manifest_db::open_encrypted_in_memory(&path, &key).unwrap(),
            &path,
        );
        assert!(got.len() > 2000);
        assert!(got == want, "rows differ");
    }

    #[test]
    fn reads_at_any_offset_and_length_match_the_plaintext_and_zero_fill_past_the_end() {
        let key = Zeroizing::new([9u8; 32]);
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("Manifest.db");
        for len in [1usize, 15, 16, 17, 100, 4096 * 3 + 5, READ_AHEAD * 2 + 4099] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            std::fs::write(&path, encrypt(&key, &plain)).unwrap();
            let mut state = Decrypting::open(&path, &key).unwrap();
            assert_eq!(state.plain_len, len as u64);
            // Sequential page-sized reads (read-ahead), then scattered ones (no read-ahead), some past the end.
            let mut cases: Vec<(u64, usize)> = (0..len / 4096 + 2)
                .map(|p| (p as u64 * 4096, 4096))
                .collect();
            let mut x = 12345u64;
            for _ in 0..300 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                cases.push(((x >> 20) % (len as u64 + 40), ((x >> 8) % 70_000) as usize));
            }
            cases.push((len as u64 - 1, READ_AHEAD * 3));
            for (offset, amount) in cases {
                let mut out = vec![0xAAu8; amount];
                let n = state.read(&mut out, offset).unwrap();
                let from = (offset as usize).min(len);
                let to = (offset as usize + amount).min(len);
                assert_eq!(n, to - from, "len {len}, read {amount} at {offset}");
                assert!(
                    out[..n] == plain[from..to],
                    "len {len}, read {amount} at {offset}"
                );
            }
        }
    }

    #[test]
    fn short_reads_past_the_end_are_zero_filled_through_the_c_interface() {
        let (_dir, path, key) = encrypted_db(10, 4096);
        let state = Decrypting::open(&path, &key).unwrap();
        let len = state.plain_len;
        let mut file = EncryptedFile {
            base: ffi::sqlite3_file {
                pMethods: &IO_METHODS,
            },
            state: Box::into_raw(Box::new(state)),
        };
        let base = &mut file.base as *mut ffi::sqlite3_file;
        let mut buf = vec![0xAAu8; 4096];
        // SAFETY: `file` is an EncryptedFile with a live state, as SQLite would pass it.
        unsafe {
            let rc = x_read(base, buf.as_mut_ptr().cast(), 4096, len as i64 - 100);
            assert_eq!(rc, ffi::SQLITE_IOERR_SHORT_READ);
            assert!(buf[100..].iter().all(|&b| b == 0));
            let rc = x_read(base, buf.as_mut_ptr().cast(), 4096, len as i64 + 4096);
            assert_eq!(rc, ffi::SQLITE_IOERR_SHORT_READ);
            assert!(buf.iter().all(|&b| b == 0));
            assert_eq!(
                x_read(base, buf.as_mut_ptr().cast(), 4096, -1),
                ffi::SQLITE_IOERR_READ
            );
            assert_eq!(
                x_write(base, buf.as_ptr().cast(), 10, 0),
                ffi::SQLITE_READONLY
            );
            assert_eq!(x_truncate(base, 0), ffi::SQLITE_READONLY);
            assert_eq!(
                x_lock(base, ffi::SQLITE_LOCK_EXCLUSIVE),
                ffi::SQLITE_READONLY
            );
            let mut size = 0;
            assert_eq!(x_file_size(base, &mut size), ffi::SQLITE_OK);
            assert_eq!(size as u64, len);
            assert_eq!(x_close(base), ffi::SQLITE_OK);
            assert!(file.state.is_null());
            assert_eq!(
                x_read(base, buf.as_mut_ptr().cast(), 16, 0),
                ffi::SQLITE_IOERR_READ
            );
        }
    }

    #[test]
    fn damaged_files_give_an_error_naming_the_file_never_a_panic() {
        let (dir, path, key) = encrypted_db(200, 4096);
        let good = std::fs::read(&path).unwrap();
        let expect_err = |bytes: &[u8], why: &str| {
            std::fs::write(&path, bytes).unwrap();
            let err = open(&path, &key)
                .and_then(|conn| {
                    let mut n = 0;
                    manifest_db::for_each_row_in(&conn, &path, &manifest_db::Rows::All, |_| n += 1)
                        .map(|_| conn)
                })
                .err()
                .unwrap_or_else(|| panic!("{why}: opened"));
            assert!(
                err.to_string().contains(&path.display().to_string()),
                "{why}: {err}"
            );
            err.to_string()
        };
        let msg = expect_err(&good[..good.len() - 5], "not whole blocks");
        assert!(msg.contains("not a whole number of AES blocks"), "{msg}");
        let msg = expect_err(&good[..good.len() - 16], "truncated by a block");
        assert!(msg.contains("padding"), "{msg}");
        expect_err(&[], "empty");
        expect_err(&good[..10], "shorter than a block");
        let msg = expect_err(&good[..32], "decrypts to too little");
        assert!(
            msg.contains("padding") || msg.contains("too short"),
            "{msg}"
        );
        let mut bad_pad = good.clone();
        let n = bad_pad.len();
        bad_pad[n - 20] ^= 0x55; // the block before the last changes the last plaintext block
        let msg = expect_err(&bad_pad, "bad padding");
        assert!(msg.contains("padding"), "{msg}");
        let mut bad_header = good.clone();
        bad_header[3] ^= 1;
        expect_err(&bad_header, "damaged header");
        // Damage deep inside: every page may be garbage; whatever SQLite makes of it, no panic.
        let mut bad_middle = good.clone();
        for i in (4096..n - 32).step_by(509) {
            bad_middle[i] ^= 0xA5;
        }
        std::fs::write(&path, &bad_middle).unwrap();
        if let Ok(conn) = open(&path, &key) {
            let _ = manifest_db::for_each_row_in(&conn, &path, &manifest_db::Rows::All, |_| {});
        }
        let wrong = Zeroizing::new([1u8; 32]);
        std::fs::write(&path, &good).unwrap();
        assert!(open(&path, &wrong).is_err(), "a wrong key");
        assert_eq!(
            names(dir.path()),
            vec![std::ffi::OsString::from("Manifest.db")]
        );
    }

    #[test]
    fn absurd_sizes_in_the_decrypted_header_are_refused_not_followed() {
        // The page size and page count SQLite reads from the (decrypted) header: a page size outside 512 to
        // 65,536 or not a power of two, and a count of 2^32 - 1 pages (believed, since the change counter
        // matches) in a file of a few. SQLite refuses each rather than size reads or walks by it, and the
        // reads it asks of this VFS stay within the file.
        let (_dir, path, key) = encrypted_db(20, 4096);
        let mut plain = Vec::new();
        super::super::DecryptingReader::open(&path, &key)
            .unwrap()
            .read_to_end(&mut plain)
            .unwrap();
        let damaged = |patch: &dyn Fn(&mut Vec<u8>)| {
            let mut bytes = plain.clone();
            patch(&mut bytes);
            std::fs::write(&path, encrypt(&key, &bytes)).unwrap();
            let read = open(&path, &key).and_then(|conn| {
                manifest_db::for_each_row_in(&conn, &path, &manifest_db::Rows::All, |_| {})
            });
            read.unwrap_err().to_string()
        };
        for page_size in [0x0300u16, 0x0100, 0x0080, 0xFFFF] {
            let msg = damaged(&|b| b[16..18].copy_from_slice(&page_size.to_be_bytes()));
            assert!(msg.contains(&path.display().to_string()), "{msg}");
        }
        let msg = damaged(&|b| {
            b[28..32].copy_from_slice(&u32::MAX.to_be_bytes());
            let counter: [u8; 4] = b[24..28].try_into().unwrap();
            b[92..96].copy_from_slice(&counter);
        });
        assert!(msg.contains(&path.display().to_string()), "{msg}");
    }

    #[test]
    fn a_file_that_shrinks_after_opening_gives_an_error() {
        let (_dir, path, key) = encrypted_db(2000, 4096);
        let conn = open(&path, &key).unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len / 2 / 16 * 16)
            .unwrap();
        let result = manifest_db::for_each_row_in(&conn, &path, &manifest_db::Rows::All, |_| {});
        assert!(result.is_err(), "{result:?}");
    }

    #[test]
    fn two_connections_on_two_threads_read_the_same_rows() {
        let (_dir, path, key) = encrypted_db(4000, 4096);
        let want = rows(
            &manifest_db::open_encrypted_in_memory(&path, &key).unwrap(),
            &path,
        );
        let read = |from: i64, to: i64| {
            let conn = open(&path, &key).unwrap();
            let mut stmt = conn
                .prepare("SELECT fileID, domain, relativePath, flags, file FROM Files WHERE rowid >= ?1 AND rowid < ?2")
                .unwrap();
            let got: Vec<Row> = stmt
                .query_map([from, to], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            got
        };
        let (a, b, whole) = std::thread::scope(|s| {
            let a = s.spawn(|| read(0, 2001));
            let b = s.spawn(|| read(2001, i64::MAX));
            let whole = s.spawn(|| read(0, i64::MAX));
            (a.join().unwrap(), b.join().unwrap(), whole.join().unwrap())
        });
        assert_eq!(a.len() + b.len(), 4000);
        assert!([a, b].concat() == want);
        assert!(whole == want);
    }

    #[test]
    fn the_vfs_is_registered_once_not_as_default_and_tokens_are_one_shot() {
        let (_dir, path, key) = encrypted_db(10, 4096);
        drop(open(&path, &key).unwrap());
        drop(open(&path, &key).unwrap());
        assert!(register().is_ok());
        // SAFETY: plain lookups in SQLite's VFS list.
        unsafe {
            let ours = ffi::sqlite3_vfs_find(VFS_NAME.as_ptr());
            assert!(!ours.is_null());
            assert_ne!(ffi::sqlite3_vfs_find(ptr::null()), ours);
        }
        // A token never handed out (they start at 1 and are not reused) opens nothing.
        let uri = manifest_db::immutable_uri(&path).unwrap();
        for token in ["0", "18446744073709551615", "x", ""] {
            let forged = format!("{uri}&cloudfit_token={token}");
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
            let opened = Connection::open_with_flags_and_vfs(&forged, flags, VFS_NAME)
                .and_then(|c| c.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(())));
            assert!(opened.is_err(), "token {token:?}");
        }
    }

    /// `cargo test --release --lib decryption_throughput -- --ignored --nocapture`: GB/s of decrypting a
    /// 512 MiB file page by page as SQLite reads it, and streamed as the whole copy does.
    #[test]
    #[ignore]
    fn decryption_throughput() {
        let key = Zeroizing::new([5u8; 32]);
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("Manifest.db");
        let plain: Vec<u8> = (0..512usize << 20).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, encrypt(&key, &plain)).unwrap();
        drop(plain);
        let gb = (512u64 << 20) as f64 / 1e9;
        for _ in 0..3 {
            let mut state = Decrypting::open(&path, &key).unwrap();
            let mut page = vec![0u8; 4096];
            let started = std::time::Instant::now();
            let mut offset = 0;
            while state.read(&mut page, offset).unwrap() == page.len() {
                offset += 4096;
            }
            let vfs = gb / started.elapsed().as_secs_f64();
            let mut reader = super::super::DecryptingReader::open(&path, &key).unwrap();
            let started = std::time::Instant::now();
            let mut buf = vec![0u8; 1 << 16];
            while reader.read(&mut buf).unwrap() > 0 {}
            let stream = gb / started.elapsed().as_secs_f64();
            println!(
                "decryption: page by page {vfs:.2} GB/s, streamed (whole copy) {stream:.2} GB/s"
            );
        }
    }
}
