import Dispatch
import Glibc

/// Runs independent pieces of work on several threads and waits for all of them.
package enum Parallel {
    /// The number of processors online: the default for `--threads`. It changes how fast a
    /// run is, never what it computes.
    package static var processorCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// Calls `body(0) ... body(count - 1)`, concurrently when `count > 1`, and returns when
    /// all have returned.
    ///
    /// The caller guarantees what the compiler cannot check here: each call touches only
    /// its own state, plus shared state that nobody writes while they run.
    package static func run(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let unchecked = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { unchecked.value($0) }
        }
    }
}

/// Carries a value into concurrent work whose thread safety the caller has checked by hand
/// (see ``Parallel/run(_:_:)``).
package struct UncheckedSendable<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}

/// Work done on another thread while this one goes on, one piece after another in the
/// order it was handed over: waiting on a device (a file's sync), copying bytes into a file.
/// After a piece fails the later ones are skipped (a file must not go on past a hole), and
/// ``wait()`` throws that error.
package final class InBackground: @unchecked Sendable {
    private let queue = DispatchQueue(label: "tierwatch.in-background")
    /// Written and read only on `queue`, and by ``wait()`` once the queue is drained.
    private var error: TierwatchError?

    package init() {}

    /// Starts `work` at once.
    package convenience init(_ work: @escaping () throws(TierwatchError) -> Void) {
        self.init()
        add(work)
    }

    /// Queues `work` after the pieces handed over before it.
    package func add(_ work: @escaping () throws(TierwatchError) -> Void) {
        let work = UncheckedSendable(work)
        queue.async { [self] in
            guard error == nil else { return }
            do throws(TierwatchError) { try work.value() } catch { self.error = error }
        }
    }

    /// Waits until every piece handed over so far is done, and throws the first error if
    /// one failed; may be called again.
    package func wait() throws(TierwatchError) {
        queue.sync {}
        if let error { throw error }
    }
}
