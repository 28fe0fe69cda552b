import Testing
import PretextCore
@testable import PretextLabeling

/// A literal, line-by-line rendering of the example builder of google-research/electra's
/// `build_pretraining_dataset.py`, written here from its algorithm to check the builder
/// against: lines come in one by one (nil = a blank line, which ends a document), an example
/// is made once the gathered length reaches the target, and the next target is drawn right
/// after. Its random numbers come from `next(example)`, Python-style (`random()` and
/// `randint(a, b)`), so the test can feed it Pretext's keyed streams; the driver also resets
/// the target at each document's start, which is Pretext's one deliberate change.
final class GoogleElectraReference {
    struct Example: Equatable { var inputIDs: [UInt32]; var segmentIDs: [Int] }

    /// The draws of Python's `random` module the script uses.
    struct PythonRandom {
        var stream: KeyedRandom
        mutating func random() -> Double { stream.unitDouble() }
        mutating func randint(_ low: Int, _ high: Int) -> Int { low + stream.below(high - low + 1) }
    }

    let maxLength: Int
    let cls: UInt32, sep: UInt32
    var sentences: [[UInt32]] = []
    var length = 0
    var targetLength: Int
    var rng: PythonRandom
    /// Pretext's keying: the stream of the document's example `k`.
    let stream: (Int) -> KeyedRandom
    var exampleIndex = 0

    init(maxLength: Int, cls: UInt32, sep: UInt32, stream: @escaping (Int) -> KeyedRandom) {
        self.maxLength = maxLength
        self.cls = cls
        self.sep = sep
        self.stream = stream
        targetLength = maxLength
        rng = PythonRandom(stream: stream(0))
    }

    /// Pretext's change: each document starts from its own example-0 stream and draws its
    /// first target from it (Google's script keeps the target drawn after the last example).
    func startDocument() {
        exampleIndex = 0
        rng = PythonRandom(stream: stream(0))
        targetLength = drawTarget()
    }

    func drawTarget() -> Int {
        rng.random() < 0.05 ? rng.randint(5, maxLength) : maxLength
    }

    /// `add_line`: nil is a blank line.
    func addLine(_ line: [UInt32]?) -> Example? {
        if line == nil && length != 0 { return createExample() }
        let ids = line ?? []  // the script tokenizes the blank line: an empty sentence
        sentences.append(ids)
        length += ids.count
        if length >= targetLength { return createExample() }
        return nil
    }

    func createExample() -> Example {
        let firstTarget = rng.random() < 0.1 ? 100_000 : (targetLength - 3) / 2
        var first: [UInt32] = [], second: [UInt32] = []
        for sentence in sentences {
            if first.count == 0 || first.count + sentence.count < firstTarget
                || (second.count == 0 && first.count < firstTarget && rng.random() < 0.5) {
                first += sentence
            } else {
                second += sentence
            }
        }
        first = Array(first.prefix(maxLength - 2))
        second = Array(second.prefix(max(0, maxLength - first.count - 3)))
        sentences = []
        length = 0
        // The next example's target, from the next example's stream (Pretext's keying).
        exampleIndex += 1
        rng = PythonRandom(stream: stream(exampleIndex))
        targetLength = drawTarget()
        var ids = [cls] + first + [sep]
        var types = [Int](repeating: 0, count: ids.count)
        if !second.isEmpty {
            ids += second + [sep]
            types += [Int](repeating: 1, count: second.count + 1)
        }
        return Example(inputIDs: ids, segmentIDs: types)
    }
}

@Suite struct ElectraExampleBuilderTests {
    static let cls: UInt32 = 1, sep: UInt32 = 2

    /// Token id of (document, sentence, position): traceable, never a special id.
    static func id(_ d: Int, _ s: Int, _ p: Int) -> UInt32 { UInt32(1_000_000 * (d + 1) + 1000 * s + p) }

    /// Documents of varied shape: empty ones, one-sentence ones, sentences of 1 token up to
    /// several times `maxLength`.
    static func documents(_ count: Int, maxLength: Int, salt: UInt64) -> [TokenizedDocument] {
        var random = KeyedRandom(seed: salt, purpose: .testData, index: UInt64(maxLength))
        return (0..<count).map { d in
            var doc = TokenizedDocument(inputOrdinal: 0, documentOrdinal: UInt64(d))
            let sentences: Int
            switch random.below(10) {
            case 0: sentences = 0
            case 1, 2: sentences = 1
            default: sentences = 2 + random.below(14)
            }
            for s in 0..<sentences {
                let length: Int
                switch random.below(20) {
                case 0: length = maxLength + random.below(2 * maxLength)  // longer than an example
                case 1, 2, 3: length = 1 + random.below(4)
                default: length = 3 + random.below(max(4, maxLength / 3))
                }
                doc.append(sentence: (0..<length).map { id(d, s, $0) })
            }
            return doc
        }
    }

