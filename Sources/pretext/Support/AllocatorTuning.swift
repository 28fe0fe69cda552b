import CMalloc

/// glibc malloc settings for a process that allocates and frees many buffers of a few KB to a
/// few MB from several threads (documents, token arrays, records, store units).
///
/// By default glibc serves blocks above a moving threshold (128 KiB at first) with their own
/// `mmap`, unmaps them on free, and gives the top of each heap back to the system as soon as
/// 128 KiB are free; the next allocation faults the same pages in again. A build spent about
/// a fifth of its page faults and several per cent of its time on that churn. Here the heap
/// keeps up to 256 MiB of freed memory, grows 16 MiB at a time, and only blocks of 32 MiB or
/// more get their own mapping. Peak RSS does not grow (freed memory is reused, not held on top
/// of what is live), and it stays flat as the corpus grows.
enum AllocatorTuning {
    static func apply() {
        // mallopt returns 1 on success, 0 on an invalid setting; these are valid on every glibc,
        // and a refusal would only cost speed, so there is nothing to report.
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
        _ = mallopt(M_TOP_PAD, 16 << 20)
    }
}
