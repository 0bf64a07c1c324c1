package io.fangwusha.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8Test {
    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    @Test
    void unicodeStandardExampleOfMaximalSubparts() {
        // The Unicode Standard (ch. 3, "U+FFFD Substitution of Maximal Subparts"), also Rust's from_utf8_lossy.
        byte[] b = bytes(0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64);
        assertThat(Utf8.decodeLossy(b, 0, b.length)).isEqualTo("a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd");
        byte[] surrogate = bytes(0xED, 0xA0, 0x80, 0x41);
        assertThat(Utf8.decodeLossy(surrogate, 0, surrogate.length)).isEqualTo("\uFFFD\uFFFD\uFFFDA");
        byte[] truncated = bytes(0x41, 0xE4, 0xB8);
        assertThat(Utf8.decodeLossy(truncated, 0, truncated.length)).isEqualTo("A\uFFFD");
    }

    @Test
    void eachIllFormedLeadIsItsOwnSubpart() {
        // F0 must be followed by 90..BF and ED by 80..9F, so F0 ED A4 is three subparts (Rust gives three U+FFFD;
        // the JDK's decoder gives two here, so it is not used as a reference). Random byte sequences are compared
        // with HF's own decode in HuggingFaceDifferentialTest.
        byte[] b = bytes(0xAD, 0xF0, 0xED, 0xA4, 0xD1, 0x90, 0x41, 0xE0);
        assertThat(Utf8.decodeLossy(b, 0, b.length)).isEqualTo("\uFFFD\uFFFD\uFFFD\uFFFD\u0450A\uFFFD");
        byte[] overlong = bytes(0xC0, 0xAF, 0xE0, 0x80, 0xAF, 0xF4, 0x90, 0x80, 0x80);
        assertThat(Utf8.decodeLossy(overlong, 0, overlong.length)).isEqualTo("\uFFFD".repeat(9));
    }

    @Test
    void encodesLoneSurrogatesAsReplacement() {
        assertThat(Utf8.encode("a\uD800b")).isEqualTo("a\uFFFDb".getBytes(StandardCharsets.UTF_8));
        assertThat(Utf8.encode("😀")).isEqualTo("😀".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void wellFormedCheckAgreesWithTheStrictDecoder() {
        Random rnd = new Random(7);
        byte[] interesting = {0, 0x41, 0x7F, (byte) 0x80, (byte) 0x8F, (byte) 0x90, (byte) 0x9F, (byte) 0xA0,
            (byte) 0xBF, (byte) 0xC0, (byte) 0xC1, (byte) 0xC2, (byte) 0xDF, (byte) 0xE0, (byte) 0xE1, (byte) 0xEC,
            (byte) 0xED, (byte) 0xEE, (byte) 0xEF, (byte) 0xF0, (byte) 0xF1, (byte) 0xF3, (byte) 0xF4, (byte) 0xF5,
            (byte) 0xFF};
        for (int k = 0; k < 300_000; k++) {
            byte[] b = new byte[rnd.nextInt(6)];
            for (int i = 0; i < b.length; i++) b[i] = rnd.nextBoolean() ? interesting[rnd.nextInt(interesting.length)] : (byte) rnd.nextInt();
            assertThat(Utf8.isWellFormed(b, 0, b.length)).as("%s", java.util.HexFormat.of().formatHex(b)).isEqualTo(strict(b));
        }
        byte[] text = "汉字 ok 😀 é".getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8.isWellFormed(text, 0, text.length)).isTrue();
        assertThat(Utf8.isWellFormed(text, 0, 2)).isFalse(); // cut inside 汉
    }

    static boolean strict(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