    /// (1) The builder equals the transcription of Google's algorithm fed the same draws.
    @Test(arguments: [(16, UInt64(1)), (64, UInt64(2)), (128, UInt64(3)), (128, UInt64(12345))])
    func equalsGooglesAlgorithmOnTheSameDraws(_ maxLength: Int, _ seed: UInt64) {
        let docs = Self.documents(1500, maxLength: maxLength, salt: seed)
        let builder = ElectraExampleBuilder(maxSequenceLength: maxLength, clsID: Self.cls, sepID: Self.sep, seed: seed)
        for copy in [0, 3] {
            var counts = ElectraExampleBuilder.Counts()
            var compared = 0, single = 0, twoSegments = 0, truncated = 0
            for (d, doc) in docs.enumerated() {
                let google = GoogleElectraReference(maxLength: maxLength, cls: Self.cls, sep: Self.sep) {
                    builder.random(documentKey: UInt64(d), copy: copy, example: $0)
                }
                google.startDocument()
                var expected: [GoogleElectraReference.Example] = []
                for k in 0..<doc.sentenceCount { if let e = google.addLine(Array(doc.sentence(k))) { expected.append(e) } }
                if let e = google.addLine(nil) { expected.append(e) }
                let got = builder.examples(of: doc, documentKey: UInt64(d), copy: copy, counts: &counts)
                #expect(got.count == expected.count, "document \(d) copy \(copy)")
                for (g, e) in zip(got, expected) {
                    let b = Int(g.segmentBoundary!)
                    let types = (0..<g.tokens.count).map { $0 >= b ? 1 : 0 }
                    #expect(g.tokens == e.inputIDs && types == e.segmentIDs, "document \(d) copy \(copy)")
                    #expect(g.pairLabel == nil && g.inputOrdinal == doc.inputOrdinal && g.documentOrdinal == doc.documentOrdinal)
                    compared += 1
                    if b == g.tokens.count { single += 1 } else { twoSegments += 1 }
                    if g.truncated { truncated += 1 }
                }
            }
            // The comparison covered every kind of example.
            #expect(compared == counts.instances && compared > 1000)
            #expect(single > 50 && twoSegments > 50 && truncated > 20 && counts.shortTargetExamples > 20)
            #expect(counts.examplesWithoutSecondSegment == single && counts.truncatedInstances == truncated)
        }
    }

    /// A document's examples depend on its key and copy only: building the documents in
    /// reverse order gives the same examples; another key or copy gives others.
    @Test func aDocumentsStreamsDoNotDependOnOtherDocuments() {
        let docs = Self.documents(200, maxLength: 64, salt: 9)
        let builder = ElectraExampleBuilder(maxSequenceLength: 64, clsID: Self.cls, sepID: Self.sep, seed: 5)
        var counts = ElectraExampleBuilder.Counts()
        let forward = docs.enumerated().map { builder.examples(of: $1, documentKey: UInt64($0), counts: &counts) }
        let backward = docs.enumerated().reversed().map { builder.examples(of: $1, documentKey: UInt64($0), counts: &counts) }
        #expect(forward == Array(backward.reversed()))
        // Another key or copy gives other draws.
        let other = docs.enumerated().map { builder.examples(of: $1, documentKey: UInt64($0) + 1000, counts: &counts) }
        let copy1 = docs.enumerated().map { builder.examples(of: $1, documentKey: UInt64($0), copy: 1, counts: &counts) }
        #expect(forward != other && forward != copy1)
    }

