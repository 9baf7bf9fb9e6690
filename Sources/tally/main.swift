#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

signal(SIGPIPE, SIG_IGN)
exit(Tally.main(Array(CommandLine.arguments.dropFirst())).rawValue)
