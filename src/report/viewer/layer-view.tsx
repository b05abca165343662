// One layer: headline, the server-drawn bar graph, controls (sort, category, search, detectors
// only) and a paged grid of unit cards; the page holds 48 cards, so 2,048 units stay fast.
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { ReportData, ReportLayer, ReportUnit } from '../report-data';
import { conceptHref, unitHref } from '../text';
import { Chip } from './chip';
import { ConceptTable, FileLinks, Warnings } from './layer-parts';
import { fmtIou, headline } from './format';
import { BaselineLine, chanceText, FormulaText } from './formula';
import type { SearchIn, SortKey, ViewState } from './hash-state';
import { PhotoStrip } from './tiles';
import { selectUnits } from './units';

export const PAGE_SIZE = 48;

/** Shows a copy of the static page's SVG bar graph (drawn in Node, already escaped there). */
function Bars({ svg }: { svg: Element | undefined }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (svg && ref.current) ref.current.replaceChildren(svg.cloneNode(true));
  }, [svg]);
  return <figure class="bars-figure" ref={ref} />;
}

function UnitCard({ data, unit, layer, open }: { data: ReportData; unit: ReportUnit; layer: ReportLayer; open: () => void }) {
  const n = Math.max(unit.images.length, 1);
  const href = unitHref(layer.dir, unit.unit);
  // Not one link: the label inside is a link of its own (to every unit with that label).
  const onOpen = (e: MouseEvent): void => {
    e.preventDefault();
    open();
  };
  return (
    <div class={`unit card${unit.detector ? '' : ' muted'}`}>
      <div class="meta">
        <a class="num" href={href} onClick={onOpen}>
          #{unit.unit}
        </a>
        <span class="label" title={unit.label === '' ? '(no label)' : unit.label}>
          {unit.label === '' ? (
            '(no label)'
          ) : (
            <a class="concept-link" href={conceptHref(layer.dir, unit.label, unit.detector)}>
              {unit.label}
            </a>
          )}
        </span>
        <span class="cat">{unit.category === '' ? null : <Chip data={data} category={unit.category} />}</span>
        <span class={`iou${unit.baseline && !unit.baseline.aboveChance ? ' below-chance' : ''}`} title={`IoU${chanceText(unit)}`}>
          {fmtIou(unit.score)}
          {unit.baseline && !unit.baseline.aboveChance ? <span class="chance-mark" aria-label="not above chance">*</span> : null}
        </span>
      </div>
      {unit.formula ? (
        <div class="card-formula" title={`formula (${unit.formula.search}), IoU ${fmtIou(unit.formula.iou)}`}>
          <FormulaText layer={layer} formula={unit.formula} /> <span class="iou">{fmtIou(unit.formula.iou)}</span>
        </div>
      ) : null}
      <a class="strip-link" href={href} onClick={onOpen} aria-label={`open ${layer.name} unit ${unit.unit}`}>
        {unit.strip ? (
          <img class="strip" src={unit.strip} loading="lazy" width={n * data.tiles.small.w} height={data.tiles.small.h} alt={`top images of ${layer.name} unit ${unit.unit}`} />
        ) : (
          <PhotoStrip data={data} layer={layer} unit={unit} />
        )}
      </a>
    </div>
  );
}

function Pager({ page, pages, go }: { page: number; pages: number; go: (p: number) => void }) {
  if (pages <= 1) return null;
  return (
    <div class="pager">
      <button disabled={page === 0} onClick={() => go(page - 1)}>
        ← Previous
      </button>
      <span>
        Page {page + 1} of {pages}
      </span>
      <button disabled={page >= pages - 1} onClick={() => go(page + 1)}>
        Next →
      </button>
    </div>
  );
}

export function LayerView(props: {
  data: ReportData;
  layer: ReportLayer;
  state: ViewState;
  svg: Element | undefined;
  update: (next: Partial<ViewState>, replace?: boolean) => void;
}) {
  const { data, layer, state, update } = props;
  const units = useMemo(() => selectUnits(layer.units, state.sort, state.cat, state.q, state.det, state.in), [layer, state.sort, state.cat, state.q, state.det, state.in]);
  const pages = Math.max(1, Math.ceil(units.length / PAGE_SIZE));
  const page = Math.min(state.page, pages - 1);
  const shown = units.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const [n, h, w] = layer.shape;
  // Every concept name of the layer, for the search box's suggestions.
  const names = useMemo(() => [...new Set(layer.units.flatMap((u) => u.categories.flatMap((c) => c.concepts.map((s) => s.name))))].sort(), [layer]);
  return (
    <section class="layer">
      <div class="layer-head">
        <h2>{layer.name}</h2>
        <span class="shape mono">
          {n} units · {h}×{w}
        </span>
      </div>
      <p class="stat-line">
        {headline(layer, data.settings.iouThreshold)}; {layer.stats.uniqueDetectors} unique detectors by the paper's rule.
      </p>
      <Warnings layer={layer} />
      <BaselineLine layer={layer} />
      {layer.saturationHint ? <p class="hint">{layer.saturationHint}</p> : null}
      <FileLinks layer={layer} />
      <Bars svg={props.svg} />
      <ConceptTable data={data} layer={layer} />
      <div class="controls">
        <label>
          Sort
          <select aria-label="Sort" value={state.sort} onChange={(e) => update({ sort: (e.currentTarget as HTMLSelectElement).value as SortKey, page: 0 })}>
            <option value="score">by IoU</option>
            <option value="unit">by unit</option>
            <option value="label">by label</option>
          </select>
        </label>
        <label>
          Category
          <select aria-label="Category" value={state.cat} onChange={(e) => update({ cat: (e.currentTarget as HTMLSelectElement).value, page: 0 })}>
            <option value="">all</option>
            {data.categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          <input
            type="search"
            aria-label="Search concepts and units"
            placeholder="A concept (exact name), or a unit number"
            list={`concepts-${layer.dir}`}
            value={state.q}
            onInput={(e) => update({ q: (e.currentTarget as HTMLInputElement).value, page: 0 }, true)}
          />
          <datalist id={`concepts-${layer.dir}`}>
            {names.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </label>
        <select class="search-in" aria-label="Search in" value={state.in} onChange={(e) => update({ in: (e.currentTarget as HTMLSelectElement).value as SearchIn, page: 0 })}>
          <option value="label">best label is</option>
          <option value="all">any top concept is</option>
          <option value="text">any concept contains</option>
        </select>
        <label class="check">
          <input type="checkbox" checked={state.det} onChange={(e) => update({ det: (e.currentTarget as HTMLInputElement).checked, page: 0 })} />
          detectors only
        </label>
        <span class="count" aria-live="polite">
          {units.length} of {layer.units.length} units
        </span>
      </div>
      {shown.length === 0 ? (
        <p class="empty">No unit matches.</p>
      ) : (
        <div class="units">
          {shown.map((u) => (
            <UnitCard key={u.unit} data={data} unit={u} layer={layer} open={() => update({ unit: u.unit })} />
          ))}
        </div>
      )}
      <Pager page={page} pages={pages} go={(p) => (update({ page: p }), window.scrollTo(0, 0))} />
    </section>
  );
}
