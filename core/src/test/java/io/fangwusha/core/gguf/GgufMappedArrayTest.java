package io.fangwusha.core.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fangwusha.core.FangwushaException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large metadata arrays left in the mapping read as parsed ones did; the UTF-8 check is Java's strict decoder's. */
class GgufMappedArrayTest {
    @TempDir
    Path dir;

    static List<String> strings(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(i % 7 == 0 ? "" : "Ġtok" + i + (i % 3 == 0 ? "汉字😀" : ""));
        return l;
    }

    @Test
    void largeArraysReadAsTheyWereWritten() {
        List<String> big = strings(20_000);
        int[] ints = new int[10_000];
        for (int i = 0; i < ints.length; i++) ints[i] = i * 7 - 5000;
        long[] longs = new long[5_000];
        for (int i = 0; i < longs.length; i++) longs[i] = (long) i << 33;
        Path out = dir.resolve("big.gguf");
        new GgufWriter()
                .put("small", GgufValue.strings(List.of("a", "b")))
                .put("big", GgufValue.strings(big))
                .put("ints", GgufValue.int32s(ints))
                .put("longs", new GgufValue(GgufValueType.ARRAY, GgufValueType.UINT64, longs))
                .put("nested", new GgufValue(GgufValueType.ARRAY, GgufValueType.ARRAY,
                        List.of(GgufValue.strings(big), GgufValue.int32s(new int[] {1}))))
                .put("after", GgufValue.string("still read"))
                .write(out);
        GgufMetadata md;
        try (GgufFile f = GgufFile.open(out)) {
            md = f.metadata();
            assertThat(md.getStrings("small")).containsExactly("a", "b");
            assertThat(md.getStrings("big")).containsExactlyElementsOf(big);
            assertThat(md.getStrings("big")).isNotSameAs(md.getStrings("big")); // a fresh array each time
            assertThat(md.getInts("ints")).containsExactly(ints);
            assertThat((long[]) md.get("longs").value()).containsExactly(longs);
            assertThat(md.get("big").length()).isEqualTo(20_000);
            assertThat(md.get("big")).isEqualTo(GgufValue.strings(big)).hasSameHashCodeAs(GgufValue.strings(big));
            assertThat(md.get("big").toString()).isEqualTo("ARRAY<STRING>[20000]");
            assertThat(md.get("nested")).isEqualTo(new GgufValue(GgufValueType.ARRAY, GgufValueType.ARRAY,
                    List.of(GgufValue.strings(big), GgufValue.int32s(new int[] {1}))));
            assertThat(md.getString("after")).isEqualTo("still read");

            Path copy = dir.resolve("copy.gguf"); // a mapped value written to another file
            new GgufWriter().put("big", md.get("big")).put("ints", md.get("ints")).write(copy);
            try (GgufFile c = GgufFile.open(copy)) {
                assertThat(c.metadata().getStrings("big")).containsExactlyElementsOf(big);
                assertThat(c.metadata().getInts("ints")).containsExactly(ints);
            }
        }
        assertThat(md.getStrings("small")).containsExactly("a", "b");
        assertThat(md.get("big").length()).isEqualTo(20_000);
        assertThatThrownBy(() -> md.getStrings("big")).isInstanceOf(FangwushaException.class)
                .hasMessage("big.gguf: metadata 'big' cannot be read: the file is closed");
    }

    @Test
    void releasedMetadataPagesReadAgainFromTheFile() throws Exception {
        List<String> big = strings(20_000);
        int[] ints = new int[4 << 20]; // 16 MB, so that dropping its pages shows in the resident size
        for (int i = 0; i < ints.length; i++) ints[i] = i ^ 0x5a5a5a5a;
        Path out = dir.resolve("release.gguf");
        new GgufWriter().put("big", GgufValue.strings(big)).put("ints", GgufValue.int32s(ints)).write(out);
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.metadata().getInts("ints")).isEqualTo(ints); // every page of the array read once
            long before = rssFileKb();
            f.releaseMetadata();
            long after = rssFileKb();
            if (before > 0) assertThat(before - after).as("file-backed KB dropped").isGreaterThan(8 * 1024);
            assertThat(f.metadata().getStrings("big")).containsExactlyElementsOf(big);
            assertThat(f.metadata().getInts("ints")).isEqualTo(ints);
        }
    }

    /** This process's resident file-backed memory in KB (Linux), or 0 where /proc does not say. */
    static long rssFileKb() throws java.io.IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) return 0;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("RssFile:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return 0;
    }

    @Test
    void badUtf8InALargeArrayIsReportedWhenTheFileIsOpened() throws Exception {
        List<String> big = strings(20_000);
        big.set(12_345, "Xbad");
        Path out = dir.resolve("bad.gguf");
        new GgufWriter().put("big", GgufValue.strings(big)).write(out);
        byte[] b = Files.readAllBytes(out);
        int at = indexOf(b, "Xbad".getBytes(StandardCharsets.UTF_8));
        b[at] = (byte) 0xC0; // an overlong lead byte
        Files.write(out, b);
        assertThatThrownBy(() -> GgufFile.open(out)).isInstanceOf(FangwushaException.class)
                .hasMessage("bad.gguf: metadata 'big'[12345] at offset " + at + " is not valid UTF-8");
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
