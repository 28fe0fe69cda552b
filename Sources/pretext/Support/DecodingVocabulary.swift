import PretextText

/// Token strings by id for printing, from a `vocab.txt` or any tokenizer file Pretext loads.
func decodingVocabulary(_ path: String) throws -> Vocabulary {
    guard path.hasSuffix(".json") else { return try Vocabulary(vocabFile: path) }
    let tokenizer = try TokenizerFile.load(path).tokenizer
    return Vocabulary(tokens: (0..<tokenizer.vocabularySize).map { tokenizer.token(UInt32($0)) ?? "<id \($0)>" })
}
