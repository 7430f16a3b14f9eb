//! Front-ends: `.kpi` (pest) and YAML (serde) both produce the AST of [`ast`].

pub mod ast;
pub mod dsl;
mod fast;
pub mod format;
pub mod schema;
pub mod yaml;
