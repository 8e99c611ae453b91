// Runs caniemail (npm) on an email HTML file for the given client globs and prints
// {"errors": {client: [title, ...]}, "warnings": {...}} as JSON on stdout.
// Usage: node tests/caniemail_check.mjs FILE.html 'gmail.*' 'outlook.*' 'apple-mail.*'
import { readFileSync } from 'node:fs';
import { caniemail } from 'caniemail';

const [file, ...clients] = process.argv.slice(2);
const result = caniemail({ clients, html: readFileSync(file, 'utf8') });
const titles = (issues) => Object.fromEntries([...issues.entries()].map(([client, list]) => [client, list.map((i) => i.title)]));
process.stdout.write(JSON.stringify({ errors: titles(result.issues.errors), warnings: titles(result.issues.warnings) }));
