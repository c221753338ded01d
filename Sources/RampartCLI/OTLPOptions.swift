import ArgumentParser
import RampartOTLP
import RampartServer

/// `rampart serve`'s options for `POST /v1/traces`: which span attributes carry the unit and the prompt.
struct OTLPOptions: ParsableArguments {
    @Option(name: .customLong("otlp-unit-attribute"), help: "A span or resource attribute holding the unit id on POST /v1/traces; repeat for fallbacks, tried in order (default: user.id, then enduser.id).")
    var unitAttributes: [String] = []

    @Option(name: .customLong("otlp-prompt-name-attribute"), help: "The span or resource attribute holding the prompt name on POST /v1/traces.")
    var promptNameAttribute: String = "rampart.prompt_name"

    @Option(name: .customLong("otlp-prompt-version-attribute"), help: "The span or resource attribute holding the prompt version id on POST /v1/traces.")
    var promptVersionAttribute: String = "rampart.prompt_version_id"

    /// The mapping settings these options give.
    var configuration: OTLPTraceMapping.Configuration {
        var configuration = OTLPTraceMapping.Configuration(promptNameAttribute: promptNameAttribute, promptVersionAttribute: promptVersionAttribute)
        if !unitAttributes.isEmpty { configuration.unitAttributes = unitAttributes }
        return configuration
    }
}
