// `Scanner` alone is ambiguous next to Foundation's; the inspector names the scanner
// through this alias only. (While ScanShim.swift exists it resolves to the shim.)
typealias VeilScanner = Scanner
