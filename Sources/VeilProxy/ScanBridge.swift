import VeilScan

// `Scanner` alone is ambiguous next to Foundation's; the inspector names the scanner
// through this alias only.
typealias VeilScanner = VeilScan.Scanner
