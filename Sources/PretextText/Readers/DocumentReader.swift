/// A single-pass stream of documents from one input.
///
/// `forEachDocument` reads the input once, front to back, calling `body` for every document
/// in order (documents are never empty; see `Document` for the invariants); a second call
/// yields nothing. `report` describes what was read so far, including every repaired or
/// dropped piece of bad input; it is complete when `forEachDocument` returns. Errors
/// (I/O, corrupt compressed data) are thrown and name the input's path.
public protocol DocumentReader: AnyObject {
    /// The input's path (`"-"` for standard input).
    var path: String { get }
    /// The input's position in the ordered input list; every document carries it.
    var inputOrdinal: UInt32 { get }
    /// What the reader saw so far.
    var report: ReaderReport { get }
    /// Calls `body` with every document in order.
    func forEachDocument(_ body: (Document) throws -> Void) throws
}
