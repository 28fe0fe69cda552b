#if canImport(Glibc)
import Glibc
#endif
import PretextCore

/// A `TokenizerFile` (WordPiece or byte-level BPE) compiled to one binary file that loads in a
/// few milliseconds: the tries, the normalizer's table, the merge table, the vocabulary and the
/// file's templates laid out as they are in memory, so loading is one `mmap`, one checksum and
/// a few copies.
///
/// Parsing a 30k tokenizer.json and building its tries and normalizer table costs about
/// 140 M instructions (~30 ms); a build split over N tasks pays that in every tokenize task,
/// which on a small corpus is most of what the split adds. The build keeps an image in its
/// store (`BuildTokenizer`), written by the first process that parses the source.
///
/// Layout (little-endian; every section starts 4-byte aligned, so the tries' `Int32` arrays
/// are used in place from the mapping):
///
///     "PTXTOKI1"  u32 format  u32 0  u64 key  u64 payload length  payload  u64 XXH64(all before)
///     payload: templates (single, pair) · truncation · padding · added tokens · u32 model kind
///     WordPiece (1): normalizer (options, 0x10000 × u32 BMP table, pool) · unknown id,
///              max chars, prefix · vocabulary (u32 offsets, bytes) · initial trie ·
///              continuation trie (unless the same)
///     BPE (2): prefix space, ignore merges · vocabulary · i32 byte ids[256] · u64 merge
///              count, (u64 pair, u64 rank and id) sorted by pair · whole-token trie (if any)
///     trie:    u32 keys, nodes, edges · i32 root[256] · i32 edgeStart[nodes + 1]
///              · i32 value[nodes] · i32 target[edges] · u8 byte[edges]
///
/// `key` names the source: its fingerprint with the load options, the tool version and the
/// format, so an image of another file, other options or another Pretext is never used.
public enum TokenizerImage {
    public static let magic: [UInt8] = Array("PTXTOKI1".utf8)
    public static let formatVersion: UInt32 = 2

    /// The model an image holds.
    enum ModelKind: UInt32 {
        case wordPiece = 1
        case byteLevelBPE = 2
    }

