"""Column filters of the block payload (docs/FORMAT.md, "Filters"), decoded with numpy.

Filter 0 stores a column of ``n`` k-byte values as little-endian integers; filter 1
(byte shuffle) stores it as ``k`` planes of ``n`` bytes: all first bytes, then all second
bytes, and so on. One-byte columns are identical under both filters. Format v1 defines no
other filter (the delta filter was measured and not adopted).
"""

import numpy as np

from .format import FILTER_BYTE_SHUFFLE

_DTYPES = {1: np.dtype("u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4"), 8: np.dtype("<u8")}


def decode_column(payload, offset, count, width, filter_code):
    """The ``count`` values of ``width`` bytes (1, 2, 4, 8) at ``payload[offset:]``.

    ``payload`` is a bytes-like object holding at least ``offset + count * width`` bytes.
    Returns a read-only native-order numpy array of shape ``(count,)`` with an unsigned
    dtype of that width (a view of ``payload`` when no reordering is needed).
    """
    dtype = _DTYPES[width]
    if count == 0:
        return np.zeros(0, dtype=dtype.newbyteorder("="))
    if width == 1 or filter_code != FILTER_BYTE_SHUFFLE:
        out = np.frombuffer(payload, dtype=dtype, count=count, offset=offset)
        return out if dtype.isnative else out.astype(dtype.newbyteorder("="))
    planes = np.frombuffer(payload, dtype=np.uint8, count=count * width, offset=offset).reshape(width, count)
    # Gather byte j of every value from plane j: transpose to (count, width), reinterpret.
    return np.ascontiguousarray(planes.T).view(dtype).reshape(count).astype(dtype.newbyteorder("="), copy=False)
