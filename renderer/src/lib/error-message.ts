// Turns a failed call into what the user sees: what happened, and what to do about it.
import { StudioCallError } from './studio-client.js';

export interface UserMessage {
  /** What happened, in one sentence. */
  what: string;
  /** What to do about it. */
  todo: string;
}

function advice(status: number, message: string): string {
  if (status === 0) return 'Check that Glow Studio is still running, then try again.';
  if (status === 401 || status === 403) return 'Reopen the studio with the link glow-studio printed when it started.';
  if (status === 501) return 'This build does not have that feature yet; update Glow Studio.';
  if (/ENOENT|no such|not found|does not exist|cannot (read|find|open)/i.test(message)) return 'Check that the path exists and is spelled correctly.';
  if (/EACCES|EPERM|permission/i.test(message)) return 'Choose a folder you are allowed to read and write.';
  if (/cuda|gpu|device/i.test(message)) return 'Switch the device to CPU in the settings, or check the GPU driver.';
  if (status === 404) return 'It may have been removed; refresh the library.';
  if (status >= 400 && status < 500) return 'Check the value you entered and try again.';
  return 'Try again; if it keeps failing, restart the studio and look at its log.';
}

/** `action` is what the user tried, e.g. "Import the folder". */
export function userMessage(action: string, err: unknown): UserMessage {
  const status = err instanceof StudioCallError ? err.status : ((err as { status?: number } | null)?.status ?? 500);
  const raw = err instanceof Error ? err.message : String(err);
  const detail = raw.replace(/^\w+: /, '').trim();
  return { what: `${action} failed: ${detail || 'unknown error'}.`.replace(/\.\.$/, '.'), todo: advice(status, raw) };
}
