//! Several programs side by side on one host.

use crate::program::activities::Activities;
use crate::program::os::Os;
use crate::program::status::{Program, Status};

/// Several programs running side by side on one host (for example a client
/// scenario's `connections = N` copies), each resumed only when it may run.
pub struct Parallel {
    children: Vec<Box<dyn Program>>,
    activities: Activities,
}

impl Parallel {
    /// Run `programs` concurrently.
    pub fn new(programs: Vec<Box<dyn Program>>) -> Parallel {
        let mut activities = Activities::default();
        for _ in &programs {
            activities.add();
        }
        Parallel {
            children: programs,
            activities,
        }
    }
}

impl Program for Parallel {
    fn resume(&mut self, os: &Os) -> Status {
        let children = &mut self.children;
        self.activities.resume(os, |i, os| children[i].resume(os));
        self.activities.status()
    }
}
