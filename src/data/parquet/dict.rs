//! Dictionary-encoded string columns without a copy per value.
//!
//! The `parquet` crate's reader hands out a `ByteArray` per value (a reference
//! count taken and dropped per row). Instead, [`read_codes`] reads a
//! dictionary-encoded `BYTE_ARRAY` chunk as its dictionary (kept once) and one
//! entry number per value: the chunk's pages go through [`CodePages`], which
//! swaps the dictionary page for a dictionary of the numbers `0..n`, so that the
//! crate's own INT32 reader decodes the data pages (levels, the RLE/bit-packed
//! indices, decompression, page versions) into entry numbers. A chunk with a page
//! of any other encoding is not read this way (the caller reads it as before).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use parquet::basic::{Encoding, Repetition, Type as Physical};
use parquet::column::page::{Page, PageMetadata, PageReader};
use parquet::column::reader::ColumnReaderImpl;
use parquet::data_type::Int32Type;
use parquet::errors::{ParquetError, Result};
use parquet::schema::types::{ColumnDescPtr, ColumnDescriptor, ColumnPath, Type};

/// A chunk's dictionary: its entries as ranges of the page's bytes.
#[derive(Debug)]
pub(super) struct Dict {
    /// Unique in the process (see [`crate::data::cell::Cell::Text`]); `None`
    /// once 2^32 dictionaries have been read (their values are then plain text).
    pub id: Option<u32>,
    buf: Bytes,
    entries: Vec<(u32, u32)>,
}

impl Dict {
    /// Entry `k`'s bytes.
    #[inline]
    pub fn entry(&self, k: usize) -> Option<&[u8]> {
        let &(start, end) = self.entries.get(k)?;
        self.buf.get(start as usize..end as usize)
    }

    /// The entries of a PLAIN `BYTE_ARRAY` dictionary page (a 4-byte little-endian
    /// length before each value).
    fn parse(buf: Bytes, num_values: u32) -> Result<Dict> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let mut entries = Vec::with_capacity((num_values as usize).min(buf.len() / 4));
        let mut at = 0usize;
        for _ in 0..num_values {
            let len = buf
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or_else(|| ParquetError::EOF("dictionary page: a short length".into()))?;
            let start = at + 4;
            let end = start
                .checked_add(len)
                .filter(|&e| e <= buf.len() && e <= u32::MAX as usize)
                .ok_or_else(|| ParquetError::EOF("dictionary page: a short value".into()))?;
            entries.push((start as u32, end as u32));
            at = end;
        }
        Ok(Dict {
            id: NEXT
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_add(1))
                .ok(),
            buf,
            entries,
        })
    }
}

/// Why a chunk is not read as entry numbers (the caller then reads it the usual way).
const NOT_CODED: &str = "kpi: not a dictionary-encoded chunk";

/// The pages of a `BYTE_ARRAY` chunk, with the dictionary page replaced by the
/// entry numbers `0..n` as PLAIN INT32 values (the real dictionary is kept aside),
/// and only dictionary-encoded data pages passed on.
struct CodePages {
    inner: Box<dyn PageReader>,
    dict: Arc<Mutex<Option<Dict>>>,
}

impl CodePages {
    fn swap(&mut self, page: Page) -> Result<Page> {
        match page {
            Page::DictionaryPage {
                buf,
                num_values,
                encoding: Encoding::PLAIN | Encoding::PLAIN_DICTIONARY,
                is_sorted,
            } => {
                let dict = Dict::parse(buf, num_values)?;
                let n = dict.entries.len() as u32;
                let numbers: Vec<u8> = (0..n).flat_map(|k| k.to_le_bytes()).collect();
                let mut slot = self
                    .dict
                    .lock()
                    .map_err(|_| ParquetError::General(NOT_CODED.into()))?;
                if slot.is_some() {
                    return Err(ParquetError::General(NOT_CODED.into()));
                }
                *slot = Some(dict);
                Ok(Page::DictionaryPage {
                    buf: Bytes::from(numbers),
                    num_values: n,
                    encoding: Encoding::PLAIN,
                    is_sorted,
                })
            }
            Page::DataPage {
                encoding: Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY,
                ..
            }
            | Page::DataPageV2 {
                encoding: Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY,
                ..
            } => Ok(page),
            _ => Err(ParquetError::General(NOT_CODED.into())),
        }
    }
}

