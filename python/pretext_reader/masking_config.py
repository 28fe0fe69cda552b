"""``masking.json`` (the dynamic-masking configuration of a build) and ``mask_sample``.

Format ``pretext-masking-1``::

    {"format": "pretext-masking-1", "vocab_size": 30522, "mask_id": 103,
     "special_ids": [0, 100, 101, 102, 103], "continuation_ids": [1996, ...],
     "seed": 12345,
     "options": {"rate": 0.15, "max_predictions": 20, "mask_share": 0.8, "random_share": 0.1,
                 "strategy": "token", "ngram_max": 3, "span_p": 0.2, "span_max": 10,
                 "budget": "sequence"}}

Sample ``i`` (its global record index in the shard set) in epoch ``e`` is masked with
``KeyedRandom(seed, 0x646D736B, index=i, subindex=e)`` and one ``Masker.mask`` call.
"""

import copy
import json
import os

import numpy as np

from .errors import MaskingConfigError
from .keyed_random import PURPOSE_DYNAMIC_MASKING, KeyedRandom
from .masking import BUDGETS, STRATEGIES, Masker, MaskingOptions, MaskingVocabulary

__all__ = ["MaskingConfig", "mask_sample", "IGNORE_INDEX", "FILE_NAME", "FORMAT"]

FILE_NAME = "masking.json"
FORMAT = "pretext-masking-1"
#: Label of a position without a prediction (PyTorch's cross-entropy ``ignore_index``).
IGNORE_INDEX = -100

_U64 = (1 << 64) - 1


class MaskingConfig:
    """The vocabulary tables, seed and options of dynamic masking; ``masker`` applies them."""

    def __init__(self, vocab_size, mask_id, special_ids, continuation_ids, seed, options, path=None):
        self.path = path
        self.vocab_size = vocab_size
        self.mask_id = mask_id
        self.seed = seed
        self.options = options
        self.vocabulary = MaskingVocabulary(vocab_size, mask_id, special_ids, continuation_ids)
        self.masker = Masker(options, self.vocabulary)

    @classmethod
    def load(cls, folder):
        """Reads ``<folder>/masking.json`` (or ``folder`` itself when it names a file)."""
        path = os.fspath(folder)
        if os.path.isdir(path):
            path = os.path.join(path, FILE_NAME)
        try:
            with open(path, "rb") as f:
                document = json.loads(f.read().decode("utf-8"))
        except FileNotFoundError:
            raise MaskingConfigError("%s: no masking configuration here (the build writes it for dynamic masking)" % path) from None
        except (UnicodeDecodeError, ValueError) as error:
            raise MaskingConfigError("%s: not valid JSON: %s" % (path, error)) from None
        return cls.from_dict(document, path=path)

    @classmethod
    def from_dict(cls, d, path=None):
        """Builds a config from the parsed JSON object ``d``, with the checks of Swift's
        ``MaskingFile.read``: required keys, ids inside the vocabulary (at most 2**24 ids),
        rate in (0, 1), shares >= 0 summing to at most 1. Continuation ids that are also
        special are dropped. Raises ``MaskingConfigError``."""
        where = path or FILE_NAME

        def fail(problem):
            return MaskingConfigError("%s: %s" % (where, problem))

        def integer(value, what):
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # JSON numbers such as 20.0 are integers too (as in Swift)
            if isinstance(value, bool) or not isinstance(value, int):
                raise fail("%s must be an integer, not %r" % (what, value))
            return value

        def number(mapping, key, what):
            value = mapping.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise fail("%s must be a number, not %r" % (what, value))
            return float(value)

        def ids(key, size):
            value = d.get(key)
            if not isinstance(value, list):
                raise fail("%s must be a list of ids" % key)
            out = []
            for x in value:
                i = integer(x, key)
                if not 0 <= i < size:
                    raise fail("%s holds %d, outside the vocabulary of %d" % (key, i, size))
                out.append(i)
            return out

        if not isinstance(d, dict):
            raise fail("not a JSON object")
        if d.get("format") != FORMAT:
            raise fail("format is %r, expected %r" % (d.get("format"), FORMAT))
        size = integer(d.get("vocab_size"), "vocab_size")
        if not 0 < size <= 1 << 24:
            raise fail("vocab_size %d out of range" % size)
        mask_id = integer(d.get("mask_id"), "mask_id")
        if not 0 <= mask_id < size:
            raise fail("mask_id %d outside the vocabulary" % mask_id)
        seed = d.get("seed")
        if isinstance(seed, str) and seed.isdigit():
            seed = int(seed)  # a u64 written as decimal text
        seed = integer(seed, "seed")
        if not 0 <= seed <= _U64:
            raise fail("seed %d is not a 64-bit unsigned integer" % seed)
        o = d.get("options")
        if not isinstance(o, dict):
            raise fail("options must be an object")
        strategy = o.get("strategy")
        ngram_max, span_p, span_max = 3, 0.2, 10
        if strategy == "ngram":
            ngram_max = integer(o.get("ngram_max"), "options.ngram_max")
        elif strategy == "span":
            span_p = number(o, "span_p", "options.span_p")
            span_max = integer(o.get("span_max"), "options.span_max")
        elif strategy not in STRATEGIES:
            raise fail("options.strategy must be token, whole-word, ngram or span")
        budget = o.get("budget")
        if budget not in BUDGETS:
            raise fail("options.budget must be sequence or maskable")
        cap = o.get("max_predictions")
        options = MaskingOptions(
            rate=number(o, "rate", "options.rate"),
            max_predictions=None if cap is None else integer(cap, "options.max_predictions"),
            mask_share=number(o, "mask_share", "options.mask_share"),
            random_share=number(o, "random_share", "options.random_share"),
            strategy=strategy, ngram_max=ngram_max, span_p=span_p, span_max=span_max, budget=budget)
        if not (0 < options.rate < 1 and options.mask_share >= 0 and options.random_share >= 0
                and options.mask_share + options.random_share <= 1):
            raise fail("options out of range (rate in (0, 1), shares >= 0 summing to at most 1)")
        return cls(size, mask_id, ids("special_ids", size), ids("continuation_ids", size), seed, options, path=path)

    def with_seed(self, seed):
        """A copy of this configuration drawing from another seed (the Swift loader's ``seed`` option)."""
        other = copy.copy(self)
        other.seed = int(seed) & _U64
        return other

    def random(self, sample_index, epoch):
        """The ``KeyedRandom`` of sample ``sample_index`` in ``epoch``."""
        return KeyedRandom(self.seed, PURPOSE_DYNAMIC_MASKING, int(sample_index), int(epoch))

    def __repr__(self):
        return "MaskingConfig(vocab_size=%d, mask_id=%d, seed=%d, %r)" % (self.vocab_size, self.mask_id, self.seed, self.options)


def mask_sample(tokens, sample_index, epoch, config):
    """Dynamically masks one sample exactly as the Swift loader does.

    ``tokens``: the record's token ids (sequence of ints, length L); ``sample_index``: its
    global record index in the shard set; ``epoch``: the epoch number. Returns
    ``(input_ids, labels)``, two int64 arrays of shape ``(L,)``: the corrupted ids, and the
    original id at every masked position with ``-100`` everywhere else.
    """
    masked, positions, originals = config.masker.mask(tokens, config.random(sample_index, epoch))
    labels = np.full(len(masked), IGNORE_INDEX, dtype=np.int64)
    if positions:
        labels[positions] = originals
    return np.asarray(masked, dtype=np.int64), labels
