extension LaunchPlan {
    /// Bind sources are resolved on the host: inside the staging root an absolute symlink
    /// would point at nothing.
    var withCanonicalSources: LaunchPlan {
        var p = self
        p.mounts = mounts.map { op in
            guard case .bind(let source, let target, let ro, let optional) = op,
                  let real = CommandResolver.realpath(source) else { return op }
            return .bind(source: real, target: target, readOnly: ro, optional: optional)
        }
        return p
    }
}
