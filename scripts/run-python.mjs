#!/usr/bin/env node
// Runs the model code with the Python that has torch and onnx: node scripts/run-python.mjs ARGS...
import { spawnSync } from 'node:child_process';
import { findPython } from './python.mjs';

const python = findPython();
if (!python) {
  console.error(
    'glow-studio: no Python with torch and onnx found. Install them (Debian: apt-get install ' +
      'python3-torch python3-onnx python3-pil python3-pytest) or set GLOW_PYTHON to an interpreter that has them.',
  );
  process.exit(3);
}
const r = spawnSync(python, process.argv.slice(2), { stdio: 'inherit' });
process.exit(r.status ?? 1);
