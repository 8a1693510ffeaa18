// bench/engine: encode and decode latency with onnxruntime-node on the CPU (through the
// studio's GlowEngine, worker thread and batching included) against PyTorch eager with the
// same weights, in one run, at batch 1 and 16.
//
//   npm run bench:engine [-- --steps 16 --hidden 256 --size 64 --repeats 5]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GlowEngine } from '../../app/engine/engine.js';
import { sample, seededRandom } from '../../app/engine/latent.js';
import { findPython } from '../../scripts/python.mjs';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '64' },
    levels: { type: 'string', default: '4' },
    steps: { type: 'string', default: '16' },
    hidden: { type: 'string', default: '256' },
    repeats: { type: 'string', default: '5' },
  },
});

interface TorchReport {
  torch: string;
  threads: number;
  params: number;
  flops_per_image: number;
  config: Record<string, unknown>;
  results: { op: 'encode' | 'decode'; batch: number; ms: number }[];
}

/** Peak FP32 rate from the CPU's vector units: cores x clock x FLOPs per cycle (2 FMA units). */
function peakGflops(): { gflops: number; how: string } {
  const flags = readFileSync('/proc/cpuinfo', 'utf8');
  const perCycle = / avx512f /.test(flags) ? 64 : / avx2 /.test(flags) && / fma /.test(flags) ? 32 : 8;
  // os.cpus() reports speed 0 in some VMs; /proc/cpuinfo has the clock.
  const mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(flags)?.[1] ?? cpus()[0]?.speed ?? 0);
  const ghz = mhz / 1000;
  const cores = cpus().length;
  return { gflops: cores * ghz * perCycle, how: `${cores} cores x ${ghz.toFixed(2)} GHz x ${perCycle} FP32 FLOP/cycle` };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeOrt(engine: GlowEngine, op: 'encode' | 'decode', batch: number, repeats: number): Promise<number> {
  const m = engine.manifest;
  const random = seededRandom(batch);
  const inputs =
    op === 'encode'
      ? Array.from({ length: batch }, () => Float32Array.from({ length: engine.imageLength }, () => random() - 0.5))
      : Array.from({ length: batch }, () => sample(m.eps_size, 0.7, random));
  const call = () => Promise.all(inputs.map((x) => (op === 'encode' ? engine.encode(x) : engine.decode(x))));
  for (let i = 0; i < 2; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await call();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

async function main() {
  const python = findPython();
  if (!python) throw new Error('bench/engine needs Python with torch and onnx (see README)');
  const dir = mkdtempSync(join(tmpdir(), 'glow-bench-'));
  const bundle = join(dir, 'bundle');
  const repeats = Number(values.repeats);
  try {
    console.log('building the benchmark model and timing PyTorch eager...');
    const args = ['--out', bundle, '--size', values.size!, '--levels', values.levels!, '--steps', values.steps!, '--hidden', values.hidden!, '--repeats', String(repeats)];
    const r = spawnSync(python, [join(import.meta.dirname, 'torch_eager.py'), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`torch_eager.py failed:\n${r.stderr}`);
    const torch = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TorchReport;

    console.log('timing onnxruntime-node (CPU) through GlowEngine...');
    const engine = await GlowEngine.open(bundle, { device: 'cpu', maxBatch: 16 });
    const peak = peakGflops();
    const rows = [];
    try {
      for (const t of torch.results) {
        const ortMs = await timeOrt(engine, t.op, t.batch, repeats);
        const gflops = (torch.flops_per_image * t.batch) / (ortMs / 1000) / 1e9;
        rows.push({
          op: t.op,
          batch: t.batch,
          'torch ms/img': (t.ms / t.batch).toFixed(1),
          'ort ms/img': (ortMs / t.batch).toFixed(1),
          'speed-up (torch/ort)': (t.ms / ortMs).toFixed(2),
          'ort GFLOP/s': gflops.toFixed(1),
          '% of peak': ((100 * gflops) / peak.gflops).toFixed(1),
        });
      }
    } finally {
      await engine.close();
    }
    const cfg = torch.config;
    console.log(`\nmodel: ${cfg.image_size}x${cfg.image_size}, K=${cfg.steps}, L=${cfg.levels}, hidden=${cfg.hidden}, ` +
      `${(torch.params / 1e6).toFixed(1)} M parameters, ${(torch.flops_per_image / 1e9).toFixed(2)} GFLOP per image (encode or decode)`);
    console.log(`machine: ${cpus()[0]?.model}, ${cpus().length} cores; peak ${peak.gflops.toFixed(0)} GFLOP/s (${peak.how})`);
    console.log(`PyTorch ${torch.torch} eager, ${torch.threads} threads; onnxruntime-node CPU provider, default threads; median of ${repeats}\n`);
    console.table(rows);
    const decode1 = rows.find((x) => x.op === 'decode' && x.batch === 1)!;
    const target = Number(decode1['speed-up (torch/ort)']) >= 2;
    console.log(`target (ORT >= 2x PyTorch eager on decode, batch 1): ${target ? 'met' : 'NOT met'} (${decode1['speed-up (torch/ort)']}x)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench/engine: ${err.message}`);
  process.exit(1);
});
