//! The wheel's slots: one list of site indices per slot, all stored in
//! blocks of one shared pool.
//!
//! Why not a `Vec` per slot: 16,384 small vectors growing and shrinking as
//! sites arm are 16,384 allocations that move about the allocator's heap;
//! interleaved with the NATS client's large transient buffers, they kept
//! freed memory from going back to the system (resident memory per site
//! rose with it). Here the entries live in one `Vec` of 64-byte blocks that
//! only grows (doubling, so a large one is remapped, not copied), and blocks
//! freed by a slot are reused by the next.
//!
//! A list is a chain of blocks: every block but the last is full, and each
//! block's last word links to the next block. The pool keeps its largest
//! size (64 bytes per 15 entries at the busiest moment) for reuse.

/// Entries per block; the 16th word is the link.
const PER_BLOCK: usize = 15;
const NIL: u32 = u32::MAX;

type Block = [u32; PER_BLOCK + 1];

#[derive(Debug, Clone, Copy)]
struct Chain {
    head: u32,
    tail: u32,
    len: u32,
}

const EMPTY: Chain = Chain {
    head: NIL,
    tail: NIL,
    len: 0,
};

#[derive(Debug)]
pub struct Lists {
    chains: Box<[Chain]>,
    blocks: Vec<Block>,
    /// Head of the chain of free blocks.
    free: u32,
}

impl Lists {
    pub fn new(lists: usize) -> Self {
        Lists {
            chains: vec![EMPTY; lists].into_boxed_slice(),
            blocks: Vec::new(),
            free: NIL,
        }
    }

    pub fn len(&self, list: usize) -> usize {
        self.chains[list].len as usize
    }

    pub fn push(&mut self, list: usize, value: u32) {
        let mut c = self.chains[list];
        let at = c.len as usize % PER_BLOCK;
        if at == 0 {
            let block = self.alloc();
            if c.head == NIL {
                c.head = block;
            } else {
                self.blocks[c.tail as usize][PER_BLOCK] = block;
            }
            c.tail = block;
        }
        self.blocks[c.tail as usize][at] = value;
        c.len += 1;
        self.chains[list] = c;
    }

    /// Keeps the entries of `list` for which `keep` is true, in order, and
    /// returns the number removed. Blocks no longer needed go to the pool.
    pub fn retain(&mut self, list: usize, mut keep: impl FnMut(u32) -> bool) -> usize {
        let c = self.chains[list];
        if c.len == 0 {
            return 0;
        }
        // Compacts in place: the write position never passes the read one.
        let (mut read, mut write, mut w) = (c.head, c.head, 0);
        let (mut left, mut kept) = (c.len as usize, 0u32);
        while left > 0 {
            let n = left.min(PER_BLOCK);
            for i in 0..n {
                let value = self.blocks[read as usize][i];
                if keep(value) {
                    if w == PER_BLOCK {
                        write = self.blocks[write as usize][PER_BLOCK];
                        w = 0;
                    }
                    self.blocks[write as usize][w] = value;
                    w += 1;
                    kept += 1;
                }
            }
            left -= n;
            read = self.blocks[read as usize][PER_BLOCK];
        }
        if kept == 0 {
            self.release(c.head);
            self.chains[list] = EMPTY;
        } else {
            let rest = std::mem::replace(&mut self.blocks[write as usize][PER_BLOCK], NIL);
            self.release(rest);
            self.chains[list] = Chain {
                head: c.head,
                tail: write,
                len: kept,
            };
        }
        (c.len - kept) as usize
    }

    fn alloc(&mut self) -> u32 {
        if self.free != NIL {
            let block = self.free;
            self.free = self.blocks[block as usize][PER_BLOCK];
            self.blocks[block as usize][PER_BLOCK] = NIL;
            return block;
        }
        let block = u32::try_from(self.blocks.len()).expect("fewer than 2^32 blocks");
        self.blocks.push([NIL; PER_BLOCK + 1]);
        block
    }

    /// Returns a chain of blocks (linked through their last word) to the pool.
    fn release(&mut self, mut block: u32) {
        while block != NIL {
            let next = self.blocks[block as usize][PER_BLOCK];
            self.blocks[block as usize][PER_BLOCK] = self.free;
            self.free = block;
            block = next;
        }
    }

    /// Blocks held, used or free (what the pool's memory is).
    #[cfg(test)]
    pub fn blocks(&self) -> usize {
        self.blocks.len()
    }
}

#[cfg(test)]
mod tests;
