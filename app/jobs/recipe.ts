// A batch recipe: slider amounts by attribute name and an optional face mix. Names resolve
// against the bundle's built-in attributes (attributes.json) and the library's derived ones.
import { z } from 'zod';
import type { BuiltinAttribute } from '../library/builtin-attributes.js';
import type { AttributeRecord } from '../library/library.js';

export const Recipe = z.object({
  sliders: z.record(z.string(), z.number().finite()),
  mix: z
    .object({
      /** A photo or aligned crop whose (first) face is the mix partner. */
      with: z.string().min(1),
      /** Share of the partner, one number or one per latent level (finest first). */
      weights: z.union([z.number().finite(), z.array(z.number().finite())]),
    })
    .optional(),
});
export type Recipe = z.infer<typeof Recipe>;

export class AttributeNameError extends Error {
  override name = 'AttributeNameError';
}

// Everyday names for the CelebA / UTKFace columns the shipped model's attributes come from.
const ALIASES: Record<string, string> = { smile: 'smiling', smiling: 'smiling', old: 'age', young: 'young', woman: 'female', man: 'male', glasses: 'eyeglasses' };

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

export interface ResolvedAttributes {
  /** Recipe name -> direction. */
  directions: Record<string, Float32Array>;
  /** Recipe name -> the attribute it resolved to ("Smiling (built-in)"). */
  resolved: Record<string, string>;
  /** Recipe name -> the attribute's own name ("Smiling"), as the library saves edits. */
  names: Record<string, string>;
}

/**
 * Resolves every slider name (case and punctuation ignored; "smile" finds "Smiling"). Derived
 * attributes win over built-in ones of the same name. An unknown name is an error that lists
 * the known ones; a bundle without attributes.json says so.
 */
export function resolveAttributes(names: readonly string[], builtin: readonly BuiltinAttribute[] | undefined, derived: readonly AttributeRecord[], context: { bundleDir: string; modelId: string }): ResolvedAttributes {
  const table = new Map<string, { name: string; label: string; direction: Float32Array }>();
  for (const b of builtin ?? []) table.set(norm(b.name), { name: b.name, label: `${b.name} (built-in)`, direction: b.direction });
  for (const d of derived) table.set(norm(d.name), { name: d.name, label: `${d.name} (derived)`, direction: d.direction });
  const out: ResolvedAttributes = { directions: {}, resolved: {}, names: {} };
  for (const name of names) {
    const key = norm(name);
    const hit = table.get(key) ?? table.get(ALIASES[key] ?? '\0');
    if (!hit) {
      const known = [...(builtin ?? []).map((b) => b.name), ...derived.map((d) => `${d.name} (derived)`)];
      const noBuiltin = builtin
        ? ''
        : ` The model bundle ${context.bundleDir} ships no built-in attributes (it has no attributes.json; the random-weight test fixture never does).`;
      throw new AttributeNameError(
        `unknown attribute '${name}' for model ${context.modelId}.${noBuiltin} Known: ${known.length ? known.join(', ') : 'none (tag faces and run `glow-studio derive <name>` to make one)'}`,
      );
    }
    out.directions[name] = hit.direction;
    out.resolved[name] = hit.label;
    out.names[name] = hit.name;
  }
  return out;
}

/** Parses repeated `--set name=amount` flags. */
export function parseSetFlags(values: readonly string[]): Record<string, number> {
  const sliders: Record<string, number> = {};
  for (const v of values) {
    const m = /^([^=]+)=(.+)$/.exec(v);
    const amount = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(amount) || m[2]!.trim() === '') throw new RangeError(`--set wants name=amount (e.g. smile=0.6), got '${v}'`);
    if (Math.abs(amount) > 10) throw new RangeError(`--set ${m[1]}: amount ${amount} is out of range (-10 to 10)`);
    sliders[m[1]!.trim()] = amount;
  }
  return sliders;
}
