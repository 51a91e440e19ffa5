// Prints the AWS IoT operations ddlocal implements, as the Markdown list the README carries between the markers
// <!-- operations:start --> and <!-- operations:end -->. `--write` updates README.md in place; the docs test fails
// when the README and the handler table disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { HANDLERS } from '../dist/src/domain/operations.js';
import { MODEL } from '../dist/src/model/model.js';

export function operationsMarkdown() {
  const implemented = Object.keys(HANDLERS).sort();
  const total = Object.keys(MODEL.operations).length;
  const lines = [
    `ddlocal implements ${implemented.length} of the ${total} operations of the AWS IoT API model; every other operation`,
    'answers `501 NotImplementedException` naming the operation.',
    '',
    ...implemented.map((op) => {
      const http = MODEL.operations[op].http;
      return `- \`${op}\` — \`${http.method} ${http.requestUri}\``;
    }),
  ];
  return lines.join('\n');
}

if (process.argv.includes('--write')) {
  const readme = readFileSync('README.md', 'utf8');
  const updated = readme.replace(
    /(<!-- operations:start -->)[\s\S]*?(<!-- operations:end -->)/,
    `$1\n${operationsMarkdown()}\n$2`,
  );
  writeFileSync('README.md', updated);
} else if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  console.log(operationsMarkdown());
}
