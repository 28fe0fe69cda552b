"""Shard format v1: constants, schema, header, footer and block index (docs/FORMAT.md).

Everything here parses bytes that were already read; every declared size is checked
before it is used. All integers are little endian. Failures raise ``ShardFormatError``
with the region and absolute byte offset of the structure at fault.
"""

import struct
from collections import namedtuple

from .errors import ShardFormatError
from .xxhash64 import XXH64, xxh64

HEADER_MAGIC = b"PTXSHARD"
FOOTER_MAGIC = b"PTXFOOT1"
MAJOR_VERSION = 1
#: The newest minor version this reader knows; a file declares the lowest that describes it
#: (1 for ``segment_boundary`` without ``pair_label``, new in 1.1).
MINOR_VERSION = 1
FIXED_HEADER_LENGTH = 64
INDEX_ENTRY_LENGTH = 32
FOOTER_LENGTH = 64
MAX_HEADER_LENGTH = 1 << 20
MAX_BLOCK_LENGTH_CAP = 1 << 30
MAX_METADATA_LENGTH = 64 << 10
MAX_LZ4_EXPANSION_RATIO = 255
LZ4_MAX_INPUT_SIZE = 0x7E000000
#: The smallest shard: fixed header + header checksum + footer (136 bytes).
MIN_FILE_SIZE = FIXED_HEADER_LENGTH + 8 + FOOTER_LENGTH
FILE_EXTENSION = "ptxs"

CODEC_LZ4_BLOCK = 1
FILTER_NONE = 0
FILTER_BYTE_SHUFFLE = 1
FILTERS = {FILTER_NONE: "none", FILTER_BYTE_SHUFFLE: "byte-shuffle"}

# Value types of the schema section.
U8, U16, U32, U64, TOKEN = 1, 2, 3, 4, 5
TYPE_NAMES = {U8: "u8", U16: "u16", U32: "u32", U64: "u64", TOKEN: "token"}

Field = namedtuple("Field", "name type is_list")
Field.__doc__ = "One schema entry: field name, value type code, list (True) or scalar."

#: Every field v1 knows, in block order (docs/FORMAT.md, "Fields of v1").
KNOWN_FIELDS = (
    Field("tokens", TOKEN, True),
    Field("segment_boundary", U32, False),
    Field("pair_label", U8, False),
    Field("masked_positions", U32, True),
    Field("masked_ids", TOKEN, True),
    Field("input_ordinal", U32, False),
    Field("document_ordinal", U64, False),
)
_KNOWN = {f.name: f for f in KNOWN_FIELDS}


def lz4_compress_bound(length):
    """``LZ4_compressBound``: the largest compressed size of ``length`` bytes (0 if too large)."""
    if length < 0 or length > LZ4_MAX_INPUT_SIZE:
        return 0
    return length + length // 255 + 16


def _type_text(field):
    return TYPE_NAMES.get(field.type, str(field.type)) + ("[]" if field.is_list else "")


class Schema(namedtuple("Schema", "token_width has_pairs has_masks has_segments")):
    """Which fields a shard stores: token width (2 or 4 bytes), pair labels, mask fields, and
    segment boundaries (``has_segments``: with the pair labels, or alone since format 1.1, as
    ELECTRA's shards store them; defaults to ``has_pairs``)."""

    __slots__ = ()

    def __new__(cls, token_width, has_pairs, has_masks, has_segments=None):
        has_segments = has_pairs if has_segments is None else has_segments
        if has_pairs and not has_segments:
            raise ValueError("pair labels need segment boundaries")
        return super().__new__(cls, token_width, has_pairs, has_masks, has_segments)

    @property
    def minor_version(self):
        """The minor version a file of this schema declares: 1 for segments without pair
        labels, else 0."""
        return 1 if self.has_segments and not self.has_pairs else 0

    @property
    def fields(self):
        """The schema's fields, in block order."""
        out = []
        for f in KNOWN_FIELDS:
            if f.name == "segment_boundary" and not self.has_segments:
                continue
            if f.name == "pair_label" and not self.has_pairs:
                continue
            if f.name in ("masked_positions", "masked_ids") and not self.has_masks:
                continue
            out.append(f)
        return out

    @classmethod
    def from_fields(cls, fields, token_width):
        """The schema named by ``fields``, or a ``ValueError`` explaining why it is not v1."""
        seen = set()
        for f in fields:
            known = _KNOWN.get(f.name)
            if known is None:
                raise ValueError('unknown field "%s" (this reader knows format v1 fields only)' % f.name)
            if known != f:
                raise ValueError('field "%s" has type %s, expected %s' % (f.name, _type_text(f), _type_text(known)))
            if f.name in seen:
                raise ValueError('field "%s" appears twice' % f.name)
            seen.add(f.name)
        for required in ("tokens", "input_ordinal", "document_ordinal"):
            if required not in seen:
                raise ValueError('required field "%s" is missing' % required)
        segments, pairs = "segment_boundary" in seen, "pair_label" in seen
        if pairs and not segments:
            raise ValueError("pair_label needs segment_boundary")
        masks = "masked_positions" in seen
        if masks != ("masked_ids" in seen):
            raise ValueError("masked_positions and masked_ids must be present together")
        schema = cls(token_width, pairs, masks, segments)
        if schema.fields != list(fields):
            raise ValueError("fields are not in format v1 order (%s)" % ", ".join(f.name for f in schema.fields))
        return schema


