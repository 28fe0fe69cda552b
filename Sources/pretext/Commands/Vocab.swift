import ArgumentParser
import PretextCore
import PretextText

/// `pretext vocab`: vocabulary tools (today: `train`).
struct Vocab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vocab",
        abstract: "Vocabulary tools.",
        discussion: """
            Example:
              pretext vocab train --model wordpiece --size 30000 corpora/en-sample.txt
            """,
        subcommands: [VocabTrain.self])
}

/// `pretext vocab train`: WordPiece or byte-level BPE vocabulary from a corpus.
struct VocabTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a WordPiece or byte-level BPE vocabulary on a corpus, as HF tokenizers' trainers do.",
        discussion: """
            Counts the words of every input as the target tokenizer splits them at
            encode time (wordpiece: BertNormalizer, lowercase unless --cased, then
            BertPreTokenizer; bpe: GPT-2 pre-tokenization of the raw bytes, no
            prefix space), then learns merges like HF's BpeTrainer: special tokens
            first (ids 0, 1, ...), then the alphabet (bpe: the 256 bytes; wordpiece:
            the --limit-alphabet most frequent characters, continuation pieces
            "##c"), then the most frequent adjacent pair becomes a new token (ties:
            the smaller pair of ids) until --size tokens exist or no pair occurs
            --min-frequency times.

            Writes into --output (default shards/vocab-<model>-<size>): wordpiece
            vocab.txt and tokenizer.json; bpe vocab.json, merges.txt and
            tokenizer.json. They load in HF tokenizers (Tokenizer.from_file) and in
            `pretext tokenize`. The same inputs and options give byte-identical files.

            Memory is bounded: beyond --max-distinct-words distinct words, the rarest
            are dropped (every word with count <= t, for the smallest t leaving at
            most 3/4 of the cap); the report counts them.

            Examples:
              pretext vocab train --model wordpiece --size 30000 corpora/en-sample.txt
              pretext vocab train --model bpe --size 8000 -o shards/bpe corpus.jsonl.zst \\
                --format jsonl --text-field text
            """)

    enum Model: String, ExpressibleByArgument, CaseIterable {
        case wordpiece, bpe
        var kind: VocabModelKind { self == .wordpiece ? .wordpiece : .bpe }
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case bert, paragraphs, jsonl
    }

    @Argument(help: "Input files or folders (plain, .gz or .zst; - is standard input), read in order.")
    var inputs: [String]

    @Option(help: "Tokenizer model: wordpiece or bpe.")
    var model: Model

    @Option(help: "Vocabulary size, special tokens included.")
    var size: Int

    @Option(help: "Smallest count of a pair that is merged.")
    var minFrequency: UInt64 = 2

    @Option(help: "Special tokens, comma-separated (ids 0, 1, …). Default: [PAD],[UNK],[CLS],[SEP],[MASK] (wordpiece), <s>,<pad>,</s>,<unk>,<mask> (bpe).")
    var specialTokens: String?

    @Option(help: "WordPiece: keep this many most frequent characters as the alphabet (default 1000).")
    var limitAlphabet: Int?

    @Flag(help: "WordPiece: keep case and accents (default: lowercase and strip accents).")
    var cased = false

    @Option(help: "Input format: bert (a sentence per line, blank line between documents), paragraphs, or jsonl.")
    var format: Format = .bert

    @Option(help: "JSONL: the field holding a document's text.")
    var textField: String = "text"

    @Option(help: "Most distinct words held while counting; the rarest are pruned beyond it.")
    var maxDistinctWords: Int = 4_000_000

    @Option(name: .shortAndLong, help: "Output folder (default shards/vocab-<model>-<size>).")
    var output: String?

    var options: VocabTrainingOptions {
        VocabTrainingOptions(
            model: model.kind, vocabularySize: size, minFrequency: minFrequency,
            specialTokens: specialTokens.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) },
            limitAlphabet: limitAlphabet, lowercase: !cased, maxDistinctWords: maxDistinctWords)
    }

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one input") }
        if cased && model == .bpe { throw ValidationError("--cased applies to wordpiece only (bpe never changes the text)") }
        do { try options.validate() } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let corpusFormat: CorpusFormat
        switch format {
        case .bert: corpusFormat = .bert
        case .paragraphs: corpusFormat = .paragraphs
        case .jsonl: corpusFormat = .jsonl(textField: textField)
        }
        let corpus = try CorpusInputs.open(paths: inputs, format: corpusFormat)
        let (vocabulary, report) = try VocabTrainer.train(corpus, options: options)
        let folder = output ?? "shards/vocab-\(model.rawValue)-\(size)"
        let files = try VocabularyFiles.write(vocabulary, to: folder)
        let r = report
        var lines: [String] = []
        lines.append("read \(corpus.inputs.count) input(s): \(r.reader.documents) documents, \(r.reader.segments) segments, \(r.reader.bytes) bytes")
        lines.append("words: \(r.words) counted, \(r.distinctWords) distinct"
            + (r.prunings > 0 ? ", \(r.prunedWords) distinct words pruned (\(r.prunedOccurrences) occurrences) in \(r.prunings) pruning(s), counts <= \(r.largestPruneThreshold)" : ", none pruned"))
        let alphabet = model == .wordpiece
            ? "\(r.alphabet) characters of \(r.seenCharacters) seen" + (r.droppedCharacters > 0 ? " (\(r.droppedCharacters) left out)" : "") + ", \(r.continuations) ## pieces"
            : "\(r.alphabet) bytes"
        lines.append("vocabulary: \(vocabulary.count) tokens = \(vocabulary.specialTokenCount) special + \(alphabet) + merges (\(r.merges) merges); stopped: \(r.stopReason)")
        lines.append("time: counting \(seconds(r.countSeconds)) s, learning \(seconds(r.learnSeconds)) s")
        if r.reader.invalidUTF8Lines + r.reader.malformedJSONLines + r.reader.overlongLines > 0 {
            lines.append("input problems: \(r.reader.invalidUTF8Lines) invalid UTF-8 line(s), \(r.reader.malformedJSONLines) malformed JSON line(s), \(r.reader.overlongLines) over-long line(s)")
        }
        lines.append("wrote " + files.joined(separator: ", "))
        print(lines.joined(separator: "\n"))
    }

    private func seconds(_ s: Double) -> String {
        let hundredths = Int((s * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}
