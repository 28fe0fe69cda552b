// pretext-bench: in-process measurements driven by the scripts in benchmarks/.
//
//   pretext-bench shards <tokens.u16> [--work DIR] [--repeat N]
//
// Reads a file of little-endian u16 token ids, cuts it into 128-token records and measures,
// on one thread, shard write (encode + filter + LZ4 + XXH64 + write) and read (read + XXH64
// + LZ4 + decode) throughput in MB/s of uncompressed token bytes, for each filter, plus raw
// LZ4 on the same bytes in 64 KiB blocks. Prints `key=value` lines for the script to parse.
//
//   pretext-bench split <paragraphs.txt> [--language english|korean|cjk|auto] [--output FILE] [--repeat N]
//
// Reads one paragraph per line, splits each into sentences with `SentenceSplitter` and writes
// one line per paragraph to FILE: the sentences' UTF-8 byte ranges in the paragraph as
// `start-end` pairs separated by spaces. Prints `key=value` lines: paragraphs, sentences,
// input MB, and the splitter's throughput (best of N passes over all paragraphs in memory,
// one thread, output formatting excluded).
//
//   pretext-bench loader <folder> …   (LoaderBench.swift)
//   pretext-bench trainer …           (TrainerBench.swift)
//   pretext-bench electra-trainer …   (ElectraTrainerBench.swift)
#if canImport(Glibc)
import Glibc
#endif
import CLZ4
import PretextCore
import PretextShards
import PretextText

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func fail(_ message: String) -> Never {
    let line = Array("pretext-bench: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

func option(_ name: String, _ args: [String]) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

nonisolated(unsafe) var digestSink: UInt64 = 0

func benchShards(_ args: [String]) throws {
    guard args.count >= 1 else { fail("usage: pretext-bench shards <tokens.u16> [--work DIR] [--repeat N]") }
    let path = args[0]
    let work = option("--work", args) ?? (PosixFile.isDirectory("/dev/shm") ? "/dev/shm/pretext-bench-\(getpid())" : "/tmp/pretext-bench-\(getpid())")
    let repeats = Int(option("--repeat", args) ?? "3") ?? 3
    let blockTarget = (Int(option("--block-kib", args) ?? "") ?? ShardFormat.defaultBlockTargetLength >> 10) << 10
    let file = try PosixFile(path: path, mode: .readOnly)
    let size = Int(try file.size())
    let raw = try file.read(count: size - size % 2, at: 0)
    let tokenCount = raw.count / 2
    let ids: [UInt32] = raw.withUnsafeBytes { b in (0..<tokenCount).map { UInt32(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) } }
    var maxID: UInt32 = 0
    for t in ids { maxID = max(maxID, t) }
    let length = 128
    let records: [ShardRecord] = stride(from: 0, to: tokenCount - length + 1, by: length).enumerated().map { n, start in
        ShardRecord(tokens: Array(ids[start..<(start + length)]), inputOrdinal: 0, documentOrdinal: UInt64(n))
    }
    let tokenBytes = Double(records.count * length * 2)
    print("block_kib=\(blockTarget >> 10) input=\(path) tokens=\(tokenCount) records=\(records.count) token_mb=\(tokenBytes / 1e6)")
    try PosixFile.makeDirectories(work)
    defer { for name in (try? PosixFile.listDirectory(work)) ?? [] { try? PosixFile.removeIfPresent(work + "/" + name) }; rmdir(work) }

    // Raw LZ4 reference (no filter, no checksum, no records) on the same bytes in 64 KiB
    // blocks, measured interleaved with Pretext's write and read so machine noise hits both.
    let block = 64 << 10
    var scratch = [UInt8](repeating: 0, count: LZ4Block.compressBound(block))
    var chunks: [[UInt8]] = []
    func rawCompress() throws -> Double {
        chunks.removeAll(keepingCapacity: true)
        let t0 = now()
        try raw.withUnsafeBytes { src in
            var at = 0
            while at < src.count {
                let n = min(block, src.count - at)
                let c = try scratch.withUnsafeMutableBytes { try LZ4Block.compress(UnsafeRawBufferPointer(rebasing: src[at..<(at + n)]), into: $0) }
                chunks.append(Array(scratch[0..<c]))
                at += n
            }
        }
        return now() - t0
    }
    func rawDecompress() throws -> Double {
        var out = [UInt8](repeating: 0, count: block)
        var total = 0
        let t0 = now()
        for (i, c) in chunks.enumerated() {
            let n = min(block, raw.count - i * block)
            try c.withUnsafeBytes { s in try out.withUnsafeMutableBytes { try LZ4Block.decompress(s, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<n])) } }
            total += n
        }
        let t = now() - t0
        guard total == raw.count else { fail("raw LZ4 round trip lost bytes") }
        return t
    }

    for filter in ShardFilter.allCases {
        let header = ShardHeader(schema: ShardSchema(tokenWidth: 2, hasPairs: false, hasMasks: false), filter: filter,
                                 vocabularySize: maxID + 1, blockLengthLimit: UInt32(ShardFormat.defaultBlockLengthLimit))
        var bestWrite = Double.infinity, bestRead = Double.infinity, bestC = Double.infinity, bestD = Double.infinity
        var bestChecksumLZ4 = Double.infinity, bestLZ4 = Double.infinity
        var shardBytes: UInt64 = 0
        var payloadBytes: UInt64 = 0, compressedBytes: UInt64 = 0
        for r in 0..<repeats {
            bestC = min(bestC, try rawCompress())
            let folder = "\(work)/\(filter)-\(r)"
            let t0 = now()
            let writer = try ShardSetWriter(folder: folder, header: header, shardTargetBytes: 1 << 40, blockTargetLength: blockTarget)
            for record in records { try writer.append(record) }
            let summaries = try writer.finish()
            bestWrite = min(bestWrite, now() - t0)
            shardBytes = summaries.reduce(0) { $0 + $1.bytes }

            bestD = min(bestD, try rawDecompress())
            let t1 = now()
            var seen = 0
            for s in summaries {
                let reader = try ShardReader(path: s.path)
                for b in 0..<reader.blockCount { seen += try reader.block(b).tokens.count }
                if r == 0 {
                    payloadBytes = reader.index.reduce(0) { $0 + UInt64($1.uncompressedLength) }
                    compressedBytes = reader.index.reduce(0) { $0 + UInt64($1.compressedLength) }
                }
            }
            bestRead = min(bestRead, now() - t1)
            // Diagnostics: the same blocks with only checksum + LZ4 (no decode), and only LZ4.
            for s in summaries {
                let reader = try ShardReader(path: s.path)
                let mapped = try MappedFile(path: s.path)
                var out = [UInt8](repeating: 0, count: Int(reader.footer.maxBlockLength))
                let t2 = now()
                for e in reader.index {
                    let src = mapped.slice(Int(e.offset), Int(e.compressedLength))
                    digestSink ^= XXHash64.hash(src)
                    try out.withUnsafeMutableBytes { try LZ4Block.decompress(src, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<Int(e.uncompressedLength)])) }
                }
                bestChecksumLZ4 = min(bestChecksumLZ4, now() - t2)
                let t3 = now()
                for e in reader.index {
                    let src = mapped.slice(Int(e.offset), Int(e.compressedLength))
                    try out.withUnsafeMutableBytes { try LZ4Block.decompress(src, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<Int(e.uncompressedLength)])) }
                }
                bestLZ4 = min(bestLZ4, now() - t3)
            }
            guard seen == records.count * length else { fail("read back \(seen) tokens, expected \(records.count * length)") }
            for s in summaries { try PosixFile.removeIfPresent(s.path) }
            rmdir(folder)
        }
        let name = filter == .none ? "none" : "byte_shuffle"
        print("diagnostic filter=\(name) blocks_lz4_only_mb_s=\(tokenBytes / bestLZ4 / 1e6) blocks_checksum_lz4_mb_s=\(tokenBytes / bestChecksumLZ4 / 1e6)")
        print("filter=\(name) write_mb_s=\(tokenBytes / bestWrite / 1e6) read_mb_s=\(tokenBytes / bestRead / 1e6) file_ratio=\(tokenBytes / Double(shardBytes)) block_ratio=\(Double(payloadBytes) / Double(compressedBytes)) raw_lz4_compress_mb_s=\(Double(raw.count) / bestC / 1e6) raw_lz4_decompress_mb_s=\(Double(raw.count) / bestD / 1e6) raw_lz4_ratio=\(Double(raw.count) / Double(chunks.reduce(0) { $0 + $1.count }))")
    }
    var bestH = Double.infinity
    var digest: UInt64 = 0
    for _ in 0..<repeats {
        let t0 = now()
        digest ^= raw.withUnsafeBytes { XXHash64.hash($0) }
        bestH = min(bestH, now() - t0)
    }
    print("xxh64 mb_s=\(Double(raw.count) / bestH / 1e6)")
}

