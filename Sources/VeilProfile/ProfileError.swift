// The one error type of profile loading. It carries the file, the exact position and the key
// path so that the message reads like a compiler's: `profiles/x.toml:3:1: unknown key ...`.

public struct ProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// Not valid TOML.
        case syntax
        /// A key the schema does not know.
        case unknownKey
        /// A value of the wrong TOML type.
        case type
        /// A value of the right type that is not allowed (range, charset, mode name).
        case value
        /// A named profile that no search location holds.
        case notFound
        /// `extends` leads back to a profile already in the chain.
        case cycle
        /// The file could not be read.
        case io
    }

    public var kind: Kind
    /// The file as shown to the user (a path, or `shipped:NAME.toml` for embedded profiles).
    public var file: String
    public var position: SourcePosition?
    /// Dotted key path of the offending key, empty when the error is about the whole file.
    public var keyPath: String
    public var message: String

    public init(_ kind: Kind, file: String, position: SourcePosition? = nil, keyPath: String = "",
                message: String) {
        self.kind = kind
        self.file = file
        self.position = position
        self.keyPath = keyPath
        self.message = message
    }

    public var line: Int? { position?.line }
    public var column: Int? { position?.column }

    public var description: String {
        let location = position.map { "\(file):\($0.line):\($0.column)" } ?? file
        return location.isEmpty ? message : "\(location): \(message)"
    }
}
