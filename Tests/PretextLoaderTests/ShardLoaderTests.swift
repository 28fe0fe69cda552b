import Foundation
import Testing
import PretextCore
import PretextShards
import PretextLabeling
import PretextTestSupport
@testable import PretextLoader

@Suite(.serialized) struct ShardLoaderTests {
    static func options(batch: Int = 8, rank: Int = 0, world: Int = 1, threads: Int = 0) -> LoaderOptions {
        var o = LoaderOptions()
        o.batchSize = batch
        o.rank = rank
        o.worldSize = world
        o.prefetchThreads = threads
        o.windowBlocks = 2
        return o
    }

    static func epoch(_ loader: ShardLoader) throws -> [Batch] {
        try (0..<loader.batchesPerEpoch).map { _ in try loader.next() }
    }

    @Test func everyRecordOnceAcrossRanks() throws {
        let folder = LoaderFixture.dynamicPairs
        let total = try ShardSet(folder: folder).recordCount
        for world in [1, 2, 3] {
            var seen: [UInt64] = []
            for rank in 0..<world {
                var o = Self.options(rank: rank, world: world)
                o.uneven = .drop
                let loader = try ShardLoader(folder: folder, options: o)
                seen += try Self.epoch(loader).flatMap(\.sampleIndices)
            }
            #expect(Set(seen).count == seen.count, "a record repeated with world size \(world)")
            #expect(UInt64(seen.count) == total / UInt64(world) * UInt64(world))
            // pad: every record at least once, every rank the same number of samples.
            var counts: [Int] = []
            var padded = Set<UInt64>()
            for rank in 0..<world {
                let loader = try ShardLoader(folder: folder, options: Self.options(rank: rank, world: world))
                let samples = try Self.epoch(loader).flatMap(\.sampleIndices)
                counts.append(samples.count)
                padded.formUnion(samples)
            }
            #expect(UInt64(padded.count) == total)
            #expect(Set(counts).count == 1)
        }
    }

    @Test func workersSplitTheirRanksBatches() throws {
        let folder = LoaderFixture.dynamicPairs
        let whole = try Self.epoch(try ShardLoader(folder: folder, options: Self.options(rank: 1, world: 2)))
        var byWorker: [[Batch]] = []
        for k in 0..<3 {
            var o = Self.options(rank: 1, world: 2)
            o.workerIndex = k
            o.workerCount = 3
            byWorker.append(try Self.epoch(try ShardLoader(folder: folder, options: o)))
        }
        // Worker k yields the rank's batches k, k + 3, …: interleaved they are the rank's epoch.
        for (n, batch) in whole.enumerated() {
            let mine = byWorker[n % 3][n / 3]
            #expect(mine.sampleIndices == batch.sampleIndices && mine.labels == batch.labels)
        }
        #expect(byWorker.map(\.count).reduce(0, +) == whole.count)
    }

    @Test func epochsShuffleAndMaskDifferently() throws {
        let loader = try ShardLoader(folder: LoaderFixture.dynamicPairs, options: Self.options())
        let first = try Self.epoch(loader)
        let second = try Self.epoch(loader)
        #expect(first.flatMap(\.sampleIndices) != second.flatMap(\.sampleIndices))
        #expect(Set(first.flatMap(\.sampleIndices)) == Set(second.flatMap(\.sampleIndices)))
        // The same record in two epochs: masked at other positions (almost always).
        func masks(_ batches: [Batch]) -> [UInt64: [Int32]] {
            var out: [UInt64: [Int32]] = [:]
            for b in batches { for r in 0..<b.rows { out[b.sampleIndices[r]] = Array(b.row(b.labels, r)) } }
            return out
        }
        let m1 = masks(first), m2 = masks(second)
        let differing = m1.keys.filter { m1[$0]!.filter { $0 != Batch.ignoreIndex }.count > 2 && m1[$0] != m2[$0] }.count
        #expect(differing > m1.count * 9 / 10)
    }

