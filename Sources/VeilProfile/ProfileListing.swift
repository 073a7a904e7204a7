// What `veil profile list` shows: every visible profile, where it comes from, what it is for,
// and whether it loads.

public struct ProfileListing: Sendable, Equatable {
    public var name: String
    /// The file that wins the search.
    public var source: ProfileSource
    /// Files of the same name further down the search, hidden by `source`.
    public var shadowed: [ProfileSource]
    public var description: String
    public var commands: [String]
    /// Set when the profile does not load; the listing still shows it.
    public var error: ProfileError?
}

extension ProfileLoader {
    public func list() -> [ProfileListing] {
        search.visibleNames().compactMap { name, _ in
            guard let sources = try? search.allSources(named: name), let first = sources.first else { return nil }
            var item = ProfileListing(name: name, source: first, shadowed: Array(sources.dropFirst()),
                                      description: "", commands: [], error: nil)
            do {
                let p = try resolve(first).profile
                item.description = p.description
                item.commands = p.agent.commands
            } catch let e as ProfileError {
                item.error = e
            } catch {
                item.error = ProfileError(.io, file: first.path, message: "\(error)")
            }
            return item
        }
    }
}
