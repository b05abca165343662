// Decode ahead, consume in order: image decoding runs in libuv/sharp threads, so keeping a few
// reads in flight speeds up whole-dataset passes, while consuming in index order keeps every
// output (sums, problem lists) deterministic.

/**
 * For i = 0..count-1, run `fetch(i)` with up to `ahead` calls in flight and pass the results to
 * `consume(i, value)` strictly in index order. A fetch that rejects rejects the whole run at its
 * turn (callers that must go on catch inside `fetch`).
 */
export async function forEachOrdered<T>(
  count: number,
  ahead: number,
  fetch: (i: number) => Promise<T>,
  consume: (i: number, value: T) => void | Promise<void>,
): Promise<void> {
  const pending: Promise<T>[] = [];
  let next = 0;
  const fill = (): void => {
    while (next < count && pending.length < ahead) {
      const p = fetch(next++);
      p.catch(() => undefined); // handled when its turn comes; avoids an unhandled rejection
      pending.push(p);
    }
  };
  fill();
  for (let i = 0; i < count; i++) {
    const value = await pending.shift()!;
    fill();
    await consume(i, value);
  }
}
