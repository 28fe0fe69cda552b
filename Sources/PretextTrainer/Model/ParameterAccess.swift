/// A model's parameter and gradient arenas with the table that names their tensors: what the
/// model's parts (embeddings, encoder, heads) use to find their weights. The arenas outlive
/// every part that holds one of these (the model owns both).
struct ParameterAccess<T: TrainerFloat> {
    let table: ParameterTable
    let parameters: UnsafeMutablePointer<T>
    let gradients: UnsafeMutablePointer<T>

    /// Tensor `name`'s values.
    func w(_ name: String) -> UnsafeMutablePointer<T> { parameters + table.offset(name) }
    /// Tensor `name`'s gradient.
    func g(_ name: String) -> UnsafeMutablePointer<T> { gradients + table.offset(name) }
}

/// Hidden-state dropout of one forward/backward pass: the micro-batch key and seed, and the
/// first dropout site of the part (sites are `siteBase + k`; the encoder's attention sites
/// `siteBase + (l + 1)·2^32 + …`), so two networks of one model (ELECTRA's generator and
/// discriminator) never share a mask.
struct DropoutSites {
    var key: UInt64
    var seed: UInt64
    var siteBase: UInt64
}
