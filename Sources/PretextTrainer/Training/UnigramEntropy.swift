import Foundation
import PretextLabeling
import PretextShards

/// The entropy, in nats, of the content-token distribution of a shard folder (special ids
/// excluded): the loss of a model that predicts every masked token from corpus frequencies
/// alone. A masked-LM whose loss falls below it is using the context. For records with stored
/// masks, the original ids are counted at the masked positions. Streams the shards; memory is
/// one counter per vocabulary id.
public enum UnigramEntropy {
    public static func of(folder: String) throws -> Double {
        let set = try ShardSet(folder: folder)
        let masking = try? MaskingFile.read(folder: folder)
        let specials = Set(masking?.specialIDs ?? [])
        var counts: [Int: Int] = [:]
        var total = 0
        for s in 0..<set.shards.count {
            try set.openShard(s).forEachRecord { record in
                var tokens = record.tokens
                for (p, id) in zip(record.maskedPositions, record.maskedIDs) { tokens[Int(p)] = id }
                for t in tokens where !specials.contains(t) {
                    counts[Int(t), default: 0] += 1
                    total += 1
                }
            }
        }
        guard total > 0 else { return 0 }
        return counts.values.reduce(0.0) { h, c in
            let p = Double(c) / Double(total)
            return h - p * log(p)
        }
    }
}
