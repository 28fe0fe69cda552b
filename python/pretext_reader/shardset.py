"""``ShardSet``: the shards of a build folder, in catalog order, as one record sequence."""

import os
import sqlite3
import urllib.parse
from collections import OrderedDict

import numpy as np

from .errors import CatalogError, ShardFormatError
from .format import FILE_EXTENSION, FOOTER_LENGTH
from .shard import ShardFile, resolve_index

__all__ = ["ShardSet", "catalog_shards", "CATALOG_FILE_NAME"]

CATALOG_FILE_NAME = "catalog.sqlite"


def _check_relative(path, catalog):
    """Rejects what Swift's ``CatalogPath`` rejects: absolute, empty, ``.``/``..``/empty components, NUL."""
    problem = None
    if not path:
        problem = "empty"
    elif path.startswith("/"):
        problem = "absolute paths are not stored"
    elif "\0" in path:
        problem = "contains NUL"
    else:
        for part in path.split("/"):
            if part in ("", ".", ".."):
                problem = "component %r is not allowed" % part
                break
    if problem:
        raise CatalogError('%s: shard path "%s" is not allowed in the catalog: %s' % (catalog, path, problem))


def catalog_shards(folder):
    """``[(relative_path, records)]`` from ``<folder>/catalog.sqlite`` (table ``shards``, ``ORDER BY file``).

    Opened read-only with the standard library's ``sqlite3``. Raises ``CatalogError``.
    """
    path = os.path.join(os.fspath(folder), CATALOG_FILE_NAME)
    uri = "file:" + urllib.parse.quote(os.path.abspath(path))
    rows = None
    last_error = None
    # A WAL database normally opens read-only; `immutable` is the fallback for a folder we
    # cannot write the shared-memory file into.
    for options in ("?mode=ro", "?mode=ro&immutable=1"):
        try:
            connection = sqlite3.connect(uri + options, uri=True)
            # Text as bytes: a hostile catalog's paths need not be UTF-8 (decoded below).
            connection.text_factory = bytes
            try:
                rows = connection.execute("SELECT file, records FROM shards ORDER BY file").fetchall()
            finally:
                connection.close()
            break
        except (sqlite3.Error, UnicodeDecodeError) as error:
            # (SQLite's own message can hold a hostile schema's bytes that are not UTF-8.)
            last_error = error
    if rows is None:
        raise CatalogError("%s: SQLite error: %s" % (path, last_error))
    out = []
    for file, records in rows:
        if isinstance(file, bytes):
            try:
                file = file.decode("utf-8")
            except UnicodeDecodeError:
                raise CatalogError("%s: shard path %r is not UTF-8" % (path, file)) from None
        if not isinstance(file, str) or not isinstance(records, int) or records < 0:
            raise CatalogError("%s: malformed shard row (%r, %r)" % (path, file, records))
        _check_relative(file, path)
        out.append((file, records))
    return out


class ShardSet:
    """The shard files of a build folder as one sequence of records.

    Order: the catalog's (``catalog.sqlite``, table ``shards``, ``ORDER BY file``); without
    a catalog, the folder's top-level ``*.ptxs`` files sorted by name (never ``store/``).
    Global record ``i`` is local record ``i - start[s]`` of shard ``s``, where ``start``
    is the running sum of the shards' record counts. With a catalog, counts come from it
    and are checked against each file when it is opened; without one, every file is opened
    (and validated) once to count its records.

    ``len()``, ``[i]`` (a record dict as ``ShardFile`` returns it) and iteration. At most
    ``max_open`` shard files are kept mapped at a time (least recently used closed first).
    Not thread-safe; picklable for ``DataLoader`` workers.
    """

    def __init__(self, folder, verify=True, max_open=32, cache_blocks=4):
        self.folder = os.fspath(folder)
        self.verify = verify
        self.max_open = max(1, int(max_open))
        self.cache_blocks = cache_blocks
        self._open = OrderedDict()
        if not os.path.isdir(self.folder):
            raise FileNotFoundError("%s: not a folder" % self.folder)
        if os.path.exists(os.path.join(self.folder, CATALOG_FILE_NAME)):
            listed = catalog_shards(self.folder)
            self.paths = [os.path.join(self.folder, *f.split("/")) for f, _ in listed]
            counts = [r for _, r in listed]
            self.from_catalog = True
        else:
            names = sorted(n for n in os.listdir(self.folder)
                           if n.endswith("." + FILE_EXTENSION) and os.path.isfile(os.path.join(self.folder, n)))
            self.paths = [os.path.join(self.folder, n) for n in names]
            counts = []
            for p in self.paths:
                shard = ShardFile(p, verify=verify, cache_blocks=cache_blocks)
                counts.append(len(shard))
                shard.close()
            self.from_catalog = False
        #: Global index of each shard's first record, plus the total (``len(paths) + 1`` entries).
        self.shard_start = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(np.asarray(counts, dtype=np.int64), out=self.shard_start[1:])

    def __len__(self):
        return int(self.shard_start[-1])

    @property
    def shard_count(self):
        return len(self.paths)

    def shard(self, s):
        """Shard ``s`` opened (and validated) on first use; its record count must match the catalog's."""
        shard = self._open.get(s)
        if shard is not None:
            self._open.move_to_end(s)
            return shard
        shard = ShardFile(self.paths[s], verify=self.verify, cache_blocks=self.cache_blocks)
        expected = int(self.shard_start[s + 1] - self.shard_start[s])
        if len(shard) != expected:
            shard.close()
            raise ShardFormatError(shard.path, "footer", shard.file_size - FOOTER_LENGTH,
                                   "the file holds %d records but the catalog says %d" % (len(shard), expected))
        self._open[s] = shard
        while len(self._open) > self.max_open:
            _, old = self._open.popitem(last=False)
            old.close()
        return shard

    def locate(self, i):
        """``(shard, local_index)`` of global record ``i`` (``0 <= i < len(self)``)."""
        s = int(np.searchsorted(self.shard_start, i, side="right")) - 1
        return s, i - int(self.shard_start[s])

    def __getitem__(self, i):
        """Global record ``i`` (negative indices count from the end) as a record dict."""
        s, local = self.locate(resolve_index(i, len(self)))
        return self.shard(s)[local]

    def __iter__(self):
        for s in range(len(self.paths)):
            if self.shard_start[s + 1] > self.shard_start[s]:
                yield from self.shard(s)

    def close(self):
        """Closes every open shard."""
        for shard in self._open.values():
            shard.close()
        self._open.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_open"] = OrderedDict()
        return state

    def __repr__(self):
        return "ShardSet(%r, shards=%d, records=%d)" % (self.folder, len(self.paths), len(self))
