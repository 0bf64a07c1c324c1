package io.fangwusha.core.weights;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The native memory weights live in. File mappings are handed out as plain native segments ({@link #view}), the
 * same implementation class as the memory kernels allocate for weights they rearrange on load: C2 compiles a
 * segment access for the classes its profile has seen, and a decode kernel whose profile had seen both a mapped
 * and a native segment tested the class on every access (a Q4_0 kernel's loop grew from ~80 to ~120 instructions
 * per block; 0.6B tg 51 -> 43 tok/s).
 */
public final class NativeMemory {
    private NativeMemory() {}

    private static final long PAGE = 4096;
    private static final int MADV_DONTNEED = 4;
    /** {@code madvise}, where the platform has it with Linux's flag values; null elsewhere. */
    private static final MethodHandle MADVISE = System.getProperty("os.name", "").startsWith("Linux")
            ? libc("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT))
            : null;

    /** {@code malloc} and {@code free} of the C library, or null. */
    private static final MethodHandle MALLOC = libc("malloc", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = libc("free", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    private static MethodHandle libc(String name, FunctionDescriptor f) {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), f);
        } catch (RuntimeException | Error e) {
            return null;
        }
    }

    /**
     * {@code bytes} of native memory, 64-byte aligned, NOT zeroed (for a caller that writes all of it), freed when
     * {@code arena} closes. {@link Arena#allocate} zeroes first, one more pass over memory that is fresh to the
     * process (and slow to touch for the first time on a VM). Falls back to {@link Arena#allocate}.
     */
    public static MemorySegment allocateUninitialized(long bytes, Arena arena) {
        if (MALLOC == null || FREE == null) return arena.allocate(bytes, 64);
        MemorySegment p;
        try {
            p = (MemorySegment) MALLOC.invokeExact(bytes + 63);
        } catch (Throwable e) {
            return arena.allocate(bytes, 64);
        }
        if (p.address() == 0) return arena.allocate(bytes, 64);
        return MemorySegment.ofAddress((p.address() + 63) & ~63L).reinterpret(bytes, arena, s -> free(p));
    }

    private static void free(MemorySegment p) {
        try {
            FREE.invokeExact(p);
        } catch (Throwable e) {
            throw new IllegalStateException("free failed", e);
        }
    }

    /**
     * A read-only native segment over the same bytes as {@code mapped} (a file mapping of {@code arena}), alive as
     * long as {@code arena} is.
     */
    public static MemorySegment view(MemorySegment mapped, Arena arena) {
        return MemorySegment.ofAddress(mapped.address()).reinterpret(mapped.byteSize(), arena, null).asReadOnly();
    }

    /**
     * Drops the pages of {@code fileBacked}, a read-only {@link #view} of a file mapping, from this process's
     * memory ({@code MADV_DONTNEED} on the whole pages around it: a later read of any of them, a neighbour's
     * included, pages it in again from the file). For a kernel that has copied such bytes into its own layout;
     * without it the resident size would count those weights twice. Does nothing for other segments or where
     * {@code madvise} is not available.
     */
    public static void release(MemorySegment fileBacked) {
        if (MADVISE == null || !fileBacked.isNative() || !fileBacked.isReadOnly() || fileBacked.byteSize() == 0) return;
        long start = fileBacked.address() / PAGE * PAGE;
        long end = (fileBacked.address() + fileBacked.byteSize() + PAGE - 1) / PAGE * PAGE;
        try {
            int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, MADV_DONTNEED);
        } catch (Throwable e) {
            // advice only: the pages stay resident
        }
    }
}
