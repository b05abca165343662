// The viewer: overview or one layer, with a unit opened on top; all state in the URL hash.
import type { ReportData } from '../report-data';
import { dimText } from '../text';
import { basename } from './format';
import { useHashState } from './hash-state';
import { LayerView } from './layer-view';
import { Overview } from './overview';
import { useMemo } from 'preact/hooks';
import { UnitDetail } from './unit-detail';
import { selectUnits } from './units';

export function App({ data, bars }: { data: ReportData; bars: ReadonlyMap<string, Element> }) {
  const [state, update] = useHashState();
  const layer = data.layers.find((l) => l.dir === state.layer);
  const unit = layer && state.unit > 0 ? layer.units.find((u) => u.unit === state.unit) : undefined;
  // The grid's order, so previous / next in the unit view follow what the user is looking at.
  const order = useMemo(
    () => (layer ? selectUnits(layer.units, state.sort, state.cat, state.q, state.det, state.in) : []),
    [layer, state.sort, state.cat, state.q, state.det, state.in],
  );
  const home = { layer: '', sort: 'score', cat: '', q: '', in: 'label', det: false, page: 0, unit: 0 } as const;
  return (
    <div class="page">
      <header class="top">
        <div>
          <p class="kicker">Network Dissection report</p>
          <h1>{basename(data.model.path)}</h1>
          <p class="sub">
            {data.dataset.format} dataset · {data.dataset.images} images · {data.layers.length} layer{data.layers.length === 1 ? '' : 's'}
          </p>
        </div>
        <nav class="layers">
          <a href="#" class={layer ? '' : 'on'} onClick={(e) => (e.preventDefault(), update(home))}>
            Overview
          </a>
          {data.layers.map((l) => (
            <a
              key={l.dir}
              href={`#layer=${encodeURIComponent(l.dir)}`}
              class={l === layer ? 'on' : ''}
              onClick={(e) => (e.preventDefault(), update({ ...home, layer: l.dir }))}
            >
              {l.name}
            </a>
          ))}
        </nav>
      </header>
      {layer ? (
        <LayerView data={data} layer={layer} state={state} svg={bars.get(layer.dir)} update={update} />
      ) : (
        <Overview data={data} openLayer={(dir) => update({ ...home, layer: dir })} />
      )}
      {layer && unit ? <UnitDetail data={data} layer={layer} unit={unit} order={order} close={() => update({ unit: 0 })} go={(u) => update({ unit: u }, true)} /> : null}
      <footer>
        Written by netdissect {data.tool.version} on {data.generatedAt}. Strips: the top {data.topK} images of each unit, {dimText(data.dim)}. Muted cards are units below the IoU threshold. Links to this page keep the view (layer, sort, filter, search, unit).
      </footer>
    </div>
  );
}
