// Per unit, the k images with the largest map maximum and their maps, so the report can draw
// overlays without running the model again. Ties: the lower image index stays ahead.

export interface TopEntry {
  readonly image: number;
  readonly max: number;
  readonly map: Float32Array;
}

export class TopImages {
  private readonly lists: TopEntry[][];

  constructor(readonly units: number, readonly k: number, readonly mapSize: number) {
    this.lists = Array.from({ length: units }, () => []);
  }

  /** Offer unit u's map for `image` (images arrive in increasing index order). */
  offer(u: number, image: number, max: number, src: Float32Array, offset: number): void {
    if (this.k === 0) return;
    const list = this.lists[u]!;
    if (list.length === this.k && !(max > list[list.length - 1]!.max)) return;
    const entry = { image, max, map: src.slice(offset, offset + this.mapSize) };
    let i = list.length;
    while (i > 0 && max > list[i - 1]!.max) i--;
    list.splice(i, 0, entry);
    if (list.length > this.k) list.pop();
  }

  get(u: number): readonly TopEntry[] {
    return this.lists[u]!;
  }

  /** All lists (for checkpoints). */
  snapshot(): TopEntry[][] {
    return this.lists.map((l) => [...l]);
  }

  restore(lists: readonly (readonly TopEntry[])[]): void {
    lists.forEach((l, u) => { this.lists[u] = [...l]; });
  }
}