    @Test func batchesFollowTheConventions() throws {
        let loader = try ShardLoader(folder: LoaderFixture.dynamicPairs, options: Self.options())
        let masking = try MaskingFile.read(folder: LoaderFixture.dynamicPairs)
        var masked = 0, content = 0
        for _ in 0..<loader.batchesPerEpoch {
            let b = try loader.next()
            #expect(b.inputIDs.count == b.rows * b.length && b.labels.count == b.inputIDs.count)
            for r in 0..<b.rows {
                let mask = b.row(b.attentionMask, r), ids = b.row(b.inputIDs, r), labels = b.row(b.labels, r), types = b.row(b.tokenTypeIDs, r)
                let real = mask.reduce(0) { $0 + Int($1) }
                #expect(mask.prefix(real).allSatisfy { $0 == 1 } && mask.dropFirst(real).allSatisfy { $0 == 0 })
                #expect(labels.dropFirst(real).allSatisfy { $0 == Batch.ignoreIndex })
                #expect(ids.dropFirst(real).allSatisfy { $0 == loader.layout.padID })
                #expect(b.pairLabels[r] == 0 || b.pairLabels[r] == 1)
                // token types: 0 then 1 from segment B, never back to 0 on real tokens.
                let firstB = types.prefix(real).firstIndex(of: 1)
                #expect(firstB != nil)
                if let firstB { #expect(types[firstB..<(types.startIndex + real)].allSatisfy { $0 == 1 }) }
                for label in labels.prefix(real) where label != Batch.ignoreIndex {
                    #expect(!masking.specialIDs.contains(UInt32(label)), "a special token was masked")
                    masked += 1
                }
                content += ids.prefix(real).filter { !masking.specialIDs.contains(UInt32($0)) || $0 == Int32(masking.maskID) }.count
            }
        }
        let rate = Double(masked) / Double(content)
        #expect(rate > 0.13 && rate < 0.17, "masked share \(rate)")
    }

    @Test func staticMasksPassThrough() throws {
        let folder = LoaderFixture.staticPairs
        let set = try ShardSet(folder: folder)
        let loader = try ShardLoader(folder: folder, options: Self.options(batch: 4))
        for epoch in 0..<2 {
            for _ in 0..<3 {
                let b = try loader.next()
                for r in 0..<b.rows {
                    let index = b.sampleIndices[r]
                    let s = set.shardStart.lastIndex { $0 <= index }!
                    let record = try set.openShard(s).record(index - set.shardStart[s])
                    let real = record.tokens.count
                    #expect(Array(b.row(b.inputIDs, r).prefix(real)) == record.tokens.map { Int32($0) })
                    var labels = [Int32](repeating: Batch.ignoreIndex, count: real)
                    for (p, id) in zip(record.maskedPositions, record.maskedIDs) { labels[Int(p)] = Int32(id) }
                    #expect(Array(b.row(b.labels, r).prefix(real)) == labels, "epoch \(epoch)")
                }
            }
            while loader.position.batch < loader.batchesPerEpoch { _ = try loader.next() }
        }
    }

    /// ELECTRA's shards: token types from the stored boundary (none when there is no B),
    /// pair labels −100.
    @Test func segmentsWithoutPairLabelsGiveTokenTypes() throws {
        let set = try ShardSet(folder: LoaderFixture.electra)
        #expect(try set.openShard(0).header.schema.hasSegments && !set.openShard(0).header.schema.hasPairs)
        let loader = try ShardLoader(folder: LoaderFixture.electra, options: Self.options(batch: 8))
        var withB = 0, withoutB = 0
        for _ in 0..<loader.batchesPerEpoch {
            let b = try loader.next()
            #expect(b.pairLabels.allSatisfy { $0 == Batch.ignoreIndex })
            for r in 0..<b.rows {
                let index = b.sampleIndices[r]
                let s = set.shardStart.lastIndex { $0 <= index }!
                let record = try set.openShard(s).record(index - set.shardStart[s])
                let boundary = Int(record.segmentBoundary!), real = record.tokens.count
                let types = Array(b.row(b.tokenTypeIDs, r))
                #expect(types == (0..<b.length).map { $0 >= boundary && $0 < real ? 1 : 0 })
                if boundary < real { withB += 1 } else { withoutB += 1 }
            }
        }
        #expect(withB > 0 && withoutB > 0)
    }

    @Test func causalBlocksYieldShiftedLabels() throws {
        let set = try ShardSet(folder: LoaderFixture.causal)
        var o = Self.options(batch: 2)
        o.shuffle = false
        let loader = try ShardLoader(folder: LoaderFixture.causal, options: o)
        let b = try loader.next()
        let record = try set.openShard(0).record(0)
        #expect(b.sampleIndices[0] == 0)
        #expect(Array(b.row(b.inputIDs, 0).prefix(record.tokens.count - 1)) == record.tokens.dropLast().map { Int32($0) })
        #expect(Array(b.row(b.labels, 0).prefix(record.tokens.count - 1)) == record.tokens.dropFirst().map { Int32($0) })
    }

    @Test(arguments: [0, 2])
    func restoreContinuesExactly(_ threads: Int) throws {
        var o = Self.options(threads: threads)
        o.binningBatches = 4
        let uninterrupted = try ShardLoader(folder: LoaderFixture.dynamicPairs, options: o)
        let n = uninterrupted.batchesPerEpoch
        let reference = try (0..<(n + 5)).map { _ in try uninterrupted.next() }

        let first = try ShardLoader(folder: LoaderFixture.dynamicPairs, options: o)
        for _ in 0..<(n / 2) { _ = try first.next() }
        let saved = first.state().json
        let second = try ShardLoader(folder: LoaderFixture.dynamicPairs, options: o)
        try second.restore(LoaderState(json: saved))
        let continued = try ((n / 2)..<(n + 5)).map { _ in try second.next() }
        #expect(continued == Array(reference[(n / 2)...]))
        // Any batch regenerated in isolation equals the streamed one.
        #expect(try second.batch(epoch: 0, number: 3) == reference[3])
    }

    @Test func worldSizeChangeNeitherRepeatsNorSkips() throws {
        let folder = LoaderFixture.dynamicPairs
        let total = try ShardSet(folder: folder).recordCount
        var seen: [UInt64] = []
        var states: [String] = []
        for rank in 0..<2 {
            var o = Self.options(rank: rank, world: 2)
            o.uneven = .drop
            let loader = try ShardLoader(folder: folder, options: o)
            for _ in 0..<5 { seen += try loader.next().sampleIndices }
            states.append(loader.state().json)
        }
        for rank in 0..<3 {
            var o = Self.options(rank: rank, world: 3)
            o.uneven = .drop
            let loader = try ShardLoader(folder: folder, options: o)
            try loader.restore(LoaderState(json: states[0]))
            while loader.position.epoch == 0 && loader.position.batch < loader.batchesPerEpoch { seen += try loader.next().sampleIndices }
        }
        #expect(Set(seen).count == seen.count)
        #expect(UInt64(seen.count) + 2 >= total)  // at most w − 1 = 2 left out by `drop`
    }

    @Test func lengthBinningReducesPadding() throws {
        func padding(_ bins: Int) throws -> Int {
            var o = Self.options(batch: 8)
            o.binningBatches = bins
            let loader = try ShardLoader(folder: LoaderFixture.dynamicPairs, options: o)
            return try Self.epoch(loader).reduce(0) { $0 + $1.rows * $1.length - $1.tokenCount }
        }
        #expect(try padding(16) < padding(0))
    }

    @Test func corruptShardGivesAClearError() throws {
        let source = LoaderFixture.dynamicPairs
        let copy = try TemporaryFolder.shared.folder(named: "loader-corrupt")
        for name in try PosixFile.listDirectory(source) where name.hasSuffix(".ptxs") || name == "catalog.sqlite" || name == "masking.json" {
            try PosixFile.copy(source + "/" + name, to: copy + "/" + name)
        }
        let shard = try PosixFile.listDirectory(copy).filter { $0.hasSuffix(".ptxs") }.sorted()[0]
        let firstBlock = Int(try ShardReader(path: copy + "/" + shard).index[0].offset)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: copy + "/" + shard)))
        bytes[firstBlock + 10] ^= 0xFF  // inside the first block's compressed bytes
        try Data(bytes).write(to: URL(fileURLWithPath: copy + "/" + shard))
        var o = Self.options()
        o.shuffle = false
        let loader = try ShardLoader(folder: copy, options: o)
        #expect {
            _ = try loader.next()
        } throws: { error in
            "\(error)".contains(shard) && "\(error)".contains("checksum")
        }
    }
}
