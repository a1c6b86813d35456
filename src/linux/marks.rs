//! A set of small indices (sockets' slots, connections) marked since it was
//! last emptied, each listed once: the bookkeeping that lets a host step look
//! only at what changed, without a scan and without a tree.

/// Indices marked since the last [`Marks::pop`] or [`Marks::take`] emptied
/// them, each listed once.
#[derive(Debug, Default)]
pub struct Marks {
    list: Vec<usize>,
    marked: Vec<bool>,
}

impl Marks {
    /// Mark `i` (again: it stays listed once).
    pub fn mark(&mut self, i: usize) {
        if self.marked.len() <= i {
            self.marked.resize(i + 1, false);
        }
        if !self.marked[i] {
            self.marked[i] = true;
            self.list.push(i);
        }
    }

    /// Unlist the last index marked.
    pub fn pop(&mut self) -> Option<usize> {
        let i = self.list.pop()?;
        self.marked[i] = false;
        Some(i)
    }

    /// The indices listed, in the order they were first marked.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.list.iter().copied()
    }

    /// Put the indices listed into `out` (emptied first; its allocation is
    /// kept for the next call) and unlist them all.
    pub fn take(&mut self, out: &mut Vec<usize>) {
        out.clear();
        std::mem::swap(out, &mut self.list);
        for &i in out.iter() {
            self.marked[i] = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_index_is_listed_once_until_unlisted() {
        let mut m = Marks::default();
        for i in [3, 1, 3, 0, 1] {
            m.mark(i);
        }
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![3, 1, 0]);
        assert_eq!(m.pop(), Some(0));
        m.mark(0);
        m.mark(3);
        let mut out = vec![9];
        m.take(&mut out);
        assert_eq!(out, vec![3, 1, 0]);
        assert_eq!(m.pop(), None);
        m.mark(1);
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![1]);
    }
}
