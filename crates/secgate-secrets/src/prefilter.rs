//! The keyword prefilter: one Aho-Corasick DFA over every rule keyword,
//! ASCII case folded in its byte classes (no lower-cased copy of the input).
//!
//! Why our own automaton: a search over ~270 keywords is a table walk whose
//! speed is bound by the latency of one dependent load per byte (the `regex`
//! crate's alternation and the `aho-corasick` DFA both ran at 330 to 460 MB/s
//! here; Teddy only takes a few dozen literals before its verification step
//! dominates). A large buffer is cut into [`STREAMS`] segments walked in lock
//! step, so that many independent loads are in flight per step; a match is a state id at
//! or above one threshold (match states are numbered last), one well-predicted
//! compare per byte.

/// Below this size a buffer is walked as one stream. Four streams pay a
/// warm-up of up to `3 * (max_len - 1)` steps but run about twice as fast:
/// over the 16,469 files under 4 KiB of the benchmark tree (24 MB, the
/// engine alone, best of seven) 330 MB/s with 4096 here, 610-700 MB/s with 256.
const INTERLEAVE_MIN: usize = 256;

/// Streams walked in lock step over a large buffer. Measured on 270 MB of
/// crates.io sources, best of five: 4 streams 0.359 s, 6 streams 0.394 s (more
/// streams than registers spill their states).
const STREAMS: usize = 4;

/// A compiled keyword set.
#[derive(Debug, Clone)]
pub(crate) struct KeywordDfa {
    /// Byte to class; ASCII letters share their class with the other case.
    classes: [u8; 256],
    /// Number of classes (the row length).
    stride: usize,
    /// Next state, premultiplied by `stride`, for each (state, class).
    table: Table,
    /// Premultiplied id of the first match state; every state at or above it
    /// ends at least one keyword.
    match_min: u32,
    /// For each match state (in order), its range in `out_kw`.
    outputs: Vec<(u32, u32)>,
    /// Keyword ids ending at each match state.
    out_kw: Vec<u16>,
    /// The longest keyword (bytes).
    max_len: usize,
}

impl KeywordDfa {
    /// Builds the automaton. Keywords are compared ASCII case-insensitively;
    /// empty keywords are ignored. At most `u16::MAX` keywords.
    pub(crate) fn new(keywords: &[Vec<u8>]) -> KeywordDfa {
        assert!(keywords.len() < u16::MAX as usize, "too many keywords");
        // Byte classes: class 0 for bytes in no keyword.
        let mut classes = [0u8; 256];
        let mut next_class = 1usize;
        for k in keywords {
            for &b in k {
                let b = b.to_ascii_lowercase();
                if classes[b as usize] == 0 {
                    assert!(next_class < 256, "too many byte classes");
                    classes[b as usize] = next_class as u8;
                    classes[b.to_ascii_uppercase() as usize] = next_class as u8;
                    next_class += 1;
                }
            }
        }
        let stride = next_class;
        // Trie: goto[state * stride + class], u32::MAX for none.
        const NONE: u32 = u32::MAX;
        let mut goto: Vec<u32> = vec![NONE; stride];
        let mut own: Vec<Vec<u16>> = vec![Vec::new()];
        let mut depth: Vec<usize> = vec![0];
        let mut max_len = 0;
        for (id, k) in keywords.iter().enumerate() {
            if k.is_empty() {
                continue;
            }
            max_len = max_len.max(k.len());
            let mut s = 0usize;
            for &b in k {
                let c = classes[b as usize] as usize;
                let nx = goto[s * stride + c];
                s = if nx == NONE {
                    let n = own.len();
                    goto[s * stride + c] = n as u32;
                    goto.extend(std::iter::repeat_n(NONE, stride));
                    own.push(Vec::new());
                    depth.push(depth[s] + 1);
                    n
                } else {
                    nx as usize
                };
            }
            own[s].push(id as u16);
        }
        let n = own.len();
        // Breadth-first: failure links, merged outputs, full transitions.
        let mut fail = vec![0usize; n];
        let mut out: Vec<Vec<u16>> = own;
        let mut delta = vec![0u32; n * stride];
        let mut queue = std::collections::VecDeque::new();
        for c in 0..stride {
            let nx = goto[c];
            if nx == NONE || c == 0 {
                delta[c] = 0;
            } else {
                delta[c] = nx;
                fail[nx as usize] = 0;
                queue.push_back(nx as usize);
            }
        }
        while let Some(s) = queue.pop_front() {
            let f = fail[s];
            if !out[f].is_empty() {
                let inherited = out[f].clone();
                out[s].extend(inherited);
            }
            for c in 0..stride {
                let nx = goto[s * stride + c];
                if nx == NONE || c == 0 {
                    delta[s * stride + c] = delta[f * stride + c];
                } else {
                    delta[s * stride + c] = nx;
                    fail[nx as usize] = delta[f * stride + c] as usize;
                    queue.push_back(nx as usize);
                }
            }
        }
        // Renumber: non-match states first (the root stays 0), match states last.
        let mut order: Vec<usize> = (0..n).filter(|&s| out[s].is_empty()).collect();
        let first_match = order.len();
        order.extend((0..n).filter(|&s| !out[s].is_empty()));
        let mut new_id = vec![0u32; n];
        for (i, &s) in order.iter().enumerate() {
            new_id[s] = i as u32;
        }
        debug_assert_eq!(new_id[0], 0);
        let mut table = vec![0u32; n * stride];
        let mut outputs = Vec::with_capacity(n - first_match);
        let mut out_kw = Vec::new();
        for (i, &s) in order.iter().enumerate() {
            for c in 0..stride {
                table[i * stride + c] = new_id[delta[s * stride + c] as usize] * stride as u32;
            }
            if i >= first_match {
                let a = out_kw.len() as u32;
                out_kw.extend_from_slice(&out[s]);
                outputs.push((a, out_kw.len() as u32));
            }
        }
        // The invariant `step` relies on.
        assert!(classes.iter().all(|&c| (c as usize) < stride));
        assert!(table
            .iter()
            .all(|&t| (t as usize).is_multiple_of(stride) && t as usize + stride <= table.len()));
        // Two bytes a cell when the ids fit (the built-in keywords do: about
        // 1,400 states x 45 classes): half the cache footprint.
        let table = if table.len() <= u16::MAX as usize + 1 {
            Table::Narrow(table.iter().map(|&t| t as u16).collect())
        } else {
            Table::Wide(table.into_boxed_slice())
        };
        KeywordDfa {
            classes,
            stride,
            table,
            match_min: (first_match * stride) as u32,
            outputs,
            out_kw,
            max_len,
        }
    }