    /// An image that cannot be used: wrong magic or format, truncated, bad checksum, or a
    /// structure that does not hold (a trie edge outside the trie, an id outside the
    /// vocabulary).
    public struct Unreadable: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let problem: String
        public var description: String { "\(path): tokenizer image \(problem)" }
    }

    /// The key of an image of the source file with `fingerprint` (XXH64 of its bytes) loaded
    /// with `options`.
    public static func key(sourceFingerprint fingerprint: UInt64, options: TokenizerFile.VocabFileOptions) -> UInt64 {
        XXHash64.hash("\(fingerprint) \(options) \(PretextVersion.current) \(formatVersion)".utf8)
    }

    static var hostIsLittleEndian: Bool { UInt32(1).littleEndian == 1 }

    // MARK: writing

    /// The image of `file` under `key`, or nil when its tokenizer has no image form (neither
    /// WordPiece nor byte-level BPE) or the host is big-endian.
    public static func encode(_ file: TokenizerFile, key: UInt64) -> [UInt8]? {
        guard hostIsLittleEndian else { return nil }
        let added: AddedTokens
        if let wp = file.tokenizer as? WordPieceTokenizer { added = wp.addedTokens }
        else if let bpe = file.tokenizer as? ByteLevelBPETokenizer { added = bpe.addedTokens }
        else { return nil }
        // Sizes a file declared are written as u32; a file whose values do not fit (a negative
        // or enormous max_input_chars_per_word, max_length or pad multiple) keeps no image, so
        // what it loads to never depends on the image.
        let declared = [file.truncation?.maxLength, file.padding?.fixedLength, file.padding?.padToMultipleOf,
                        (file.tokenizer as? WordPieceTokenizer)?.model.maxInputCharactersPerWord]
        guard declared.allSatisfy({ $0.map { UInt32(exactly: $0) != nil } ?? true }) else { return nil }
        var w = LittleEndianWriter(capacity: 4 << 20)
        w.append(bytes: magic)
        w.append(formatVersion)
        w.append(UInt32(0))
        w.append(key)
        let lengthAt = w.count
        w.append(UInt64(0))
        let payloadStart = w.count
        func pad() { while w.count % 4 != 0 { w.append(UInt8(0)) } }
        func bytes(_ b: some Collection<UInt8>) { w.append(UInt32(b.count)); w.append(bytes: b); pad() }
        func flag(_ b: Bool) { w.append(UInt32(b ? 1 : 0)) }
        func template(_ pieces: [TokenizerFile.TemplatePiece]) {
            w.append(UInt32(pieces.count))
            for piece in pieces {
                switch piece {
                case .special(let id, let type): w.append(UInt32(0)); w.append(id); w.append(type)
                case .sequenceA(let type): w.append(UInt32(1)); w.append(UInt32(0)); w.append(type)
                case .sequenceB(let type): w.append(UInt32(2)); w.append(UInt32(0)); w.append(type)
                }
            }
        }
        template(file.singleTemplate)
        template(file.pairTemplate)
        flag(file.truncation != nil)
        w.append(UInt32(file.truncation?.maxLength ?? 0)); flag(file.truncation?.fromLeft ?? false)
        flag(file.padding != nil)
        flag(file.padding?.fixedLength != nil); w.append(UInt32(file.padding?.fixedLength ?? 0))
        w.append(file.padding?.padID ?? 0)
        flag(file.padding?.padToMultipleOf != nil); w.append(UInt32(file.padding?.padToMultipleOf ?? 0))
        flag(file.padding?.fromLeft ?? false)
        w.append(UInt32(added.tokens.count))
        for t in added.tokens {
            w.append(t.id)
            w.append(UInt32((t.special ? 1 : 0) | (t.singleWord ? 2 : 0) | (t.leftStrip ? 4 : 0) | (t.rightStrip ? 8 : 0)))
            bytes(t.content.utf8)
        }
        func vocabulary(_ tokens: [String]) {
            w.append(UInt32(tokens.count))
            var offset: UInt32 = 0
            w.append(offset)
            for token in tokens { offset += UInt32(token.utf8.count); w.append(offset) }
            for token in tokens { w.append(bytes: token.utf8) }
            pad()
        }
        if let wp = file.tokenizer as? WordPieceTokenizer {
            w.append(ModelKind.wordPiece.rawValue)
            flag(wp.normalizer != nil)
            if let n = wp.normalizer {
                flag(n.options.cleanText); flag(n.options.handleChineseCharacters)
                w.append(UInt32(n.options.stripAccents.map { $0 ? 1 : 0 } ?? 2)); flag(n.options.lowercase)
                n.bmp.withUnsafeBytes { w.append(bytes: $0) }
                bytes(n.pool)
            }
            let model = wp.model
            w.append(model.unknownID)
            w.append(UInt32(model.maxInputCharactersPerWord))
            bytes(model.continuingSubwordPrefix.utf8)
            vocabulary(model.vocabulary)
            let same = model.continuation === model.initial
            flag(same)
            writeTrie(model.initial, &w)
            if !same { writeTrie(model.continuation, &w) }
        } else if let bpe = file.tokenizer as? ByteLevelBPETokenizer {
            w.append(ModelKind.byteLevelBPE.rawValue)
            flag(bpe.addPrefixSpace); flag(bpe.ignoreMerges)
            vocabulary(bpe.vocabulary)
            for id in bpe.byteIDs { w.append(id) }
            // Sorted by pair, so the same tokenizer always gives the same bytes (a dictionary's
            // order changes from process to process).
            let merges = bpe.merges.sorted { $0.key < $1.key }
            w.append(UInt64(merges.count))
            for (pair, value) in merges { w.append(pair); w.append(value) }
            flag(bpe.wholeTokens != nil)
            if let whole = bpe.wholeTokens { writeTrie(whole, &w) }
        }
        let payloadLength = UInt64(w.count - payloadStart)
        withUnsafeBytes(of: payloadLength.littleEndian) { raw in
            for i in 0..<8 { w.bytes[lengthAt + i] = raw[i] }
        }
        w.append(XXHash64.hash(w.bytes))
        return w.bytes
    }

    static func writeTrie(_ t: ByteTrie, _ w: inout LittleEndianWriter) {
        w.append(UInt32(t.count)); w.append(UInt32(t.nodeCount)); w.append(UInt32(t.edgeCount))
        func ints(_ p: UnsafePointer<Int32>, _ n: Int) { w.append(bytes: UnsafeRawBufferPointer(start: p, count: n * 4)) }
        ints(t.rootChildren, 256)
        ints(t.edgeStart, t.nodeCount + 1)
        ints(t.value, t.nodeCount)
        ints(t.edgeTargets, t.edgeCount)
        w.append(bytes: UnsafeBufferPointer(start: t.edgeBytes, count: t.edgeCount))
        while w.count % 4 != 0 { w.append(UInt8(0)) }
    }

    /// Writes `image` to `path` through a temporary file of this process and a rename, so a
    /// reader sees the old file or the whole new one, and two processes writing the same
    /// image at once do not interleave. No fsync: a torn image fails its checksum and is
    /// rebuilt from the source. The temporary is `<path>.partial-<host>-<pid>`; one left by a
    /// killed process of this host (its pid is gone) is removed first, so a kill leaves no
    /// stray file behind the next write (others' are left alone: they may be writing now).
    public static func write(_ image: [UInt8], to path: String) throws {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let stem = path + ".partial-" + host + "-"
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let prefix = String(stem[(slash.map { stem.index(after: $0) } ?? stem.startIndex)...])
        for entry in (try? PosixFile.listDirectory(folder)) ?? [] where entry.hasPrefix(prefix) {
            if let pid = Int32(entry.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) == -1 && errno == ESRCH {
                try? PosixFile.removeIfPresent(folder + "/" + entry)
            }
        }
        let partial = stem + "\(getpid())"
        do {
            let file = try PosixFile(path: partial, mode: .createTruncate)
            try file.writeAll(image)
            try file.close()
            try PosixFile.rename(partial, to: path)
        } catch {
            try? PosixFile.removeIfPresent(partial)
            throw error
        }
    }

    // MARK: reading

    /// The tokenizer of the image at `path`, or nil when the image is of another key (another
    /// source, options or Pretext). Throws `Unreadable` for an image that is damaged.
    /// `sourcePath` becomes the loaded file's `path`.
    public static func read(_ path: String, key: UInt64, sourcePath: String) throws -> TokenizerFile? {
        let mapped = try MappedFile(path: path)
        func fail(_ problem: String) -> Unreadable { Unreadable(path: path, problem: problem) }
        guard hostIsLittleEndian else { throw fail("needs a little-endian host") }
        let raw = mapped.bytes
        guard raw.count >= 32 + 8, raw.starts(with: magic) else { throw fail("has no PTXTOKI1 header (or is truncated)") }
        var c = ByteCursor(raw, offset: 8)
        do {
            let format = try c.read(UInt32.self)
            guard format == formatVersion else { throw fail("has format \(format), not \(formatVersion)") }
            _ = try c.read(UInt32.self)
            guard try c.read(UInt64.self) == key else { return nil }
            let payloadLength = try c.read(UInt64.self)
            guard payloadLength == UInt64(raw.count - 32 - 8) else { throw fail("length \(raw.count) does not match its header") }
            let stored = raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self)
            guard XXHash64.hash(UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 8)])) == UInt64(littleEndian: stored) else {
                throw fail("checksum mismatch")
            }
            return try decodePayload(&c, mapped, sourcePath: sourcePath, fail)
        } catch let error as ByteCursor.OutOfBounds {
            throw fail("is truncated: \(error)")
        }
    }

    private static func decodePayload(_ c: inout ByteCursor, _ owner: MappedFile, sourcePath: String,
                                      _ fail: (String) -> Unreadable) throws -> TokenizerFile {
        func u32() throws -> UInt32 { try c.read(UInt32.self) }
        func count(_ limit: Int = 1 << 26) throws -> Int {
            let n = Int(try u32())
            guard n <= limit, n <= c.remaining else { throw fail("declares \(n) items at byte \(c.offset - 4), more than it holds") }
            return n
        }
        func align() throws { if c.offset % 4 != 0 { try c.skip(4 - c.offset % 4) } }
        func bytes() throws -> UnsafeRawBufferPointer { let n = try count(); let b = try c.take(n); try align(); return b }
        func text() throws -> String { String(decoding: try bytes(), as: UTF8.self) }
        func flag() throws -> Bool { try u32() != 0 }
        func template() throws -> [TokenizerFile.TemplatePiece] {
            try (0..<count(1024)).map { _ in
                let (kind, id, type) = (try u32(), try u32(), try u32())
                switch kind {
                case 0: return .special(id: id, typeID: type)
                case 1: return .sequenceA(typeID: type)
                case 2: return .sequenceB(typeID: type)
                default: throw fail("has a template piece of kind \(kind)")
                }
            }
        }
        let single = try template(), pair = try template()
        let hasTruncation = try flag()
        let truncation = TokenizerFile.Truncation(maxLength: Int(try u32()), fromLeft: try flag())
        let hasPadding = try flag()
        let hasFixed = try flag(), fixed = Int(try u32()), padID = try u32()
        let hasMultiple = try flag(), multiple = Int(try u32()), padLeft = try flag()
        let padding = TokenizerFile.Padding(fixedLength: hasFixed ? fixed : nil, padID: padID,
                                            padToMultipleOf: hasMultiple ? multiple : nil, fromLeft: padLeft)
        var added: [AddedTokens.Token] = []
        for _ in 0..<(try count(1 << 20)) {
            let id = try u32(), flags = try u32()
            added.append(AddedTokens.Token(content: try text(), id: id, special: flags & 1 != 0, singleWord: flags & 2 != 0,
                                           leftStrip: flags & 4 != 0, rightStrip: flags & 8 != 0))
        }
        func vocabulary() throws -> [String] {
            let vocabularyCount = try count()
            let offsets = try c.take((vocabularyCount + 1) * 4).bindMemory(to: UInt32.self)
            guard let poolLength = offsets.last.map(Int.init), offsets.first == 0 else { throw fail("has no vocabulary offsets") }
            let pool = try c.take(poolLength)
            try align()
            var tokens: [String] = []
            tokens.reserveCapacity(vocabularyCount)
            for k in 0..<vocabularyCount {
                let (start, end) = (Int(offsets[k]), Int(offsets[k + 1]))
                guard start <= end, end <= poolLength else { throw fail("has vocabulary offsets out of order at id \(k)") }
                tokens.append(String(decoding: UnsafeRawBufferPointer(rebasing: pool[start..<end]), as: UTF8.self))
            }
            return tokens
        }
        let tokenizer: any TextTokenizer
        switch ModelKind(rawValue: try u32()) {
        case .wordPiece?:
            var normalizer: BertNormalizer?
            if try flag() {
                let clean = try flag(), cjk = try flag(), strip = try u32(), lower = try flag()
                let options = BertNormalizer.Options(cleanText: clean, handleChineseCharacters: cjk, stripAccents: strip == 2 ? nil : strip == 1,
                                                     lowercase: lower)
                let table = try c.take(0x10000 * 4)
                let bmp = [UInt32](table.bindMemory(to: UInt32.self))
                let pool = [UInt8](try bytes())
                for action in bmp where action != BertNormalizer.keep && action != BertNormalizer.remove {
                    guard Int(action >> 5) + Int(action & 31) <= pool.count else { throw fail("has a normalizer entry outside its pool") }
                }
                normalizer = BertNormalizer(options: options, bmp: bmp, pool: pool)
            }
            let unknownID = try u32()
            let maxCharacters = Int(try u32())
            let prefix = try text()
            let tokens = try vocabulary()
            guard Int(unknownID) < tokens.count else { throw fail("has an unknown id \(unknownID) outside its vocabulary of \(tokens.count)") }
            let same = try flag()
            let initial = try readTrie(&c, owner, ids: tokens.count, fail)
            let continuation = same ? initial : try readTrie(&c, owner, ids: tokens.count, fail)
            let model = WordPieceModel(vocabulary: tokens, unknownID: unknownID, continuingSubwordPrefix: prefix,
                                       maxInputCharactersPerWord: maxCharacters, initial: initial, continuation: continuation)
            tokenizer = WordPieceTokenizer(normalizer: normalizer, model: model, addedTokens: AddedTokens(added))
        case .byteLevelBPE?:
            let prefixSpace = try flag(), ignoreMerges = try flag()
            let tokens = try vocabulary()
            let byteIDs = [Int32](try c.take(256 * 4).bindMemory(to: Int32.self))
            for id in byteIDs where id < -1 || Int(id) >= tokens.count { throw fail("has a byte id \(id) outside its vocabulary of \(tokens.count)") }
            let mergeCount = Int(try c.read(UInt64.self))
            guard mergeCount <= c.remaining / 16 else { throw fail("declares \(mergeCount) merges, more than it holds") }
            var merges: [UInt64: UInt64] = [:]
            merges.reserveCapacity(mergeCount)
            for _ in 0..<mergeCount {
                let pair = try c.read(UInt64.self), value = try c.read(UInt64.self)
                guard Int(pair >> 32) < tokens.count, Int(pair & 0xFFFF_FFFF) < tokens.count, Int(value & 0xFFFF_FFFF) < tokens.count else {
                    throw fail("has a merge of ids outside its vocabulary of \(tokens.count)")
                }
                merges[pair] = value
            }
            let whole = try flag() ? try readTrie(&c, owner, ids: tokens.count, fail) : nil
            guard ignoreMerges == (whole != nil) else { throw fail("has ignore_merges without its trie, or the reverse") }
            tokenizer = ByteLevelBPETokenizer(vocabulary: tokens, addedTokens: AddedTokens(added), addPrefixSpace: prefixSpace,
                                              ignoreMerges: ignoreMerges, byteIDs: byteIDs, merges: merges, wholeTokens: whole)
        case nil:
            throw fail("has a model of unknown kind")
        }
        guard c.remaining == 8 else { throw fail("has \(c.remaining - 8) bytes after its model") }
        return TokenizerFile(path: sourcePath, tokenizer: tokenizer, singleTemplate: single, pairTemplate: pair,
                             truncation: hasTruncation ? truncation : nil, padding: hasPadding ? padding : nil)
    }

    /// A trie whose arrays stay in the mapping, after checking what `longestMatch` relies on:
    /// edges == nodes − 1, edge ranges in order and inside the edge array, every target and
    /// root entry a node other than the root, every value −1 or an id of the vocabulary.
    static func readTrie(_ c: inout ByteCursor, _ owner: MappedFile, ids: Int, _ fail: (String) -> Unreadable) throws -> ByteTrie {
        let keys = Int(try c.read(UInt32.self)), nodes = Int(try c.read(UInt32.self)), edges = Int(try c.read(UInt32.self))
        guard nodes >= 1, edges == nodes - 1, keys <= nodes else { throw fail("has a trie of \(nodes) nodes and \(edges) edges") }
        func ints(_ n: Int) throws -> UnsafeBufferPointer<Int32> { try c.take(n * 4).bindMemory(to: Int32.self) }
        let root = try ints(256), starts = try ints(nodes + 1), values = try ints(nodes), targets = try ints(edges)
        let edgeBytes = try c.take(edges).bindMemory(to: UInt8.self)
        if c.offset % 4 != 0 { try c.skip(4 - c.offset % 4) }
        guard starts[0] == 0, Int(starts[nodes]) == edges else { throw fail("has a trie whose edge ranges do not cover its edges") }
        for k in 0..<nodes where starts[k] > starts[k + 1] { throw fail("has a trie with edge ranges out of order at node \(k)") }
        for t in targets where t < 1 || Int(t) >= nodes { throw fail("has a trie edge to node \(t) of \(nodes)") }
        for t in root where t != -1 && (t < 1 || Int(t) >= nodes) { throw fail("has a trie root entry \(t) of \(nodes) nodes") }
        for v in values where v < -1 || Int(v) >= ids { throw fail("has a trie value \(v) outside the vocabulary of \(ids)") }
        return ByteTrie(count: keys, nodeCount: nodes, edgeCount: edges, rootChildren: root.baseAddress!, edgeStart: starts.baseAddress!,
                        edgeBytes: edgeBytes.baseAddress!, edgeTargets: targets.baseAddress!, value: values.baseAddress!, owner: owner)
    }
}

