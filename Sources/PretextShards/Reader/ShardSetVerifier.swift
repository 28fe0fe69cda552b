import PretextCore

/// Checks a shard folder end to end: the catalog's per-shard checksums, sizes and counts
/// against the files, every block checksum and payload, and files on disk the catalog
/// does not know (including `.partial` leftovers of an interrupted writer).
public enum ShardSetVerifier {
    public struct Report: Sendable {
        public var shardsChecked = 0
        public var blocksChecked = 0
        public var recordsChecked: UInt64 = 0
        public var bytesChecked: UInt64 = 0
        /// One precise message per problem; empty when everything matches.
        public var problems: [String] = []
        public var isClean: Bool { problems.isEmpty }
    }

    public static func verify(folder: String) throws -> Report {
        let set = try ShardSet(folder: folder)
        var report = Report()
        var known = Set<String>()
        for (s, entry) in set.shards.enumerated() {
            let path = set.path(ofShard: s)
            known.insert(entry.file.relative)
            guard PosixFile.exists(path) else {
                report.problems.append("\(path): listed in the catalog but missing")
                continue
            }
            do {
                let (checksum, bytes) = try FileChecksum.xxh64(ofFile: path)
                report.bytesChecked += bytes
                if bytes != entry.bytes {
                    report.problems.append("\(path): \(bytes) bytes on disk, catalog says \(entry.bytes)")
                }
                if checksum != entry.checksum {
                    report.problems.append("\(path): file checksum \(hex(checksum)), catalog says \(hex(entry.checksum))")
                }
                let reader = try ShardReader(path: path)
                if reader.recordCount != entry.records || reader.tokenCount != entry.tokens {
                    report.problems.append("\(path): \(reader.recordCount) records/\(reader.tokenCount) tokens, catalog says \(entry.records)/\(entry.tokens)")
                }
                for b in 0..<reader.blockCount {
                    do {
                        _ = try reader.block(b)
                        report.blocksChecked += 1
                    } catch let error as ShardFormatError {
                        report.problems.append(error.description)
                    }
                }
                report.recordsChecked += reader.recordCount
                report.shardsChecked += 1
            } catch let error as ShardFormatError {
                report.problems.append(error.description)
            } catch let error as SystemCallError {
                report.problems.append(error.description)
            } catch let error as PosixFile.ShortRead {
                report.problems.append(error.description)
            }
        }
        for name in try PosixFile.listDirectory(folder) {
            if name.hasSuffix(ShardWriter.partialSuffix) {
                report.problems.append("\(folder)/\(name): partial file of an interrupted writer")
            } else if name.hasSuffix("." + ShardFormat.fileExtension) && !known.contains(name) {
                report.problems.append("\(folder)/\(name): shard file not listed in the catalog")
            }
        }
        return report
    }
}
