public enum ScanBenchmark {
    public static func run(sizeMiB: Int, iterations: Int) -> String { "not yet" }
}
