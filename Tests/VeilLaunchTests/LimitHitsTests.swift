import Testing
@testable import VeilLaunch

@Suite struct LimitHitsTests {
    @Test(arguments: [(0, 0, false), (7, 0, false), (0, 3, true), (0x7FFF, 0x7FFF, true), (5, 9, false)])
    func packsIntoOneSignalValue(_ pids: Int, _ oom: Int, _ cpu: Bool) {
        let h = InspectorHandoff.LimitHits(pidsRefused: pids, oomKills: oom, cpuTime: cpu)
        #expect(InspectorHandoff.LimitHits(packed: h.packed) == h)
    }

    @Test func countersSaturate() {
        let h = InspectorHandoff.LimitHits(packed: InspectorHandoff.LimitHits(pidsRefused: 1 << 20, oomKills: 1 << 20).packed)
        #expect(h.pidsRefused == 0x7FFF && h.oomKills == 0x7FFF && !h.cpuTime)
    }
}
