import ArgumentParser

/// The `rampart` command line.
public struct RampartCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rampart",
        abstract: "Prompt-rollout experimentation: assignment, outcomes, verdicts.",
        subcommands: [
            ListCommand.self,
            ValidateCommand.self,
            AssignCommand.self,
            IngestCommand.self,
            SimulateCommand.self,
            ReportCommand.self,
            PlanCommand.self,
            FunnelCommand.self,
            RampCommand.self,
            AuditCommand.self,
            KeysCommand.self,
            ServeCommand.self,
            MigrateStoreCommand.self,
            AutopilotCommand.self,
            BenchCommand.self,
            WebhooksCommand.self,
            ExamplesCommand.self,
        ]
    )

    public init() {}
}
