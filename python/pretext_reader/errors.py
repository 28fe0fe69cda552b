"""Errors raised by the reader."""

__all__ = ["ShardFormatError", "CatalogError", "MaskingConfigError", "LoaderError", "LoaderStateError"]


class ShardFormatError(ValueError):
    """A shard file was rejected: names the file, the region and the absolute byte offset.

    ``region`` is one of ``file``, ``header``, ``schema``, ``block N``, ``index``,
    ``footer`` (as in docs/FORMAT.md); ``byte_offset`` is where the offending structure
    starts in the file. The message reads like the Swift reader's:
    ``shards/x/part-00003.ptxs: block 7 at byte 458752: checksum mismatch (...)``.
    """

    def __init__(self, path, region, byte_offset, problem):
        self.path = str(path)
        self.region = str(region)
        self.byte_offset = int(byte_offset)
        self.problem = problem
        super().__init__("%s: %s at byte %d: %s" % (self.path, self.region, self.byte_offset, problem))

    def __reduce__(self):
        return (type(self), (self.path, self.region, self.byte_offset, self.problem))


class CatalogError(ValueError):
    """``catalog.sqlite`` cannot be read, or names a shard outside its folder."""


class MaskingConfigError(ValueError):
    """``masking.json`` is missing, malformed or inconsistent."""


class LoaderError(ValueError):
    """Loader options that cannot be used, or a shard set the loader cannot load."""


class LoaderStateError(LoaderError):
    """A saved loader state that does not belong to this shard set or these options."""
