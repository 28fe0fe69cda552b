import Testing
@testable import PretextLabeling

@Suite struct CausalBlockBuilderTests {
    @Test func blocksAreTheStreamWithEndOfDocumentTokensCutExactly() throws {
        let documents: [[UInt32]] = [[1, 2, 3], [], [4, 5, 6, 7, 8, 9, 10], [11], [12, 13]]
        var builder = CausalBlockBuilder(blockLength: 4, endOfDocument: 99)
        var blocks: [[UInt32]] = []
        var origins: [(UInt32, UInt64)] = []
        for (d, doc) in documents.enumerated() {
            builder.add(document: doc, inputOrdinal: 7, documentOrdinal: UInt64(d)) { block, input, document in
                blocks.append(block)
                origins.append((input, document))
            }
        }
        let stream: [UInt32] = documents.flatMap { $0 + [UInt32(99)] }
        #expect(blocks.allSatisfy { $0.count == 4 })
        #expect(blocks.flatMap { $0 } == Array(stream.prefix(blocks.count * 4)))
        #expect(builder.droppedTailTokens == stream.count - blocks.count * 4)
        #expect(builder.blocks == UInt64(blocks.count))
        // Provenance: the document of each block's first token.
        #expect(origins.map(\.1) == [0, 1, 2, 2])  // block 2 starts with document 1's end-of-document token
        #expect(origins.allSatisfy { $0.0 == 7 })
    }

    @Test func documentLongerThanManyBlocks() {
        var builder = CausalBlockBuilder(blockLength: 3, endOfDocument: 0)
        var count = 0
        builder.add(document: Array(1...10), inputOrdinal: 0, documentOrdinal: 0) { block, _, _ in
            #expect(block.count == 3)
            count += 1
        }
        #expect(count == 3)
        #expect(builder.droppedTailTokens == 2)  // 10 and the end-of-document token
    }
}
