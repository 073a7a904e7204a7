import Glibc
import VeilLaunch

// `veil`: the launcher. It runs sandboxes itself and links nothing it does not need for that
// (no Foundation, no SwiftNIO), because launch time is a feature: a small binary starts and
// forks several times faster. Every other command, and a `veil run` line the fast parser does
// not take (help, mistakes), goes to `veil-core`, installed beside it.
// Read from argv directly: CommandLine.arguments builds its array through the runtime's
// type demangler, a cost on every launch.
let arguments = (1..<Int(CommandLine.argc)).map { String(cString: CommandLine.unsafeArgv[$0]!) }
let core = Binaries.sibling(Binaries.coreName)
if let status = HostCellLauncher.run(arguments) { exit(status) }
if let options = RunArguments.parse(arguments) {
    exit(RunLauncher.run(options, core: core))
}
let argv = ([Binaries.launcherName] + arguments).map { strdup($0) } + [nil]
execv(core, argv)
let message = "veil: cannot run \(core) (\(String(cString: strerror(errno)))): veil-core is installed next to veil; install both\n"
_ = message.withCString { write(2, $0, strlen($0)) }
exit(125)