    /// The keyword ids that end at a match state reported by [`Self::find`].
    pub(crate) fn keywords(&self, state: u32) -> &[u16] {
        let (a, b) = self.outputs[((state - self.match_min) as usize) / self.stride];
        &self.out_kw[a as usize..b as usize]
    }

    /// Appends `(end, state)` for every position where a keyword ends (`end`
    /// exclusive), in increasing `end` order.
    pub(crate) fn find(&self, hay: &[u8], out: &mut Vec<(usize, u32)>) {
        match &self.table {
            Table::Narrow(t) => self.find_in(t, hay, out),
            Table::Wide(t) => self.find_in(t, hay, out),
        }
    }

    /// Like [`Self::find`] for the keywords ending in `hay[from..to]` (their
    /// start may be before `from`); positions are offsets in `hay`. Lets a
    /// caller walk a large buffer window by window with bounded memory.
    // Not inlined: the hot loop's code stays the same whatever its caller
    // (called once per window).
    #[inline(never)]
    pub(crate) fn find_at(&self, hay: &[u8], from: usize, to: usize, out: &mut Vec<(usize, u32)>) {
        let w = from.saturating_sub(self.max_len.saturating_sub(1));
        let n0 = out.len();
        self.find(&hay[w..to], out);
        let warm = out[n0..].iter().take_while(|e| e.0 + w <= from).count();
        out.drain(n0..n0 + warm);
        for e in &mut out[n0..] {
            e.0 += w;
        }
    }

    /// Whether the table uses two-byte cells.
    #[cfg(test)]
    fn is_narrow(&self) -> bool {
        matches!(self.table, Table::Narrow(_))
    }

    fn find_in<T: Cell>(&self, table: &[T], hay: &[u8], out: &mut Vec<(usize, u32)>) {
        if hay.len() < INTERLEAVE_MIN {
            self.walk(table, hay, 0, 0, out);
        } else {
            self.find_interleaved(table, hay, out);
        }
    }

