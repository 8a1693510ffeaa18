// The launch file: a private HTML page that sends the browser on to the launch link, so that
// the studio's token never appears on a command line. Any user of the machine can read every
// process's arguments (/proc/<pid>/cmdline), so `chromium --app=<launch link>` would hand the
// token to them; a file in a folder only this user can open does not (Jupyter opens its
// notebooks the same way).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LaunchFile {
  /** file:// URL of the page, safe to pass on a command line. */
  url: string;
  path: string;
  remove(): Promise<void>;
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export async function writeLaunchFile(launchUrl: string): Promise<LaunchFile> {
  const dir = await mkdtemp(join(tmpdir(), 'glow-studio-')); // created 0700: this user only
  const path = join(dir, 'open.html');
  const target = attribute(launchUrl);
  const html =
    `<!doctype html><html lang="en"><meta charset="utf-8">` +
    `<meta http-equiv="refresh" content="0; url=${target}">` +
    `<title>Glow Studio</title><p>Opening Glow Studio\u2026 <a href="${target}">Continue</a></p></html>\n`;
  await writeFile(path, html, { mode: 0o600, flag: 'wx' });
  return { url: pathToFileURL(path).href, path, remove: () => rm(dir, { recursive: true, force: true }) };
}
