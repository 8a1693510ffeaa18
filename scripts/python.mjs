// Finds the Python interpreter that has the model's dependencies (torch, onnx).
// Debian's python3-torch lives in /usr/bin/python3, which may not be the first python3 on
// PATH (pyenv, venvs). GLOW_PYTHON overrides the search.
import { spawnSync } from 'node:child_process';

const CANDIDATES = [process.env.GLOW_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(Boolean);

export function findPython(modules = ['torch', 'onnx']) {
  const probe = modules.map((m) => `import ${m}`).join('; ');
  for (const exe of CANDIDATES) {
    const r = spawnSync(exe, ['-c', probe], { stdio: 'ignore' });
    if (r.status === 0) return exe;
  }
  return null;
}
