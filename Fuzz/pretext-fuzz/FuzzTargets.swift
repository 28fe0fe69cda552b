#if canImport(Glibc)
import Glibc
#endif
import PretextCore
import PretextLabeling
@testable import PretextPipeline
import PretextShards
@testable import PretextText

/// One parser of untrusted bytes under test: `run` hands it the input (through a file when
/// the parser reads files) and walks everything it exposes.
struct FuzzTarget: Sendable {
    let run: @Sendable (UnsafeRawBufferPointer) throws -> Void
}

/// Inputs that parsers read from a path are written under one folder per process in /dev/shm.
enum FuzzFile {
    static let folder: String = {
        let f = "/dev/shm/pretext-fuzz-\(getpid())"
        try? PosixFile.makeDirectories(f)
        // Removed when libFuzzer exits (a crash leaves it, beside the crash file).
        atexit { _ = system("rm -rf /dev/shm/pretext-fuzz-\(getpid())") }
        return f
    }()

    @discardableResult
    static func write(_ bytes: UnsafeRawBufferPointer, named name: String) throws -> String {
        let p = folder + "/" + name
        let file = try PosixFile(path: p, mode: .createTruncate)
        try file.writeAll(bytes)
        try file.close()
        return p
    }

    /// `<folder>/set`, holding a copy of every shard and masking.json of the folder named by
    /// `PRETEXT_FUZZ_SHARDS` (none when it is not set), made once per process.
    static let shardSet: String = {
        let set = folder + "/set"
        try? PosixFile.makeDirectories(set)
        if let source = getenv("PRETEXT_FUZZ_SHARDS").map({ String(cString: $0) }), let names = try? PosixFile.listDirectory(source) {
            for name in names where name.hasSuffix(".ptxs") || name == MaskingFile.fileName {
                try? PosixFile.copy(source + "/" + name, to: set + "/" + name)
            }
        }
        return set
    }()

    /// The input cut in two at its first `sep` byte (all of it and nothing when there is none):
    /// targets that read two files take both from one input.
    static func split(_ bytes: UnsafeRawBufferPointer, at sep: UInt8 = 0) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer) {
        guard let i = bytes.firstIndex(of: sep) else { return (bytes, UnsafeRawBufferPointer(start: nil, count: 0)) }
        return (UnsafeRawBufferPointer(rebasing: bytes[0..<i]), UnsafeRawBufferPointer(rebasing: bytes[(i + 1)...]))
    }
}

/// Reads every document of a reader, counting nothing: the reader must not crash on any bytes.
func drain(_ reader: any DocumentReader) throws {
    try reader.forEachDocument { _ in }
}

