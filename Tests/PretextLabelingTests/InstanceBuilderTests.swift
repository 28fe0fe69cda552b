import Testing
import PretextCore
@testable import PretextLabeling

@Suite struct SentencePairBuilderTests {
    /// Documents whose token ids encode (document, sentence, position) so tests can trace them.
    static func corpus(documents: Int, sentences: (Int) -> Int, length: (Int, Int) -> Int) -> InMemoryDocuments {
        var all: [TokenizedDocument] = []
        for d in 0..<documents {
            var doc = TokenizedDocument(inputOrdinal: 0, documentOrdinal: UInt64(d))
            for s in 0..<sentences(d) {
                let id = UInt32(10_000 + d * 100 + s)
                doc.append(sentence: [UInt32](repeating: id, count: length(d, s)))
            }
            all.append(doc)
        }
        return InMemoryDocuments(all)
    }

    @Test func nspInstancesHaveTheBERTLayout() throws {
        let corpus = Self.corpus(documents: 30, sentences: { 2 + $0 % 7 }, length: { d, s in 5 + (d * 7 + s * 3) % 40 })
        let builder = SentencePairBuilder(task: .nextSentence, maxSequenceLength: 64, clsID: 1, sepID: 2, seed: 42)
        var counts = SentencePairBuilder.Counts()
        var random = 0, total = 0
        for d in 0..<corpus.documentCount {
            for inst in try builder.instances(documentIndex: d, corpus: corpus, counts: &counts) {
                total += 1
                #expect(inst.tokens.count <= 64)
                #expect(inst.tokens.first == 1 && inst.tokens.last == 2)
                let b = Int(inst.segmentBoundary!)
                #expect(inst.tokens[b - 1] == 2)
                #expect(inst.tokens.filter { $0 == 2 }.count == 2)
                let aDocs = Set(inst.tokens[1..<(b - 1)].map { ($0 - 10_000) / 100 })
                let bDocs = Set(inst.tokens[b..<(inst.tokens.count - 1)].map { ($0 - 10_000) / 100 })
                #expect(aDocs == [UInt32(d)])
                if inst.pairLabel == 0 {
                    #expect(bDocs == [UInt32(d)])
                    // B continues A: B's first sentence follows A's last one.
                    let aLast = inst.tokens[b - 2] % 100, bFirst = inst.tokens[b] % 100
                    #expect(bFirst == aLast + 1 || inst.truncated)
                } else {
                    random += 1
                    #expect(!bDocs.contains(UInt32(d)), "a random next comes from another document")
                }
            }
        }
        #expect(counts.instances == total && counts.randomNext == random)
        #expect(Double(random) / Double(total) > 0.4 && Double(random) / Double(total) < 0.75)
    }

    @Test func singleSentenceDocumentsGetARandomNextAndOverlongSentencesAreTruncated() throws {
        let corpus = Self.corpus(documents: 5, sentences: { _ in 1 }, length: { d, _ in d == 0 ? 500 : 10 })
        let builder = SentencePairBuilder(task: .nextSentence, maxSequenceLength: 32, clsID: 1, sepID: 2, seed: 1)
        var counts = SentencePairBuilder.Counts()
        let instances = try builder.instances(documentIndex: 0, corpus: corpus, counts: &counts)
        #expect(instances.count == 1)
        #expect(instances[0].pairLabel == 1 && instances[0].truncated && instances[0].tokens.count == 32)
        #expect(counts.singleSegmentChunks == 1 && counts.truncatedInstances == 1)
    }

    @Test func sopKeepsBothSegmentsInTheDocumentAndSwapsHalf() throws {
        let corpus = Self.corpus(documents: 20, sentences: { 1 + $0 % 5 }, length: { _, s in 6 + s })
        let builder = SentencePairBuilder(task: .sentenceOrder, maxSequenceLength: 40, clsID: 1, sepID: 2, seed: 5)
        var counts = SentencePairBuilder.Counts()
        var swapped = 0, total = 0
        for d in 0..<corpus.documentCount {
            for inst in try builder.instances(documentIndex: d, corpus: corpus, counts: &counts) {
                total += 1
                let b = Int(inst.segmentBoundary!)
                let all = Set(inst.tokens.filter { $0 >= 10_000 }.map { ($0 - 10_000) / 100 })
                #expect(all == [UInt32(d)], "SOP never draws from another document")
                let aFirst = inst.tokens[1] % 100, bFirst = inst.tokens[b] % 100
                if inst.pairLabel == 1 { swapped += 1; #expect(bFirst <= aFirst) } else { #expect(bFirst >= aFirst) }
            }
        }
        #expect(counts.splitSingleSentences > 0, "one-sentence documents are split inside the sentence")
        #expect(swapped > total / 4 && swapped < total * 3 / 4)
    }

    @Test func instancesDependOnlyOnTheKey() throws {
        let corpus = Self.corpus(documents: 10, sentences: { 3 + $0 }, length: { _, _ in 9 })
        let builder = SentencePairBuilder(task: .nextSentence, maxSequenceLength: 48, clsID: 1, sepID: 2, seed: 9)
        var c1 = SentencePairBuilder.Counts(), c2 = SentencePairBuilder.Counts()
        // Forward and backward document order give the same instances per document.
        let forward = try (0..<10).map { try builder.instances(documentIndex: $0, corpus: corpus, counts: &c1) }
        let backward = try (0..<10).reversed().map { try builder.instances(documentIndex: $0, corpus: corpus, counts: &c2) }.reversed()
        #expect(forward == Array(backward))
        let copy1 = try builder.instances(documentIndex: 3, corpus: corpus, copy: 1, counts: &c1)
        #expect(copy1 != forward[3])
    }
}

@Suite struct SentencePackerTests {
    static let documents = [
        TokenizedDocument(inputOrdinal: 0, documentOrdinal: 0, sentences: [[10, 11, 12], [13, 14]]),
        TokenizedDocument(inputOrdinal: 0, documentOrdinal: 1, sentences: [[20, 21], [22, 23, 24, 25, 26, 27, 28, 29, 30]]),
        TokenizedDocument(inputOrdinal: 0, documentOrdinal: 2, sentences: [[40]]),
    ]

    func pack(cross: Bool, length: Int) -> ([TrainingInstance], SentencePacker) {
        var packer = SentencePacker(maxSequenceLength: length, crossDocuments: cross, clsID: 1, sepID: 2, documentSeparatorID: 2)
        var out: [TrainingInstance] = []
        for d in Self.documents { packer.add(d) { out.append($0) } }
        packer.finish { out.append($0) }
        return (out, packer)
    }

    @Test func fullSentencesCrossDocumentsWithASeparator() {
        let (out, packer) = pack(cross: true, length: 10)
        #expect(out.map(\.tokens) == [
            [1, 10, 11, 12, 13, 14, 2, 20, 21, 2],
            [1, 22, 23, 24, 25, 26, 27, 28, 29, 2],   // 9 tokens cut to the room of 8
            [1, 40, 2],
        ])
        #expect(packer.truncatedSentences == 1)
        #expect(out.map(\.documentOrdinal) == [0, 1, 2])
        #expect(out.allSatisfy { $0.pairLabel == nil && $0.segmentBoundary == nil && $0.tokens.count <= 10 })
    }

    @Test func docSentencesStayInsideDocuments() {
        let (out, _) = pack(cross: false, length: 10)
        #expect(out.map(\.tokens) == [
            [1, 10, 11, 12, 13, 14, 2],
            [1, 20, 21, 2],
            [1, 22, 23, 24, 25, 26, 27, 28, 29, 2],
            [1, 40, 2],
        ])
    }
}
