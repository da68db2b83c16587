//! Connect, read and write timeouts for every MySQL connection.
//!
//! The MySQL C client (here MariaDB Connector/C) waits forever for an answer by default
//! (`poll(timeout=-1)`): a connection whose transaction the server killed (on Galera, a
//! replicated write winning certification) or whose network dropped a packet hangs its
//! request, holds its pooled connection for good and blocks a clean shutdown. The client has
//! `MYSQL_OPT_CONNECT_TIMEOUT`, `MYSQL_OPT_READ_TIMEOUT` and `MYSQL_OPT_WRITE_TIMEOUT`, set
//! with `mysql_options` between `mysql_init` and `mysql_real_connect`.
//!
//! Why this interposes `mysql_real_connect`: Diesel 2.3's `MysqlConnection` calls
//! `mysql_init` and `mysql_real_connect` itself and sets only the character set and the SSL
//! options taken from the URL (`ssl_mode`, `ssl_ca`, `ssl_cert`, `ssl_key`, `unix_socket`;
//! see `diesel::mysql::connection::url`); it has no timeout option, no way to reach the raw
//! `MYSQL*` and no hook between the two calls. Connector/C reads no option file unless asked
//! (`MYSQL_READ_DEFAULT_FILE`), and timeouts set on the server side (`max_statement_time`,
//! `wait_timeout`) do not help a client whose server will not answer. So this crate defines
//! `mysql_real_connect` itself: the executable's definition wins over the shared library's for
//! Diesel's call, sets the three options on the handle, and calls the library's own function
//! (found with `dlsym(RTLD_NEXT, ...)`). The timeouts are process-wide, set once from the
//! configuration by [`configure`] when the pool is built; [`configure`] also references the
//! function, so the linker keeps it.

use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void, CStr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// `enum mysql_option` values, the same in MySQL's and MariaDB's client headers.
const MYSQL_OPT_CONNECT_TIMEOUT: c_int = 0;
const MYSQL_OPT_READ_TIMEOUT: c_int = 11;
const MYSQL_OPT_WRITE_TIMEOUT: c_int = 12;

/// glibc's `RTLD_NEXT`: the next object after this one in the search order.
const RTLD_NEXT: *mut c_void = -1isize as *mut c_void;

extern "C" {
    fn mysql_options(mysql: *mut c_void, option: c_int, arg: *const c_void) -> c_int;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

type RealConnect = unsafe extern "C" fn(
    *mut c_void,
    *const c_char,
    *const c_char,
    *const c_char,
    *const c_char,
    c_uint,
    *const c_char,
    c_ulong,
) -> *mut c_void;

static CONNECT_SECS: AtomicU32 = AtomicU32::new(5);
static READ_SECS: AtomicU32 = AtomicU32::new(10);
static WRITE_SECS: AtomicU32 = AtomicU32::new(10);
static REAL: OnceLock<usize> = OnceLock::new();

/// Set the timeouts every MySQL connection opened from now on gets (seconds, at least 1).
pub fn configure(connect_secs: u32, read_secs: u32, write_secs: u32) {
    CONNECT_SECS.store(connect_secs.max(1), Ordering::Relaxed);
    READ_SECS.store(read_secs.max(1), Ordering::Relaxed);
    WRITE_SECS.store(write_secs.max(1), Ordering::Relaxed);
    // Referenced here, the interposed function is linked into every binary that builds a pool.
    std::hint::black_box(mysql_real_connect as RealConnect);
}

/// The timeouts in force: connect, read, write (seconds).
pub fn current() -> (u32, u32, u32) {
    (
        CONNECT_SECS.load(Ordering::Relaxed),
        READ_SECS.load(Ordering::Relaxed),
        WRITE_SECS.load(Ordering::Relaxed),
    )
}

fn real_connect() -> Option<RealConnect> {
    let addr = *REAL.get_or_init(|| {
        let name: &CStr = c"mysql_real_connect";
        // SAFETY: dlsym with RTLD_NEXT and a NUL-terminated name only looks a symbol up.
        unsafe { dlsym(RTLD_NEXT, name.as_ptr()) as usize }
    });
    if addr == 0 {
        return None;
    }
    // SAFETY: the symbol is the client library's `mysql_real_connect`, of this signature.
    Some(unsafe { std::mem::transmute::<usize, RealConnect>(addr) })
}

/// The client library's `mysql_real_connect`, with the configured timeouts set first.
///
/// # Safety
/// The arguments of the C function: `mysql` a handle from `mysql_init`, the strings
/// NUL-terminated or null.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn mysql_real_connect(
    mysql: *mut c_void,
    host: *const c_char,
    user: *const c_char,
    passwd: *const c_char,
    db: *const c_char,
    port: c_uint,
    unix_socket: *const c_char,
    client_flag: c_ulong,
) -> *mut c_void {
    let Some(real) = real_connect() else {
        // Cannot happen while the client library is linked (this function is only called
        // through it); going on without it would make Diesel take a failure for success.
        eprintln!("linli: the MySQL client library's mysql_real_connect was not found");
        std::process::abort();
    };
    if !mysql.is_null() {
        let (connect, read, write) = current();
        for (option, secs) in [
            (MYSQL_OPT_CONNECT_TIMEOUT, connect),
            (MYSQL_OPT_READ_TIMEOUT, read),
            (MYSQL_OPT_WRITE_TIMEOUT, write),
        ] {
            let value: c_uint = secs;
            mysql_options(mysql, option, (&raw const value).cast());
        }
    }
    real(
        mysql,
        host,
        user,
        passwd,
        db,
        port,
        unix_socket,
        client_flag,
    )
}
