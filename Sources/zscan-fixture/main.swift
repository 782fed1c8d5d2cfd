import Glibc

// zscan-fixture: creates real process situations (zombies, orphans, listeners, trees, ...)
// for zscan's tests and demos. Stdlib and Glibc only, single-threaded so fork() is safe.

/// Parses the command line, applies --argv/--name/--title, and runs the handle; returns the exit status.
func runCommandLine(_ arguments: [[UInt8]], fakeWords: Int?) -> Int32 {
    let options: Options
    do throws(FixtureError) {
        let parsed = try Options.parse(arguments, from: fakeWords ?? 1)
        if parsed.help {
            Output.writeAll(1, Array(Options.usage.utf8))
            return 0
        }
        options = try parsed.validated()
        if let words = options.fakeArgv, fakeWords == nil {
            try ProcessIdentity.reexec(words: words, original: arguments, dropping: options.fakeArgvIndices)
        }
        if let name = options.name {
            try ProcessIdentity.setComm(name)
        } else if fakeWords != nil, let first = arguments.first {
            try ProcessIdentity.setComm(ProcessIdentity.baseName(first))
        }
        if let title = options.title {
            ProcessIdentity.setTitle(title)
        }
    } catch {
        error.printToStderr()
        if error.isUsage { Output.writeError(Options.usage) }
        return 2
    }
    return runHandle(options)
}

/// The handle: set up, announce one JSON line, wait for a signal or the TTL, tear down.
func runHandle(_ options: Options) -> Int32 {
    Signals.prepareHandle()
    let timeToLive = Deadline(secondsFromNow: options.timeToLive)
    let tracker = Tracker()
    let context: Context
    do throws(FixtureError) {
        context = try Context.makeForHandle(ignoreTerm: options.ignoreTerm)
    } catch {
        error.printToStderr()
        return 2
    }
    var fixture = Fixture(
        context: context, tracker: tracker, options: options,
        setupDeadline: Deadline(secondsFromNow: 60).capped(by: timeToLive))
    do throws(FixtureError) {
        let line = try fixture.setUp().rendered() + "\n"
        guard Output.writeAll(1, Array(line.utf8)) else { throw FixtureError.system("write stdout") }
        fixture.context.releaseStdout()
    } catch {
        error.printToStderr()
        if error.isUsage { Output.writeError(Options.usage) }
        tracker.teardown(lifeline: &fixture.context.lifeline)
        return 2
    }
    // A daemon is on its own: the handle exits as the command that started it would.
    if options.mode == "daemon" { return 0 }
    _ = Signals.waitForTermination(until: timeToLive)
    tracker.teardown(lifeline: &fixture.context.lifeline)
    return 0
}

IdleImage.resumeIfAsked()
exit(runCommandLine(ProcessIdentity.rawArguments(), fakeWords: ProcessIdentity.takeFakeWordCount()))
