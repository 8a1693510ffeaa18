#!/usr/bin/env node
// Enforces the layering of DESIGN.md: app/ never imports electron, and renderer/ reaches
// into app/ only through the app/api contract.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { walkFiles } from './walk.mjs';

const SOURCE = /\.(ts|tsx|js|mjs|cjs|svelte)$/;
const SPECIFIER = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function specifiers(text) {
  return [...text.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]);
}

/** Returns one message per forbidden import under root. */
export function findViolations(root) {
  const found = [];
  const appDir = resolve(root, 'app');
  const apiDir = resolve(root, 'app', 'api');
  for (const file of walkFiles(join(root, 'app'), SOURCE)) {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec === 'electron' || spec.startsWith('electron/')) {
        found.push(`${relative(root, file)} imports '${spec}': app/ must not depend on Electron`);
      }
    }
  }
  for (const file of walkFiles(join(root, 'renderer'), SOURCE)) {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const inApp = target === appDir || target.startsWith(appDir + sep);
      const inApi = target === apiDir || target.startsWith(apiDir + sep);
      if (inApp && !inApi) {
        found.push(`${relative(root, file)} imports '${spec}': renderer/ may only import app/api`);
      }
    }
  }
  return found;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const violations = findViolations(root);
  for (const v of violations) console.error(`layer check: ${v}`);
  if (violations.length) process.exit(1);
  console.log('layer check: ok');
}
