import RampartStore
import Hummingbird

/// The request context of every Rampart route: Hummingbird's core storage plus the authenticated key's scope.
public struct RampartRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The scope of the API key that authenticated the request, once `APIKeyMiddleware` has run.
    public var scope: KeyScope?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        scope = nil
    }
}
