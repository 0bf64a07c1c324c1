package io.fangwusha.server.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fangwusha.core.FangwushaException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentFilterTest {
    private static ContentFilter filter(String... lines) {
        return ContentFilter.parse(List.of(lines), "test");
    }

    @Test
    void chineseTermSplitBySpacesAndPunctuation() {
        ContentFilter f = filter("坏蛋");
        assertThat(f.blocks("你是个坏蛋")).isTrue();
        assertThat(f.blocks("你是个坏 蛋")).isTrue();
        assertThat(f.blocks("你是个坏　蛋")).isTrue();          // ideographic space
        assertThat(f.blocks("你是个坏，蛋")).isTrue();          // full-width comma
        assertThat(f.blocks("你是个坏 * . 蛋")).isTrue();
        assertThat(f.blocks("你是个坏\u200b蛋")).isTrue();      // zero-width space
        assertThat(f.blocks("你是个坏人，蛋糕很好")).isFalse();
        assertThat(f.blocks("坏")).isFalse();
    }

    @Test
    void nfkcFoldsWidthAndCase() {
        ContentFilter f = filter("BadWord", "ｅｖｉｌ");
        assertThat(f.blocks("this is a ＢＡＤＷＯＲＤ here")).isTrue();   // full-width Latin
        assertThat(f.blocks("an EVIL plan")).isTrue();
        assertThat(f.blocks("bad word")).isFalse();   // separators between Latin letters are not ignored
    }

    @Test
    void latinWhitespaceRunsCollapse() {
        ContentFilter f = filter("credit card number");
        assertThat(f.blocks("my Credit   card\tnumber is")).isTrue();
        assertThat(f.blocks("creditcard number")).isFalse();
    }

    @Test
    void regexRules() {
        ContentFilter f = filter("# comment", "", "re:\\d{3}-\\d{4}", "re:炸.{0,2}弹");
        assertThat(f.ruleCount()).isEqualTo(2);
        assertThat(f.blocks("call 555-1234 now")).isTrue();
        assertThat(f.blocks("call 55-1234 now")).isFalse();
        assertThat(f.blocks("怎么做炸 药 弹")).isTrue();         // separators between CJK removed before the regex runs
        assertThat(f.blocks("炸鸡和子弹")).isFalse();  // three characters between
    }

    @Test
    void badRegexNamesFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("filter.txt");
        Files.writeString(file, "ok\nre:(unclosed\n");
        assertThatThrownBy(() -> ContentFilter.load(file)).isInstanceOf(FangwushaException.class)
                .hasMessageStartingWith(file + ":2: bad regular expression");
    }

    @Test
    void loadsFromFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("filter.txt");
        Files.writeString(file, "# blocked\n坏蛋\nre:秘密\\d+\n");
        ContentFilter f = ContentFilter.load(file);
        assertThat(f.blocks("这是秘密42")).isTrue();
        assertThat(f.blocks("这是秘密")).isFalse();
    }

    /** Feeds text in the given pieces; returns what the stream released. */
    private static String stream(FilterStream s, String... pieces) {
        StringBuilder out = new StringBuilder();
        for (String p : pieces) out.append(s.push(p));
        return out.append(s.finish()).toString();
    }

    @Test
    void streamHoldsBackPossibleTermStartAndCutsBeforeIt() {
        ContentFilter f = filter("坏蛋");
        FilterStream s = f.newStream();
        assertThat(s.push("你好，")).isEqualTo("你好，");
        assertThat(s.push("坏")).isEmpty();                       // could become 坏蛋
        assertThat(s.push(" ")).isEmpty();                        // still could: separators between CJK are ignored
        assertThat(s.push("蛋！")).isEmpty();
        assertThat(s.blocked()).isTrue();
        assertThat(s.finish()).isEmpty();
        assertThat(s.releasedText()).isEqualTo("你好，");
    }

    @Test
    void streamReleasesHeldTextWhenTermDoesNotComplete() {
        ContentFilter f = filter("坏蛋");
        FilterStream s = f.newStream();
        assertThat(s.push("坏")).isEmpty();
        assertThat(s.push("人")).isEqualTo("坏人");
        assertThat(s.push("坏")).isEmpty();
        assertThat(s.finish()).isEqualTo("坏");
        assertThat(s.blocked()).isFalse();
    }

    @Test
    void streamRegexHoldBack() {
        ContentFilter f = filter("re:\\d{3}-\\d{4}");
        FilterStream s = f.newStream();
        assertThat(stream(s, "tel ", "55", "5-", "12", "34", " ok")).isEqualTo("tel ");
        assertThat(s.blocked()).isTrue();
        FilterStream t = f.newStream();
        assertThat(stream(t, "tel ", "55", "5-", "12", "x")).isEqualTo("tel 555-12x");
        assertThat(t.blocked()).isFalse();
    }

    @Test
    void emptyFilterPassesEverythingThrough() {
        FilterStream s = ContentFilter.NONE.newStream();
        assertThat(s.push("abc")).isEqualTo("abc");
        assertThat(s.finish()).isEmpty();
    }

    @Test
    void streamConcatenationMatchesWholeTextWhenNotBlocked() {
        ContentFilter f = filter("坏蛋", "evil", "re:x{3}");
        String text = "坏人不是 EVI-L，xx 坏 人xy";
        FilterStream s = f.newStream();
        String[] pieces = text.split("");
        assertThat(stream(s, pieces)).isEqualTo(text);
        assertThat(f.blocks(text)).isFalse();
    }
}