Header = namedtuple("Header", "length schema codec filter vocabulary_size block_length_limit metadata minor_version")
Header.__doc__ = """A parsed shard header.

length: bytes from offset 0 through the header checksum; schema: ``Schema``;
codec/filter: header bytes 17/18; vocabulary_size: ids are below it (0 = unchecked);
block_length_limit: largest uncompressed block in bytes; metadata: UTF-8 text (JSON).
"""

Footer = namedtuple("Footer", "index_offset block_count record_count token_count header_length max_block_length checksum")
Footer.__doc__ = "The last 64 bytes of a shard (all fields u64; checksum covers index + footer bytes 0..<48)."

IndexEntry = namedtuple("IndexEntry", "offset compressed_length uncompressed_length record_count token_count checksum")
IndexEntry.__doc__ = "One 32-byte block index entry; checksum is XXH64 of the compressed bytes."

_FOOTER = struct.Struct("<6QQ8s")
_ENTRY = struct.Struct("<QIIIIQ")


class _Cursor:
    """Reads little-endian values from ``data``; ``_Cursor.Short`` when the bytes run out."""

    class Short(Exception):
        def __init__(self, offset, wanted, left):
            super().__init__("needs %d bytes at offset %d, %d left" % (wanted, offset, left))
            self.offset = offset

    def __init__(self, data, offset=0):
        self.data = data
        self.offset = offset

    @property
    def remaining(self):
        return len(self.data) - self.offset

    def take(self, n):
        if n > self.remaining:
            raise _Cursor.Short(self.offset, n, self.remaining)
        out = bytes(self.data[self.offset:self.offset + n])
        self.offset += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack("<H", self.take(2))[0]

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]


def declared_header_length(prefix, path, file_size):
    """Checks magic, major version and header length in the first 16 bytes; returns the length."""

    def fail(problem):
        return ShardFormatError(path, "header", 0, problem)

    if len(prefix) < 16:
        raise fail("file too short for a header")
    if bytes(prefix[0:8]) != HEADER_MAGIC:
        raise fail("bad magic %s: not a Pretext shard" % list(bytes(prefix[0:8])))
    major, minor, length = struct.unpack_from("<HHI", prefix, 8)
    if major != MAJOR_VERSION:
        raise fail("format version %d.%d is not supported (this reader reads %d.x)" % (major, minor, MAJOR_VERSION))
    if not FIXED_HEADER_LENGTH + 8 <= length <= MAX_HEADER_LENGTH:
        raise fail("header length %d outside %d...%d" % (length, FIXED_HEADER_LENGTH + 8, MAX_HEADER_LENGTH))
    if length + FOOTER_LENGTH > file_size:
        raise fail("header length %d plus footer exceeds the file size %d: truncated file" % (length, file_size))
    return length


def decode_header(data, path):
    """Parses and validates a complete header (``len(data)`` is its declared length)."""

    def fail(region, offset, problem):
        return ShardFormatError(path, region, offset, problem)

    length = len(data)
    (stored,) = struct.unpack_from("<Q", data, length - 8)
    computed = xxh64(data[:length - 8])
    if stored != computed:
        raise fail("header", 0, "header checksum mismatch (stored 0x%016x, computed 0x%016x)" % (stored, computed))
    minor = struct.unpack_from("<H", data, 10)[0]
    c = _Cursor(data, 16)
    try:
        width = c.u8()
        if width not in (2, 4):
            raise fail("header", 16, "token width %d is not 2 or 4" % width)
        codec = c.u8()
        if codec != CODEC_LZ4_BLOCK:
            raise fail("header", 17, "unknown codec %d" % codec)
        filt = c.u8()
        if filt not in FILTERS:
            raise fail("header", 18, "unknown filter %d" % filt)
        c.take(1)
        vocab = c.u32()
        limit = c.u32()
        if not 0 < limit <= MAX_BLOCK_LENGTH_CAP:
            raise fail("header", 24, "block length limit %d outside 1...%d" % (limit, MAX_BLOCK_LENGTH_CAP))
        field_count = c.u16()
        c.take(2)
        meta_length = c.u32()
        c = _Cursor(data, FIXED_HEADER_LENGTH)
        if field_count > len(KNOWN_FIELDS):
            raise fail("schema", FIXED_HEADER_LENGTH,
                       "%d fields declared; format v1 has at most %d" % (field_count, len(KNOWN_FIELDS)))
        fields = []
        for _ in range(field_count):
            at = c.offset
            type_byte = c.u8()
            is_list = c.u8()
            name = c.take(c.u8()).decode("utf-8", errors="replace")
            if type_byte not in TYPE_NAMES or is_list > 1:
                raise fail("schema", at, 'field "%s" has unknown type %d/%d' % (name, type_byte, is_list))
            fields.append(Field(name, type_byte, is_list == 1))
        try:
            schema = Schema.from_fields(fields, width)
        except ValueError as problem:
            raise fail("schema", FIXED_HEADER_LENGTH, str(problem)) from None
        left = c.remaining - 8
        if meta_length > MAX_METADATA_LENGTH or meta_length != left:
            raise fail("header", c.offset, "metadata length %d does not match the %d bytes left in the header" % (meta_length, left))
        metadata = c.take(meta_length).decode("utf-8", errors="replace")
    except _Cursor.Short as short:
        raise fail("header", short.offset, "header ends early: %s" % short) from None
    return Header(length, schema, codec, filt, vocab, limit, metadata, minor)


