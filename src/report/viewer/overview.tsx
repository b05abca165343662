// The overview: the run's settings, one summary card per layer, and the chart of interpretable
// units per category per layer (Observable Plot, category colours as in every other chart).
import * as Plot from '@observablehq/plot';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ReportData, ReportLayer } from '../report-data';
import { conceptHref, preprocessText } from '../text';
import { Chip } from './chip';
import { headline } from './format';
import { FileLinks } from './layer-parts';

function RunFacts({ data }: { data: ReportData }) {
  const s = data.settings;
  const rows: [string, string][] = [
    ['model', data.model.path],
    ['sha256', data.model.sha256.slice(0, 16)],
    ['input', `${data.model.input} (${s.inputSize[0]}×${s.inputSize[1]})`],
    ['preprocessing', preprocessText(s)],
    ['dataset', `${data.dataset.root} (${data.dataset.format})`],
    ['images', String(data.dataset.images) + (s.limit !== null ? ` (limit ${s.limit})` : '')],
    ['semantics', s.semantics],
    ['quantile', String(s.quantile)],
    ['IoU threshold', String(s.iouThreshold)],
    ['top-k', `${data.topK} shown of ${s.topK} stored`],
    ['run state', data.state],
    ...data.timings.map((t): [string, string] => [`time: ${t.phase}`, `${t.seconds.toFixed(1)} s`]),
  ];
  return (
    <div class="panel">
      <h3>Run</h3>
      <dl class="facts">
        {rows.map(([k, v]) => [<dt key={`${k}-t`}>{k}</dt>, <dd key={`${k}-d`}>{v}</dd>])}
      </dl>
    </div>
  );
}

function LayerCard({ data, layer, open }: { data: ReportData; layer: ReportLayer; open: () => void }) {
  const s = layer.stats;
  return (
    <div class="panel layer-card">
      <h2>
        <a href={`#layer=${encodeURIComponent(layer.dir)}`} onClick={(e) => (e.preventDefault(), open())}>
          {layer.name}
        </a>
      </h2>
      <p class="big">
        {s.detectors}
        <small> / {s.units} units</small>
      </p>
      <p class="stat-line">{headline(layer, data.settings.iouThreshold)}</p>
      {layer.warnings.length > 0 ? (
        <p class="warn-line">
          ⚠ {layer.warnings.length} warning{layer.warnings.length === 1 ? '' : 's'}: {layer.warnings[0]}
        </p>
      ) : null}
      <p class="stat-line">
        {s.uniqueDetectors} unique detectors by the paper's per-category rule
        {s.saturatedUnits > 0 ? ` · ${s.saturatedUnits} saturated units` : ''}
      </p>
      <table class="cats">
        <thead>
          <tr>
            <th />
            <th colSpan={2} class="group" title="units whose best label overall is in this category">
              by best label
            </th>
            <th colSpan={2} class="group" title="the paper's rule: units whose best IoU in this category is above the threshold, whatever their overall label">
              paper's rule
            </th>
          </tr>
          <tr>
            <th>category</th>
            <th>units</th>
            <th>concepts</th>
            <th>units</th>
            <th>concepts</th>
          </tr>
        </thead>
        <tbody>
          {data.categories.map((c) => {
            const p = s.perCategory.find((x) => x.category === c);
            return (
              <tr key={c}>
                <td>
                  <Chip data={data} category={c} />
                </td>
                <td>{p?.detectors ?? 0}</td>
                <td>{p?.uniqueConcepts ?? 0}</td>
                <td>{p?.categoryDetectors ?? 0}</td>
                <td>{p?.uniqueDetectors ?? 0}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <TopConcepts layer={layer} />
      <FileLinks layer={layer} />
    </div>
  );
}

/** The concepts with the most detectors, each a link to its detector units. */
function TopConcepts({ layer }: { layer: ReportLayer }) {
  const top = layer.conceptTable.filter((c) => c.detectors > 0).slice(0, 12);
  if (top.length === 0) return null;
  return (
    <p class="top-concepts">
      Top concepts:{' '}
      {top.map((c, i) => (
        <span key={`${c.category}-${c.name}`}>
          {i > 0 ? ' · ' : null}
          <a class="concept-link" href={conceptHref(layer.dir, c.name, true)}>
            {c.name}
          </a>{' '}
          <span class="n">{c.detectors}</span>
        </span>
      ))}
    </p>
  );
}

/** Grouped bars: one group per layer, one bar per category, height = detector units. */
function InterpretableChart({ data, share }: { data: ReportData; share: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const rows = data.layers.flatMap((l, i) =>
      data.categories.map((c) => {
        const n = l.stats.perCategory.find((p) => p.category === c)?.detectors ?? 0;
        // Position keeps layers distinct even when two share a display name.
        return { layer: `${i + 1}. ${l.name}`, category: c, units: share ? (100 * n) / Math.max(l.stats.units, 1) : n };
      }),
    );
    const chart = Plot.plot({
      width: Math.min(1180, Math.max(420, (ref.current?.clientWidth ?? 800) - 8)),
      height: 280,
      marginBottom: 36,
      style: { fontSize: '12px', fontFamily: 'inherit', background: 'transparent' },
      color: { domain: [...data.categories], range: [...data.categoryColors], legend: true },
      fx: { label: null, padding: 0.15 },
      x: { axis: null, domain: [...data.categories], padding: 0.12 },
      y: { label: share ? 'detector units (% of the layer)' : 'detector units', grid: true },
      marks: [
        Plot.barY(rows, { fx: 'layer', x: 'category', y: 'units', fill: 'category', tip: true }),
        Plot.ruleY([0]),
      ],
    });
    ref.current?.replaceChildren(chart);
    return () => chart.remove();
  }, [data, share]);
  return <div class="plot" ref={ref} />;
}

export function Overview({ data, openLayer }: { data: ReportData; openLayer: (dir: string) => void }) {
  // Layers differ in width: the share of units compares them, the count is NetDissect's.
  const [share, setShare] = useState(false);
  return (
    <section id="overview">
      <div class="cols">
        <RunFacts data={data} />
        {data.layers.map((l) => (
          <LayerCard key={l.dir} data={data} layer={l} open={() => openLayer(l.dir)} />
        ))}
      </div>
      <div class="panel chart-panel">
        <div class="chart-head">
          <h3>Interpretable units per category</h3>
          <div class="toggle" role="group" aria-label="Chart values">
            <button class={share ? '' : 'on'} aria-pressed={!share} onClick={() => setShare(false)}>
              units
            </button>
            <button class={share ? 'on' : ''} aria-pressed={share} onClick={() => setShare(true)}>
              % of layer
            </button>
          </div>
        </div>
        <p class="sub small">Detector units (best label IoU &gt; {data.settings.iouThreshold}) of each layer, by the category of their best label.</p>
        <InterpretableChart data={data} share={share} />
      </div>
    </section>
  );
}
