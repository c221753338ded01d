import ArgumentParser
import RampartCLI

/// The `rampart` executable: parses the command line and runs the chosen subcommand.
@main
struct RampartMain {
    static func main() async {
        do {
            var command = try RampartCommand.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            RampartCommand.exit(withError: RampartCommand.readable(error))
        }
    }
}
