/** Polls `check` every 100 ms until it holds; fails after `ms` (the tests' bound, not a timing claim). */
export async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What `promise` settles to within `ms`, else 'still running' (the timer is cleared either way). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