impl Iterator for CodePages {
    type Item = Result<Page>;

    fn next(&mut self) -> Option<Result<Page>> {
        self.get_next_page().transpose()
    }
}

impl PageReader for CodePages {
    fn get_next_page(&mut self) -> Result<Option<Page>> {
        match self.inner.get_next_page()? {
            Some(page) => self.swap(page).map(Some),
            None => Ok(None),
        }
    }

    fn peek_next_page(&mut self) -> Result<Option<PageMetadata>> {
        self.inner.peek_next_page()
    }

    fn skip_next_page(&mut self) -> Result<()> {
        self.inner.skip_next_page()
    }

    fn at_record_boundary(&mut self) -> Result<bool> {
        self.inner.at_record_boundary()
    }
}

/// An INT32 column with the levels of `descr`.
fn numbers_column(descr: &ColumnDescriptor) -> Result<ColumnDescPtr> {
    let repetition = if descr.max_def_level() > 0 {
        Repetition::OPTIONAL
    } else {
        Repetition::REQUIRED
    };
    let ty = Type::primitive_type_builder("entry", Physical::INT32)
        .with_repetition(repetition)
        .build()?;
    Ok(Arc::new(ColumnDescriptor::new(
        Arc::new(ty),
        descr.max_def_level(),
        descr.max_rep_level(),
        ColumnPath::new(vec!["entry".into()]),
    )))
}

/// Reads `rows` records of a dictionary-encoded `BYTE_ARRAY` chunk: the entry
/// number of each non-null value into `codes`, the definition levels into `defs`
/// (when the column has them). `Ok(None)`: the chunk has a page that is not
/// dictionary-encoded (or no dictionary), and nothing is to be trusted of it.
pub(super) fn read_codes(
    descr: &ColumnDescriptor,
    pages: Box<dyn PageReader>,
    rows: usize,
    codes: &mut Vec<i32>,
    defs: &mut Vec<i16>,
) -> Result<Option<Dict>> {
    let shared = Arc::new(Mutex::new(None));
    let pages = CodePages {
        inner: pages,
        dict: shared.clone(),
    };
    let mut reader = ColumnReaderImpl::<Int32Type>::new(numbers_column(descr)?, Box::new(pages));
    let max_def = descr.max_def_level();
    let mut done = 0;
    while done < rows {
        let d = if max_def > 0 { Some(&mut *defs) } else { None };
        let batch = (rows - done).min(1 << 16);
        let n = match reader.read_records(batch, d, None, codes) {
            Ok((n, _, _)) => n,
            Err(ParquetError::General(m)) if m == NOT_CODED => return Ok(None),
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        done += n;
    }
    let dict = shared.lock().ok().and_then(|mut d| d.take());
    match dict {
        Some(d) => Ok(Some(d)),
        // No dictionary page: only nulls read (or nothing), else not trusted.
        None if codes.is_empty() => Ok(Some(Dict::parse(Bytes::new(), 0)?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_entries_and_short_pages() {
        let mut page = Vec::new();
        for v in [&b"call"[..], b"", b"email"] {
            page.extend_from_slice(&(v.len() as u32).to_le_bytes());
            page.extend_from_slice(v);
        }
        let d = Dict::parse(Bytes::from(page.clone()), 3).unwrap();
        assert_eq!(d.entry(0), Some(&b"call"[..]));
        assert_eq!(d.entry(1), Some(&b""[..]));
        assert_eq!(d.entry(2), Some(&b"email"[..]));
        assert_eq!(d.entry(3), None);
        let other = Dict::parse(Bytes::from(page.clone()), 2).unwrap();
        assert_ne!(d.id, other.id, "every dictionary has its own id");
        assert!(Dict::parse(Bytes::from(page.clone()), 4).is_err());
        for cut in 0..page.len() {
            let short = Bytes::from(page[..cut].to_vec());
            assert!(Dict::parse(short, 3).is_err(), "cut at {cut}");
        }
        // A huge claimed count reserves nothing unreasonable.
        assert!(Dict::parse(Bytes::from(page), u32::MAX).is_err());
    }
}
