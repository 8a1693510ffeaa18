import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { findViolations } from './check-layers.mjs';

function tree(files) {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('the layer check accepts the allowed directions', () => {
  const root = tree({
    'app/engine/a.ts': "import { x } from '../api/contract.js';\nimport sharp from 'sharp';",
    'renderer/src/App.svelte': "<script>import type { StudioApi } from '../../app/api/contract.js';</script>",
  });
  assert.deepEqual(findViolations(root), []);
  rmSync(root, { recursive: true });
});

test('the layer check rejects electron in app/ and app internals in renderer/', () => {
  const root = tree({
    'app/engine/a.ts': "import { app } from 'electron';",
    'app/jobs/b.ts': "const { ipcMain } = require('electron/main');",
    'renderer/src/c.ts': "import { GlowEngine } from '../../app/engine/engine.js';",
    'renderer/src/d.ts': "const m = await import('../../app/library/db.js');",
  });
  const v = findViolations(root);
  assert.equal(v.length, 4, v.join('\n'));
  assert.match(v.join('\n'), /app\/engine\/a\.ts imports 'electron'/);
  assert.match(v.join('\n'), /renderer\/src\/c\.ts imports '\.\.\/\.\.\/app\/engine\/engine\.js'/);
  rmSync(root, { recursive: true });
});
