import ZScanCore

extension Snapshot {
    /// The snapshot as saving and loading it gives it back: what was read for each process is the
    /// collector's bookkeeping, not part of the JSON, so a loaded record's `read` is empty.
    var asSaved: Snapshot {
        var saved = self
        for i in saved.processes.indices { saved.processes[i].read = [] }
        return saved
    }
}
