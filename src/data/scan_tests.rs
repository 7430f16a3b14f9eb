//! Randomised tests of the readers: CSV against a plain csv-core reference, and
//! NDJSON against serde_json, with tiny blocks (unit tests read 211 bytes at a
//! time) so that records straddle block boundaries; and garbage never panics.

use std::path::Path;

use super::scan::{scan_bytes, BadRow, RowSink, ScanError, ScanReport, ScanSpec};

#[derive(Default)]
struct Collect(Vec<(u64, Vec<Vec<u8>>)>);

impl RowSink for Collect {
    fn row(&mut self, line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        self.0
            .push((line, fields.iter().map(|f| f.to_vec()).collect()));
        Ok(())
    }
}

type Rows = Vec<(u64, Vec<Vec<u8>>)>;

fn run(
    name: &str,
    data: &[u8],
    cols: &[&str],
    skip: bool,
) -> Result<(Rows, ScanReport), ScanError> {
    let spec = ScanSpec {
        skip_bad_rows: skip,
        ..ScanSpec::new(
            Path::new(name).to_path_buf(),
            cols.iter().map(|c| c.to_string()).collect(),
            1,
        )
    };
    let (sinks, report) = scan_bytes(&spec, data, Collect::default)?;
    Ok((sinks.into_iter().flat_map(|s| s.0).collect(), report))
}

/// A xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// Rows (line, selected fields) and skipped lines as a plain csv-core reader
/// over the whole input sees them.
fn reference(data: &[u8], sel: &[usize]) -> (Rows, Vec<u64>) {
    let mut rdr = csv_core::Reader::new();
    let (mut out, mut ends) = (vec![0u8; 1 << 16], vec![0usize; 1024]);
    let (mut pos, mut header) = (0, None);
    let (mut rows, mut skipped) = (Vec::new(), Vec::new());
    loop {
        let bom = if pos == 0 && data.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let lead = data[pos + bom..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let start = pos + bom + lead;
        let line = 1 + data[..start].iter().filter(|&&b| b == b'\n').count() as u64;
        let (res, nin, _, nend) = rdr.read_record(&data[pos..], &mut out, &mut ends);
        pos += nin;
        let (res, nend) = match res {
            csv_core::ReadRecordResult::InputEmpty => {
                let (r, _, _, e) = rdr.read_record(&[], &mut out, &mut ends[nend..]);
                (r, nend + e)
            }
            r => (r, nend),
        };
        if res == csv_core::ReadRecordResult::End {
            return (rows, skipped);
        }
        assert_eq!(res, csv_core::ReadRecordResult::Record);
        let fields: Vec<Vec<u8>> = (0..nend)
            .map(|k| out[if k == 0 { 0 } else { ends[k - 1] }..ends[k]].to_vec())
            .collect();
        match header {
            None => header = Some(fields.len()),
            Some(n) if n != fields.len() => skipped.push(line),
            Some(_) => {
                let f: Vec<Vec<u8>> = sel.iter().map(|&i| fields[i].clone()).collect();
                if f.iter().any(|x| std::str::from_utf8(x).is_err()) {
                    skipped.push(line);
                } else {
                    rows.push((line, f));
                }
            }
        }
    }
}

#[test]
fn csv_matches_csv_core() {
    let tokens: &[&[u8]] = &[
        b"a",
        b"bc",
        b"1234567",
        b",",
        b",",
        b"\"",
        b"\"\"",
        b"\n",
        b"\n",
        b"\r\n",
        b" ",
        b"\xC3\xA9",
        b"\xFF",
    ];
    csv_cases(tokens, 300, 1500);
}

/// Unquoted lines of 0..150 bytes (most longer than the 64 bytes the fast path
/// reads at a time), in blocks of 211 bytes: lines straddle both.
#[test]
fn unquoted_csv_matches_csv_core() {
    let tokens: &[&[u8]] = &[
        b"a",
        b"rep_001",
        b"2024-01-05T09:00:00",
        b"123.45",
        b",",
        b",",
        b",",
        b",",
        b"\n",
        b"\r\n",
        b"\xC3\xA9",
        b"\xFF",
    ];
    csv_cases(tokens, 3000, 300);
}

/// Long unquoted stretches with a rare quoted field (holding a comma, a newline or
/// a doubled quote): quotes fall anywhere in the fast path's 64-byte blocks, after
/// many unquoted lines.
#[test]
fn sparse_quotes_match_csv_core() {
    let mut tokens: Vec<&[u8]> = Vec::new();
    for _ in 0..12 {
        tokens.extend_from_slice(&[
            b"rep_001".as_slice(),
            b"2024-01-05T09:00:00",
            b",",
            b",",
            b"\n",
        ]);
    }
    tokens.extend_from_slice(&[
        b"\"q,\nx\"".as_slice(),
        b"\"a\"\"b\"",
        b"\"",
        b"\r\n",
        b"\xC3\xA9",
    ]);
    csv_cases(&tokens, 3000, 300);
}

/// Random CSV made of `tokens` (up to `max_tokens` after a three-column header):
/// the reader's rows, skipped rows and first error agree with csv-core's.
fn csv_cases(tokens: &[&[u8]], max_tokens: u64, cases: usize) {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for case in 0..cases {
        let mut data = Vec::new();
        if case % 7 == 0 {
            data.extend_from_slice(b"\xEF\xBB\xBF");
        }
        data.extend_from_slice(if case % 3 == 0 {
            b"h1,h2,h3\r\n"
        } else {
            b"h1,h2,h3\n"
        });
        let len = rng.next() % max_tokens;
        for _ in 0..len {
            let token: &&[u8] = rng.pick(tokens);
            data.extend_from_slice(token);
        }
        let (want_rows, want_skipped) = reference(&data, &[2, 0]);
        let (rows, report) = match run("x.csv", &data, &["h3", "h1"], true) {
            Ok(r) => r,
            Err(e) => panic!("case {case}: {e}"),
        };
        let show = String::from_utf8_lossy(&data);
        assert_eq!(rows, want_rows, "case {case}: {show:?}");
        assert_eq!(
            report.skipped,
            want_skipped.len() as u64,
            "case {case}: {show:?}"
        );
        let first: Vec<u64> = report.first_skipped.iter().map(|s| s.0).collect();
        let n = want_skipped.len().min(5);
        assert_eq!(first, want_skipped[..n], "case {case}: {show:?}");
        // Without skipping: the first bad row is the error.
        match run("x.csv", &data, &["h3", "h1"], false) {
            Ok((rows, _)) => assert!(want_skipped.is_empty() && rows == want_rows),
            Err(ScanError::BadRow { line, .. }) => assert_eq!(Some(&line), want_skipped.first()),
            Err(e) => panic!("case {case}: {e}"),
        }
    }
}

#[test]
fn ndjson_matches_serde_json() {
    use serde_json::{Map, Value};
    let keys = ["a", "b", "c\"q", "d\u{e9}", "e"];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let strings = [
        "",
        "x",
        "a \"quoted\" \\ word",
        "tab\tnew\nline",
        "\u{1F600}\u{e9}",
        "\u{1}",
    ];
    for case in 0..300 {
        let mut text = String::new();
        let mut want: Rows = Vec::new();
        let nlines = rng.next() % 20;
        for line in 1..=nlines {
            if rng.next().is_multiple_of(5) {
                text.push_str(if rng.next().is_multiple_of(2) {
                    "\n"
                } else {
                    "  \r\n"
                });
                continue;
            }
            let mut obj = Map::new();
            for k in keys {
                let v = match rng.next() % 8 {
                    0 => continue,
                    1 => Value::Null,
                    2 => Value::Bool(rng.next().is_multiple_of(2)),
                    3 => Value::from(rng.next() as i64 >> (rng.next() % 60)),
                    4 => Value::from((rng.next() % 100_000) as f64 / 64.0),
                    5 => serde_json::json!({"n": [1, {"m": "}"}], "s": "]"}),
                    _ => Value::String(rng.pick(&strings).to_string()),
                };
                obj.insert(k.to_string(), v);
            }
            let expect = |k: &str| -> Vec<u8> {
                match obj.get(k) {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::String(s)) => s.as_bytes().to_vec(),
                    Some(v) => v.to_string().into_bytes(),
                }
            };
            want.push((line, vec![expect("d\u{e9}"), expect("a"), expect("c\"q")]));
            text.push_str(&Value::Object(obj).to_string());
            text.push('\n');
        }
        let (rows, report) = match run("x.ndjson", text.as_bytes(), &["d\u{e9}", "a", "c\"q"], true)
        {
            Ok(r) => r,
            // No object has one of the keys.
            Err(ScanError::MissingColumns { .. }) => continue,
            Err(e) => panic!("case {case}: {e}"),
        };
        assert_eq!(report.skipped, 0, "case {case}: {text}");
        assert_eq!(rows, want, "case {case}: {text}");
    }
}

