//! Front-ends: `.kpi` (pest) and YAML (serde) both produce the AST of [`ast`].

pub mod ast;
pub mod dsl;
pub mod format;
pub mod lexicon;
pub mod schema;
pub mod yaml;
