// Prints the README's configuration table, generated from the settings table of src/server/config.ts (build first).
// `--write` updates README.md between <!-- configuration:start --> and <!-- configuration:end -->; the configuration
// test fails when the README and the settings table disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { configurationMarkdown } from '../dist/src/server/config.js';

if (process.argv.includes('--write')) {
  const readme = readFileSync('README.md', 'utf8');
  const markers = /(<!-- configuration:start -->)[\s\S]*?(<!-- configuration:end -->)/;
  if (!markers.test(readme)) throw new Error('README.md has no <!-- configuration:start --> … <!-- configuration:end --> markers');
  writeFileSync('README.md', readme.replace(markers, (_, start, end) => `${start}\n${configurationMarkdown()}\n${end}`));
} else {
  console.log(configurationMarkdown());
}
