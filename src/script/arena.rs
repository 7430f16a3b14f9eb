//! Strings returned by script functions, kept for the rest of the evaluation: formula
//! values borrow them. Append-only through `&self`, without unsafe code: chunks of
//! `OnceCell`s, each chunk twice the size of the one before.

use std::cell::{Cell, OnceCell};

const CHUNKS: usize = 32;

/// Most text the strings of one evaluation may hold together (bytes).
pub const MAX_TEXT: usize = 64 * 1024 * 1024;

/// A chunk: a fixed number of slots, each filled once.
type Chunk = Box<[OnceCell<Box<str>>]>;

#[derive(Default)]
pub struct StrArena {
    chunks: [OnceCell<Chunk>; CHUNKS],
    next: Cell<usize>,
    bytes: Cell<usize>,
}

impl StrArena {
    /// Keep `s`; `None` when the arena's text would exceed [`MAX_TEXT`].
    pub fn alloc(&self, s: &str) -> Option<&str> {
        let total = self.bytes.get().checked_add(s.len())?;
        if total > MAX_TEXT {
            return None;
        }
        let i = self.next.get() + 1;
        // Chunk k holds indices 2^k ..= 2^(k+1) - 1 (counted from 1).
        let k = (usize::BITS - 1 - i.leading_zeros()) as usize;
        let chunk = self.chunks.get(k)?.get_or_init(|| {
            (0..1usize << k)
                .map(|_| OnceCell::new())
                .collect::<Vec<_>>()
                .into_boxed_slice()
        });
        let slot = chunk.get(i - (1 << k))?;
        self.next.set(i);
        self.bytes.set(total);
        Some(slot.get_or_init(|| s.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_string() {
        let a = StrArena::default();
        let kept: Vec<&str> = (0..1000)
            .map(|i| a.alloc(&i.to_string()).unwrap())
            .collect();
        for (i, s) in kept.iter().enumerate() {
            assert_eq!(*s, i.to_string());
        }
    }
}
