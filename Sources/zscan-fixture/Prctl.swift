import Glibc

/// prctl(2) is declared variadic in <sys/prctl.h>, so the Glibc module does not import it;
/// it is looked up at run time and called with its integer arguments.
enum Prctl {
    /// PR_SET_PDEATHSIG: signal this process receives when its parent dies.
    static let setParentDeathSignal: Int32 = 1
    /// PR_SET_CHILD_SUBREAPER: orphaned descendants are reparented to this process.
    static let setChildSubreaper: Int32 = 36

    private typealias Function = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32

    /// Calls prctl(option, argument, 0, 0, 0); returns -1 with errno set on failure.
    @discardableResult
    static func call(_ option: Int32, _ argument: UInt) -> Int32 {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "prctl") else {
            errno = ENOSYS
            return -1
        }
        return unsafeBitCast(symbol, to: Function.self)(option, argument, 0, 0, 0)
    }
}
