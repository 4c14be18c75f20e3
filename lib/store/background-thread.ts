import { setPriority } from 'node:os';

/** Nice value of the store's threads: below the app, so its event loop gets the CPU first on a busy machine. */
const BACKGROUND_NICE = 10;

/**
 * Gives the calling worker thread a lower scheduling priority than the app's thread. On Linux the nice value is
 * per thread, so only this thread yields; elsewhere `setpriority` would renice the whole process, so nothing is
 * done. A store thread that falls behind makes its queue drop, never the app wait.
 */
export function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(BACKGROUND_NICE);
  } catch {
    // Not permitted in some sandboxes: the thread runs at normal priority.
  }
}
