//! JUnit XML for `kpi test --junit` and `kpi check --format junit`.

/// Escape text for XML attributes and content.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// One test case of a suite.
pub struct Case {
    pub name: String,
    pub seconds: f64,
    /// `Some((message, details))` for a failure.
    pub failure: Option<(String, String)>,
}

/// A `<testsuites>` document with one suite per (name, cases).
pub fn document(suites: &[(String, Vec<Case>)]) -> String {
    let total: usize = suites.iter().map(|s| s.1.len()).sum();
    let failed: usize = suites
        .iter()
        .map(|s| s.1.iter().filter(|c| c.failure.is_some()).count())
        .sum();
    let mut x = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kpi\" tests=\"{total}\" failures=\"{failed}\">\n");
    for (name, cases) in suites {
        let f = cases.iter().filter(|c| c.failure.is_some()).count();
        let time: f64 = cases.iter().map(|c| c.seconds).sum();
        x.push_str(&format!("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"0\" time=\"{time:.3}\">\n", esc(name), cases.len()));
        for c in cases {
            x.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
                esc(&c.name),
                esc(name),
                c.seconds
            ));
            match &c.failure {
                None => x.push_str("/>\n"),
                Some((msg, details)) => {
                    x.push_str(&format!(
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                        esc(msg),
                        esc(details)
                    ));
                }
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}
