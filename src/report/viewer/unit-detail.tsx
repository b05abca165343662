// A unit opened from the grid: its scores per category, threshold and counts, and its top images
// large with the mask outlined (tiles of the large strip written by the report, not drawn here).
import { useEffect } from 'preact/hooks';
import type { ReportData, ReportLayer, ReportUnit } from '../report-data';
import { conceptHref } from '../text';
import { Chip } from './chip';
import { basename, fmtIou, fmtNum } from './format';
import { chanceText, FormulaLine } from './formula';
import { PhotoTile } from './tiles';

function Tile({ data, layer, unit, k }: { data: ReportData; layer: ReportLayer; unit: ReportUnit; k: number }) {
  const { w, h } = data.tiles.large;
  const n = Math.max(unit.images.length, 1);
  const img = unit.images[k];
  const file = img ? (data.photos.list[img.photo]?.file ?? '') : '';
  return (
    <figure class="tile">
      <div class="tile-crop" style={{ width: `${w}px`, height: `${h}px` }}>
        {unit.large ? (
          <img src={unit.large} width={n * w} height={h} style={{ transform: `translateX(${-k * w}px)` }} alt={img ? `image ${img.image}: ${file}` : ''} />
        ) : (
          <PhotoTile data={data} layer={layer} unit={unit} k={k} kind="large" />
        )}
      </div>
      {img ? (
        <figcaption>
          <span class="file" title={file}>
            {basename(file)}
          </span>
          <span class="max">max {fmtNum(img.max)}</span>
        </figcaption>
      ) : null}
    </figure>
  );
}

/** `order`: the units as the grid lists them (sorted, filtered), for previous / next. */
export function UnitDetail(props: {
  data: ReportData;
  layer: ReportLayer;
  unit: ReportUnit;
  order: readonly ReportUnit[];
  close: () => void;
  go: (unit: number) => void;
}) {
  const { data, layer, unit, order, close, go } = props;
  const at = order.indexOf(unit);
  const prev = at > 0 ? order[at - 1] : undefined;
  const next = at >= 0 && at + 1 < order.length ? order[at + 1] : undefined;
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') close();
      else if (e.key === 'ArrowRight' && next) go(next.unit);
      else if (e.key === 'ArrowLeft' && prev) go(prev.unit);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [unit, prev, next]);
  const label = unit.label === '' ? '(no label)' : unit.label;
  return (
    <div class="overlay" onClick={(e) => e.target === e.currentTarget && close()}>
      <div class="detail" role="dialog" aria-modal="true" aria-label={`${layer.name} unit ${unit.unit}`}>
        <div class="detail-head">
          <div>
            <p class="kicker">
              {layer.name} · unit {unit.unit}
            </p>
            <h2 class="detail-label">
              {unit.label === '' ? (
                label
              ) : (
                <a class="concept-link" href={conceptHref(layer.dir, unit.label, unit.detector)} title={`every unit of ${layer.name} labelled ${unit.label}`}>
                  {label}
                </a>
              )}
            </h2>
            <p class="sub">
              {unit.category === '' ? null : <Chip data={data} category={unit.category} />} IoU {fmtIou(unit.score)}
              {unit.baseline ? <span class={`chance${unit.baseline.aboveChance ? '' : ' below-chance'}`}>{chanceText(unit)}</span> : null} ·{' '}
              {unit.detector ? 'detector' : `below the IoU threshold ${data.settings.iouThreshold}`}
              {unit.saturated ? ' · saturated (threshold = largest value: masks are empty)' : ''}
            </p>
            <FormulaLine layer={layer} unit={unit} />
          </div>
          <div class="detail-nav">
            {at >= 0 ? (
              <span class="position">
                {at + 1} of {order.length}
              </span>
            ) : null}
            <button disabled={!prev} onClick={() => prev && go(prev.unit)} aria-label="previous unit" title="previous unit in this list (←)">
              ←
            </button>
            <button disabled={!next} onClick={() => next && go(next.unit)} aria-label="next unit" title="next unit in this list (→)">
              →
            </button>
            <button onClick={close} aria-label="close" title="close (Esc)">
              ✕
            </button>
          </div>
        </div>
        <div class="tiles">
          {unit.images.map((_, k) => (
            <Tile key={k} data={data} layer={layer} unit={unit} k={k} />
          ))}
        </div>
        <p class="note">
          <span class="swatch unit-swatch" /> the unit's mask (activation map upsampled bilinearly to the image, &gt; threshold {fmtNum(unit.threshold)}).{' '}
          {data.groundTruth.shown ? (
            <>
              <span class="swatch truth-swatch" /> ground truth of “{label}” in the dataset.
              {unit.formula ? (
                <>
                  {' '}
                  <span class="swatch formula-swatch" /> mask of its formula.
                </>
              ) : null}
            </>
          ) : (
            `Ground truth not drawn: ${data.groundTruth.note}.`
          )}
        </p>
        <div class="detail-grid">
          <table class="concepts">
            <thead>
              <tr>
                <th>category</th>
                <th>concept</th>
                <th>IoU</th>
                <th title="pixels in both the unit's mask and the concept">intersection</th>
                <th title="pixels in the unit's mask (images where the category is annotated)">activation</th>
                <th title="pixels labelled with the concept">truth</th>
              </tr>
            </thead>
            <tbody>
              {unit.categories.flatMap((c) =>
                c.concepts.map((s, i) => (
                  <tr key={`${c.category}-${i}`} class={s.iou > data.settings.iouThreshold ? 'over' : ''}>
                    <td>{i === 0 ? <Chip data={data} category={c.category} /> : null}</td>
                    <td class="concept">
                      <a href={conceptHref(layer.dir, s.name, false)} title={`units of ${layer.name} whose best label is ${s.name}`}>
                        {s.name}
                      </a>
                    </td>
                    <td>{fmtIou(s.iou)}</td>
                    <td>{fmtNum(s.intersection)}</td>
                    <td>{fmtNum(s.activation)}</td>
                    <td>{fmtNum(s.truth)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
          <dl class="facts">
            <dt>threshold</dt>
            <dd>{fmtNum(unit.threshold)}</dd>
            <dt>max activation</dt>
            <dd>{fmtNum(unit.maxActivation)}</dd>
            <dt>top images</dt>
            <dd>{unit.images.length}</dd>
            <dt>layer</dt>
            <dd>{layer.name}</dd>
          </dl>
        </div>
      </div>
    </div>
  );
}
