import Glibc

exit(ZScanCommand.run(Array(CommandLine.arguments.dropFirst())))
