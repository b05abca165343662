// Option parsers for commander: each checks its range and names the flag in a UsageError.
import { UsageError } from '../util/errors.js';

export function intOption(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag} must be an integer, got '${value}'.`);
    const n = Number(value);
    if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${n}.`);
    return n;
  };
}

/** A number in the open or closed interval (lo, hi). */
export function numberOption(flag: string, lo: number, hi: number, open = true) {
  return (value: string): number => {
    const n = Number(value);
    const ok = Number.isFinite(n) && (open ? n > lo && n < hi : n >= lo && n <= hi);
    if (!ok) throw new UsageError(`${flag} must be a number ${open ? 'strictly ' : ''}between ${lo} and ${hi}, got '${value}'.`);
    return n;
  };
}

export function numberListOption(flag: string) {
  return (value: string): number[] => {
    const parts = value.split(',').map((p) => Number(p.trim()));
    if (parts.length === 0 || parts.some((x) => !Number.isFinite(x))) throw new UsageError(`${flag} takes comma-separated numbers, got '${value}'.`);
    return parts;
  };
}

export function sizeOption(flag: string) {
  return (value: string): [number, number] => {
    const m = /^(\d+)(?:[,x×](\d+))?$/.exec(value.trim());
    if (!m) throw new UsageError(`${flag} takes H,W (e.g. 224,224), got '${value}'.`);
    const h = Number(m[1]);
    const w = Number(m[2] ?? m[1]);
    if (h < 1 || w < 1) throw new UsageError(`${flag} sizes must be at least 1, got '${value}'.`);
    return [h, w];
  };
}

/** Memory sizes: 512M, 4G, 1024 (MiB when no unit). */
export function bytesOption(flag: string) {
  return (value: string): number => {
    const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?$/.exec(value.trim());
    if (!m) throw new UsageError(`${flag} takes a size such as 512M or 4G, got '${value}'.`);
    const unit = (m[2] ?? '').toUpperCase();
    const mult = unit === 'K' ? 1024 : unit === 'G' ? 1024 ** 3 : 1024 ** 2;
    const n = Number(m[1]) * mult;
    if (n < 1024 * 1024) throw new UsageError(`${flag} must be at least 1M, got '${value}'.`);
    return n;
  };
}

/** Collect repeated flags into an array (`--layer a --layer b`), also accepting `a,b`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}

/** Bytes as the user types them for --memory-budget: 64M, 4G, 512K (exact multiples only). */
export function humanBytes(n: number): string {
  for (const [unit, size] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  }
  return String(n);
}
