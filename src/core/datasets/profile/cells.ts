/**
 * Classifying one cell from its bytes, without making a string for it on the fast paths.
 *
 * Kinds: missing ("" / blanks, NA, NaN, null, None, case-insensitive; also "+nan"/"-nan"), integer
 * ([+-]digits), float (the usual decimal/exponent forms, ".5" and "5." included), infinite ("inf",
 * "Infinity" with a sign, or a decimal that overflows a double such as "1e999"), boolean (true/false,
 * case-insensitive), datetime (ISO-8601 extended: YYYY-MM-DD, optionally followed by T or a space and
 * HH:MM[:SS[.fraction]] and Z or ±HH[:MM]), and string (anything else).
 */

export const K_MISSING = 0;
export const K_INT = 1;
export const K_FLOAT = 2;
export const K_INF = 3;
export const K_BOOL = 4;
export const K_DATE = 5;
export const K_STRING = 6;
export type CellKind = 0 | 1 | 2 | 3 | 4 | 5 | 6;

const NOT_NUMBER = -1;

/** Results beside the returned kind, in a typed array so that storing a double allocates nothing:
 *  OUT[NUM] the number (K_INT, K_FLOAT, K_INF), OUT[DATE] the instant of a K_DATE in milliseconds since the
 *  epoch (naive times taken as UTC). */
export const OUT = new Float64Array(2);
export const NUM = 0;
export const DATE = 1;

const POW10 = new Float64Array(23);
for (let i = 0, p = 1; i < 23; i++, p *= 10) POW10[i] = p;

const SP = 32;
const TAB = 9;

/** [a, b) with ASCII blanks (space, tab) removed from both ends; the result in trimA/trimB. */
export let trimA = 0;
export let trimB = 0;
export function trim(buf: Uint8Array, a: number, b: number): void {
  while (a < b && (buf[a] === SP || buf[a] === TAB)) a++;
  while (b > a && (buf[b - 1] === SP || buf[b - 1] === TAB)) b--;
  trimA = a;
  trimB = b;
}

/**
 * An ISO date or date-time followed by "UTC" (one space before it or none), as BigQuery and many exports write
 * timestamps (drift and the profiler read them alike) ("2024-01-05 10:00:00 UTC"); its instant in OUT[DATE]. Only when the rest carries no
 * zone of its own ("…Z UTC" and "…+02:00 UTC" stay text) and is a date the profiler's parser accepts: "UTC" is
 * not a date on its own, and text that merely ends in it ("meet at 10 UTC") does not start with a date.
 */
export function utcDatetime(buf: Uint8Array, a: number, b: number): boolean {
  if (b - a < 13 || buf[b - 3] !== 85 /* U */ || buf[b - 2] !== 84 /* T */ || buf[b - 1] !== 67 /* C */) return false;
  let e = b - 3;
  if (buf[e - 1] === 32) e--;
  if (buf[a] < 48 || buf[a] > 57) return false;
  // After the date and its separator: a zone (Z, +hh:mm, -hh:mm) or a second space means this is not one instant.
  for (let i = a + 11; i < e; i++) {
    const c = buf[i];
    if (c === 43 || c === 45 || c === 90 || c === 122 || c === 32) return false;
  }
  return parseDatetime(buf, a, e);
}

