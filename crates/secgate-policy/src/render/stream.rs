//! Writing big JSON documents item by item: each item is built, written and
//! dropped, so that a 100k-finding output never holds its whole tree in memory.
//! Items go through [`write_item`] (the bytes of `serde_json`, escaped faster).

pub(crate) use super::fast_json::write_item;
use serde::Serialize;
use std::io::{self, Write};

/// The buffer of the streaming writers: 1 MiB, so that a 300 MB output is a
/// few hundred `write` calls (and a caller's own buffer of the same size is
/// bypassed rather than copied into).
pub(crate) const BUF: usize = 1 << 20;

/// Writes one JSON object, field by field.
pub(crate) struct ObjectWriter<W: Write> {
    w: W,
    first: bool,
    /// Scratch space of [`write_item`].
    buf: Vec<u8>,
}

impl<W: Write> ObjectWriter<W> {
    /// Opens the object (`{`).
    pub(crate) fn begin(mut w: W) -> io::Result<Self> {
        w.write_all(b"{")?;
        Ok(ObjectWriter {
            w,
            first: true,
            buf: Vec::new(),
        })
    }

    fn key(&mut self, key: &str) -> io::Result<()> {
        if !self.first {
            self.w.write_all(b",")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.w, key)?;
        self.w.write_all(b":")
    }

    /// Writes one field.
    pub(crate) fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        self.key(key)?;
        write_item(&mut self.w, &mut self.buf, value)
    }

    /// Writes a field whose value writes itself.
    pub(crate) fn field_with<F>(&mut self, key: &str, write: F) -> io::Result<()>
    where
        F: FnOnce(&mut W) -> io::Result<()>,
    {
        self.key(key)?;
        write(&mut self.w)
    }

    /// Writes an array field, one item at a time.
    pub(crate) fn array<T, I>(&mut self, key: &str, items: I) -> io::Result<()>
    where
        T: Serialize,
        I: IntoIterator<Item = T>,
    {
        self.key(key)?;
        write_array(&mut self.w, items)
    }

    /// Writes an array field whose items write themselves.
    pub(crate) fn array_with<I, F>(&mut self, key: &str, items: I, mut each: F) -> io::Result<()>
    where
        I: IntoIterator,
        F: FnMut(&mut W, I::Item) -> io::Result<()>,
    {
        self.key(key)?;
        self.w.write_all(b"[")?;
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.w.write_all(b",")?;
            }
            each(&mut self.w, item)?;
        }
        self.w.write_all(b"]")
    }

    /// Closes the object (`}`) and gives the writer back.
    pub(crate) fn end(mut self) -> io::Result<W> {
        self.w.write_all(b"}")?;
        Ok(self.w)
    }
}

/// Writes a JSON array, one item at a time.
pub(crate) fn write_array<W: Write, T: Serialize, I: IntoIterator<Item = T>>(
    w: &mut W,
    items: I,
) -> io::Result<()> {
    let mut buf = Vec::new();
    w.write_all(b"[")?;
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write_item(w, &mut buf, &item)?;
    }
    w.write_all(b"]")
}