extension TokenizerFile {
    /// How `load(_:vocabOptions:fingerprint:image:)` got its tokenizer.
    public enum ImageUse: Equatable, Sendable {
        /// Read from the image.
        case read
        /// Parsed from the source and the image written.
        case written
        /// Parsed from the source; no image: a tokenizer type without one (nil), or the
        /// reason the image could not be written.
        case notWritten(String?)
    }

    /// Loads `path` through the compiled image at `imagePath`: the image when it is of this
    /// source (`fingerprint`, the XXH64 of its bytes) and these options, else the source,
    /// then writes the image for the next load. A damaged image is replaced, never trusted.
    /// Returns the tokenizer, how it was loaded, and a note for the log when an image was
    /// damaged or could not be written.
    public static func load(_ path: String, vocabOptions: VocabFileOptions = VocabFileOptions(), fingerprint: UInt64,
                            image imagePath: String) throws -> (file: TokenizerFile, use: ImageUse, note: String?) {
        let key = TokenizerImage.key(sourceFingerprint: fingerprint, options: vocabOptions)
        var note: String?
        if PosixFile.exists(imagePath) {
            do {
                if let file = try TokenizerImage.read(imagePath, key: key, sourcePath: path) { return (file, .read, nil) }
            } catch {
                note = "\(error); loading \(path) instead and writing a new image"
            }
        }
        let file = try load(path, vocabOptions: vocabOptions)
        guard let image = TokenizerImage.encode(file, key: key) else { return (file, .notWritten(nil), note) }
        do {
            try TokenizerImage.write(image, to: imagePath)
            return (file, .written, note)
        } catch {
            let reason = "the tokenizer image \(imagePath) could not be written (\(error)); every load parses \(path)"
            return (file, .notWritten(reason), [note, reason].compactMap { $0 }.joined(separator: "; "))
        }
    }
}
