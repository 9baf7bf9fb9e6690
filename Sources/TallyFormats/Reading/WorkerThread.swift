#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a detached thread with `pthread_create` and reports when it cannot start (a process
/// limit such as `ulimit -u`, or no memory for its stack under `ulimit -v`). Foundation's
/// `Thread.start()` drops that error, and a reader waiting for the thread then waits forever.
public enum WorkerThread {
    /// The thread could not be created; `reason` is the system's (e.g. "Resource temporarily unavailable").
    public struct StartFailure: Error, CustomStringConvertible {
        public var name: String
        public var reason: String
        public var description: String {
            "cannot start the \(name) thread: \(reason) (a limit on processes or memory, such as ulimit -u or -v, is too low)"
        }
    }

    /// The address space an import needs: a failed allocation traps in the Swift runtime, so below
    /// this cap the import stops with a message before it starts its threads, rather than crash
    /// later (a 1M-row import ran at 180,000 KiB with one arena; the libraries alone take ~110 MiB).
    static let minimumAddressSpace: UInt64 = 192 << 20

    /// The soft limit on this process's address space, when there is one.
    static var addressSpaceCap: UInt64? {
        #if canImport(Glibc)
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return UInt64(limit.rlim_cur)
        #else
        return nil
        #endif
    }

    /// Under a cap on virtual memory (`ulimit -v`), one malloc arena for every thread: glibc
    /// reserves 64 MiB of address space per arena, so a few threads exhaust a small cap, and a
    /// failed allocation traps in the Swift runtime. Without a cap nothing changes.
    private static let adaptedToMemoryCap: Void = {
        #if canImport(Glibc)
        // mallopt(M_ARENA_MAX = -8, 1); Swift does not import <malloc.h>.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        if addressSpaceCap != nil, let symbol = dlsym(nil, "mallopt") {
            _ = unsafeBitCast(symbol, to: MallOpt.self)(-8, 1)
        }
        #endif
    }()

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Runs `body` on a new thread with a stack of `stackSize` bytes; throws when it cannot start
    /// (then `body` never runs).
    public static func start(name: String, stackSize: Int = 8 << 20, _ body: @escaping @Sendable () -> Void) throws(StartFailure) {
        _ = adaptedToMemoryCap
        if let cap = addressSpaceCap, cap < minimumAddressSpace {
            throw StartFailure(name: name, reason: "the virtual memory limit (ulimit -v \(cap >> 10)) is below the \(minimumAddressSpace >> 20) MiB an import needs")
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if let limit = ProcessEnvironment.failThreadStart, limit == name || limit == "all" {
            throw StartFailure(name: name, reason: String(cString: strerror(EAGAIN)))
        }
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let code = pthread_create(&thread, &attributes, { context in
            #if canImport(Darwin)
            let body = Unmanaged<Body>.fromOpaque(context).takeRetainedValue()
            #else
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            #endif
            body.run()
            return nil
        }, context)
        guard code == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw StartFailure(name: name, reason: String(cString: strerror(code)))
        }
    }
}

/// Test hooks read from the environment once.
enum ProcessEnvironment {
    /// `TALLY_TEST_FAIL_THREAD=NAME|all`: the named thread "cannot start", to test the failure path
    /// without lowering a process limit on the test machine.
    static let failThreadStart: String? = {
        guard let value = getenv("TALLY_TEST_FAIL_THREAD") else { return nil }
        return String(cString: value)
    }()
}
