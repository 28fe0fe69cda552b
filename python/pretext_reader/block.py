"""One decoded block: the payload's columns as numpy arrays (docs/FORMAT.md, "Block payload")."""

import numpy as np

from .filters import decode_column

__all__ = ["DecodedBlock", "BlockProblem", "decode_block_payload"]


class BlockProblem(Exception):
    """A payload that does not match its index entry or schema; the reader adds file and offset."""


class DecodedBlock:
    """The records of one block as flat columns.

    Shapes (``n`` records, ``T`` tokens, ``M`` masked positions in the block):
    ``token_offsets`` int64 ``(n + 1,)`` — record i's tokens are
    ``tokens[token_offsets[i]:token_offsets[i + 1]]``; ``tokens`` int64 ``(T,)``;
    ``segment_boundaries`` int64 ``(n,)`` or ``None``; ``pair_labels`` int64 ``(n,)`` or ``None``
    (segment boundaries can come without pair labels: ELECTRA);
    ``mask_offsets`` int64 ``(n + 1,)``, ``masked_positions`` and ``masked_ids`` int64
    ``(M,)`` or ``None``; ``input_ordinals`` and ``document_ordinals`` int64 ``(n,)``
    (document ordinals above 2**63 - 1 are kept as uint64).
    """

    __slots__ = ("count", "token_offsets", "tokens", "segment_boundaries", "pair_labels", "mask_offsets",
                 "masked_positions", "masked_ids", "input_ordinals", "document_ordinals")

    def record(self, i):
        """Record ``i`` (0-based in the block) as a dict of fresh arrays and ints."""
        a, b = int(self.token_offsets[i]), int(self.token_offsets[i + 1])
        out = {"input_ids": self.tokens[a:b].copy()}
        if self.segment_boundaries is not None:
            out["segment_boundary"] = int(self.segment_boundaries[i])
        if self.pair_labels is not None:
            out["pair_label"] = int(self.pair_labels[i])
        if self.mask_offsets is not None:
            m, e = int(self.mask_offsets[i]), int(self.mask_offsets[i + 1])
            out["masked_positions"] = self.masked_positions[m:e].copy()
            out["masked_ids"] = self.masked_ids[m:e].copy()
        out["input_ordinal"] = int(self.input_ordinals[i])
        out["document_ordinal"] = int(self.document_ordinals[i])
        return out


def _offsets(lengths):
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, dtype=np.int64, out=out[1:])
    return out


def decode_block_payload(payload, count, expected_tokens, schema, filter_code, vocabulary_size):
    """Decodes ``count`` records from the uncompressed ``payload`` (bytes).

    Every column length is checked against the bytes left, the token sum against
    ``expected_tokens`` (the index entry's), ids against ``vocabulary_size`` (0 = unchecked),
    boundaries, labels and masked positions against their record, and no bytes may follow
    the last column. Raises ``BlockProblem``; returns a ``DecodedBlock``.
    """
    n = count
    w = schema.token_width
    size = len(payload)
    at = 0

    def take(values, k, what):
        nonlocal at
        need = values * k
        if need > size - at:
            raise BlockProblem("%s needs %d × %d bytes at payload offset %d but only %d remain" % (what, values, k, at, size - at))
        start = at
        at += need
        return start

    def column(values, k, what):
        return decode_column(payload, take(values, k, what), values, k, filter_code)

    def check_ids(ids, what):
        if vocabulary_size > 0 and len(ids) > 0:
            largest = int(ids.max())
            if largest >= vocabulary_size:
                raise BlockProblem("%s holds id %d, outside the vocabulary of %d" % (what, largest, vocabulary_size))

    block = DecodedBlock()
    block.count = n
    token_lengths = column(n, 4, "tokens lengths").astype(np.int64)
    block.token_offsets = _offsets(token_lengths)
    total = int(block.token_offsets[n])
    if total != expected_tokens:
        raise BlockProblem("records hold %d tokens but the index declares %d" % (total, expected_tokens))
    tokens = column(total, w, "tokens")
    check_ids(tokens, "tokens")
    block.tokens = tokens.astype(np.int64)

    block.segment_boundaries = block.pair_labels = None
    if schema.has_segments:
        boundaries = column(n, 4, "segment_boundary").astype(np.int64)
        bad = np.nonzero((boundaries <= 0) | (boundaries > token_lengths))[0]
        if len(bad):
            i = int(bad[0])
            raise BlockProblem("record %d: segment_boundary %d outside 1...%d" % (i, boundaries[i], token_lengths[i]))
        block.segment_boundaries = boundaries
    if schema.has_pairs:
        labels = column(n, 1, "pair_label").astype(np.int64)
        bad = np.nonzero(labels > 1)[0]
        if len(bad):
            i = int(bad[0])
            raise BlockProblem("record %d: pair_label %d is not 0 or 1" % (i, labels[i]))
        block.pair_labels = labels

    block.mask_offsets = block.masked_positions = block.masked_ids = None
    if schema.has_masks:
        position_lengths = column(n, 4, "masked_positions lengths").astype(np.int64)
        mask_offsets = _offsets(position_lengths)
        masks = int(mask_offsets[n])
        positions = column(masks, 4, "masked_positions").astype(np.int64)
        id_lengths = column(n, 4, "masked_ids lengths").astype(np.int64)
        if not np.array_equal(id_lengths, position_lengths):
            raise BlockProblem("masked_ids and masked_positions have different lengths")
        masked_ids = column(masks, w, "masked_ids")
        check_ids(masked_ids, "masked_ids")
        if masks:
            # Record of each masked position; positions must rise within a record and stay < len.
            owner = np.repeat(np.arange(n), position_lengths)
            first = np.zeros(masks, dtype=bool)
            first[mask_offsets[:-1][position_lengths > 0]] = True
            previous = np.concatenate(([-1], positions[:-1]))
            previous[first] = -1
            bad = np.nonzero((positions <= previous) | (positions >= token_lengths[owner]))[0]
            if len(bad):
                p = int(bad[0])
                i = int(owner[p])
                raise BlockProblem("record %d: masked position %d is out of order or outside 0..<%d" % (i, positions[p], token_lengths[i]))
        block.mask_offsets, block.masked_positions, block.masked_ids = mask_offsets, positions, masked_ids.astype(np.int64)

    block.input_ordinals = column(n, 4, "input_ordinal").astype(np.int64)
    documents = column(n, 8, "document_ordinal")
    block.document_ordinals = documents.astype(np.int64) if n == 0 or int(documents.max()) < 1 << 63 else documents.copy()
    if at != size:
        raise BlockProblem("%d unexpected bytes after the last column" % (size - at))
    return block
