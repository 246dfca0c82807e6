/// Where one start's time went, in seconds, each phase between two moments the driver
/// sees without asking the child anything: their sum is the whole start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Phases {
    /// From the start of `seal()` to the sealed object.
    pub seal: f64,
    /// clone and exec of the sealed object: the vfork-style spawn returns exactly when
    /// the child's exec has replaced its image, i.e. at stage 2's first instruction.
    pub spawn: f64,
    /// Stage 2's run: its exec of the payload and the payload's run, until the exit is seen.
    pub run: f64,
    /// wait4 collecting the exit and its rusage.
    pub reap: f64,
    /// Closing what the seal made (a memfd freed, a detached mount torn down).
    pub teardown: f64,
}

impl Phases {
    pub const NAMES: [&'static str; 5] = ["seal", "spawn", "run", "reap", "teardown"];

    pub fn as_array(&self) -> [f64; 5] {
        [self.seal, self.spawn, self.run, self.reap, self.teardown]
    }
}