#[test]
fn garbage_never_panics() {
    let tokens: [&[u8]; 16] = [
        b"{", b"}", b"[", b"]", b"\"", b":", b",", b"\\", b"u12", b"\n", b"\r", b"1e", b"-",
        b"null", b"\xFF", b"a",
    ];
    let mut rng = Rng(7);
    for case in 0..3000 {
        let mut data = Vec::new();
        if case % 2 == 0 {
            data.extend_from_slice(b"{\"a\":1,\"b\":2}\n");
        }
        for _ in 0..rng.next() % 200 {
            let token: &&[u8] = rng.pick(&tokens);
            data.extend_from_slice(token);
        }
        for (name, cols) in [
            ("x.ndjson", &["a", "b"][..]),
            ("x.csv", &[][..]),
            ("x.txt", &[][..]),
        ] {
            for skip in [false, true] {
                if let Ok((rows, report)) = run(name, &data, cols, skip) {
                    // (A lone `\r` ends a CSV record, so two records can share a line.)
                    assert!(rows.windows(2).all(|w| w[0].0 <= w[1].0));
                    assert_eq!(report.rows, rows.len() as u64);
                }
            }
        }
    }
}

#[test]
fn an_open_quote_does_not_swallow_the_file() {
    let mut data = b"a,b\n1,2\n3,\"open\n".to_vec();
    for i in 0..2000 {
        data.extend_from_slice(format!("{i},x\n").as_bytes());
    }
    let err = run("x.csv", &data, &["a"], true).map(|_| ()).unwrap_err();
    assert!(matches!(&err, ScanError::BadRow { line: 3, .. }), "{err:?}");
    assert!(err.to_string().contains("quote left open"), "{err}");
    // Short of the limit, the open quote runs to the end of the file.
    let (rows, _) = run("x.csv", &data[..200], &["a"], true).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1], (3, vec![b"3".to_vec()]));
}
