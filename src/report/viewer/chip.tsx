import type { ReportData } from '../report-data';
import { colorOf } from './format';

/** A category name with its colour swatch. */
export function Chip({ data, category }: { data: ReportData; category: string }) {
  return (
    <span class="chip">
      <i style={{ background: colorOf(data, category) }} />
      {category}
    </span>
  );
}
