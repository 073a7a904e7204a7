import Testing
@testable import VeilProfile

@Suite struct HostAccountTests {
    static let passwd = """
    root:x:0:0:root:/root:/bin/bash
    # a comment:x:1000:1000::/nope:/bin/sh
    alice:x:1000:1000:Alice Liddell,Room 4,,:/home/alice:/bin/bash
    bob:x:1001:1001::/home/bob:/bin/sh
    broken:x:1002
    """

    @Test func findsTheEntryByUidWithTheGecosFirstField() {
        let a = HostAccount.passwdEntry(Self.passwd, uid: 1000)
        #expect(a?.name == "alice" && a?.fullName == "Alice Liddell" && a?.home == "/home/alice")
        #expect(HostAccount.passwdEntry(Self.passwd, uid: 1001)?.fullName == "")
    }

    @Test func aUidWithNoEntryOrABrokenLineIsNil() {
        #expect(HostAccount.passwdEntry(Self.passwd, uid: 4242) == nil)
        #expect(HostAccount.passwdEntry(Self.passwd, uid: 1002) == nil)
        #expect(HostAccount.passwdEntry("", uid: 0) == nil)
    }
}