/// `pretext-bench tokenize <tokenizer> <corpus> [--threads N] [--repeat N]`: encoding speed
/// of non-empty lines held in memory (no I/O, no output formatting), like HF's encode_batch.
func benchTokenize(_ args: [String]) throws {
    guard args.count >= 2 else { fail("usage: pretext-bench tokenize <tokenizer> <corpus> [--threads N] [--repeat N]") }
    let threads = Int(option("--threads", args) ?? "1") ?? 1
    let repeats = Int(option("--repeat", args) ?? "3") ?? 3
    let file = try TokenizerFile.load(args[0])
    var lines: [[UInt8]] = []
    var bytes = 0
    try LineReader(path: args[1], maxLineLength: 1 << 24).forEachLine { line, _ in
        if !line.isEmpty { lines.append(Array(line)); bytes += line.count }
    }
    // Contiguous chunks of lines, one per thread; each thread keeps its own scratch.
    let chunks = (0..<threads).map { t in Array(lines[(lines.count * t / threads)..<(lines.count * (t + 1) / threads)]) }
    let tokenizer = file.tokenizer
    var best = Double.infinity
    var tokens = 0
    for _ in 0..<repeats {
        let t0 = now()
        let counts = OrderedParallelMap.map(chunks, threads: threads) { chunk -> Int in
            var ids: [UInt32] = []
            var scratch = TokenizerScratch()
            var n = 0
            for line in chunk {
                ids.removeAll(keepingCapacity: true)
                line.withUnsafeBufferPointer { tokenizer.encode($0, into: &ids, scratch: &scratch) }
                n += ids.count
            }
            return n
        }
        best = min(best, now() - t0)
        tokens = counts.reduce(0, +)
    }
    print("pretext threads=\(threads) bytes=\(bytes) seconds=\(best) mb_s=\(Double(bytes) / best / 1e6) tokens_s=\(Double(tokens) / best) tokens=\(tokens)")
}

