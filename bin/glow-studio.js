#!/usr/bin/env node
// The glow-studio command. Runs the compiled CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/app/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('glow-studio: not built yet; run `npm run build` (or `npm start`) in the glow-studio folder first.');
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