    /// Four streams in lock step over four equal segments, each started from
    /// the state the bytes just before its segment lead to (a keyword ending
    /// in a segment starts at most `max_len - 1` bytes before it).
    ///
    /// Written out for four (not generic over an array of states): an array of
    /// states had its address taken for the match path, so the compiler kept
    /// it on the stack and every step went through a store and a reload,
    /// which lengthened each stream's chain of dependent loads.
    fn find_interleaved<T: Cell>(&self, table: &[T], hay: &[u8], out: &mut Vec<(usize, u32)>) {
        const _: () = assert!(STREAMS == 4);
        let seg = hay.len() / STREAMS;
        let warm = |k: usize| {
            let start = k * seg;
            let from = start.saturating_sub(self.max_len.saturating_sub(1));
            self.quiet(table, &hay[from..start])
        };
        let (mut s0, mut s1, mut s2, mut s3) = (0u32, warm(1), warm(2), warm(3));
        let (h0, rest) = hay.split_at(seg);
        let (h1, rest) = rest.split_at(seg);
        let (h2, rest) = rest.split_at(seg);
        let h3 = &rest[..seg];
        let mut outs: [Vec<(usize, u32)>; STREAMS] = std::array::from_fn(|_| Vec::new());
        let mm = self.match_min;
        let classes = &self.classes;
        for (i, (((&b0, &b1), &b2), &b3)) in h0.iter().zip(h1).zip(h2).zip(h3).enumerate() {
            s0 = step(table, classes, s0, b0);
            s1 = step(table, classes, s1, b1);
            s2 = step(table, classes, s2, b2);
            s3 = step(table, classes, s3, b3);
            if (s0 >= mm) | (s1 >= mm) | (s2 >= mm) | (s3 >= mm) {
                record(&mut outs, mm, seg, i, [s0, s1, s2, s3]);
            }
        }
        for o in &outs {
            out.extend_from_slice(o);
        }
        // The remainder after the last segment.
        self.walk(table, &hay[STREAMS * seg..], STREAMS * seg, s3, out);
    }

    /// One stream from `state`; positions reported relative to `base`.
    fn walk<T: Cell>(
        &self,
        table: &[T],
        hay: &[u8],
        base: usize,
        mut s: u32,
        out: &mut Vec<(usize, u32)>,
    ) {
        let mm = self.match_min;
        for (i, &b) in hay.iter().enumerate() {
            s = step(table, &self.classes, s, b);
            if s >= mm {
                out.push((base + i + 1, s));
            }
        }
    }

    /// The state after walking `hay` from the root, matches not reported.
    fn quiet<T: Cell>(&self, table: &[T], hay: &[u8]) -> u32 {
        hay.iter()
            .fold(0u32, |s, &b| step(table, &self.classes, s, b))
    }
}

/// The transition table, two or four bytes a cell.
#[derive(Debug, Clone)]
enum Table {
    Narrow(Box<[u16]>),
    Wide(Box<[u32]>),
}

/// A table cell: a premultiplied state id.
trait Cell: Copy {
    fn id(self) -> u32;
}

impl Cell for u16 {
    #[inline(always)]
    fn id(self) -> u32 {
        u32::from(self)
    }
}

impl Cell for u32 {
    #[inline(always)]
    fn id(self) -> u32 {
        self
    }
}

/// One transition.
#[inline(always)]
fn step<T: Cell>(table: &[T], classes: &[u8; 256], s: u32, b: u8) -> u32 {
    let i = s as usize + classes[b as usize] as usize;
    debug_assert!(i < table.len());
    // SAFETY: `KeywordDfa::new` asserts that every state id in the table (and
    // the root, 0) is a multiple of `stride` at most `table.len() - stride`,
    // and every class is below `stride`; states only come from the table.
    unsafe { table.get_unchecked(i).id() }
}