nonisolated(unsafe) var rangeSink = 0

func benchSplit(_ args: [String]) throws {
    let usage = "usage: pretext-bench split <paragraphs.txt> [--language english|korean|cjk|auto] [--output FILE] [--repeat N]"
    guard let path = args.first, !path.hasPrefix("--") else { fail(usage) }
    let languageName = option("--language", args) ?? "auto"
    guard let language = SentenceSplitter.Language(rawValue: languageName) else { fail(usage) }
    let repeats = max(1, Int(option("--repeat", args) ?? "3") ?? 3)
    let file = try PosixFile(path: path, mode: .readOnly)
    let text = try file.read(count: Int(try file.size()), at: 0)
    try file.close()
    // Paragraph line ranges (a final line without a line feed counts; CR before LF is dropped).
    var lines: [Range<Int>] = []
    var start = 0
    for (i, b) in text.enumerated() where b == 0x0A {
        lines.append(start..<(i > start && text[i - 1] == 0x0D ? i - 1 : i))
        start = i + 1
    }
    if start < text.count { lines.append(start..<text.count) }
    let inputBytes = lines.reduce(0) { $0 + $1.count }
    let splitter = SentenceSplitter(language: language)

    var best = Double.infinity
    var sentences = 0
    try text.withUnsafeBytes { buffer in
        for r in 0..<repeats {
            var count = 0
            let t0 = now()
            for line in lines {
                let ranges = splitter.split(UnsafeRawBufferPointer(rebasing: buffer[line]))
                count += ranges.count
                rangeSink &+= ranges.last?.upperBound ?? 0
            }
            best = min(best, now() - t0)
            if r == 0 { sentences = count }
        }
        if let output = option("--output", args) {
            let out = try PosixFile(path: output, mode: .createTruncate)
            var chunk: [UInt8] = []
            chunk.reserveCapacity(1 << 20)
            for line in lines {
                let ranges = splitter.split(UnsafeRawBufferPointer(rebasing: buffer[line]))
                for (k, range) in ranges.enumerated() {
                    if k > 0 { chunk.append(0x20) }
                    chunk += Array("\(range.lowerBound)-\(range.upperBound)".utf8)
                }
                chunk.append(0x0A)
                if chunk.count >= 1 << 20 { try out.writeAll(chunk); chunk.removeAll(keepingCapacity: true) }
            }
            try out.writeAll(chunk)
            try out.close()
        }
    }
    print("split language=\(languageName) paragraphs=\(lines.count) sentences=\(sentences) input_mb=\(Double(inputBytes) / 1e6) seconds=\(best) mb_s=\(Double(inputBytes) / best / 1e6)")
}

let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "tokenize":
    do { try benchTokenize(Array(args.dropFirst())) } catch { fail("\(error)") }
case "shards":
    do { try benchShards(Array(args.dropFirst())) } catch { fail("\(error)") }
case "split":
    do { try benchSplit(Array(args.dropFirst())) } catch { fail("\(error)") }
case "loader":
    do { try benchLoader(Array(args.dropFirst())) } catch { fail("\(error)") }
case "trainer":
    do { try benchTrainer(Array(args.dropFirst())) } catch { fail("\(error)") }
case "electra-trainer":
    do { try benchElectraTrainer(Array(args.dropFirst())) } catch { fail("\(error)") }
default:
    fail("usage: pretext-bench shards <tokens.u16> [--work DIR] [--repeat N]\n       pretext-bench tokenize <tokenizer> <corpus> [--threads N] [--repeat N]\n       pretext-bench split <paragraphs.txt> [--language L] [--output FILE] [--repeat N]\n       pretext-bench loader <folder> [--batch-size B] [--batches N] [--prefetch-threads T] [--repeat N]")
}
