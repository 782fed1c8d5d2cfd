import Glibc
import ZScanCLI

exit(ZScanCommand.run(Array(CommandLine.arguments.dropFirst())))
