//! Files that are read as a stream of UTF-8 bytes rather than seeked into:
//! gzip- or zstd-compressed files and files in another encoding. The decoding
//! runs on its own thread, a few blocks ahead of the parser, so that
//! decompressing and parsing overlap.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};

use super::options::Compression;

/// A file read through decoders.
#[derive(Clone, Debug)]
pub(crate) struct Stream {
    pub path: PathBuf,
    pub compression: Compression,
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

impl Stream {
    /// The stream for `path`, if it needs one.
    pub(crate) fn of(
        path: &Path,
        encoding: Option<&'static encoding_rs::Encoding>,
    ) -> Option<Stream> {
        let compression = Compression::of(path);
        (compression != Compression::None || encoding.is_some()).then(|| Stream {
            path: path.to_path_buf(),
            compression,
            encoding,
        })
    }

    /// Opens the decoded stream; `ahead` decodes on a thread of its own.
    pub(crate) fn open(&self, ahead: bool) -> io::Result<Box<dyn Read + Send>> {
        // Progress counts the file's own bytes, not the decoded ones.
        let file = Counted(File::open(&self.path)?);
        let raw: Box<dyn Read + Send> = match self.compression {
            Compression::None => Box::new(file),
            Compression::Gzip => Box::new(Named {
                inner: flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file)),
                what: "gzip",
            }),
            Compression::Zstd => Box::new(Named {
                inner: zstd::stream::read::Decoder::new(file)?,
                what: "zstd",
            }),
        };
        let decoded: Box<dyn Read + Send> = match self.encoding {
            Some(enc) => Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(enc))
                    .build(raw),
            ),
            None => raw,
        };
        Ok(if ahead {
            Box::new(ReadAhead::spawn(decoded))
        } else {
            decoded
        })
    }
}

/// A file whose bytes read are added to the progress line.
struct Counted(File);

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        super::progress::add(n as u64);
        Ok(n)
    }
}

/// A decoder whose errors say what the file was expected to be.
struct Named<R> {
    inner: R,
    what: &'static str,
}

impl<R: Read> Read for Named<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let kind = e.kind();
            let msg = if kind == io::ErrorKind::UnexpectedEof {
                format!("the {} data ends early (a truncated file?)", self.what)
            } else {
                format!("not valid {} data ({e}); is the file corrupt?", self.what)
            };
            io::Error::new(kind, msg)
        })
    }
}

/// Bytes per block handed from the decoding thread.
const AHEAD_BLOCK: usize = 1 << 20;
/// Blocks the decoding thread may run ahead.
const AHEAD_BLOCKS: usize = 4;

/// Reads `inner` on a thread of its own, [`AHEAD_BLOCKS`] blocks ahead. Dropping
/// it stops the thread at its next block.
pub(crate) struct ReadAhead {
    /// `None` only while dropping.
    rx: Option<Receiver<io::Result<Vec<u8>>>>,
    cur: Vec<u8>,
    pos: usize,
    done: bool,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // Closing the channel stops the thread at its next block; wait for it so
        // that no reading outlives the scan.
        self.rx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl ReadAhead {
    fn spawn(mut inner: Box<dyn Read + Send>) -> ReadAhead {
        let (tx, rx) = sync_channel(AHEAD_BLOCKS);
        let thread = std::thread::spawn(move || loop {
            let mut buf = vec![0u8; AHEAD_BLOCK];
            let mut filled = 0;
            let res = loop {
                if filled == buf.len() {
                    break Ok(());
                }
                match inner.read(&mut buf[filled..]) {
                    Ok(0) => break Ok(()),
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            buf.truncate(filled);
            let last = filled == 0 || res.is_err();
            let msg = match res {
                Ok(()) => Ok(buf),
                Err(e) => Err(e),
            };
            if tx.send(msg).is_err() || last {
                return;
            }
        });
        ReadAhead {
            rx: Some(rx),
            cur: Vec::new(),
            pos: 0,
            done: false,
            thread: Some(thread),
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.cur.len() {
            if self.done {
                return Ok(0);
            }
            let Some(rx) = &self.rx else {
                return Ok(0);
            };
            match rx.recv() {
                Ok(Ok(block)) => {
                    self.done = block.is_empty();
                    self.cur = block;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
