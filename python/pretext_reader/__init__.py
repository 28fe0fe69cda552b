"""Reader for Pretext shards (docs/FORMAT.md, version 1) with Pretext's dynamic masking.

    from pretext_reader import ShardSet, PretextDataset
    data = PretextDataset("shards/bert-nsp", epoch=0)
    sample = data[0]   # {"input_ids": int64 array, "labels": int64 array, ...}

torch is optional and never imported: ``PretextDataset`` works with
``torch.utils.data.DataLoader`` as any map-style dataset does.
"""

from .batches import BatchMaker, LoaderOptions
from .dataset import PretextDataset
from .loader import PretextLoader
from .errors import CatalogError, LoaderError, LoaderStateError, MaskingConfigError, ShardFormatError
from .keyed_random import PURPOSE_DYNAMIC_MASKING, KeyedRandom
from .masking import Masker, MaskingOptions, MaskingVocabulary
from .masking_config import IGNORE_INDEX, MaskingConfig, mask_sample
from .shard import ShardFile
from .shardset import ShardSet
from .xxhash64 import XXH64, xxh64

__version__ = "0.1.0"

__all__ = [
    "ShardFile", "ShardSet", "PretextLoader", "BatchMaker", "LoaderOptions", "LoaderError", "LoaderStateError",
    "PretextDataset", "ShardFormatError", "CatalogError", "MaskingConfigError",
    "MaskingConfig", "mask_sample", "IGNORE_INDEX", "KeyedRandom", "PURPOSE_DYNAMIC_MASKING",
    "Masker", "MaskingOptions", "MaskingVocabulary", "xxh64", "XXH64",
]
