"""``ShardFile``: one validated shard, O(1) random access to its records."""

import mmap
import os
from collections import OrderedDict

import lz4.block
import numpy as np

from . import format as fmt
from .block import BlockProblem, decode_block_payload
from .errors import ShardFormatError
from .xxhash64 import xxh64

__all__ = ["ShardFile"]


def resolve_index(i, n):
    """``i`` as an index into ``n`` records (negative counts from the end); IndexError outside."""
    i = int(i)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise IndexError("record %d out of range 0..<%d" % (i, n))
    return i


class ShardFile:
    """A shard file (``*.ptxs``, format v1) opened for reading.

    Opening reads and checks the header, footer and block index (magic, version, header
    and index/footer checksums, every declared size against the file and the declared
    bounds) before anything else is trusted; nothing is allocated from a declared size
    before it is checked. Reading record ``i`` finds its block through a lookup table
    (one table read plus at most one step), verifies the block's XXH64 (unless
    ``verify=False``), decompresses it into exactly the declared size and decodes every
    column with its lengths and values checked. The ``cache_blocks`` most recently used
    decoded blocks are kept. Any problem raises ``ShardFormatError``.

    ``len(shard)`` is the record count; ``shard[i]`` is a dict:
    ``input_ids`` int64 array of the record's token ids; ``segment_boundary`` int (pair
    and segment schemas) and ``pair_label`` int (pair schemas); ``masked_positions`` and ``masked_ids`` int64
    arrays (static masking); ``input_ordinal`` and ``document_ordinal`` ints (provenance).

    Not thread-safe. Picklable (the copy reopens the file lazily), so it can be handed to
    ``DataLoader`` worker processes.
    """

    def __init__(self, path, verify=True, cache_blocks=4):
        self.path = os.fspath(path)
        self.verify = verify
        self.cache_blocks = max(1, int(cache_blocks))
        self._map = None
        self._file_size = None
        self._blocks = OrderedDict()
        try:
            self._open_and_validate()
        except BaseException:
            self.close()
            raise

    # -- opening -----------------------------------------------------------------------

    def _mapping(self):
        """The file's bytes (mapped read-only); reopens after ``close()``."""
        if self._map is None:
            with open(self.path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if self._file_size is not None and size != self._file_size:
                    raise ShardFormatError(self.path, "file", 0,
                                           "file changed size from %d to %d bytes since it was opened" % (self._file_size, size))
                if size < fmt.MIN_FILE_SIZE:
                    raise ShardFormatError(self.path, "file", 0,
                                           "file is %d bytes, shorter than the smallest shard (%d): truncated or not a shard"
                                           % (size, fmt.MIN_FILE_SIZE))
                self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                self._file_size = size
        return self._map

    def _open_and_validate(self):
        path = self.path
        data = self._mapping()
        size = self._file_size
        header_length = fmt.declared_header_length(data[0:16], path, size)
        self.header = fmt.decode_header(data[0:header_length], path)
        footer_offset = size - fmt.FOOTER_LENGTH
        self.footer, _ = fmt.decode_footer(data[footer_offset:size], lambda o, n: data[o:o + n], path, size, header_length)
        index_bytes = data[self.footer.index_offset:footer_offset]
        self.index = fmt.decode_index(index_bytes, self.footer, self.header, path, size)
        self.file_size = size

        counts = np.array([e.record_count for e in self.index], dtype=np.int64)
        #: First record of each block, plus the total (``block_count + 1`` entries).
        self.block_first_record = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.block_first_record[1:])
        # O(1) lookup: for every `stride`-th record the block holding it, where stride is the
        # smallest record count of any block but the last (so at most one step past it).
        records = self.footer.record_count
        stride = int(counts[:-1].min()) if len(counts) > 1 else max(records, 1)
        self._stride = max(1, stride)
        starts = np.arange(0, records, self._stride, dtype=np.int64)
        self._lookup = np.searchsorted(self.block_first_record[1:], starts, side="right").astype(np.int64)

    # -- properties ----------------------------------------------------------------------

    @property
    def schema(self):
        """The shard's ``Schema`` (token width, pairs, masks)."""
        return self.header.schema

    @property
    def metadata(self):
        """The header's metadata text (JSON by convention)."""
        return self.header.metadata

    @property
    def record_count(self):
        return self.footer.record_count

    @property
    def token_count(self):
        return self.footer.token_count

    @property
    def block_count(self):
        return len(self.index)

    def __len__(self):
        return self.footer.record_count

    def __repr__(self):
        return "ShardFile(%r, records=%d, blocks=%d)" % (self.path, len(self), self.block_count)

    # -- records -------------------------------------------------------------------------

    def block_number(self, i):
        """The block holding record ``i`` (``0 <= i < len(self)``)."""
        b = int(self._lookup[i // self._stride])
        if self.block_first_record[b + 1] <= i:
            b += 1
        return b

    def block(self, b):
        """Reads, verifies and decodes block ``b`` (cached); returns a ``DecodedBlock``."""
        cached = self._blocks.get(b)
        if cached is not None:
            self._blocks.move_to_end(b)
            return cached
        if not 0 <= b < len(self.index):
            raise IndexError("block %d out of range 0..<%d" % (b, len(self.index)))
        decoded = self._decode_block(b, self.index[b])
        self._blocks[b] = decoded
        while len(self._blocks) > self.cache_blocks:
            self._blocks.popitem(last=False)
        return decoded

    def _decode_block(self, b, e):
        def fail(problem):
            return ShardFormatError(self.path, "block %d" % b, e.offset, problem)

        # In bounds: the index was checked against the file size at open.
        src = self._mapping()[e.offset:e.offset + e.compressed_length]
        if self.verify:
            computed = xxh64(src)
            if computed != e.checksum:
                raise fail("checksum mismatch (stored 0x%016x, computed 0x%016x)" % (e.checksum, computed))
        try:
            payload = lz4.block.decompress(src, uncompressed_size=e.uncompressed_length)
        except lz4.block.LZ4BlockError as error:
            raise fail("LZ4 data is corrupt: %s" % error) from None
        if len(payload) != e.uncompressed_length:
            raise fail("LZ4 data is corrupt: decoded %d bytes, expected %d" % (len(payload), e.uncompressed_length))
        try:
            return decode_block_payload(payload, e.record_count, e.token_count, self.header.schema,
                                        self.header.filter, self.header.vocabulary_size)
        except BlockProblem as problem:
            raise fail(str(problem)) from None

    def __getitem__(self, i):
        """Record ``i`` (negative indices count from the end); decompresses at most one block."""
        i = resolve_index(i, len(self))
        b = self.block_number(i)
        return self.block(b).record(i - int(self.block_first_record[b]))

    def __iter__(self):
        for b in range(len(self.index)):
            block = self.block(b)
            for i in range(block.count):
                yield block.record(i)

    def verify_blocks(self):
        """Reads and decodes every block (checksum, LZ4, payload); raises the first problem."""
        for b, e in enumerate(self.index):
            self._decode_block(b, e)

    # -- lifetime ------------------------------------------------------------------------

    def close(self):
        """Unmaps the file and drops cached blocks; the next access reopens it."""
        self._blocks.clear()
        if self._map is not None:
            self._map.close()
            self._map = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_map"] = None
        state["_blocks"] = OrderedDict()
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
