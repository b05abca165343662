// The viewer's state lives in the URL hash (#layer=…&sort=…&cat=…&q=…&page=…&unit=…), so every
// view is a link that can be bookmarked, and it works on file:// where there is no server.
import { useEffect, useState } from 'preact/hooks';

export type SortKey = 'score' | 'unit' | 'label';
/** What the search text is compared with: the best label, exactly (default); any of the unit's
 *  top concepts, exactly; or any of them containing the text. */
export type SearchIn = 'label' | 'all' | 'text';

export interface ViewState {
  readonly layer: string; // layer dir; '' = overview
  readonly sort: SortKey;
  readonly cat: string; // category filter; '' = all
  readonly q: string; // search text
  readonly in: SearchIn;
  readonly det: boolean; // detectors only
  readonly page: number; // 0-based
  readonly unit: number; // open unit; 0 = none
}

const DEFAULT: ViewState = { layer: '', sort: 'score', cat: '', q: '', in: 'label', det: false, page: 0, unit: 0 };

export function parseHash(hash: string): ViewState {
  const raw = hash.replace(/^#/, '');
  // The static page's anchors (#layer-<dir>) open the same layer in the viewer.
  if (raw.startsWith('layer-')) return { ...DEFAULT, layer: decodeURIComponent(raw.slice(6)) };
  const p = new URLSearchParams(raw);
  const sort = p.get('sort');
  const where = p.get('in');
  const int = (k: string): number => {
    const n = Number(p.get(k));
    return Number.isInteger(n) && n > 0 ? n : 0;
  };
  return {
    layer: p.get('layer') ?? '',
    sort: sort === 'unit' || sort === 'label' ? sort : 'score',
    cat: p.get('cat') ?? '',
    q: p.get('q') ?? '',
    in: where === 'all' || where === 'text' ? where : 'label',
    det: p.get('det') === '1',
    page: int('page'),
    unit: int('unit'),
  };
}

export function formatHash(s: ViewState): string {
  const p = new URLSearchParams();
  if (s.layer) p.set('layer', s.layer);
  if (s.sort !== 'score') p.set('sort', s.sort);
  if (s.cat) p.set('cat', s.cat);
  if (s.q) p.set('q', s.q);
  if (s.in !== 'label') p.set('in', s.in);
  if (s.det) p.set('det', '1');
  if (s.page > 0) p.set('page', String(s.page));
  if (s.unit > 0) p.set('unit', String(s.unit));
  const text = p.toString();
  return text ? `#${text}` : '#';
}

/** The current state and a setter that writes it to the hash (history entry unless `replace`). */
export function useHashState(): [ViewState, (next: Partial<ViewState>, replace?: boolean) => void] {
  const [state, setState] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = (): void => setState(parseHash(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const update = (next: Partial<ViewState>, replace = false): void => {
    const merged = { ...parseHash(location.hash), ...next };
    const hash = formatHash(merged);
    // location, not history.pushState: file:// documents have an opaque origin, and fragment
    // navigations through location work there in every browser.
    if (replace) location.replace(hash);
    else if (location.hash !== hash) location.hash = hash;
    setState(merged);
  };
  return [state, update];
}
