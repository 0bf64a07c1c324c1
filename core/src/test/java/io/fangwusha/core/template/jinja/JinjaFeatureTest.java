package io.fangwusha.core.template.jinja;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Interpreter features, one line per case: [template, variables, expected]. The expectations follow Jinja2's
 * documented semantics under transformers' environment (trim_blocks, lstrip_blocks, loopcontrols, json.dumps tojson);
 * they were written by hand and checked against Jinja2 3.1.6 itself. Variables are JSON (objects keep key order).
 */
class JinjaFeatureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String CASES = """
            ["a\\n{% if true %}\\nb\\n{% endif %}\\nc", {}, "a\\nb\\nc"]
            ["a\\n    {% if true %}\\n    b\\n    {% endif %}\\nc", {}, "a\\n    b\\nc"]
            ["a  {%- if true -%}  b  {%- endif -%}  c", {}, "abc"]
            ["x {{- ' y ' -}} z", {}, "x y z"]
            ["{{ 'a' }}\\n{{ 'b' }}\\n", {}, "a\\nb"]
            ["a {# note #}\\nb", {}, "a b"]
            ["  {# c #}\\nx", {}, "x"]
            ["a\\n  {%+ if true %}b{% endif %}", {}, "a\\n  b"]
            ["{% if true +%}\\nx{% endif %}", {}, "\\nx"]
            ["{% raw %}{{ x }}{% endraw %}", {}, "{{ x }}"]
            ["line1\\r\\nline2", {}, "line1\\nline2"]
            ["{{ none }}|{{ None }}|{{ true }}|{{ False }}", {}, "None|None|True|False"]
            ["{{ [1, 'a', none, true] }}", {}, "[1, 'a', None, True]"]
            ["{{ {'k': 'v', 'n': 1.5} }}", {}, "{'k': 'v', 'n': 1.5}"]
            ["{{ 'tab\\\\there\\\\n' ~ \\"q\\\\\\"d\\" ~ '\\\\u4e2d' }}", {}, "tab\\there\\nq\\"d中"]
            ["{{ 1 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 1e-5 }} {{ 1e16 }} {{ 0.1 + 0.2 }}", {}, "0.5 3 -4 2 1024 1e-05 1e+16 0.30000000000000004"]
            ["{{ 'ab' * 3 }}{{ [1] + [2] }}{{ 1 ~ 2 }}", {}, "ababab[1, 2]12"]
            ["{{ 1 if x else 2 }}{{ 3 if y }}", {"x": 0}, "2"]
            ["{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'b' in 'abc' }} {{ 4 not in [1, 2] }} {{ 'k' in {'k': 1} }}", {}, "True False True True True"]
            ["{{ not x and y or 'z' }}", {"x": 1, "y": 2}, "z"]
            ["{{ s[::-1] }} {{ s[1:] }} {{ s[-2:] }} {{ s[:-1] }} {{ s[::2] }} {{ s[-1] }}", {"s": "abcde"}, "edcba bcde de abcd ace e"]
            ["{{ l[::-1] }} {{ l[1:3] }} {{ l[-1] }} {{ l[10] is undefined }}", {"l": [1, 2, 3, 4]}, "[4, 3, 2, 1] [2, 3] 4 True"]
            ["{{ '中文字符'[1:3] }}{{ '😀ab'[1] }}{{ '😀ab'|length }}", {}, "文字a3"]
            ["{{ m.content }}{{ m['content'] }}{{ m.missing }}|{{ m.missing is defined }}", {"m": {"content": "c"}}, "cc|False"]
            ["{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}", {"l": "ab"}, "1021TrueFalse2;2110FalseTrue2;"]
            ["{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}", {"d": {"b": 1, "a": 2}}, "b=1,a=2,"]
            ["{% for k in d %}{{ k }}{% endfor %}{% for k, v in d|items %}{{ v }}{% endfor %}", {"d": {"x": 1, "y": 2}}, "xy12"]
            ["{% for x in [] %}a{% else %}empty{% endfor %}", {}, "empty"]
            ["{% for x in [1,2,3,4] if x is even %}{{ x }}{{ loop.length }}{% endfor %}", {}, "2242"]
            ["{% for x in [1,2,3,4] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}, "13"]
            ["{% for x in [1,2] %}{{ loop.previtem }}{{ loop.nextitem }}{{ loop.cycle('a','b') }}{% endfor %}", {}, "2a1b"]
            ["{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", {}, "21"]
            ["{% set ns = namespace(n=0, s='') %}{% for i in [1,2,3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}", {}, "6"]
            ["{% set a, b = [1, 2] %}{{ b }}{{ a }}", {}, "21"]
            ["{% set t %}in{{ 1 }}{% endset %}[{{ t }}]", {}, "[in1]"]
            ["{% macro m(a, b='d') %}<{{ a }}{{ b }}>{% endmacro %}{{ m(1) }}{{ m(2, b=3) }}", {}, "<1d><23>"]
            ["{% filter upper %}abc{% endfilter %}", {}, "ABC"]
            ["{% with a = 5 %}{{ a }}{% endwith %}{{ a }}", {}, "5"]
            ["{{ x|length }} {{ 'abc'|length }} {{ u|length }} {{ {'a':1}|length }}", {"x": [1, 2]}, "2 3 0 1"]
            ["[{{ '  a b \\\\n'|trim }}] {{ 'xxaxx'|trim('x') }}", {}, "[a b] a"]
            ["{{ u|default('d') }} {{ ''|default('d') }} {{ ''|d('d', true) }} {{ none|default('d') }}", {}, "d  d None"]
            ["{{ ['a','b']|join(', ') }} {{ [1,2]|join }} {{ 'hi'|upper }} {{ 'HI'|lower }} {{ [3,1]|first }} {{ [3,1]|last }}", {}, "a, b 12 HI hi 3 1"]
            ["{{ 'ab'|list }} {{ 12|string ~ 'x' }} {{ '42'|int + 1 }} {{ '3.9'|int }} {{ 'x'|int }} {{ 3.7|int }}", {}, "['a', 'b'] 12x 43 3 0 3"]
            ["{{ l|selectattr('ok')|map(attribute='n')|list }} {{ l|rejectattr('ok')|map(attribute='n')|join }} {{ l|selectattr('n', 'equalto', 'b')|list|length }}", {"l": [{"n": "a", "ok": true}, {"n": "b", "ok": false}]}, "['a'] b 1"]
            ["{{ ['a','b']|map('upper')|list }} {{ [1,2,3]|select('odd')|list }} {{ [3,1,2]|sort }} {{ [1,2,3]|sum }} {{ [1,2]|reverse|list }}", {}, "['A', 'B'] [1, 3] [1, 2, 3] 6 [2, 1]"]
            ["{{ 'hello world-foo'|title }} {{ 'hELLO'|capitalize }} {{ 2.5|round }} {{ 3.14159|round(2) }} {{ -3|abs }}", {}, "Hello World-Foo Hello 2.0 3.14 3"]
            ["{{ '<a href=\\"x\\">&'|e }} {{ '<b>'|safe }}", {}, "&lt;a href=&#34;x&#34;&gt;&amp; <b>"]
            ["{{ '%s-%d'|format('a', 3) }} {{ '%05.1f|%-3s|%x' % (3.14159, 'a', 255) }}", {}, "a-3 003.1|a  |ff"]
            ["{{ d|tojson }}", {"d": {"b": "中文\\"q\\"\\n\\t\\\\", "a": [1, 2.5, null, true], "e": {}}}, "{\\"b\\": \\"中文\\\\\\"q\\\\\\"\\\\n\\\\t\\\\\\\\\\", \\"a\\": [1, 2.5, null, true], \\"e\\": {}}"]
            ["{{ d|tojson(indent=2) }}", {"d": {"a": [1, {"b": null}], "c": []}}, "{\\n  \\"a\\": [\\n    1,\\n    {\\n      \\"b\\": null\\n    }\\n  ],\\n  \\"c\\": []\\n}"]
            ["{{ d|tojson(ensure_ascii=True, sort_keys=True, separators=(',', ':')) }}", {"d": {"z": "é😀", "a": 1}}, "{\\"a\\":1,\\"z\\":\\"\\\\u00e9\\\\ud83d\\\\ude00\\\\u007f\\"}"]
            ["{{ '\\u0001 </script>'|tojson }}", {}, "\\"\\\\u0001 </script>\\""]
            ["{{ u is defined }}{{ u is undefined }}{{ none is none }}{{ 's' is string }}{{ {} is mapping }}{{ [] is iterable }}{{ 's' is sequence }}{{ 1.5 is number }}{{ true is number }}{{ true is boolean }}{{ false is false }}{{ 1 is true }}", {}, "FalseTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueFalse"]
            ["{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 1 is eq 1 }}{{ x is not none }}{{ 'a' is in 'abc' }}", {"x": 0}, "TrueTrueTrueTrueTrueTrue"]
            ["{{ s.startswith('<t') }}{{ s.endswith(('x', '>')) }}{{ s.split('>')[-1].lstrip('\\\\n') }}|{{ '  a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}", {"s": "<tool>\\n\\nrest"}, "TrueFalserest|['a', 'b']|['a', 'b,c']"]
            ["{{ '\\\\n\\\\nx\\\\n'.strip('\\\\n') }}|{{ 'xxhixx'.rstrip('x') }}|{{ 'abab'.replace('a', 'c', 1) }}|{{ 'hello world'.title() }}|{{ 'A-b'.upper() }}{{ 'A-B'.lower() }}", {}, "x|xxhi|cbab|Hello World|A-Ba-b"]
            ["{{ '{} is {name}'.format(1, name='x') }}|{{ '{:>4}|{:.2f}|{!r}'.format('a', 2.345, 'q') }}", {}, "1 is x|   a|2.35|'q'"]
            ["{{ d.get('a') }}{{ d.get('z', 'dflt') }}{{ d.keys()|list }}{{ d.values()|list }}", {"d": {"a": 1}}, "1dflt['a'][1]"]
            ["[{{ u }}][{% for x in u %}x{% endfor %}][{{ u ~ 'a' }}][{{ not u }}]", {}, "[][][a][True]"]
            """;

    static Stream<Arguments> cases() throws Exception {
        List<Arguments> out = new ArrayList<>();
        for (String line : CASES.strip().split("\n")) {
            JsonNode n = JSON.readTree(line.strip());
            out.add(Arguments.of(n.get(0).asText(), n.get(1), n.get(2).asText()));
        }
        return out.stream();
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersLikeJinja2(String template, JsonNode vars, String expected) {
        Map<String, Object> v = JSON.convertValue(vars, Map.class);
        assertThat(JinjaTemplate.compile(template, "t").render(v)).isEqualTo(expected);
    }
}
