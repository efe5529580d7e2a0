import { parseAst } from 'rolldown/parseAst';
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
const files = execSync('find src -name "*.ts"', { encoding: 'utf8' }).trim().split('\n');
const out = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const lineOf = (pos) => text.slice(0, pos).split('\n').length;
  const ast = parseAst(text, { lang: 'ts', sourceType: 'module' });
  const visit = (node, parent) => {
    if (!node || typeof node.type !== 'string') return;
    if (['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'].includes(node.type)) {
      const len = lineOf(node.end) - lineOf(node.start) + 1;
      let name = node.id?.name ?? '';
      if (!name && parent?.type === 'VariableDeclarator') name = parent.id?.name;
      if (!name && (parent?.type === 'Property' || parent?.type === 'MethodDefinition')) name = parent.key?.name;
      if (len > (Number(process.argv[2]) || 100)) out.push([len, `${file}:${lineOf(node.start)} ${name}`]);
    }
    for (const key of Object.keys(node)) {
      if (key === 'parent') continue;
      const v = node[key];
      if (Array.isArray(v)) v.forEach((c) => visit(c, node));
      else if (v && typeof v === 'object' && typeof v.type === 'string') visit(v, node);
    }
  };
  visit(ast.program ?? ast, undefined);
}
out.sort((a, b) => b[0] - a[0]);
for (const [len, where] of out) console.log(len, where);
