"""Reader for Pretext shards (docs/FORMAT.md, version 1) with Pretext's dynamic masking.

    from pretext_reader import PretextLoader
    loader = PretextLoader("shards/bert-nsp", batch_size=32, num_workers=2)
    for batch in loader: ...   # the Swift loader's batches, as torch tensors
    state = loader.state_dict()

torch is optional: ``PretextLoader`` imports it when installed (tensors, DataLoader
workers, ``torch.distributed`` ranks) and yields numpy arrays without it; ``PretextDataset``
is a map-style dataset of unpadded samples that never imports torch.
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
