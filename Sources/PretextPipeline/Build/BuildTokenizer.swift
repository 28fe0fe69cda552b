import PretextCore
import PretextText

/// The build's tokenizer, loaded through the compiled image in its store
/// (`store/tokenizer.image`, a `TokenizerImage`).
///
/// The first process of a build that loads the tokenizer parses the source file and writes
/// the image; every later one (the other tokenize tasks of a split build, a resumed run)
/// maps it instead: about 16 M instructions against 115–140 M to parse a 30k tokenizer.json.
/// `pretext slurm` writes it before it submits the jobs, so no array task parses the source.
/// The image is keyed by the source's fingerprint and the load options; one of another
/// source is replaced, a damaged one is replaced and reported.
public enum BuildTokenizer {
    public static let imageFileName = "tokenizer.image"

    /// The load options a pipeline gives the tokenizer file (they matter for a bare vocab.txt).
    public static func options(_ config: PipelineConfig) -> TokenizerFile.VocabFileOptions {
        var options = TokenizerFile.VocabFileOptions()
        options.normalizer.lowercase = config.lowercase
        options.maxInputCharactersPerWord = config.maxWordCharacters
        return options
    }

    /// Loads the tokenizer of `config` whose file has `fingerprint` (XXH64 of its bytes),
    /// through the image in the output folder's store; `log` gets a line when the image was
    /// damaged or cannot be written.
    public static func load(_ config: PipelineConfig, fingerprint: UInt64,
                            log: (String) -> Void) throws -> (file: TokenizerFile, use: TokenizerFile.ImageUse) {
        let store = config.outputPath + "/" + DocumentStoreFiles.folderName
        try PosixFile.makeDirectories(store)
        let (file, use, note) = try TokenizerFile.load(config.tokenizerPath, vocabOptions: options(config), fingerprint: fingerprint,
                                                       image: store + "/" + imageFileName)
        if let note { log(note) }
        return (file, use)
    }

    /// Writes the image of `config`'s tokenizer into its output folder's store ahead of a
    /// distributed build (nothing when it is there already); returns how the tokenizer loaded.
    @discardableResult
    public static func prepare(_ config: PipelineConfig, log: (String) -> Void) throws -> TokenizerFile.ImageUse {
        let (fingerprint, _) = try FileChecksum.xxh64(ofFile: config.tokenizerPath)
        return try load(config, fingerprint: fingerprint, log: log).use
    }
}
