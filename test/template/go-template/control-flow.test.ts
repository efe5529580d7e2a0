import { describe, expect, it } from 'vitest';
import { functionTable } from '../../../src/template/go-template/function-table.ts';
import { BUILTIN_FUNCTIONS } from '../../../src/template/go-template/functions.ts';
import { GoTemplateError } from '../../../src/template/go-template/go-template-error.ts';
import { parseGoTemplate, renderGoTemplate } from '../../../src/template/go-template/render-go-template.ts';
import { SPRIG_FUNCTIONS } from '../../../src/template/go-template/sprig-functions.ts';
import { UnknownValue, UnknownValueError } from '../../../src/template/go-template/unknown-value.ts';

/* Expected outputs follow Go's text/template documentation (pkg.go.dev/text/template) and Sprig's (masterminds.github.io/sprig). */
const data = {
  name: 'net',
  list: ['a', 'b', 'c'],
  empty: [],
  map: { z: 1, a: 2 },
  subnets: [
    { zone: 'a', type: 'public' },
    { zone: 'b', type: 'private' },
  ],
};

const sprig = functionTable(BUILTIN_FUNCTIONS, SPRIG_FUNCTIONS);
const render = (text: string, input: unknown = data) => parseGoTemplate(text, sprig).execute(input);

describe('Go text/template control structures', () => {
  it.each([
    ['range over a list sets dot', '{{ range .list }}[{{ . }}]{{ end }}', '[a][b][c]'],
    [
      'range with index and element',
      '{{ range $i, $v := .list }}{{ $i }}={{ $v }} {{ end }}',
      '0=a 1=b 2=c ',
    ],
    ['range with one variable binds the element', '{{ range $v := .list }}{{ $v }}{{ end }}', 'abc'],
    [
      'range over a map visits keys in sorted order',
      '{{ range $k, $v := .map }}{{ $k }}{{ $v }}{{ end }}',
      'a2z1',
    ],
    ['range else on an empty list', '{{ range .empty }}x{{ else }}none{{ end }}', 'none'],
    ['range over an integer (Go 1.22)', '{{ range 3 }}{{ . }}{{ end }}', '012'],
    ['break leaves the loop', '{{ range .list }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}', 'a'],
    [
      'continue skips the rest of the body',
      '{{ range .list }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }}',
      'ac',
    ],
    ['$ is the data inside range', '{{ range .list }}{{ $.name }}{{ end }}', 'netnetnet'],
    ['a declaration prints nothing', '{{ $x := .name }}[{{ $x }}]', '[net]'],
    [
      'assignment updates the outer variable from a loop',
      '{{ $n := 0 }}{{ range .list }}{{ $n = len $.list }}{{ end }}{{ $n }}',
      '3',
    ],
    [
      'a variable declared in a loop body is fresh each iteration',
      '{{ range .list }}{{ $y := . }}{{ $y }}{{ end }}',
      'abc',
    ],
    ['with binds a variable', '{{ with $s := index .subnets 1 }}{{ $s.zone }}{{ end }}', 'b'],
    [
      'define and template with data',
      '{{ define "z" }}<{{ .zone }}>{{ end }}{{ template "z" index .subnets 0 }}',
      '<a>',
    ],
    ['block defines and runs in place', '{{ block "b" .name }}({{ . }}){{ end }}', '(net)'],
    [
      'a defined template sees only its own $',
      '{{ define "t" }}{{ $ }}{{ end }}{{ $x := 1 }}{{ template "t" "in" }}',
      'in',
    ],
    [
      'range over the subnets with a condition',
      '{{ range .subnets }}{{ if eq .type "public" }}{{ .zone }}{{ end }}{{ end }}',
      'a',
    ],
  ])('%s', (_label, template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('bounds a loop that prints nothing by its step budget', () => {
    expect(() =>
      parseGoTemplate('{{ range 100000 }}{{ range 100000 }}{{ end }}{{ end }}', sprig).execute(
        {},
        { maxSteps: 10_000 },
      ),
    ).toThrow(/more than 10000 steps/);
  });

  it('bounds recursion through templates', () => {
    expect(() => render('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}')).toThrow(
      /maximum template depth/,
    );
  });
});

describe('Sprig functions', () => {
  it.each([
    ['list and append', '{{ $l := list "a" }}{{ $l = append $l "b" }}{{ join "," $l }}', 'a,b'],
    ['dict and get', '{{ $d := dict "k" "v" }}{{ get $d "k" }}', 'v'],
    ['dig with a default', '{{ dig "map" "nope" "dflt" . }}', 'dflt'],
    ['dig finds a nested key', '{{ dig "map" "a" 0 . }}', '2'],
    ['hasKey', '{{ hasKey .map "z" }}', 'true'],
    ['keys sorted', '{{ keys .map | sortAlpha | join "," }}', 'a,z'],
    ['default on an empty value', '{{ .missing | default "x" }}', 'x'],
    ['regexReplaceAll (RE2)', '{{ regexReplaceAll "\\\\.|\\\\/" "192.168.0.0/18" "-" }}', '192-168-0-0-18'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${N} group reference, not a JavaScript placeholder
    ['regexReplaceAll expands groups', '{{ regexReplaceAll "(a)(b)" "ab" "${2}$1" }}', 'ba'],
    ['regexMatch', '{{ regexMatch "^n.t$" .name }}', 'true'],
    ['b64enc', '{{ b64enc "hi" }}', 'aGk='],
    ['sha256sum', '{{ sha256sum "" }}', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['add and mul', '{{ add 1 2 3 }} {{ mul 2 3 }}', '6 6'],
    ['int of a string', '{{ int "42" }}', '42'],
    ['toString', '{{ toString 5 | printf "%s" }}', '5'],
    ['until', '{{ until 3 | toStrings | join "" }}', '012'],
    ['nindent', '{{ "a\\nb" | nindent 2 }}', '\n  a\n  b'],
    ['trunc', '{{ trunc 3 "abcdef" }}', 'abc'],
    ['splitList', '{{ splitList "," "a,b" | last }}', 'b'],
    ['merge keeps the first', '{{ $m := merge (dict "a" 1) (dict "a" 2 "b" 3) }}{{ $m.a }}{{ $m.b }}', '13'],
    ['coalesce', '{{ coalesce "" .missing "x" }}', 'x'],
    ['ternary', '{{ ternary "y" "n" true }}', 'y'],
    ['kebabcase', '{{ kebabcase "fooBar" }}', 'foo-bar'],
    ['fromYaml then a field', '{{ (fromYaml "a: 1").a }}', '1'],
    ['toYaml sorts keys', '{{ toYaml .map }}', 'a: 2\nz: 1'],
  ])('%s', (_label, template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('refuses a pattern RE2 does not allow rather than running it', () => {
    expect(() => render('{{ regexMatch "(a)\\\\1" "aa" }}')).toThrow();
  });

  it('keeps the ApplicationSet subset free of Sprig functions Argo CD users did not get before', () => {
    expect(() => renderGoTemplate('{{ sha256sum "x" }}', {})).toThrow(GoTemplateError);
  });
});

describe('a hostile template is stopped by its budget, not by the machine', () => {
  it.each([
    ['a range over a huge integer', '{{ range 1000000000 }}{{ end }}'],
    [
      'a string doubled in a loop',
      '{{ $x := "ab" }}{{ range until 40 }}{{ $x = printf "%s%s" $x $x }}{{ end }}',
    ],
    [
      'a list built from itself',
      '{{ $a := list 1 }}{{ range until 40 }}{{ $a = list $a $a }}{{ end }}{{ toJson $a }}',
    ],
    ['appending in a long loop', '{{ $l := list }}{{ range until 10000 }}{{ $l = append $l . }}{{ end }}'],
    ['indenting a long text', '{{ indent 1000 (repeat 100000 "\\n") }}'],
    [
      'replacing around every character',
      '{{ $s := repeat 100000 "a" }}{{ replace "" (repeat 1000 "b") $s }}',
    ],
  ])('%s', (_label, template) => {
    expect(() => render(template)).toThrow(GoTemplateError);
  });

  it.each([
    ['control structures', `${'{{ if true }}'.repeat(150)}x${'{{ end }}'.repeat(150)}`],
    ['parentheses', `{{ ${'('.repeat(150)}1${')'.repeat(150)} }}`],
  ])('refuses %s nested past the limit instead of exhausting the stack', (_label, template) => {
    expect(() => render(template)).toThrow(/nested deeper than 100/);
  });
});

describe('Go regular expression semantics', () => {
  it.each([
    ['JavaScript-only replacement patterns are literal', '{{ regexReplaceAll "b" "abc" "[$&]" }}', 'a[$&]c'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Go group reference, not a JavaScript placeholder
    ['a named group', '{{ regexReplaceAll "(?P<x>b)" "abc" "<${x}>" }}', 'a<b>c'],
    ['$1x names group "1x", which does not exist', '{{ regexReplaceAll "(b)" "abc" "$1x" }}', 'ac'],
    ['regexSplit keeps the rest in its last piece', '{{ regexSplit "," "a,b,c,d" 2 | join "|" }}', 'a|b,c,d'],
    ['regexSplit with n = -1 splits everywhere', '{{ regexSplit "," "a,b,c" -1 | join "|" }}', 'a|b|c'],
  ])('%s', (_label, template, expected) => {
    expect(render(template)).toBe(expected);
  });
});

describe('maps from a pull request never reach Object.prototype', () => {
  const polluted = () => (({}) as Record<string, unknown>).polluted;

  it('refuses to write through get of an inherited key', () => {
    expect(() => render('{{ $_ := set (get (dict) "__proto__") "polluted" "yes" }}')).toThrow(
      GoTemplateError,
    );
    expect(polluted()).toBeUndefined();
  });

  it.each([
    [
      'merge',
      '{{ $m := merge (dict) (fromJson "{\\"__proto__\\":{\\"polluted\\":\\"yes\\"}}") }}{{ keys $m | join "," }}',
    ],
    ['dict', '{{ $m := dict "__proto__" (dict "polluted" "yes") }}{{ keys $m | join "," }}'],
    ['set', '{{ $m := dict }}{{ $_ := set $m "__proto__" (dict "polluted" "yes") }}{{ keys $m | join "," }}'],
  ])('%s keeps __proto__ as an ordinary key, as a Go map does', (_label, template) => {
    expect(render(template)).toBe('__proto__');
    expect(polluted()).toBeUndefined();
  });

  it('get of a key the map does not own is empty, not an inherited method', () => {
    expect(render('[{{ get (dict) "toString" }}]')).toBe('[]');
  });
});

describe('values known only after apply', () => {
  const unknown = new UnknownValue('observed resource vpc', '(known after apply)');

  it.each([
    ['prints the marker', '{{ .u.status.id }}', '(known after apply)'],
    ['is absent to a condition, as on the first render', '{{ if .u }}yes{{ else }}no{{ end }}', 'no'],
    ['is empty to range', '{{ range .u }}x{{ else }}empty{{ end }}', 'empty'],
    ['survives default', '{{ .u.id | default "d" }}', '(known after apply)'],
    ['is printed inside printf', '{{ printf "arn:%s" .u.arn }}', 'arn:(known after apply)'],
    ['dig through it stays unknown', '{{ dig "status" "id" "" .u }}', '(known after apply)'],
    ['deepCopy keeps it unknown', '{{ (deepCopy (dict "u" .u)).u.id }}', '(known after apply)'],
  ])('%s', (_label, template, expected) => {
    expect(render(template, { u: unknown })).toBe(expected);
  });

  it('refuses a comparison that depends on it, naming it', () => {
    expect(() => render('{{ eq .u.id "x" }}', { u: unknown })).toThrow(UnknownValueError);
    expect(() => render('{{ eq .u.id "x" }}', { u: unknown })).toThrow(/observed resource vpc.id/);
    expect(() => render('{{ len .u.items }}', { u: unknown })).toThrow(UnknownValueError);
  });
});
