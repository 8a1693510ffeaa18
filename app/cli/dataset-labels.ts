// Labels that face datasets carry alongside their images: CelebA's list_attr_celeba.txt next to
// the images, and UTKFace's file names (age_gender_race_date.jpg.chip.jpg).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from './args.js';

export interface DatasetLabels {
  /** Column names, in CSV order. */
  columns: string[];
  /** Where the labels come from, for messages (the attribute file, or UTKFace's names); undefined when none. */
  source: string | undefined;
  /** Labels of one image by its file name (no folder); undefined when it has none. */
  of(fileName: string): string[] | undefined;
}

export const CELEBA_ATTR_FILE = 'list_attr_celeba.txt';

/** Parses CelebA's attribute list: a count line, a header of names, one row per image of 1 / -1. */
export function parseCelebaAttributes(text: string, source: string): DatasetLabels {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const count = Number(lines[0]?.trim());
  const names = lines[1]?.trim().split(/\s+/) ?? [];
  if (!Number.isInteger(count) || count < 0 || names.length === 0) {
    throw new InputError(`${source}: not a CelebA attribute list (expected a count line, then a line of attribute names)`);
  }
  const rows = new Map<string, string[]>();
  for (let i = 2; i < lines.length; i++) {
    const [file, ...values] = lines[i]!.trim().split(/\s+/);
    if (!file || values.length !== names.length || values.some((v) => v !== '1' && v !== '-1')) {
      throw new InputError(`${source}: line ${i + 1} should be a file name and ${names.length} values of 1 or -1`);
    }
    rows.set(file, values.map((v) => (v === '1' ? '1' : '0')));
  }
  if (rows.size !== count) throw new InputError(`${source}: header says ${count} images, found ${rows.size} rows`);
  return { columns: names, source, of: (f) => rows.get(f) };
}

const UTK_NAME = /^(\d{1,3})_([01])_(?:([0-4])_)?(\d{17})\.jpg\.chip\.jpg$/i;

/** UTKFace labels from the file name: age in years, gender (0 male, 1 female), race 0-4 (blank if absent). */
export function parseUtkFaceName(fileName: string): string[] | undefined {
  const m = UTK_NAME.exec(fileName);
  if (!m) return undefined;
  return [m[1]!, m[2]!, m[3] ?? ''];
}

export const UTKFACE_COLUMNS = ['age', 'gender', 'race'];

/** The labels a folder offers: CelebA's attribute file if present, else UTKFace names if they match. */
export async function labelsForFolder(folder: string, fileNames: readonly string[]): Promise<DatasetLabels> {
  const attrFile = join(folder, CELEBA_ATTR_FILE);
  let text: string | undefined;
  try {
    text = await readFile(attrFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError(`${attrFile}: cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  if (text !== undefined) return parseCelebaAttributes(text, attrFile);
  const utk = fileNames.filter((f) => parseUtkFaceName(f)).length;
  if (utk > 0 && utk >= fileNames.length / 2) return { columns: UTKFACE_COLUMNS, source: `UTKFace file names in ${folder}`, of: parseUtkFaceName };
  return { columns: [], source: undefined, of: () => undefined };
}

/** A warning when some of a folder's images will have no labels (say a missing or partial attribute file); undefined when all have them. */
export function unlabelledWarning(folder: string, fileNames: readonly string[], labels: DatasetLabels): string | undefined {
  if (!fileNames.length) return undefined;
  if (!labels.columns.length) {
    return `warning: ${join(folder, CELEBA_ATTR_FILE)} not found and the file names are not UTKFace's: none of the ${fileNames.length} images will have labels`;
  }
  const missing = fileNames.filter((f) => !labels.of(f));
  if (!missing.length) return undefined;
  return `warning: ${labels.source}: no labels for ${missing.length} of ${fileNames.length} images (first: ${missing[0]}); their label columns stay empty`;
}