enum FuzzTargets {
    static let all: [String: FuzzTarget] = [
        // Shard files: header, schema, block index, footer, blocks, records.
        "shard": FuzzTarget { bytes in
            let reader = try ShardReader(path: try FuzzFile.write(bytes, named: "part-00000-00000.ptxs"))
            try? reader.verifyBlocks()
            try reader.forEachRecord { _ in }
        },
        // tokenizer.json (WordPiece or BPE), through the byte-level scanner and JSONSerialization.
        // Then its image is written and read back, and must tokenize the same (differential).
        "tokenizer-json": FuzzTarget { bytes in
            let file = try TokenizerFile.load(try FuzzFile.write(bytes, named: "tokenizer.json"))
            let probes = ["Hello, wörld! [MASK] 北京 <s>", "Ångström\tcafé ##s [UNK] </s>\u{0}x", String(repeating: "ab", count: 70)]
            let ids = probes.map { file.tokenizer.encode($0) }
            guard let image = TokenizerImage.encode(file, key: 7) else { return }
            let path = try image.withUnsafeBytes { try FuzzFile.write($0, named: "tokenizer.image") }
            let read = Result { try TokenizerImage.read(path, key: 7, sourcePath: file.path) }
            guard case .success(let loaded) = read, let back = loaded else { fatalError("an image just written was not read back: \(read)") }
            guard probes.map({ back.tokenizer.encode($0) }) == ids, back.singleTemplate == file.singleTemplate,
                  back.pairTemplate == file.pairTemplate, back.truncation == file.truncation, back.padding == file.padding else {
                fatalError("the image of a tokenizer.json tokenizes differently from it")
            }
        },
        // A BERT vocab.txt.
        "vocab-txt": FuzzTarget { bytes in
            let file = try TokenizerFile.load(try FuzzFile.write(bytes, named: "vocab.txt"))
            _ = file.tokenizer.encode("Hello, wörld! [MASK] 北京")
        },
        // GPT-2 vocab.json + merges.txt (the input's bytes before and after its first NUL).
        "vocab-json-merges": FuzzTarget { bytes in
            let (vocab, merges) = FuzzFile.split(bytes)
            let path = try FuzzFile.write(vocab, named: "vocab.json")
            try FuzzFile.write(merges, named: "merges.txt")
            let file = try TokenizerFile.load(path)
            _ = file.tokenizer.encode("Hello, wörld! <|endoftext|>")
        },
        // A compiled tokenizer image. The input's header length and checksum are set right
        // first, so mutations reach the payload instead of all failing the checksum.
        "tokenizer-image": FuzzTarget { bytes in
            var image = [UInt8](bytes)
            guard image.count >= 40 else { _ = try? TokenizerImage.read(try FuzzFile.write(bytes, named: "t.image"), key: 0, sourcePath: ""); return }
            let key = image[16..<24].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            withUnsafeBytes(of: UInt64(image.count - 40).littleEndian) { for i in 0..<8 { image[24 + i] = $0[i] } }
            let sum = XXHash64.hash(image[0..<(image.count - 8)])
            withUnsafeBytes(of: sum.littleEndian) { for i in 0..<8 { image[image.count - 8 + i] = $0[i] } }
            let path = try image.withUnsafeBytes { try FuzzFile.write($0, named: "t.image") }
            if let file = try TokenizerImage.read(path, key: UInt64(littleEndian: key), sourcePath: "") {
                _ = file.tokenizer.encode("Hello, wörld! [MASK] 北京 <s> \u{1F600}")
            }
        },
        // A pipeline file (the TOML subset and every key's checks).
        "pipeline-toml": FuzzTarget { bytes in
            _ = try PipelineConfig(text: String(decoding: bytes, as: UTF8.self))
        },
        // masking.json beside a shard set.
        "masking-json": FuzzTarget { bytes in
            try FuzzFile.write(bytes, named: MaskingFile.fileName)
            _ = try MaskingFile.read(folder: FuzzFile.folder)
        },
        // JSON Lines corpora (the JSONL scanner, text and id fields, bad lines counted).
        "jsonl": FuzzTarget { bytes in
            let path = try FuzzFile.write(bytes, named: "corpus.jsonl")
            try drain(JSONLinesReader(source: try FileByteSource(path: path), inputOrdinal: 0, idField: "id",
                                      options: ReaderOptions(maxLineBytes: 4096)))
        },
        // BERT text format and paragraph corpora (line reader, UTF-8 sanitizer, splitter).
        "text": FuzzTarget { bytes in
            let path = try FuzzFile.write(bytes, named: "corpus.txt")
            try drain(BertTextFormatReader(source: try FileByteSource(path: path), inputOrdinal: 0, options: ReaderOptions(maxLineBytes: 4096)))
            try drain(ParagraphTextReader(source: try FileByteSource(path: path), inputOrdinal: 0, options: ReaderOptions(maxLineBytes: 4096)))
        },
        // gzip input (zlib through CZlib), read to its end.
        "gzip": FuzzTarget { bytes in
            let path = try FuzzFile.write(bytes, named: "corpus.txt.gz")
            let source = try GzipByteSource(wrapping: try FileByteSource(path: path))
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while try buffer.withUnsafeMutableBytes({ try source.read(into: $0) }) > 0 {}
        },
        // zstd input (libzstd through CZstd), read to its end.
        "zstd": FuzzTarget { bytes in
            let path = try FuzzFile.write(bytes, named: "corpus.txt.zst")
            let source = try ZstdByteSource(wrapping: try FileByteSource(path: path))
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while try buffer.withUnsafeMutableBytes({ try source.read(into: $0) }) > 0 {}
        },
        // A hostile catalog.sqlite beside the real shards of a build (PRETEXT_FUZZ_SHARDS, the
        // seed build's folder): every table read (paths checked against the folder, counts and
        // checksums parsed), then `verify` over the folder, which reads the shards the hostile
        // rows name and checks them against those rows.
        "catalog": FuzzTarget { bytes in
            let folder = FuzzFile.shardSet
            // A WAL or shared-memory file left by the last input would be replayed into this one.
            for suffix in ["-wal", "-shm", "-journal"] { try? PosixFile.removeIfPresent(folder + "/" + Catalog.fileName + suffix) }
            let file = try PosixFile(path: folder + "/" + Catalog.fileName, mode: .createTruncate)
            try file.writeAll(bytes)
            try file.close()
            let catalog = try Catalog(folder: folder)
            _ = try? catalog.contentText()
            for run in (try? catalog.runs()) ?? [] { _ = try? catalog.inputs(run: run.id) }
            _ = try ShardSetVerifier.verify(folder: folder)
        },
        // A document store unit's index (`store/unit-UUUUU.docs`).
        "store-index": FuzzTarget { bytes in
            _ = try DocumentStoreFiles.readIndex(try FuzzFile.write(bytes, named: "unit-00000.docs"))
        },
    ]
}
