"""A minimal stand-in for the TensorFlow 1 API surface used by Google's BERT
`create_pretraining_data.py` and `tokenization.py`, so the benchmark can run Google's code
unchanged without installing TensorFlow. Pretext's own code; nothing here is Google's.

What the two files touch, and what this module gives them:

  tf.flags.FLAGS, DEFINE_string/bool/integer/float, mark_flag_as_required
                        -> a tiny absl-style flag registry (--name=value, --name value,
                           --name / --noname for booleans)
  tf.app.run(main)      -> parse sys.argv into FLAGS, call main(argv)
  tf.logging.info/set_verbosity/INFO
                        -> %-formatting to stderr (Google's own logging of the first 20
                           examples is kept: it is part of the script's work)
  tf.gfile.GFile(path, "r"), tf.gfile.Glob
                        -> open(path, encoding="utf-8", newline="\\n") (lines split on "\\n"
                           only, as GFile does), glob.glob
  tf.train.Example/Features/Feature/Int64List/FloatList
                        -> plain Python objects holding the lists the script builds; no
                           protobuf. Example.SerializeToString() returns the Example itself.
  tf.python_io.TFRecordWriter(path)
                        -> a writer that does NOT serialize or write records: write() only
                           updates the counters the benchmark compares (see RecordStatistics);
                           close() writes them as JSON to <path>.stats.json.

What is therefore not measured on Google's side: protobuf serialization of each example,
TFRecord framing/CRC and the file writes. That is work the real script does, so leaving it
out makes Google faster, never slower: speed ratios against it are conservative.
"""

from __future__ import print_function

import glob as _glob
import json as _json
import sys as _sys
import time as _time

# ----------------------------------------------------------------------------- flags / app


class _Flags(object):
    def __init__(self):
        object.__setattr__(self, "_defs", {})
        object.__setattr__(self, "_required", set())

    def __getattr__(self, name):
        defs = object.__getattribute__(self, "_defs")
        if name in defs:
            return defs[name][1]
        raise AttributeError(name)

    def __setattr__(self, name, value):
        defs = object.__getattribute__(self, "_defs")
        if name not in defs:
            raise AttributeError("unknown flag %s" % name)
        defs[name] = (defs[name][0], value)

    def _define(self, kind, name, default):
        self._defs[name] = (kind, default)

    def _convert(self, kind, text):
        if kind is bool:
            return text.lower() in ("1", "true", "t", "yes")
        return kind(text)

    def _parse(self, argv):
        rest = [argv[0]] if argv else []
        i = 1
        while i < len(argv):
            arg = argv[i]
            i += 1
            if not arg.startswith("--"):
                rest.append(arg)
                continue
            body = arg[2:]
            if "=" in body:
                name, value = body.split("=", 1)
            else:
                name, value = body, None
            if name not in self._defs and name.startswith("no") and self._defs.get(name[2:], (None,))[0] is bool:
                self.__setattr__(name[2:], False)
                continue
            if name not in self._defs:
                raise SystemExit("unknown flag --%s" % name)
            kind = self._defs[name][0]
            if value is None:
                if kind is bool:
                    value = "true"
                else:
                    value = argv[i]
                    i += 1
            self.__setattr__(name, self._convert(kind, value))
        for name in self._required:
            if self._defs[name][1] is None:
                raise SystemExit("flag --%s is required" % name)
        return rest


class _FlagsModule(object):
    def __init__(self):
        self.FLAGS = _Flags()

    def DEFINE_string(self, name, default, help=None):
        self.FLAGS._define(str, name, default)

    def DEFINE_bool(self, name, default, help=None):
        self.FLAGS._define(bool, name, default)

    DEFINE_boolean = DEFINE_bool

    def DEFINE_integer(self, name, default, help=None):
        self.FLAGS._define(int, name, default)

    def DEFINE_float(self, name, default, help=None):
        self.FLAGS._define(float, name, default)

    def mark_flag_as_required(self, name):
        self.FLAGS._required.add(name)


flags = _FlagsModule()


class _App(object):
    @staticmethod
    def run(main=None, argv=None):
        args = flags.FLAGS._parse(list(_sys.argv if argv is None else argv))
        main = main or _sys.modules["__main__"].main
        result = main(args)
        return result


app = _App()

# ----------------------------------------------------------------------------- logging


class _Logging(object):
    DEBUG, INFO, WARN, ERROR = 10, 20, 30, 40

    def __init__(self):
        self._level = self.WARN

    def set_verbosity(self, level):
        self._level = level

    def _log(self, level, msg, *args):
        if level >= self._level:
            _sys.stderr.write((msg % args if args else str(msg)) + "\n")

    def info(self, msg, *args):
        self._log(self.INFO, msg, *args)

    def warning(self, msg, *args):
        self._log(self.WARN, msg, *args)

    warn = warning


logging = _Logging()

# ----------------------------------------------------------------------------- gfile


class _GFileModule(object):
    @staticmethod
    def GFile(path, mode="r"):
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding="utf-8", newline="\n")

    Open = GFile

    @staticmethod
    def Glob(pattern):
        return sorted(_glob.glob(pattern))


gfile = _GFileModule()

# ----------------------------------------------------------------------------- train.*


class _List(object):
    __slots__ = ("value",)

    def __init__(self, value=None):
        self.value = value if value is not None else []


