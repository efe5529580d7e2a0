import { describe, expect, it } from 'vitest';
import { FasttemplateError, renderFasttemplate } from '../../src/template/fasttemplate.ts';

const params = { name: 'in-cluster', 'path.basename': 'guestbook', 'path[0]': 'apps', count: 3 as unknown };

describe('renderFasttemplate', () => {
  it.each([
    ['{{name}}', 'in-cluster'],
    ['{{ name }}-app', 'in-cluster-app'],
    ['{{path.basename}}/{{path[0]}}', 'guestbook/apps'],
    ['{{unknown}} stays', '{{unknown}} stays'],
    ['{{ unknown }} keeps its spaces', '{{ unknown }} keeps its spaces'],
    ['{{}} stays', '{{}} stays'],
    ['non-string values are not substituted: {{count}}', 'non-string values are not substituted: {{count}}'],
    [
      'inherited members are not parameters: {{constructor}}',
      'inherited members are not parameters: {{constructor}}',
    ],
    ['{{ open on one line\nclosed on the next }}', '{{ open on one line\nclosed on the next }}'],
    ['no template', 'no template'],
  ])('%j', (template, expected) => {
    expect(renderFasttemplate(template, params)).toBe(expected);
  });

  it('rejects a {{ that never closes once the string is templated', () => {
    expect(() => renderFasttemplate('{{name}} {{oops', params)).toThrow(FasttemplateError);
  });
});
