//! The sandbox policy for user scripts: every limit the Rhai engine enforces, set
//! explicitly (Rhai's own defaults differ between debug and release builds), in one
//! place: [`sandboxed_engine`].
//!
//! What a script can reach: its arguments, its own functions and Rhai's standard
//! library (numbers, strings, arrays, maps). It cannot read files or load modules
//! (`import` is a syntax error: the `no_module` feature), evaluate text as code
//! (`eval` is disabled), read the clock (`no_time`), or print to kpi's output (`print`
//! and `debug` go to stderr). Whatever it does, each call stops at the limits below.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rhai::{Dynamic, Engine, OptimizationLevel};

/// Operations (statements, expressions, calls) one call may run.
pub const MAX_OPERATIONS: u64 = 1_000_000;
/// Nested function calls (recursion depth) within one call.
pub const MAX_CALL_LEVELS: usize = 32;
/// Nesting of expressions at the top level of a script (checked when compiling).
pub const MAX_EXPR_DEPTH: usize = 64;
/// Nesting of expressions inside a function body (checked when compiling).
pub const MAX_FUNCTION_EXPR_DEPTH: usize = 32;
/// Length of any string a script builds, in bytes.
pub const MAX_STRING_SIZE: usize = 100_000;
/// Items in any array a script builds (nested arrays count their items).
pub const MAX_ARRAY_SIZE: usize = 10_000;
/// Entries in any object map a script builds.
pub const MAX_MAP_SIZE: usize = 10_000;
/// Variables in scope at once.
pub const MAX_VARIABLES: usize = 1_000;
/// Functions one script may define.
pub const MAX_FUNCTIONS: usize = 1_000;
/// Wall-clock time of one call.
pub const MAX_CALL_TIME: Duration = Duration::from_secs(1);
/// Wall-clock time of all script calls of one evaluation together.
pub const MAX_RUN_TIME: Duration = Duration::from_secs(20);
/// Size of a script file.
pub const MAX_SCRIPT_BYTES: u64 = 1024 * 1024;
/// The wall clock is read every this many operations (reading it costs more than one).
const CLOCK_EVERY: u64 = 256;

/// Why the progress callback stopped a call (the value of `ErrorTerminated`).
pub const STOP_CALL_TIME: &str = "call time";
pub const STOP_RUN_TIME: &str = "run time";
pub const STOP_REPLAY: &str = "replay";

/// The wall-clock budget of script calls and the operation count of the call in
/// progress, shared with the engine's progress callback.
#[derive(Debug)]
pub struct Clock {
    /// When the current call must stop.
    deadline: Cell<Instant>,
    /// Whether that deadline is the evaluation's budget running out (not the call's own).
    run_limited: Cell<bool>,
    started: Cell<Instant>,
    /// Time spent in calls of this evaluation so far.
    spent: Cell<Duration>,
    /// Operations of the current call so far.
    pub operations: Cell<u64>,
}

impl Clock {
    pub fn new() -> Rc<Clock> {
        let now = Instant::now();
        Rc::new(Clock {
            deadline: Cell::new(now + MAX_CALL_TIME),
            run_limited: Cell::new(false),
            started: Cell::new(now),
            spent: Cell::new(Duration::ZERO),
            operations: Cell::new(0),
        })
    }

    /// Start a call: it may run for `MAX_CALL_TIME`, or what is left of `MAX_RUN_TIME`.
    pub fn start_call(&self) {
        let now = Instant::now();
        let left = MAX_RUN_TIME.saturating_sub(self.spent.get());
        self.run_limited.set(left < MAX_CALL_TIME);
        self.deadline.set(now + left.min(MAX_CALL_TIME));
        self.started.set(now);
        self.operations.set(0);
    }

    /// End a call: its time counts against the evaluation's budget.
    pub fn end_call(&self) {
        self.spent
            .set(self.spent.get() + self.started.get().elapsed());
    }

    fn check(&self, ops: u64) -> Option<Dynamic> {
        self.operations.set(ops);
        if !ops.is_multiple_of(CLOCK_EVERY) || Instant::now() < self.deadline.get() {
            return None;
        }
        Some(
            if self.run_limited.get() {
                STOP_RUN_TIME
            } else {
                STOP_CALL_TIME
            }
            .into(),
        )
    }
}

/// The engine every script is compiled and run with: the whole sandbox policy.
/// `clock` carries the wall-clock deadlines the progress callback enforces.
pub fn sandboxed_engine(clock: Rc<Clock>) -> Engine {
    let mut e = Engine::new();
    // Resources of one call.
    e.set_max_operations(MAX_OPERATIONS);
    e.set_max_call_levels(MAX_CALL_LEVELS);
    e.set_max_expr_depths(MAX_EXPR_DEPTH, MAX_FUNCTION_EXPR_DEPTH);
    e.set_max_string_size(MAX_STRING_SIZE);
    e.set_max_array_size(MAX_ARRAY_SIZE);
    e.set_max_map_size(MAX_MAP_SIZE);
    e.set_max_variables(MAX_VARIABLES);
    e.set_max_functions(MAX_FUNCTIONS);
    // The wall clock, read from the operation counter's callback.
    e.on_progress(move |ops| clock.check(ops));
    // No code from text; no modules (the `no_module` feature makes `import` a syntax error).
    e.disable_symbol("eval");
    // Output goes to stderr, never into kpi's result on stdout.
    e.on_print(|s| eprintln!("script: {s}"));
    e.on_debug(|s, src, pos| {
        eprintln!(
            "script {}{pos}: {s}",
            src.map(|s| format!("{s} ")).unwrap_or_default()
        )
    });
    // Undeclared variables are compile errors; the same optimizer in every build.
    e.set_strict_variables(true);
    e.set_optimization_level(OptimizationLevel::Simple);
    e
}

/// Replay a failed call to find where it stopped: the sandboxed engine, stopped after
/// `operations` operations (or at the per-call deadline), recording the position of
/// every step into `last`.
#[allow(deprecated)] // the debugger interface is marked volatile, not deprecated
pub fn replay_engine(operations: u64, last: Rc<Cell<rhai::Position>>) -> Engine {
    let clock = Clock::new();
    clock.start_call();
    let mut e = sandboxed_engine(clock.clone());
    e.on_progress(move |ops| {
        if ops >= operations {
            return Some(STOP_REPLAY.into());
        }
        clock.check(ops).map(|_| STOP_REPLAY.into())
    });
    e.register_debugger(
        |_, debugger| debugger,
        move |_, event, _, _, pos| {
            if matches!(event, rhai::debugger::DebuggerEvent::Step) && !pos.is_none() {
                last.set(pos);
            }
            Ok(rhai::debugger::DebuggerCommand::StepInto)
        },
    );
    e
}