class _EmptyList(object):
    __slots__ = ()
    value = ()


_EMPTY = _EmptyList()


class Feature(object):
    __slots__ = ("int64_list", "float_list")

    def __init__(self, int64_list=None, float_list=None):
        self.int64_list = int64_list if int64_list is not None else _EMPTY
        self.float_list = float_list if float_list is not None else _EMPTY


class Features(object):
    __slots__ = ("feature",)

    def __init__(self, feature=None):
        self.feature = feature


class Example(object):
    __slots__ = ("features",)

    def __init__(self, features=None):
        self.features = features

    def SerializeToString(self):
        # No protobuf: the stub writer reads the lists directly.
        return self


class _Train(object):
    Example = Example
    Features = Features
    Feature = Feature
    Int64List = _List
    FloatList = _List


train = _Train()

# ----------------------------------------------------------------------------- python_io


class RecordStatistics(object):
    """Counters comparable with `pretext stats`, from what the script writes per instance.

    Masked positions are classified by outcome, as Pretext does: the id now at the position
    is [MASK] -> masked_as_mask, the original id -> masked_as_kept, anything else ->
    masked_as_random. `mask_id`/`unk_id` are set by the driver (benchmarks/tools/
    google_pretraining.py) from the vocabulary."""

    mask_id = 103
    unk_id = 100
    max_predictions = 20
    masked_lm_prob = 0.15
    # Set by the driver for whole-word runs: continuation[id] is True for "##" pieces. Then
    # masked words of several pieces are counted, and those whose pieces came out differently
    # (some [MASK], some kept or random) as mixed_words.
    continuation = None

    def __init__(self):
        self.c = dict(instances=0, instance_tokens=0, full_length_instances=0, label_1=0,
                      masked_tokens=0, masked_as_mask=0, masked_as_random=0, masked_as_kept=0,
                      unk_tokens_in_instances=0, max_seq_length=0,
                      masked_if_budget_on_content=0)
        self.lengths = {}
        self.seconds = 0.0
        if self.continuation is not None:
            self.c.update(masked_words=0, multi_piece_masked_words=0, mixed_words=0)

    def add(self, example):
        t0 = _time.perf_counter()
        f = example.features.feature
        ids = f["input_ids"].int64_list.value
        n = sum(f["input_mask"].int64_list.value)
        c = self.c
        c["max_seq_length"] = len(ids)
        c["instances"] += 1
        c["instance_tokens"] += n
        if n == len(ids):
            c["full_length_instances"] += 1
        c["label_1"] += f["next_sentence_labels"].int64_list.value[0]
        positions = f["masked_lm_positions"].int64_list.value
        originals = f["masked_lm_ids"].int64_list.value
        m = int(sum(f["masked_lm_weights"].float_list.value))
        c["masked_tokens"] += m
        unk = ids.count(self.unk_id)
        for k in range(m):
            now = ids[positions[k]]
            if now == self.unk_id:
                unk -= 1
            if originals[k] == self.unk_id:
                unk += 1
            if now == self.mask_id:
                c["masked_as_mask"] += 1
            elif now == originals[k]:
                c["masked_as_kept"] += 1
            else:
                c["masked_as_random"] += 1
        c["unk_tokens_in_instances"] += unk
        # Counterfactual for the comparison with Pretext, whose budget is
        # round(maskable * p) over the content tokens (not [CLS]/[SEP]/[UNK]) where the
        # script uses round(len(tokens) * p) with the three specials included: the number
        # of predictions this instance would get under Pretext's rule (same p, same cap).
        maskable = n - 3 - unk
        if maskable > 0:
            c["masked_if_budget_on_content"] += min(self.max_predictions, maskable, max(1, int(round(maskable * self.masked_lm_prob))))
        if self.continuation is not None and m:
            self._words(ids, positions, originals, m)
        bucket = max(1, (n + 15) // 16) * 16
        self.lengths[bucket] = self.lengths.get(bucket, 0) + 1
        self.seconds += _time.perf_counter() - t0


    def _words(self, ids, positions, originals, m):
        cont = self.continuation
        original = list(ids)
        for k in range(m):
            original[positions[k]] = originals[k]
        words = {}
        for k in range(m):
            p = q = positions[k]
            while q > 0 and cont[original[q]]:
                q -= 1
            now = ids[p]
            kind = "mask" if now == self.mask_id else ("kept" if now == originals[k] else "random")
            words.setdefault(q, []).append(kind)
        c = self.c
        for kinds in words.values():
            c["masked_words"] += 1
            if len(kinds) > 1:
                c["multi_piece_masked_words"] += 1
                if len(set(kinds)) > 1:
                    c["mixed_words"] += 1


class TFRecordWriter(object):
    """Counts instead of writing (see the module comment)."""

    all_statistics = []

    def __init__(self, path):
        self.path = path
        self.statistics = RecordStatistics()
        TFRecordWriter.all_statistics.append(self.statistics)

    def write(self, record):
        self.statistics.add(record)

    def close(self):
        with open(self.path + ".stats.json", "w") as out:
            _json.dump(dict(self.statistics.c, lengths=self.statistics.lengths), out)


class _PythonIO(object):
    TFRecordWriter = TFRecordWriter


python_io = _PythonIO()