def decode_footer(footer_bytes, index_bytes_at, path, file_size, header_length):
    """Validates the footer (the file's last 64 bytes) and the index/footer checksum.

    ``index_bytes_at(offset, length)`` returns file bytes; it is called only once the
    index's extent has been checked against the file. Returns ``(Footer, index_bytes)``.
    """
    footer_offset = file_size - FOOTER_LENGTH
    if bytes(footer_bytes[56:64]) != FOOTER_MAGIC:
        raise ShardFormatError(path, "footer", footer_offset, "bad footer magic: truncated or incompletely written file")
    f = Footer(*_FOOTER.unpack(footer_bytes)[:7])

    def fail(problem):
        return ShardFormatError(path, "footer", footer_offset, problem)

    if f.header_length != header_length:
        raise fail("footer says the header is %d bytes, header says %d" % (f.header_length, header_length))
    max_blocks = (footer_offset - header_length) // INDEX_ENTRY_LENGTH
    if f.block_count > max_blocks:
        raise fail("block count %d cannot fit in a file of %d bytes" % (f.block_count, file_size))
    index_length = f.block_count * INDEX_ENTRY_LENGTH
    if f.index_offset != footer_offset - index_length:
        raise fail("index offset %d does not match %d entries ending at the footer (%d)"
                   % (f.index_offset, f.block_count, footer_offset - index_length))
    index_bytes = index_bytes_at(f.index_offset, index_length)
    computed = XXH64().update(index_bytes).update(footer_bytes[0:48]).digest()
    if computed != f.checksum:
        raise ShardFormatError(path, "index", f.index_offset,
                               "index/footer checksum mismatch (stored 0x%016x, computed 0x%016x)" % (f.checksum, computed))
    return f, index_bytes


def decode_index(index_bytes, footer, header, path, file_size):
    """Parses and checks every index entry; returns the list of ``IndexEntry``.

    Blocks must be contiguous from the end of the header to the index, with sizes possible
    under the header's block length limit and LZ4's bounds, and totals equal to the footer's.
    """
    entries = []
    expected = header.length
    records = tokens = max_block = 0
    for b in range(footer.block_count):
        at = footer.index_offset + b * INDEX_ENTRY_LENGTH
        e = IndexEntry(*_ENTRY.unpack_from(index_bytes, b * INDEX_ENTRY_LENGTH))

        def fail(problem):
            return ShardFormatError(path, "index", at, problem)

        if e.offset != expected:
            raise fail("block %d starts at %d, expected %d" % (b, e.offset, expected))
        if not (e.compressed_length > 0 and e.compressed_length <= footer.index_offset - e.offset):
            raise fail("block %d compressed length %d does not fit before the index" % (b, e.compressed_length))
        if not (0 < e.uncompressed_length <= header.block_length_limit
                and e.uncompressed_length <= e.compressed_length * MAX_LZ4_EXPANSION_RATIO + 16
                and e.compressed_length <= lz4_compress_bound(e.uncompressed_length)):
            raise fail("block %d sizes %d/%d are impossible under the limit %d"
                       % (b, e.compressed_length, e.uncompressed_length, header.block_length_limit))
        if e.record_count == 0:
            raise fail("block %d holds no records" % b)
        expected = e.offset + e.compressed_length
        records += e.record_count
        tokens += e.token_count
        max_block = max(max_block, e.uncompressed_length)
        entries.append(e)
    if expected != footer.index_offset:
        raise ShardFormatError(path, "index", footer.index_offset,
                               "blocks end at %d but the index starts at %d" % (expected, footer.index_offset))
    if records != footer.record_count or tokens != footer.token_count or max_block != footer.max_block_length:
        raise ShardFormatError(path, "footer", file_size - FOOTER_LENGTH,
                               "footer totals (%d records, %d tokens, largest block %d) disagree with the index (%d, %d, %d)"
                               % (footer.record_count, footer.token_count, footer.max_block_length, records, tokens, max_block))
    return entries
