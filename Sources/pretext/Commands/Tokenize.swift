import ArgumentParser
import PretextCore
import PretextText

/// `pretext tokenize`: ids of each input line, for debugging and for the parity benchmark.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of each non-empty input line (or of --text).",
        discussion: """
            Loads a tokenizer.json (WordPiece or byte-level BPE), a BERT vocab.txt, or a GPT-2
            vocab.json with merges.txt beside it. Prints one line per non-empty input line, in
            input order whatever --threads is: the ids separated by spaces, or with --json an
            object {"ids": [...], "tokens": [...]}. Special tokens from the file's post-processor
            ([CLS] … [SEP]) are added only with --special-tokens; the file's truncation and
            padding are applied only with --truncate-and-pad.

            vocab.txt carries no settings: --cased, --max-word-chars (HF 100, Google 200) set them.
            Where HF and Google's reference tokenizer disagree, the loaded file decides: HF drops
            private-use characters in its normalizer (Google emits [UNK]); HF gives up on words
            over 100 characters (Google over 200).

            Examples:
              pretext tokenize --tokenizer /var/tmp/pretext-vocab/minilm/tokenizer.json --text "Hello, world!"
              pretext tokenize --tokenizer vocab.txt --max-word-chars 200 corpora/en-sample.txt --threads 2
            """)

    @Option(help: "tokenizer.json, vocab.txt, or vocab.json (with merges.txt beside it).")
    var tokenizer: String

    @Option(help: "Tokenize this text instead of reading a file.")
    var text: String?

    @Argument(help: "Input file (one text per line); - or nothing reads standard input.")
    var input: String?

    @Flag(help: "Print JSON objects with ids and tokens.")
    var json = false

    @Flag(help: "Add the special tokens of the file's post-processor.")
    var specialTokens = false

    @Flag(help: "Apply the truncation and padding settings stored in the tokenizer file.")
    var truncateAndPad = false

    @Option(help: "Worker threads.")
    var threads: Int = 1

    @Flag(help: "For vocab.txt: keep case and accents (default: lowercase and strip accents).")
    var cased = false

    @Option(help: "For vocab.txt: words longer than this many characters become [UNK].")
    var maxWordChars: Int = 100

    func validate() throws {
        guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads must be in 1...256") }
        guard text == nil || input == nil else { throw ValidationError("give --text or an input file, not both") }
    }

    func run() throws {
        var options = TokenizerFile.VocabFileOptions()
        options.normalizer.lowercase = !cased
        options.maxInputCharactersPerWord = maxWordChars
        let file = try TokenizerFile.load(tokenizer, vocabOptions: options)
        let output = StandardOutput()
        if let text {
            var line = Array(text.utf8)
            var scratch = TokenizerScratch()
            output.write(format(file, &line, scratch: &scratch))
            output.flush()
            return
        }
        let reader = try LineReader(path: input ?? "-", maxLineLength: 1 << 24, overlong: .split)
        var batch: [[UInt8]] = []
        var batchBytes = 0
        // One scratch per worker for the whole run (its word caches stay warm).
        let scratches = PerWorker(count: threads) { _ in TokenizerScratch() }
        func flush() {
            let command = self
            let results = OrderedParallelMap.map(batch, threads: threads) { worker, line -> [UInt8] in
                var line = line
                return scratches.with(worker) { command.format(file, &line, scratch: &$0) }
            }
            for r in results { output.write(r) }
            batch.removeAll(keepingCapacity: true)
            batchBytes = 0
        }
        try reader.forEachLine { line, _ in
            guard !line.isEmpty else { return }
            batch.append(Array(line))
            batchBytes += line.count
            if batchBytes >= 4 << 20 || batch.count >= 65_536 { flush() }
        }
        flush()
        output.flush()
    }

    /// One output line (with newline) for `line`.
    func format(_ file: TokenizerFile, _ line: inout [UInt8], scratch: inout TokenizerScratch) -> [UInt8] {
        // Invalid UTF-8 becomes U+FFFD per maximal invalid subpart, as Python's
        // decode('utf-8', 'replace') gives HF (rare path: only when the fast check fails).
        let suspicious = line.withUnsafeBytes { UTF8Sanitizer.firstProblem($0) } < line.count
        if suspicious && String(validating: line, as: UTF8.self) == nil {
            line = Array(String(decoding: line, as: UTF8.self).utf8)
        }
        var ids: [UInt32] = []
        line.withUnsafeBufferPointer {
            file.encodeSingle($0, addSpecialTokens: specialTokens, applyTruncationAndPadding: truncateAndPad, into: &ids, scratch: &scratch)
        }
        var out: [UInt8] = []
        if json {
            out.append(contentsOf: #"{"ids": ["#.utf8)
            out.append(contentsOf: ids.map(String.init).joined(separator: ", ").utf8)
            out.append(contentsOf: #"], "tokens": ["#.utf8)
            for (k, id) in ids.enumerated() {
                if k > 0 { out.append(contentsOf: ", ".utf8) }
                JSONOutput.appendString(file.tokenizer.token(id) ?? "", to: &out)
            }
            out.append(contentsOf: "]}".utf8)
        } else {
            out.append(contentsOf: ids.map(String.init).joined(separator: " ").utf8)
        }
        out.append(0x0A)
        return out
    }
}

/// Buffered writes to standard output (fd 1), flushed in large chunks.
final class StandardOutput {
    private var buffer: [UInt8] = []

    func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        let file = PosixFile.standardOutput
        try? file.writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
