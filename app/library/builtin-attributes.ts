// A bundle's built-in attribute directions: attributes.json (names, counts) and attributes.bin
// (float32 LE, one eps_size vector per attribute in the JSON's order), written by
// models/attributes.py. Validated against the bundle's manifest; errors name the file.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Manifest } from '../engine/bundle.js';
import { decodeFloat32 } from './float16.js';

export const ATTRIBUTES_JSON = 'attributes.json';
export const ATTRIBUTES_BIN = 'attributes.bin';

const AttributesDoc = z.object({
  format: z.literal('glow-studio-attributes'),
  version: z.literal(1),
  model_id: z.string().min(1),
  eps_size: z.number().int().positive(),
  dtype: z.literal('float32'),
  byte_order: z.literal('little'),
  count: z.number().int().nonnegative().optional(),
  attributes: z.array(
    z.object({
      name: z.string().min(1),
      positive: z.string().optional(),
      negative: z.string().optional(),
      positives: z.number().int().nonnegative().optional(),
      negatives: z.number().int().nonnegative().optional(),
      source: z.string().optional(),
      norm: z.number().optional(),
      /** Written by bench/faces/bench-attribute-search.ts where the direction finds the
       * attribute well enough on held-out faces: the library can then be searched by it. */
      search: z
        .object({
          threshold: z.number().finite(),
          held_out: z.object({
            positives: z.number().int().nonnegative(),
            negatives: z.number().int().nonnegative(),
            found: z.number().int().nonnegative(),
            false_alarms: z.number().int().nonnegative(),
            balanced_accuracy: z.number().min(0).max(1),
          }),
        })
        .optional(),
    }),
  ),
});

/** How a face is told to have an attribute: its eps projected on the direction is past
 * `threshold` (app/library/attribute-search.ts). */
export interface AttributeSearch {
  threshold: number;
  /** On faces held out from the model and the direction: those with it and without it, those
   * with it that were found, those without it that were taken for faces with it, and the mean
   * of the shares told right on each side. */
  heldOut: { positives: number; negatives: number; found: number; falseAlarms: number; balancedAccuracy: number };
}

export interface BuiltinAttribute {
  name: string;
  direction: Float32Array;
  positives: number | undefined;
  negatives: number | undefined;
  description: string | undefined;
  /** Undefined where the library cannot be searched by it. */
  search: AttributeSearch | undefined;
  /** The attribute offered in its place: the same direction reversed (No_Beard's is Beard). */
  supersededBy?: string;
}

export class AttributesFileError extends Error {
  override name = 'AttributesFileError';
}

/** The bundle's attributes, or undefined when it ships none (the test fixture). */
export async function loadBuiltinAttributes(bundleDir: string, manifest: Manifest): Promise<BuiltinAttribute[] | undefined> {
  const jsonFile = join(bundleDir, ATTRIBUTES_JSON);
  const binFile = join(bundleDir, ATTRIBUTES_BIN);
  if (!existsSync(jsonFile)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(jsonFile, 'utf8'));
  } catch (err) {
    throw new AttributesFileError(`${jsonFile}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = AttributesDoc.safeParse(raw);
  if (!parsed.success) {
    throw new AttributesFileError(`${jsonFile}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'document'}: ${i.message}`).join('; ')}`);
  }
  const doc = parsed.data;
  if (doc.model_id !== manifest.model_id) throw new AttributesFileError(`${jsonFile}: model_id '${doc.model_id}' is not the bundle's model '${manifest.model_id}'`);
  if (doc.eps_size !== manifest.eps_size) throw new AttributesFileError(`${jsonFile}: eps_size ${doc.eps_size} does not match the model's ${manifest.eps_size}`);
  if (doc.count !== undefined && doc.count !== doc.attributes.length) {
    throw new AttributesFileError(`${jsonFile}: count ${doc.count} but ${doc.attributes.length} attributes listed`);
  }
  if (!existsSync(binFile)) throw new AttributesFileError(`${binFile}: missing (${ATTRIBUTES_JSON} lists ${doc.attributes.length} attributes)`);
  const bin = await readFile(binFile);
  const expected = doc.attributes.length * doc.eps_size * 4;
  if (bin.length !== expected) throw new AttributesFileError(`${binFile}: ${bin.length} bytes, expected ${doc.attributes.length} x ${doc.eps_size} float32 (${expected} bytes)`);
  const all = decodeFloat32(bin);
  return withReversed(
    doc.attributes.map((a, i) => ({
      name: a.name,
      direction: all.slice(i * doc.eps_size, (i + 1) * doc.eps_size),
      positives: a.positives,
      negatives: a.negatives,
      description: a.positive,
      search: a.search && {
        threshold: a.search.threshold,
        heldOut: {
          positives: a.search.held_out.positives,
          negatives: a.search.held_out.negatives,
          found: a.search.held_out.found,
          falseAlarms: a.search.held_out.false_alarms,
          balancedAccuracy: a.search.held_out.balanced_accuracy,
        },
      },
    })),
  );
}

/** Attributes labelled by an absence (CelebA's No_Beard), and the name people look for. */
const REVERSED: Record<string, string> = { No_Beard: 'Beard' };

/** Adds "Beard" as No_Beard reversed, so more beard is a positive amount, as on every other
 * slider. No_Beard stays, marked as superseded: recipes and command lines may name it. */
function withReversed(list: BuiltinAttribute[]): BuiltinAttribute[] {
  const extra: BuiltinAttribute[] = [];
  const superseded = new Map<string, string>();
  for (const [from, name] of Object.entries(REVERSED)) {
    const a = list.find((b) => b.name === from);
    if (!a || list.some((b) => b.name === name)) continue;
    // A face has the reversed one where it is short of the original's threshold: the sides swap.
    const search = a.search && { threshold: -a.search.threshold, heldOut: sidesSwapped(a.search.heldOut) };
    extra.push({ name, direction: a.direction.map((v) => -v), positives: a.negatives, negatives: a.positives, description: `${from} reversed`, search });
    superseded.set(from, name);
  }
  return [...list.map((a) => (superseded.has(a.name) ? { ...a, supersededBy: superseded.get(a.name) } : a)), ...extra];
}

/** The held-out figures of an attribute reversed: its faces without are the faces with. */
function sidesSwapped(h: AttributeSearch['heldOut']): AttributeSearch['heldOut'] {
  return { positives: h.negatives, negatives: h.positives, found: h.negatives - h.falseAlarms, falseAlarms: h.positives - h.found, balancedAccuracy: h.balancedAccuracy };
}
