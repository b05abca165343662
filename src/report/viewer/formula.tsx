// What `netdissect explain` and `netdissect baseline` add to a unit: its formula of concepts
// (each concept a link to the units it labels, like the other concept links) and its IoU's
// chance level. Both are optional: runs without them show nothing here.
import type { ComponentChildren } from 'preact';
import type { ReportFormula, ReportLayer, ReportUnit } from '../report-data';
import { conceptHref } from '../text';
import { fmtIou } from './format';

const OP_TEXT = { or: 'OR', and: 'AND', andnot: 'AND' } as const;

/** The formula as compexp writes it, `((a OR b) AND (NOT c))`, built left-deep from its parts
 *  so that each concept can be a link; its text content equals results.json's `text`. */
export function FormulaText({ layer, formula }: { layer: ReportLayer; formula: ReportFormula }) {
  const link = (name: string) => (
    <a class="concept-link" href={conceptHref(layer.dir, name, false)} title={`units of ${layer.name} whose best label is ${name}`}>
      {name}
    </a>
  );
  let out: ComponentChildren = link(formula.names[0] ?? '');
  formula.ops.forEach((op, i) => {
    const right = link(formula.names[i + 1] ?? '');
    out = (
      <>
        ({out} {OP_TEXT[op]} {op === 'andnot' ? <>(NOT {right})</> : right})
      </>
    );
  });
  return <span class="formula-text">{out}</span>;
}

/** `formula (beam): (a OR b) · IoU 0.123`, or nothing when the unit was not explained. */
export function FormulaLine({ layer, unit }: { layer: ReportLayer; unit: ReportUnit }) {
  const f = unit.formula;
  if (!f) return null;
  return (
    <p class="formula" title={`best formula found by netdissect explain (${f.search} search)`}>
      formula ({f.search}): <FormulaText layer={layer} formula={f} /> · IoU {fmtIou(f.iou)}
    </p>
  );
}

/** `(chance 0.020, p < 0.05)` next to the IoU; units not above chance are said to be so. */
export function chanceText(unit: ReportUnit): string {
  const b = unit.baseline;
  if (!b) return '';
  // p = (1 + shuffles at least as good) / (R + 1): its smallest value is 1/(R+1), which says
  // "beat every shuffle", so it is written as a bound; larger values are exact.
  const p = b.aboveChance ? `p ≤ ${fmtP(b.p)}` : `p = ${fmtP(b.p)}`;
  return ` (chance ${fmtIou(b.chance)}, ${p}${b.aboveChance ? '' : ', not above chance'})`;
}

const fmtP = (p: number): string => (p >= 0.01 ? p.toFixed(2) : p.toPrecision(2));

/** The layer's `netdissect baseline` summary: how many detectors beat chance. */
export function BaselineLine({ layer }: { layer: ReportLayer }) {
  const b = layer.baseline;
  if (!b) return null;
  return (
    <p class="baseline-line">
      Chance baseline ({b.shuffles} label shuffles): {b.detectorsAboveChance} of {b.detectors} detectors above chance; {b.unitsAboveChance} of {layer.stats.units} units.
    </p>
  );
}
