// Where the photo library lives: --library, else GLOW_STUDIO_LIBRARY, else the user's data
// folder (XDG_DATA_HOME on Linux, %APPDATA% on Windows, ~/Library/Application Support on macOS).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const LIBRARY_FILE = 'library.sqlite';

export function userDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'glow-studio');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'glow-studio');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'glow-studio');
}

/** The library file: an explicit path (a folder gets library.sqlite inside), else the env, else the default. */
export function libraryPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? env.GLOW_STUDIO_LIBRARY;
  if (chosen) return resolve(chosen.endsWith('.sqlite') || chosen.endsWith('.db') ? chosen : join(chosen, LIBRARY_FILE));
  return join(userDataDir(process.platform, env), LIBRARY_FILE);
}
