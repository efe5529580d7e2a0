import { describe, expect, it } from 'vitest';
import { GoTemplateError } from '../../../src/template/go-template/go-template-error.ts';
import { renderGoTemplate } from '../../../src/template/go-template/render-go-template.ts';

const data = {
  name: 'Guest Book_UI',
  env: 'prod',
  empty: '',
  zero: 0,
  replicas: 3,
  big: 1234567,
  enabled: true,
  nothing: null,
  path: { path: 'apps/guestbook', basename: 'guestbook', segments: ['apps', 'guestbook'] },
  cluster: { name: 'engineering-dev', address: 'https://1.2.3.4', labels: { tier: 'gold' } },
  list: ['a', 'b'],
};

describe('renderGoTemplate', () => {
  it.each([
    ['plain text stays', 'no actions here', 'no actions here'],
    ['field', '{{.env}}', 'prod'],
    ['spaces inside the action', '{{ .path.basename }}', 'guestbook'],
    ['nested field', '{{.cluster.name}}-{{.cluster.labels.tier}}', 'engineering-dev-gold'],
    ['index into a list', '{{index .path.segments 1}}', 'guestbook'],
    ['index into a map', '{{ index .cluster "address" }}', 'https://1.2.3.4'],
    ['index with several keys', '{{ index .cluster "labels" "tier" }}', 'gold'],
    ['index of a missing map key prints <no value>', '{{ index .cluster "nope" }}', '<no value>'],
    ['missing key prints <no value>', '{{.nope}}', '<no value>'],
    ['missing key deeper prints <no value>', '{{.nope.deeper}}', '<no value>'],
    ['null value prints <no value>', '{{.nothing}}', '<no value>'],
    ['numbers print as Go float64', '{{.replicas}} {{.big}}', '3 1.234567e+06'],
    ['bool', '{{.enabled}}', 'true'],
    ['list prints Go style', '{{.list}}', '[a b]'],
    ['map prints Go style with sorted keys', '{{.cluster.labels}}', 'map[tier:gold]'],
    ['pipeline to lower', '{{ .name | lower }}', 'guest book_ui'],
    ['upper', '{{ upper .env }}', 'PROD'],
    ['chained pipeline', '{{ .name | normalize | upper }}', 'GUEST-BOOK-UI'],
    ['normalize', '{{ normalize .name }}', 'guest-book-ui'],
    ['replace', '{{ replace "-" "_" .cluster.name }}', 'engineering_dev'],
    ['replace in a pipeline', '{{ .cluster.name | replace "engineering-" "" }}', 'dev'],
    ['trimPrefix', '{{ trimPrefix "engineering-" .cluster.name }}', 'dev'],
    ['trimSuffix', '{{ .cluster.name | trimSuffix "-dev" }}', 'engineering'],
    ['trim', '{{ trim "  x  " }}', 'x'],
    ['quote', '{{ quote .env }}', '"prod"'],
    ['quote escapes', '{{ quote "a\\"b" }}', '"a\\"b"'],
    ['squote', '{{ .env | squote }}', "'prod'"],
    ['default on a missing key', '{{ .nope | default "fallback" }}', 'fallback'],
    ['default on an empty string', '{{ default "fallback" .empty }}', 'fallback'],
    ['default on zero', '{{ default 7 .zero }}', '7'],
    ['default keeps a value', '{{ .env | default "fallback" }}', 'prod'],
    [
      'printf %s %d %v %q %%',
      '{{ printf "%s-%d-%v-%q-%%" .env .replicas .enabled .env }}',
      'prod-3-true-"prod"-%',
    ],
    ['printf with a missing argument', '{{ printf "%s-%s" .env }}', 'prod-%!s(MISSING)'],
    ['printf %s of a number reports the type', '{{ printf "%s" .replicas }}', '%!s(float64=3)'],
    ['printf with an extra argument', '{{ printf "%s" .env .env }}', 'prod%!(EXTRA string=prod)'],
    ['print joins non-strings with spaces', '{{ print 1 2 "a" "b" }}', '1 2ab'],
    ['toYaml', '{{ toYaml .cluster.labels }}', 'tier: gold'],
    [
      'toYaml of a list is not indented',
      '{{ toYaml .path }}',
      'basename: guestbook\npath: apps/guestbook\nsegments:\n- apps\n- guestbook',
    ],
    [
      'toJson sorts keys',
      '{{ toJson .path }}',
      '{"basename":"guestbook","path":"apps/guestbook","segments":["apps","guestbook"]}',
    ],
    ['join', '{{ join "," .list }}', 'a,b'],
    ['len', '{{ len .list }} {{ len .env }}', '2 4'],
    [
      'contains/hasPrefix/hasSuffix',
      '{{ contains "gin" .cluster.name }} {{ hasPrefix "eng" .cluster.name }} {{ hasSuffix "x" .env }}',
      'true true false',
    ],
    ['ternary', '{{ ternary "yes" "no" .enabled }}', 'yes'],
    ['if true', '{{if .enabled}}on{{end}}', 'on'],
    ['if/else', '{{if .empty}}a{{else}}b{{end}}', 'b'],
    ['else if', '{{if eq .env "dev"}}d{{else if eq .env "prod"}}p{{else}}x{{end}}', 'p'],
    ['if on a missing key is false', '{{if .nope}}a{{else}}b{{end}}', 'b'],
    ['with rebinds dot', '{{with .cluster}}{{.name}}{{end}}', 'engineering-dev'],
    ['with else', '{{with .nope}}{{.name}}{{else}}none{{end}}', 'none'],
    ['$ is the root inside with', '{{with .cluster}}{{$.env}}-{{.name}}{{end}}', 'prod-engineering-dev'],
    ['eq with several values', '{{ eq .env "dev" "prod" }}', 'true'],
    ['eq against a missing key is false', '{{ eq .nope "x" }}', 'false'],
    ['ne', '{{ ne .env "dev" }}', 'true'],
    ['and returns the deciding operand', '{{ and .env .empty }}|{{ and .env .enabled }}', '|true'],
    ['or returns the first true operand', '{{ or .empty .env }}', 'prod'],
    ['or short-circuits (no index error)', '{{ or .env (index .list 9) }}', 'prod'],
    ['not', '{{ not .enabled }}', 'false'],
    ['comparisons', '{{ lt 1 2 }} {{ ge .replicas 3 }} {{ gt "b" "a" }}', 'true true true'],
    ['parenthesized call with a field', '{{ (index .path.segments 0) | upper }}', 'APPS'],
    ['field of a parenthesized value', '{{ (.cluster).labels.tier }}', 'gold'],
    ['trim markers', 'a  {{- .env -}}  b', 'aprodb'],
    ['comment', 'a{{/* ignored */}}b', 'ab'],
    ['{{-3}} is a negative number, not a trim marker', 'a {{-3}}', 'a -3'],
    ['number literals', '{{ 1.5 }} {{ 0x10 }} {{ 1e3 }}', '1.5 16 1000'],
    ['raw string literal', '{{ `x"y` }}', 'x"y'],
    ['string with a closing brace pair inside', '{{ "}}" }}', '}}'],
  ])('%s', (_label, template, expected) => {
    expect(renderGoTemplate(template, data)).toBe(expected);
  });

  it.each([
    ['missingkey=error on a missing key', '{{.nope}}', '{{.env}}', /map has no entry for key "nope"/],
    [
      'missingkey=error defeats default (as in Go)',
      '{{ .nope | default "x" }}',
      '{{ .env | default "x" }}',
      /"nope"/,
    ],
    ['missingkey=error deeper', '{{.cluster.nope}}', '{{.cluster.name}}', /map has no entry for key "nope"/],
    [
      'missingkey=error below a missing key',
      '{{.nope.deeper}}',
      '{{.path.path}}',
      /map has no entry for key "nope"/,
    ],
  ])('%s', (_label, failing, passing, message) => {
    expect(() => renderGoTemplate(failing, data, { missingKeyError: true })).toThrow(message);
    expect(renderGoTemplate(passing, data, { missingKeyError: true })).not.toContain('<no value>');
  });

  it.each([
    ['an unknown function', '{{ sha256sum .env }}', /function "sha256sum" is not supported/],
    [
      'an unknown function in a branch not taken',
      '{{ if false }}{{ b64enc .env }}{{ end }}',
      /function "b64enc"/,
    ],
    ['a template never defined', '{{ template "x" }}', /no such template "x"/],
    ['break outside range', '{{ if true }}{{ break }}{{ end }}', /\{\{break\}\} outside \{\{range\}\}/],
    [
      'a variable used outside its scope',
      '{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}',
      /undefined variable "\$x"/,
    ],
    ['assigning an undeclared variable', '{{ $x = 1 }}', /undefined variable "\$x"/],
    ['an undefined variable', '{{ $x }}', /undefined variable "\$x"/],
    ['an unclosed action', '{{ .env ', /unclosed action/],
    ['a missing end', '{{ if .env }}x', /missing \{\{end\}\}/],
    ['a stray end', 'x{{ end }}', /unexpected \{\{end\}\}/],
    ['a field on a string', '{{ .env.x }}', /can't evaluate field x in type string/],
    ['a field on nil', '{{ .nothing.x }}', /nil pointer evaluating interface \{\}.x/],
    ['an argument to a non-function', '{{ .env "x" }}', /can't give argument to non-function/],
    ['index out of range', '{{ index .list 5 }}', /index out of range: 5/],
    ['lower of a number', '{{ lower .replicas }}', /expected string; got float64/],
    ['eq of mismatched types', '{{ eq .env 1 }}', /incompatible types for comparison/],
    ['an unsupported printf verb', '{{ printf "%x" .env }}', /printf verb "%x" is not supported/],
    ['wrong arity', '{{ lower "a" "b" }}', /wrong number of args for lower/],
  ])('fails loudly on %s', (_label, template, message) => {
    expect(() => renderGoTemplate(template, data)).toThrow(GoTemplateError);
    expect(() => renderGoTemplate(template, data)).toThrow(message);
  });

  it('bounds the rendered output', () => {
    expect(() => renderGoTemplate('{{ .env }}{{ .env }}', data, { maxOutputLength: 6 })).toThrow(/exceeds 6/);
  });

  it('never reads inherited members of the data', () => {
    expect(renderGoTemplate('{{ .constructor }}|{{ .toString }}', {})).toBe('<no value>|<no value>');
  });
});
