// A unit's top images drawn in the browser: each tile is its photo (a CSS background from the
// photo sheet) under a canvas overlay computed from the unit's map (draw.ts). Grid tiles dim the
// photo outside the mask; detail tiles outline the mask and the concept's ground truth.
import { useEffect, useRef } from 'preact/hooks';
import type { ReportData, ReportLayer, ReportUnit } from '../report-data';
import { dimOverlay, formulaOutline, outlineOverlay, truthOutline, unitMask } from './draw';

export function PhotoTile(props: { data: ReportData; layer: ReportLayer; unit: ReportUnit; k: number; kind: 'small' | 'large' }) {
  const { data, layer, unit, k, kind } = props;
  const ref = useRef<HTMLCanvasElement>(null);
  const img = unit.images[k];
  const { w: tw, h: th } = data.tiles[kind];
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!img || !ctx) return;
    const [, h, w] = layer.shape;
    const mask = unitMask(unit, img, h, w, th, tw);
    ctx.putImageData(
      kind === 'small' ? dimOverlay(mask, tw, th, data.dim) : outlineOverlay(mask, tw, th, data.groundTruth.shown ? truthOutline(data, unit, img, tw, th) : null, data.groundTruth.shown ? formulaOutline(data, unit, img, tw, th) : null),
      0,
      0,
    );
  }, [unit, img, kind, data, layer]);
  const photo = img ? data.photos.list[img.photo] : undefined;
  const sheet = photo ? data.photos.sheets[photo.sheet] : undefined;
  const style: Record<string, string> = { aspectRatio: `${tw} / ${th}` };
  if (photo && sheet) {
    const col = photo.slot % sheet.cols;
    const row = Math.floor(photo.slot / sheet.cols);
    // Percent positions of a sprite: p% aligns the tile's p% point with the sheet's p% point.
    style['backgroundImage'] = `url("${sheet.file}")`;
    style['backgroundSize'] = `${sheet.cols * 100}% ${sheet.rows * 100}%`;
    style['backgroundPosition'] = `${sheet.cols > 1 ? (100 * col) / (sheet.cols - 1) : 0}% ${sheet.rows > 1 ? (100 * row) / (sheet.rows - 1) : 0}%`;
  }
  return (
    <div class={`ptile ${kind}`} style={style} data-photo={photo?.file ?? ''}>
      <canvas ref={ref} width={tw} height={th} />
    </div>
  );
}

/** The grid strip of a unit: its top images side by side, dimmed outside the mask. */
export function PhotoStrip({ data, layer, unit }: { data: ReportData; layer: ReportLayer; unit: ReportUnit }) {
  const n = Math.max(unit.images.length, 1);
  return (
    <div class="pstrip" style={{ gridTemplateColumns: `repeat(${n}, 1fr)` }} role="img" aria-label={`top images of ${layer.name} unit ${unit.unit}`}>
      {unit.images.map((_, k) => (
        <PhotoTile key={k} data={data} layer={layer} unit={unit} k={k} kind="small" />
      ))}
    </div>
  );
}
