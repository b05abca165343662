// Parts of a layer's page besides the grid: its warnings, the links to its numbers, and the
// concept table (every best label with its units, detectors and best IoU, as links).
import type { ReportData, ReportLayer } from '../report-data';
import { conceptHref, unitHref } from '../text';
import { Chip } from './chip';
import { fmtIou } from './format';

export function Warnings({ layer }: { layer: ReportLayer }) {
  if (layer.warnings.length === 0) return null;
  return (
    <div class="warnings" role="alert">
      <strong>Warning{layer.warnings.length === 1 ? '' : 's'} for this layer</strong>
      <ul>
        {layer.warnings.map((w, i) => (
          <li key={i}>{w}</li>
        ))}
      </ul>
    </div>
  );
}

export function FileLinks({ layer }: { layer: ReportLayer }) {
  const { tally, results } = layer.files;
  if (!tally && !results) return null;
  return (
    <p class="files">
      Numbers:{' '}
      {tally ? (
        <a href={tally} download>
          tally.csv
        </a>
      ) : null}
      {tally && results ? ' · ' : null}
      {results ? (
        <a href={results} download>
          results.json
        </a>
      ) : null}
    </p>
  );
}

export function ConceptTable({ data, layer }: { data: ReportData; layer: ReportLayer }) {
  if (layer.conceptTable.length === 0) return null;
  return (
    <details class="concept-table" open>
      <summary>Concepts ({layer.conceptTable.length})</summary>
      <div class="scroll">
        <table class="concepts-table">
          <thead>
            <tr>
              <th>concept</th>
              <th>category</th>
              <th title="units above the IoU threshold whose best label is this concept">detectors</th>
              <th title="units whose best label is this concept, whatever their IoU">units</th>
              <th>best IoU</th>
              <th>best unit</th>
            </tr>
          </thead>
          <tbody>
            {layer.conceptTable.map((c) => (
              <tr key={`${c.category}-${c.name}`}>
                <td>
                  <a class="concept-link" href={conceptHref(layer.dir, c.name, false)}>
                    {c.name}
                  </a>
                </td>
                <td>
                  <Chip data={data} category={c.category} />
                </td>
                <td>{c.detectors > 0 ? <a href={conceptHref(layer.dir, c.name, true)}>{c.detectors}</a> : '0'}</td>
                <td>
                  <a href={conceptHref(layer.dir, c.name, false)}>{c.units}</a>
                </td>
                <td>{fmtIou(c.bestIou)}</td>
                <td>
                  <a href={unitHref(layer.dir, c.bestUnit)}>#{c.bestUnit}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
