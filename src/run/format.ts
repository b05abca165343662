// Number formatting for output files. CSV numbers follow Python's repr (what NetDissect's
// tally.csv contains): shortest round-trip digits, `.0` on integral values, exponent form
// below 1e-4 and from 1e16 (`5.2e-05`). Float32 values are written in their shortest form.

/** Python's repr() of a float64. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  const negative = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/**
 * A float32 value as a short decimal that reads back to it through float32 rounding: nine
 * significant digits always suffice for float32 (not always the shortest, but one call).
 */
export function float32Decimal(x: number): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(9)) : x;
}
