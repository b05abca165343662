// Category colours: one colour per category, the same in the static SVG and the viewer's charts.
// Broden's six categories get fixed colours so reports of different runs look alike.

const KNOWN: Readonly<Record<string, string>> = {
  object: '#4e79a7',
  part: '#59a14f',
  scene: '#e15759',
  material: '#b07aa1',
  texture: '#f28e2b',
  color: '#76b7b2',
};

const PALETTE = ['#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#86bcb6', '#d37295', '#a0cbe8', '#8cd17d'];

/** Colours for `categories`, in their order; unknown names take palette colours in turn. */
export function categoryColors(categories: readonly string[]): string[] {
  let next = 0;
  return categories.map((c) => (Object.hasOwn(KNOWN, c) ? (KNOWN[c] as string) : (PALETTE[next++ % PALETTE.length] as string)));
}
