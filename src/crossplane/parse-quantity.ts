export class QuantityError extends Error {
  override readonly name = 'QuantityError';
}

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/**
 * A Kubernetes resource.Quantity (`1Gi`, `500m`, `1.5e3`) as a float64, like
 * `ParseQuantity(s).AsApproximateFloat64()`.
 */
export function parseQuantity(text: string): number {
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/.exec(
    text,
  );
  if (!m)
    throw new QuantityError(
      `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${JSON.stringify(text)}`,
    );
  const number = Number(m[1]);
  if (m[3] !== undefined) return number * 10 ** Number(m[3]);
  const suffix = m[2] ?? '';
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  if (factor === undefined) throw new QuantityError(`unknown quantity suffix ${JSON.stringify(suffix)}`);
  // Multiplying by 1e-3 is inexact in binary (0.5 * 1e-3 != 5e-4); divide for the fractional SI prefixes.
  if (factor < 1) return number / Math.round(1 / factor);
  return number * factor;
}