/** Kind of the trimmed cell buf[a, b) (a < b). Also recognises the missing-value tokens. */
export function classifyCell(buf: Uint8Array, a: number, b: number): CellKind {
  const c0 = buf[a];
  if (c0 >= 48 && c0 <= 57 && b - a <= 16) {
    // fast path: digits[.digits] with at most 15 digits in all, exact as one multiply-add per digit
    let v = c0 - 48;
    let i = a + 1;
    let c = 0;
    for (; i < b; i++) {
      c = buf[i] - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (i === b && b - a <= 15) {
      OUT[NUM] = v;
      return K_INT;
    }
    if (c === 46 - 48 && b - a <= 16) {
      const dot = i;
      for (i++; i < b; i++) {
        c = buf[i] - 48;
        if (c < 0 || c > 9) break;
        v = v * 10 + c;
      }
      if (i === b && b - dot - 1 <= 22) {
        OUT[NUM] = v / POW10[b - dot - 1];
        return K_FLOAT;
      }
    }
  }
  if ((c0 >= 48 && c0 <= 57) || c0 === 45 /* - */ || c0 === 43 /* + */ || c0 === 46 /* . */) {
    const k = parseNumber(buf, a, b);
    if (k !== NOT_NUMBER) return k as CellKind;
    if (c0 >= 48 && c0 <= 57 && b - a >= 10 && (parseDatetime(buf, a, b) || utcDatetime(buf, a, b))) return K_DATE;
    return K_STRING;
  }
  const l0 = c0 | 0x20;
  const len = b - a;
  if (l0 === 110 /* n */) return isMissingToken(buf, a, b) ? K_MISSING : K_STRING;
  if (l0 === 116 /* t */) {
    return len === 4 && (buf[a + 1] | 0x20) === 114 && (buf[a + 2] | 0x20) === 117 && (buf[a + 3] | 0x20) === 101 ? K_BOOL : K_STRING;
  }
  if (l0 === 102 /* f */) {
    return len === 5 && (buf[a + 1] | 0x20) === 97 && (buf[a + 2] | 0x20) === 108 && (buf[a + 3] | 0x20) === 115 && (buf[a + 4] | 0x20) === 101
      ? K_BOOL
      : K_STRING;
  }
  if (l0 === 105 /* i */) {
    if (isInfWord(buf, a, b)) {
      OUT[NUM] = Infinity;
      return K_INF;
    }
  }
  return K_STRING;
}

/** NA, NaN, null, None (case-insensitive) on an already trimmed, non-empty span. */
export function isMissingToken(buf: Uint8Array, a: number, b: number): boolean {
  const len = b - a;
  if (len < 2 || len > 4 || (buf[a] | 0x20) !== 110) return false;
  const c1 = buf[a + 1] | 0x20;
  if (len === 2) return c1 === 97; // na
  const c2 = buf[a + 2] | 0x20;
  if (len === 3) return c1 === 97 && c2 === 110; // nan
  const c3 = buf[a + 3] | 0x20;
  return (c1 === 117 && c2 === 108 && c3 === 108) /* null */ || (c1 === 111 && c2 === 110 && c3 === 101); /* none */
}

/** "inf" or "infinity", case-insensitive. */
function isInfWord(buf: Uint8Array, a: number, b: number): boolean {
  const len = b - a;
  if (len !== 3 && len !== 8) return false;
  if ((buf[a] | 0x20) !== 105 || (buf[a + 1] | 0x20) !== 110 || (buf[a + 2] | 0x20) !== 102) return false;
  if (len === 3) return true;
  return (
    (buf[a + 3] | 0x20) === 105 && (buf[a + 4] | 0x20) === 110 && (buf[a + 5] | 0x20) === 105 && (buf[a + 6] | 0x20) === 116 && (buf[a + 7] | 0x20) === 121
  );
}

function latin1(buf: Uint8Array, a: number, b: number): string {
  let s = '';
  for (let i = a; i < b; i++) s += String.fromCharCode(buf[i]);
  return s;
}

/**
 * Parses [+-]?(digits[.digits?]|.digits)([eE][+-]?digits)? or [+-]?(inf|infinity|nan) exactly (correctly
 * rounded, like Python's float()). Returns K_INT / K_FLOAT / K_INF / K_MISSING (signed nan) with the value in
 * OUT[NUM], or -1 when the span is not a number.
 */
export function parseNumber(buf: Uint8Array, a: number, b: number): number {
  let i = a;
  let neg = false;
  let c = buf[i];
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) i++;
  if (i >= b) return NOT_NUMBER;
  c = buf[i];
  if (c >= 65) {
    // letters after a sign: inf / infinity / nan
    if (isInfWord(buf, i, b)) {
      OUT[NUM] = neg ? -Infinity : Infinity;
      return K_INF;
    }
    if (b - i === 3 && (c | 0x20) === 110 && (buf[i + 1] | 0x20) === 97 && (buf[i + 2] | 0x20) === 110) return K_MISSING;
    return NOT_NUMBER;
  }
  let mant = 0;
  let sig = 0;
  let digits = 0;
  let exp10 = 0;
  let slow = false;
  let isInt = true;
  for (; i < b; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    digits++;
    if (mant === 0 && d === 0) continue;
    if (sig < 15) {
      mant = mant * 10 + d;
      sig++;
    } else {
      slow = true;
    }
  }
  if (i < b && buf[i] === 46) {
    isInt = false;
    i++;
    for (; i < b; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      digits++;
      if (mant === 0 && d === 0) {
        exp10--;
        continue;
      }
      if (sig < 15) {
        mant = mant * 10 + d;
        sig++;
        exp10--;
      } else {
        slow = true;
      }
    }
  }
  if (digits === 0) return NOT_NUMBER;
  if (i < b) {
    c = buf[i];
    if (c !== 101 && c !== 69) return NOT_NUMBER;
    isInt = false;
    i++;
    let eneg = false;
    if (i < b && (buf[i] === 45 || buf[i] === 43)) {
      eneg = buf[i] === 45;
      i++;
    }
    let e = 0;
    let edigits = 0;
    for (; i < b; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      edigits++;
      if (e < 100000) e = e * 10 + d;
    }
    if (edigits === 0 || i < b) return NOT_NUMBER;
    exp10 += eneg ? -e : e;
  }
  let v: number;
  if (slow || exp10 > 22 || exp10 < -22) {
    // more than 15 significant digits, or a power of ten not exact as a double: let the runtime round it
    v = Number(latin1(buf, a, b));
  } else {
    // Clinger's fast path: mantissa and power of ten both exact, so one correctly rounded operation
    v = exp10 < 0 ? mant / POW10[-exp10] : mant * POW10[exp10];
    if (neg) v = -v;
  }
  OUT[NUM] = v;
  if (v === Infinity || v === -Infinity) return K_INF;
  return isInt ? K_INT : K_FLOAT;
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function dig2(buf: Uint8Array, i: number): number {
  const h = buf[i] - 48;
  const l = buf[i + 1] - 48;
  if (h < 0 || h > 9 || l < 0 || l > 9) return -1;
  return h * 10 + l;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Days since the epoch of the first of each month of years 0000–9999, filled as needed (+1; 0 = not yet). */
const MONTH_START = new Int32Array(10000 * 12);

function monthStart(y: number, m: number): number {
  const k = y * 12 + m - 1;
  let v = MONTH_START[k];
  if (v === 0) MONTH_START[k] = v = daysFromCivil(y, m, 1) + 1;
  return v - 1;
}

/** ISO-8601 date or date-time (see the file comment); the instant in OUT[DATE]. */
export function parseDatetime(buf: Uint8Array, a: number, b: number): boolean {
  const len = b - a;
  if (len < 10 || buf[a + 4] !== 45 || buf[a + 7] !== 45) return false;
  const y1 = dig2(buf, a);
  const y2 = dig2(buf, a + 2);
  const mo = dig2(buf, a + 5);
  const d = dig2(buf, a + 8);
  if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1) return false;
  const y = y1 * 100 + y2;
  if (d > DAYS_IN_MONTH[mo]) return false;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return false;
  let ms = (monthStart(y, mo) + d - 1) * 86400000;
  if (len === 10) {
    OUT[DATE] = ms;
    return true;
  }
  const sep = buf[a + 10];
  if (sep !== 84 && sep !== 116 && sep !== SP) return false;
  if (len < 16 || buf[a + 13] !== 58) return false;
  const hh = dig2(buf, a + 11);
  const mi = dig2(buf, a + 14);
  if (hh < 0 || hh > 23 || mi < 0 || mi > 59) return false;
  ms += hh * 3600000 + mi * 60000;
  let i = a + 16;
  if (i < b && buf[i] === 58) {
    if (i + 3 > b) return false;
    const ss = dig2(buf, i + 1);
    if (ss < 0 || ss > 59) return false;
    ms += ss * 1000;
    i += 3;
    if (i < b && (buf[i] === 46 || buf[i] === 44)) {
      i++;
      const f0 = i;
      let frac = 0;
      let scale = 1;
      for (; i < b; i++) {
        const dd = buf[i] - 48;
        if (dd < 0 || dd > 9) break;
        if (i - f0 < 9) {
          frac = frac * 10 + dd;
          scale *= 10;
        }
      }
      if (i === f0) return false;
      ms += (frac / scale) * 1000;
    }
  }
  if (i < b) {
    const z = buf[i];
    if (z === 90 || z === 122) {
      i++;
    } else if (z === 43 || z === 45) {
      if (i + 3 > b) return false;
      const oh = dig2(buf, i + 1);
      if (oh < 0 || oh > 23) return false;
      let om = 0;
      let j = i + 3;
      if (j < b) {
        if (buf[j] === 58) j++;
        if (j + 2 > b) return false;
        om = dig2(buf, j);
        if (om < 0 || om > 59) return false;
        j += 2;
      }
      const off = (oh * 60 + om) * 60000;
      ms += z === 43 ? -off : off;
      i = j;
    } else {
      return false;
    }
  }
  if (i !== b) return false;
  OUT[DATE] = ms;
  return true;
}
