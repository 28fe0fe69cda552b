import Foundation
import PretextCore

/// `masking.json` of a build folder: everything needed to mask its records at load time — the
/// vocabulary's special and continuation ids, the masking options and the seed — so the Swift
/// loader and the Python reader draw identical masks from the same file.
///
/// ```json
/// {"format": "pretext-masking-1", "vocab_size": 30522, "mask_id": 103,
///  "special_ids": [0, 100, 101, 102, 103], "continuation_ids": [1996, …], "seed": 12345,
///  "options": {"rate": 0.15, "max_predictions": 20, "mask_share": 0.8, "random_share": 0.1,
///              "strategy": "token", "ngram_max": 3, "span_p": 0.2, "span_max": 10, "budget": "sequence"}}
/// ```
/// `continuation_ids` excludes specials; random replacements come from the non-special ids.
/// `max_predictions` is null when uncapped.
public struct MaskingFile: Sendable, Equatable {
    public static let fileName = "masking.json"
    public static let formatName = "pretext-masking-1"

    public var vocabularySize: Int
    public var maskID: UInt32
    public var specialIDs: [UInt32]
    public var continuationIDs: [UInt32]
    public var seed: UInt64
    public var options: MaskingOptions

    public struct FileError: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let message: String
        public var description: String { "\(path): \(message)" }
    }

    public init(vocabulary: MaskingVocabulary, seed: UInt64, options: MaskingOptions) {
        vocabularySize = vocabulary.isSpecial.count
        maskID = vocabulary.maskID
        specialIDs = (0..<vocabularySize).filter { vocabulary.isSpecial[$0] }.map(UInt32.init)
        continuationIDs = (0..<vocabularySize).filter { vocabulary.isContinuation[$0] }.map(UInt32.init)
        self.seed = seed
        self.options = options
    }

    /// The masking vocabulary this file describes.
    public var vocabulary: MaskingVocabulary {
        let continuation = Set(continuationIDs)
        return MaskingVocabulary(size: vocabularySize, maskID: maskID, specialIDs: Set(specialIDs)) { continuation.contains($0) }
    }

    /// The JSON text, keys in a fixed order (byte-identical for equal values).
    public var jsonText: String {
        var strategy = "token", ngramMax = 3, spanP = 0.2, spanMax = 10
        switch options.strategy {
        case .token: break
        case .wholeWord: strategy = "whole-word"
        case .ngram(let n): strategy = "ngram"; ngramMax = n
        case .span(let p, let m): strategy = "span"; spanP = p; spanMax = m
        }
        func list(_ ids: [UInt32]) -> String { "[" + ids.map(String.init).joined(separator: ", ") + "]" }
        return """
            {"format": "\(Self.formatName)", "vocab_size": \(vocabularySize), "mask_id": \(maskID),
             "special_ids": \(list(specialIDs)),
             "continuation_ids": \(list(continuationIDs)),
             "seed": \(seed),
             "options": {"rate": \(options.rate), "max_predictions": \(options.maxPredictions.map(String.init) ?? "null"), \
            "mask_share": \(options.maskShare), "random_share": \(options.randomShare), "strategy": "\(strategy)", \
            "ngram_max": \(ngramMax), "span_p": \(spanP), "span_max": \(spanMax), "budget": "\(options.budgetBasis.rawValue)"}}

            """
    }

    /// Writes `<folder>/masking.json` atomically (a `.partial` file renamed after fsync).
    public func write(folder: String) throws {
        try PosixFile.writeAtomically(Array(jsonText.utf8), to: folder + "/" + Self.fileName)
    }

    /// Reads `<folder>/masking.json`.
    public static func read(folder: String) throws -> MaskingFile {
        let path = folder + "/" + fileName
        guard PosixFile.exists(path) else { throw FileError(path: path, message: "missing (a build folder made by this version of pretext has one)") }
        let handle = try PosixFile(path: path, mode: .readOnly)
        let bytes = try handle.read(count: Int(try handle.size()), at: 0)
        try handle.close()
        func fail(_ m: String) -> FileError { FileError(path: path, message: m) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { throw fail("not a JSON object") }
        guard object["format"] as? String == formatName else { throw fail("format is not \(formatName)") }
        func int(_ v: Any?, _ name: String) throws -> Int {
            guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue) else { throw fail("\(name) must be an integer") }
            return i
        }
        func ids(_ name: String, below size: Int) throws -> [UInt32] {
            guard let list = object[name] as? [Any] else { throw fail("\(name) must be a list of ids") }
            return try list.map { v in
                let i = try int(v, name)
                guard i >= 0 && i < size else { throw fail("\(name) holds \(i), outside the vocabulary of \(size)") }
                return UInt32(i)
            }
        }
        let size = try int(object["vocab_size"], "vocab_size")
        guard size > 0 && size <= 1 << 24 else { throw fail("vocab_size \(size) out of range") }
        let mask = try int(object["mask_id"], "mask_id")
        guard mask >= 0 && mask < size else { throw fail("mask_id \(mask) outside the vocabulary") }
        guard let seedNumber = object["seed"] as? NSNumber else { throw fail("seed must be an integer") }
        guard let o = object["options"] as? [String: Any] else { throw fail("options must be an object") }
        func double(_ name: String) throws -> Double {
            guard let n = o[name] as? NSNumber else { throw fail("options.\(name) must be a number") }
            return n.doubleValue
        }
        let strategy: MaskingOptions.Strategy
        switch o["strategy"] as? String {
        case "token": strategy = .token
        case "whole-word": strategy = .wholeWord
        case "ngram": strategy = .ngram(maxN: try int(o["ngram_max"], "options.ngram_max"))
        case "span": strategy = .span(p: try double("span_p"), maxLength: try int(o["span_max"], "options.span_max"))
        default: throw fail("options.strategy must be token, whole-word, ngram or span")
        }
        guard let budget = MaskingOptions.BudgetBasis(rawValue: o["budget"] as? String ?? "") else { throw fail("options.budget must be sequence or maskable") }
        let cap: Int? = o["max_predictions"] is NSNull || o["max_predictions"] == nil ? nil : try int(o["max_predictions"], "options.max_predictions")
        let options = MaskingOptions(rate: try double("rate"), maxPredictions: cap, maskShare: try double("mask_share"),
                                     randomShare: try double("random_share"), strategy: strategy, budgetBasis: budget)
        guard options.rate > 0 && options.rate < 1, options.maskShare >= 0, options.randomShare >= 0, options.maskShare + options.randomShare <= 1 else {
            throw fail("options out of range (rate in (0, 1), shares ≥ 0 summing to at most 1)")
        }
        var file = MaskingFile(vocabularySize: size, maskID: UInt32(mask), specialIDs: try ids("special_ids", below: size),
                               continuationIDs: try ids("continuation_ids", below: size), seed: seedNumber.uint64Value, options: options)
        let specials = Set(file.specialIDs)
        file.continuationIDs.removeAll { specials.contains($0) }
        return file
    }

    public init(vocabularySize: Int, maskID: UInt32, specialIDs: [UInt32], continuationIDs: [UInt32], seed: UInt64, options: MaskingOptions) {
        self.vocabularySize = vocabularySize
        self.maskID = maskID
        self.specialIDs = specialIDs
        self.continuationIDs = continuationIDs
        self.seed = seed
        self.options = options
    }
}
