import VeilProxy

extension InspectorSummary {
    /// Several runs' reports as one, for a fleet's summary (a matrix of agents × tasks): the
    /// counts add up, the lists follow one another in the order given, and the limits hit add
    /// up. The result is a report like any run's, so a merged summary merges again.
    public static func merged(_ parts: [InspectorSummary]) -> InspectorSummary {
        var m = InspectorSummary()
        for s in parts {
            m.requests += s.requests
            m.forwarded += s.forwarded
            m.blocked += s.blocked
            m.rejected += s.rejected
            m.errors += s.errors
            m.tunnels += s.tunnels
            m.findings += s.findings
            m.findingsByKind.merge(s.findingsByKind, uniquingKeysWith: +)
            m.findingsBySeverity.merge(s.findingsBySeverity, uniquingKeysWith: +)
            m.findingList += s.findingList
            m.refusals += s.refusals
            m.limitsHit = merged(m.limitsHit, s.limitsHit)
        }
        return m
    }

    private static func merged(_ a: LimitsHit?, _ b: LimitsHit?) -> LimitsHit? {
        guard let a, let b else { return a ?? b }
        return LimitsHit(pidsRefused: a.pidsRefused + b.pidsRefused, oomKills: a.oomKills + b.oomKills,
                         cpuTime: a.cpuTime || b.cpuTime)
    }
}
