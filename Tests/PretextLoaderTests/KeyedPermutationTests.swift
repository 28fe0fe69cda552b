import Testing
@testable import PretextLoader

@Suite struct KeyedPermutationTests {
    @Test(arguments: [1, 2, 3, 7, 64, 1000, 4097])
    func isABijection(_ n: Int) {
        let p = KeyedPermutation(count: UInt64(n), key: 42)
        let image = (0..<n).map { p[UInt64($0)] }
        #expect(Set(image).count == n)
        #expect(image.allSatisfy { $0 < UInt64(n) })
    }

    @Test func dependsOnTheKeyAndShuffles() {
        let a = (0..<1000).map { KeyedPermutation(count: 1000, key: 1)[UInt64($0)] }
        let b = (0..<1000).map { KeyedPermutation(count: 1000, key: 2)[UInt64($0)] }
        #expect(a != b)
        let fixed = a.enumerated().filter { UInt64($0.offset) == $0.element }.count
        #expect(fixed < 20, "a random permutation has about one fixed point, got \(fixed)")
    }
}
