// Command-line parsing shared by every glow-studio command: one clear line per mistake.
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A bad command line (exit code 2). */
export class UsageError extends Error {}
/** An input file that cannot be used (exit code 3). */
export class InputError extends Error {}

/** The command's exit code, where it is not 0 without an error being thrown. */
export type Command = (args: string[]) => Promise<void | number>;

/** Exit codes of `glow-studio` (listed in its help). */
export const EXIT = { ok: 0, failure: 1, usage: 2, input: 3, bundle: 4, device: 5, interrupted: 130 } as const;

export const COMMON = {
  bundle: { type: 'string' },
  device: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** `--temperature -1` as `--temperature=-1`: node's parseArgs refuses a value that starts with a
 * dash after a space ("argument is ambiguous"), but a negative number is plainly a value. */
function joinNegativeNumbers(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const isString = arg.startsWith('--') && options[arg.slice(2)]?.type === 'string';
    if (isString && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  const all = { ...COMMON, ...options };
  try {
    return parseArgs({ args: joinNegativeNumbers(args, all), options: all, allowPositionals: true, strict: true });
  } catch (err) {
    // node's messages go on about '--' separators; the first sentence is the useful part.
    throw new UsageError((err as Error).message.split(/\.\s|\n/)[0]!);
  }
}

export function numberFlag(name: string, value: string | undefined, fallback: number, min: number, max: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

export function requireOut(out: string | undefined, command: string): string {
  if (!out) throw new UsageError(`${command} needs --out <file>`);
  return resolve(out);
}

export function positionals(values: string[], count: number, names: string): string[] {
  if (values.length !== count) throw new UsageError(`expected ${names}, got ${values.length ? values.join(' ') : 'nothing'}`);
  return values;
}

export async function ensureParent(file: string) {
  await mkdir(dirname(file), { recursive: true });
}