/// Records the streams in a match state at step `i` (off the hot loop).
#[cold]
#[inline(never)]
fn record<const N: usize>(
    outs: &mut [Vec<(usize, u32)>; N],
    mm: u32,
    seg: usize,
    i: usize,
    st: [u32; N],
) {
    for (k, &s) in st.iter().enumerate() {
        if s >= mm {
            outs[k].push((k * seg + i + 1, s));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every occurrence (overlapping, any case) of every keyword, naively.
    fn naive(kws: &[Vec<u8>], hay: &[u8]) -> Vec<(usize, u16)> {
        let lower = hay.to_ascii_lowercase();
        let mut v = Vec::new();
        for end in 1..=hay.len() {
            for (id, k) in kws.iter().enumerate() {
                if !k.is_empty() && end >= k.len() && lower[end - k.len()..end] == k[..] {
                    v.push((end, id as u16));
                }
            }
        }
        v
    }

    fn via_dfa(dfa: &KeywordDfa, hay: &[u8]) -> Vec<(usize, u16)> {
        let mut ev = Vec::new();
        dfa.find(hay, &mut ev);
        let mut v: Vec<(usize, u16)> = ev
            .iter()
            .flat_map(|&(e, s)| dfa.keywords(s).iter().map(move |&k| (e, k)))
            .collect();
        v.sort_unstable();
        assert!(ev.windows(2).all(|w| w[0].0 < w[1].0), "ends increase");
        v
    }

    #[test]
    fn finds_every_overlapping_keyword_in_any_case_across_segments() {
        let kws: Vec<Vec<u8>> = ["pass", "password", "asia", "sia", "://", "q~", "ghp_", "a"]
            .iter()
            .map(|k| k.as_bytes().to_vec())
            .collect();
        let dfa = KeywordDfa::new(&kws);
        // Small (one stream) and large (four segments) buffers, keywords
        // placed across every segment boundary.
        let unit = b"x PassWord=1 ASIA/Tokyo https://h q~ GHP_ zz\n";
        for reps in [1usize, 3, 100, 257] {
            let hay: Vec<u8> = unit
                .iter()
                .copied()
                .cycle()
                .take(unit.len() * reps + 7)
                .collect();
            let mut expect = naive(&kws, &hay);
            expect.sort_unstable();
            assert_eq!(via_dfa(&dfa, &hay), expect, "reps {reps}");
        }
    }

    /// Every length around the size where the four streams start, with a
    /// keyword longer than a segment (so a stream's warm-up reaches back over
    /// more than one segment and is clipped at the buffer's start).
    #[test]
    fn streams_agree_with_one_pass_at_every_length_near_the_threshold() {
        let long = "k".repeat(40) + "_long_keyword_longer_than_a_segment_" + &"z".repeat(30);
        let kws: Vec<Vec<u8>> = ["pass", "token", "ghp_", &long]
            .iter()
            .map(|k| k.as_bytes().to_vec())
            .collect();
        let dfa = KeywordDfa::new(&kws);
        let unit = format!("ab token={long} PASS ghp_ k {long}{long}\n");
        for len in INTERLEAVE_MIN - 8..=INTERLEAVE_MIN * 2 + 8 {
            let hay: Vec<u8> = unit.bytes().cycle().skip(len % 13).take(len).collect();
            let mut expect = naive(&kws, &hay);
            expect.sort_unstable();
            assert_eq!(via_dfa(&dfa, &hay), expect, "len {len}");
        }
    }

    /// Enough keywords for four-byte cells: same results as the naive search.
    #[test]
    fn a_large_keyword_set_uses_wide_cells_and_still_finds_everything() {
        let mut kws: Vec<Vec<u8>> = Vec::new();
        let mut x = 12345u64;
        for _ in 0..2000 {
            let mut k = Vec::new();
            for _ in 0..8 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                k.push(b"abcdefghijklmnopqrstuvwxyz0123456789_-"[(x >> 33) as usize % 38]);
            }
            kws.push(k);
        }
        kws.push(b"ghp_".to_vec());
        let dfa = KeywordDfa::new(&kws);
        assert!(!dfa.is_narrow());
        assert!(KeywordDfa::new(&kws[..10]).is_narrow());
        let mut hay = Vec::new();
        for (i, k) in kws.iter().enumerate().step_by(7) {
            hay.extend_from_slice(b"zz ");
            hay.extend_from_slice(if i % 2 == 0 { &k[..] } else { &k[..5] });
            hay.extend_from_slice(b" GHP_x\n");
        }
        let mut expect = naive(&kws, &hay);
        expect.sort_unstable();
        assert_eq!(via_dfa(&dfa, &hay), expect);
    }

    /// Window by window gives the same events as one call.
    #[test]
    fn windows_give_the_same_events_as_one_pass() {
        let kws: Vec<Vec<u8>> = ["password", "ghp_", "://", "q~"]
            .iter()
            .map(|k| k.as_bytes().to_vec())
            .collect();
        let dfa = KeywordDfa::new(&kws);
        let unit = b"a PASSWORD=x https://h q~ ghp_ ";
        let hay: Vec<u8> = unit.iter().copied().cycle().take(50_000).collect();
        let mut whole = Vec::new();
        dfa.find(&hay, &mut whole);
        for window in [1usize, 5, 7, 4096, 5000, 49_999] {
            let mut parts = Vec::new();
            let mut a = 0;
            while a < hay.len() {
                let b = (a + window).min(hay.len());
                dfa.find_at(&hay, a, b, &mut parts);
                a = b;
            }
            assert_eq!(parts, whole, "window {window}");
        }
    }

    #[test]
    fn no_keyword_no_event_and_bytes_outside_the_alphabet_reset() {
        let kws = vec![b"token".to_vec()];
        let dfa = KeywordDfa::new(&kws);
        let mut ev = Vec::new();
        dfa.find(&vec![b'z'; 10_000], &mut ev);
        assert!(ev.is_empty());
        dfa.find(b"tok\xffen toKEN", &mut ev);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].0, 12);
    }
}
