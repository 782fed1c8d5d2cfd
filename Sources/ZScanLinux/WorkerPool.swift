import CZScanSys
import Glibc
import Synchronization

/// Runs `body(worker)` on `count` threads (the caller's thread is worker 0) and waits for all.
/// Workers pull batches from a shared atomic cursor, so a few fd-heavy processes do not leave one
/// thread idle while the other works.
enum WorkerPool {
    /// The cores this process may run on (its affinity mask: `taskset`, a container's cpuset), or
    /// the online ones when the mask cannot be read.
    static func usableCores() -> Int {
        let usable = Int(zs_usable_cpus())
        return max(1, usable > 0 ? usable : Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    static func run(count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        if count <= 1 {
            body(0)
            return
        }
        var threads: [pthread_t] = []
        for worker in 1..<count {
            let box = Unmanaged.passRetained(Job(worker: worker, body: body)).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(
                &thread, nil,
                { raw in
                    let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                    job.body(job.worker)
                    return nil
                }, box)
            if rc == 0 {
                threads.append(thread)
            } else {
                // No thread to be had: do that worker's share here.
                Unmanaged<Job>.fromOpaque(box).release()
                body(worker)
            }
        }
        body(0)
        for thread in threads { pthread_join(thread, nil) }
    }

    private final class Job: Sendable {
        let worker: Int
        let body: @Sendable (Int) -> Void
        init(worker: Int, body: @escaping @Sendable (Int) -> Void) {
            self.worker = worker
            self.body = body
        }
    }
}

/// Hands out consecutive index ranges of a fixed size to workers.
final class BatchCursor: Sendable {
    private let next = Atomic<Int>(0)
    let total: Int
    let batch: Int

    init(total: Int, batch: Int) {
        self.total = total
        self.batch = batch
    }

    func take() -> Range<Int>? {
        let start = next.wrappingAdd(batch, ordering: .relaxed).oldValue
        if start >= total { return nil }
        return start..<min(total, start + batch)
    }
}
