import Glibc

/// The host kernel's release and build string (uname -r, -v), read before the sandbox hides
/// them: the launcher derives the neutral identity from them, the inspector makes them canaries.
public enum HostKernel {
    public static func uname() -> (release: String, version: String) {
        var u = utsname()
        guard Glibc.uname(&u) == 0 else { return ("", "") }
        func field<T>(_ tuple: inout T) -> String {
            withUnsafeBytes(of: &tuple) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        return (field(&u.release), field(&u.version))
    }

    /// What the vDSO, the kernel's image in every process's memory, says of the kernel: its
    /// build salt (CONFIG_BUILD_SALT: a distribution's full release, `6.1.102-1.182.amzn2023.x86_64`)
    /// and its build id, in hex. Neither can be hidden from a process (the kernel maps the vDSO
    /// into each, and cpuid-style faulting does not exist for memory), so the inspector makes
    /// them canaries. Empty where there is no vDSO or no such note.
    public static func vdsoNotes() -> (buildSalt: String, buildID: String) {
        // AT_SYSINFO_EHDR (33) from the auxiliary vector, as getauxval reads it.
        guard let auxv = HostFiles.read("/proc/self/auxv") else { return ("", "") }
        var base: UInt64 = 0
        auxv.withUnsafeBytes { raw in
            for at in stride(from: 0, to: raw.count - 15, by: 16)
            where raw.loadUnaligned(fromByteOffset: at, as: UInt64.self) == 33 {
                base = raw.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)
            }
        }
        guard base != 0, let image = UnsafeRawPointer(bitPattern: UInt(base)) else { return ("", "") }
        return notes(ofELF: image)
    }

    /// The notes of an ELF64 image mapped at `image` (its program headers' PT_NOTE segments).
    public static func notes(ofELF image: UnsafeRawPointer) -> (buildSalt: String, buildID: String) {
        func u16(_ at: Int) -> Int { Int(image.loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
        func u32(_ at: Int) -> Int { Int(image.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> Int { Int(image.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        // "\x7fELF", 64-bit, little-endian.
        guard u32(0) == 0x464C_457F, image.load(fromByteOffset: 4, as: UInt8.self) == 2,
              image.load(fromByteOffset: 5, as: UInt8.self) == 1 else { return ("", "") }
        var salt = "", id = ""
        let (phoff, phentsize, phnum) = (u64(32), u16(54), u16(56))
        for i in 0..<min(phnum, 64) {
            let ph = phoff + i * phentsize
            guard u32(ph) == 4 else { continue }  // PT_NOTE
            var at = u64(ph + 8)
            let end = at + min(u64(ph + 32), 1 << 16)
            while at + 12 <= end {
                let (namesz, descsz, type) = (u32(at), u32(at + 4), u32(at + 8))
                let name = at + 12, desc = name + (namesz + 3) & ~3
                guard desc + descsz <= end else { break }
                let bytes = UnsafeRawBufferPointer(start: image + desc, count: descsz)
                let owner = String(decoding: UnsafeRawBufferPointer(start: image + name, count: namesz).prefix { $0 != 0 }, as: UTF8.self)
                if owner == "Linux" && type == 0x100 {  // LINUX_ELFNOTE_BUILD_SALT
                    salt = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                } else if owner == "GNU" && type == 3 {  // NT_GNU_BUILD_ID
                    id = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
                }
                at = desc + (descsz + 3) & ~3
            }
        }
        return (salt, id)
    }
}
