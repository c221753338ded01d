import RampartStore
import Hummingbird
import NIOCore

/// The request context of every Rampart route: Hummingbird's core storage plus the authenticated key's scope.
public struct RampartRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The scope of the API key that authenticated the request, once `APIKeyMiddleware` has run.
    public var scope: KeyScope?
    /// The console session of the request, once `ConsoleSessionMiddleware` has run (console pages only).
    public var console: ConsoleIdentity?
    /// The peer's address, for the console's sign-in throttle (formatted only when a sign-in reads it).
    public var remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        scope = nil
        console = nil
        remoteAddress = source.channel.remoteAddress
    }
}
