import ArgumentParser
import VeilApp

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that this host can run the sandbox, and show what the agent sees instead of the host.",
        discussion: "Exit status 0 when every check passes and no host value shows through, 1 otherwise.")

    @Option(name: .long, help: "Profile to check with (default: `default`).", completion: Completions.profiles)
    var profile: String?
    @Flag(name: .long, help: ArgumentHelp("Print an AppArmor profile that lets veil's binaries make user namespaces, and exit.",
                                          discussion: "For hosts with kernel.apparmor_restrict_unprivileged_userns = 1 (Ubuntu 23.10+): "
                                              + "veil doctor --apparmor-profile | sudo tee /etc/apparmor.d/veil && sudo apparmor_parser -r /etc/apparmor.d/veil"))
    var apparmorProfile = false
    @Option(name: .long, help: ArgumentHelp("With --apparmor-profile: the directory veil and veil-core will be installed in (packaging).",
                                            valueName: "dir"), completion: .directory)
    var installedIn: String?

    @OptionGroup var verbosity: VerbosityOptions

    func run() throws {
        verbosity.apply()
        if apparmorProfile {
            let binaries = installedIn.map { dir in ["veil", "veil-core"].map { dir + "/" + $0 } } ?? Doctor.installedBinaries()
            print(AppArmorUserNamespaces.profile(binaries: binaries), terminator: "")
            return
        }
        throw ExitCode(Doctor.run(profile: profile) { print($0) })
    }
}

/// Internal: prints the host facts as seen from where it runs (doctor runs it inside).
struct FactsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "__facts", shouldDisplay: false)
    @OptionGroup var verbosity: VerbosityOptions

    func run() throws {
        verbosity.apply()
        print(Doctor.factsJSON())
    }
}
