// What one profile file says by itself, before inheritance. Scalars are optional (unset means
// "keep the parent's"); lists and tables hold only this file's entries. ProfileMerge folds a
// chain of layers into a Profile.

public struct ProfileLayer: Sendable, Equatable {
    public var name: String
    public var file: String
    public var description: String?
    public var extends: String?
    public var extendsPosition: SourcePosition?
    public var commands: [String] = []
    public var identity = IdentityPatch()
    public var envPass: [String] = []
    /// `[env.set]` in file order.
    public var envSet: [Assignment] = []
    public var filesystem = Profile.Filesystem()
    public var seccomp = Profile.Seccomp()
    public var inspector = InspectorPatch()
    public var limits = LimitsPatch()

    public init(name: String, file: String) {
        self.name = name
        self.file = file
    }

    public struct Assignment: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public struct IdentityPatch: Sendable, Equatable {
        public var user: String?
        public var uid: UInt32?
        public var gid: UInt32?
        public var fullName: String?
        public var hostname: String?
        public var tz: String?
        public var locale: String?
    }

    public struct LimitsPatch: Sendable, Equatable {
        public var pids: Int?
        public var memoryMB: Int?
        public var openFiles: Int?
        public var coreMB: Int?
        public var cpuSeconds: Int?
    }

    public struct InspectorPatch: Sendable, Equatable {
        public var port: Int?
        public var keys: [String] = []
        public var connectAllow: [String] = []
        public var maxBodyBytes: Int?
        public var maxBufferedBytes: Int?
        public var maxConnections: Int?
        public var maxRecordBytes: Int?
        public var requestTimeoutSeconds: Int?
        public var idleTimeoutSeconds: Int?
        public var baseURLs: [Profile.BaseURL] = []
        public var canary: Profile.Mode?
        public var tag: Profile.Mode?
        public var covert: Profile.Mode?
        public var rule: Profile.Mode?
        public var rules: [Profile.Rule] = []
        public var ownTypography: [String] = []
    }
}