    /// (2) Realised shares over many documents: 10% single-segment draws and 5% short
    /// targets, within about 4 standard errors; short targets uniform over 5…max.
    @Test func realisedSharesMatchGooglesProbabilities() {
        let maxLength = 128
        let builder = ElectraExampleBuilder(maxSequenceLength: maxLength, clsID: Self.cls, sepID: Self.sep, seed: 12345)
        var docs: [TokenizedDocument] = []
        var random = KeyedRandom(seed: 77, purpose: .testData, index: 0)
        for d in 0..<8000 {
            var doc = TokenizedDocument(inputOrdinal: 0, documentOrdinal: UInt64(d))
            for _ in 0..<(1 + random.below(20)) { doc.append(sentence: (0..<(5 + random.below(40))).map { UInt32(100 + $0) }) }
            docs.append(doc)
        }
        var counts = ElectraExampleBuilder.Counts()
        for (d, doc) in docs.enumerated() { _ = builder.examples(of: doc, documentKey: UInt64(d), counts: &counts) }
        let n = Double(counts.instances)
        let single = Double(counts.singleSegmentExamples) / n, short = Double(counts.shortTargetExamples) / n
        #expect(n > 15_000)
        #expect(abs(single - 0.1) < 4 * (0.1 * 0.9 / n).squareRoot(), "single-segment share \(single) over \(n) examples")
        #expect(abs(short - 0.05) < 4 * (0.05 * 0.95 / n).squareRoot(), "short-target share \(short) over \(n) examples")
        // More examples lack a B than were drawn single: one-sentence examples and cut Bs too.
        #expect(counts.examplesWithoutSecondSegment > counts.singleSegmentExamples)

        // The target draw alone: P(short) = 0.05, short targets uniform over 5…128.
        var shortTargets: [Int] = []
        let draws = 200_000
        for k in 0..<draws {
            var r = builder.random(documentKey: 1 << 40, copy: 0, example: k)
            let (target, isShort) = builder.drawTarget(&r)
            if isShort { shortTargets.append(target) } else { #expect(target == maxLength) }
        }
        let p = Double(shortTargets.count) / Double(draws)
        #expect(abs(p - 0.05) < 4 * (0.05 * 0.95 / Double(draws)).squareRoot(), "short draws \(p)")
        #expect(shortTargets.min() == 5 && shortTargets.max() == maxLength)
        let mean = Double(shortTargets.reduce(0, +)) / Double(shortTargets.count)
        let sd = (Double((maxLength - 4) * (maxLength - 4) - 1) / 12).squareRoot()  // of a discrete uniform
        #expect(abs(mean - 66.5) < 4 * sd / Double(shortTargets.count).squareRoot(), "mean short target \(mean)")
    }

    /// (4) Lengths, documents and token order: every example stays inside `maxLength` and its
    /// document; its tokens are whole sentences of one run of consecutive sentences (A and B
    /// each in order), runs follow each other, and only an example marked truncated loses
    /// tokens (the ends of A or of B, or whole sentences of B).
    @Test(arguments: [16, 40, 128])
    func examplesKeepTheirDocumentsTokensInOrder(_ maxLength: Int) {
        let docs = Self.documents(800, maxLength: maxLength, salt: 4)
        let builder = ElectraExampleBuilder(maxSequenceLength: maxLength, clsID: Self.cls, sepID: Self.sep, seed: 8)
        var counts = ElectraExampleBuilder.Counts()
        for (d, doc) in docs.enumerated() {
            let examples = builder.examples(of: doc, documentKey: UInt64(d), counts: &counts)
            #expect(examples.isEmpty == (doc.sentenceCount == 0))
            var runs: [(lo: Int, hi: Int, truncated: Bool)] = []
            for e in examples {
                let t = e.tokens, b = Int(e.segmentBoundary!)
                #expect(t.count >= 3 && t.count <= maxLength)
                #expect(t.first == Self.cls && t[b - 1] == Self.sep && t.last == Self.sep)
                #expect(!e.truncated || t.count >= maxLength - 1, "a cut example is full (or one short: no room for B)")
                let a = Array(t[1..<(b - 1)]), second = b < t.count ? Array(t[b..<(t.count - 1)]) : []
                #expect(!a.isEmpty)
                #expect((a + second).allSatisfy { Int($0 / 1_000_000) == d + 1 }, "crosses documents")
                // Split each segment into sentence pieces: (sentence, first position, count).
                func pieces(_ ids: [UInt32]) -> [(s: Int, start: Int, count: Int)] {
                    var out: [(s: Int, start: Int, count: Int)] = []
                    for id in ids {
                        let s = Int(id % 1_000_000 / 1000), p = Int(id % 1000)
                        if let last = out.last, last.s == s, last.start + last.count == p { out[out.count - 1].count += 1 } else { out.append((s, p, 1)) }
                    }
                    return out
                }
                let pa = pieces(a), pb = pieces(second)
                for part in [pa, pb] {
                    #expect(zip(part, part.dropFirst()).allSatisfy { $0.s < $1.s }, "sentences in order")
                    for (i, piece) in part.enumerated() {
                        #expect(piece.start == 0, "a sentence starts whole")
                        let whole = piece.count == doc.sentenceLength(piece.s)
                        #expect(whole || (e.truncated && i == part.count - 1), "only the last sentence of a segment is cut")
                    }
                }
                let seen = Set(pa.map(\.s)).union(pb.map(\.s))
                #expect(seen.count == pa.count + pb.count, "A and B share no sentence")
                let lo = seen.min()!, hi = seen.max()!
                // A starts with the run's first sentence; an uncut example holds its whole run.
                // A cut one can miss sentences that B lost whole, inside or after what it shows.
                #expect(pa.first?.s == lo)
                if !e.truncated { #expect(seen.count == hi - lo + 1, "an uncut example holds its whole run") }
                runs.append((lo, hi, e.truncated))
            }
            // Runs follow each other from the first sentence to the last, with gaps only
            // after cut examples.
            if let first = runs.first { #expect(first.lo == 0) }
            for (x, y) in zip(runs, runs.dropFirst()) {
                #expect(x.truncated ? y.lo > x.hi : y.lo == x.hi + 1, "document \(d): runs \(x) then \(y)")
            }
            if let last = runs.last { #expect(last.truncated ? last.hi < doc.sentenceCount : last.hi == doc.sentenceCount - 1) }
        }
        #expect(counts.truncatedInstances > 0)
    }
}
