//! Containing a panic inside a third-party decoder: a corrupt file can make a
//! reader crate panic (the Parquet crate's bit reader indexes past a short buffer).
//! [`contained`] turns such a panic into an error message for the file's error, and
//! the binary's panic hook stays silent while one is contained ([`active`]).

use std::cell::Cell;

thread_local! {
    static ACTIVE: Cell<u32> = const { Cell::new(0) };
}

/// Whether this thread is inside [`contained`] (the panic hook then prints nothing).
pub fn active() -> bool {
    ACTIVE.with(|a| a.get() > 0)
}

/// Run `f`; a panic inside it is returned as its message.
pub fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    ACTIVE.with(|a| a.set(a.get() + 1));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    ACTIVE.with(|a| a.set(a.get() - 1));
    r.map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a decoder failed".into())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(super::contained(|| 2), Ok(2));
        let e = super::contained(|| -> u8 { panic!("short buffer") });
        assert_eq!(e, Err("short buffer".to_string()));
        assert!(!super::active());
    }
}
