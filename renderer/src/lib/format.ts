// Small formatting helpers for what the UI shows.
import type { JobInfo } from '../../../app/api/contract.js';

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatPercent(fraction: number | undefined, digits = 0): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function formatSigned(value: number): string {
  const v = Math.abs(value) < 0.005 ? 0 : value;
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(2)}`;
}

/** A photo's date taken (PhotoSummary.takenMs: its wall-clock time as UTC), "3 May 2019, 14:02"
 * in the user's language; `withTime` false: the date alone. */
export function formatTaken(takenMs: number, withTime = true): string {
  return new Date(takenMs).toLocaleString(undefined, { timeZone: 'UTC', dateStyle: 'medium', ...(withTime ? { timeStyle: 'short' } : {}) });
}

/** "smiling" -> "Smiling", "big_nose" -> "Big nose". */
export function attributeLabel(name: string): string {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "1 photo", "1,240 photos" */
export function countOf(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
}

export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** The folder all of `paths` are in, or '' when they are in different folders (or none). */
export function sameFolder(paths: readonly string[]): string {
  const folders = new Set(paths.map((p) => p.slice(0, Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'))) || p.slice(0, 1)));
  return folders.size === 1 ? [...folders][0]! : '';
}

/** The separator a path uses: '\\' for a Windows path, else '/'. */
export function separatorOf(path: string): string {
  return path.includes('\\') && !path.includes('/') ? '\\' : '/';
}

/** Whether `path` is `folder` or lies under it. */
export function isInFolder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder + separatorOf(folder));
}

/** Where a batch or an export of `folder`'s photos writes unless told otherwise: its subfolder
 * "edited" (imports and batches of the folder leave output folders out), with the folder's own separator. */
export function editedFolder(folder: string): string {
  if (!folder) return '';
  return `${folder.replace(/[\\/]+$/, '')}${separatorOf(folder)}edited`;
}

/** A job's progress in percent: 100 once it is done, whatever its counters say. */
export function jobPercent(job: { state: string; done: number; total: number }): number {
  if (job.state === 'done') return 100;
  return job.total > 0 ? Math.min(100, Math.round((job.done / job.total) * 100)) : 0;
}

/** Items that went through, once a job has finished. */
export function jobSucceeded(job: { total: number; failed: number }): number {
  return Math.max(0, job.total - job.failed);
}

/** A photo much longer than it is wide (or tall): its middle, cropped to a thumbnail's shape,
 * can be an empty strip of sky, so thumbnails show it whole. */
export function isPanorama(photo: { width: number; height: number }): boolean {
  return Math.max(photo.width, photo.height) > 2.5 * Math.min(photo.width, photo.height);
}

/** How the studio speaks of a photo it offers to turn upright (PhotoSummary.suggestedTurns):
 * on its side (its faces' landmarks say so), or upside down (its faces look so to the model). */
export function turnSuggestion(turns: 1 | 2 | 3): { label: string; arrow: string; why: string } {
  if (turns === 2) return { label: 'upside down', arrow: '↻', why: 'The faces in this photo look upside down.' };
  return { label: 'on its side', arrow: turns === 1 ? '↻' : '↺', why: 'The faces in this photo lie on their side.' };
}

/** A job's name in the status bar and its notices. */
export function jobNoun(kind: JobInfo['kind']): string {
  return { import: 'Import', batch: 'Batch', export: 'Export', reencode: 'Updating faces for the model', faces: 'Looking for smaller faces' }[kind];
}
