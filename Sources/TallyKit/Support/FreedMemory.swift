#if canImport(Glibc)
/// glibc's `malloc_trim` (in `<malloc.h>`, which the Glibc module does not export).
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
#endif

/// Memory a stage has freed, given back to the system: glibc keeps what another thread freed in
/// that thread's arena, so a later stage's allocations would add to the process's peak instead.
package enum FreedMemory {
    package static func release() {
        #if canImport(Glibc)
        _ = mallocTrim(0)
        #endif
    }
}
