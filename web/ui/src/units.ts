// Numbers with their units, as the clinic reads them. The API sends exact base integers (nL,
// ng, ng/mL, ng/day, ms since the epoch) beside the drug's unit ("mg" or "mcg"); every figure
// shown here carries its unit.

const NG_PER: Record<string, number> = { mg: 1_000_000, mcg: 1_000, ng: 1 };

export function ngPer(unit: string): number {
  return NG_PER[unit] ?? 1_000_000;
}

export function trim(v: number, decimals: number): string {
  return v.toFixed(decimals).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

export function drug(ng: number, unit: string, decimals = 3): string {
  return `${trim(ng / ngPer(unit), decimals)} ${unit}`;
}

export function dosePerDay(ngPerDay: number, unit: string): string {
  return `${trim(ngPerDay / ngPer(unit), 3)} ${unit}/day`;
}

export function concentration(ngPerMl: number, unit: string): string {
  return `${trim(ngPerMl / ngPer(unit), 3)} ${unit}/mL`;
}

export function ml(nl: number, decimals = 2): string {
  return `${trim(nl / 1_000_000, decimals)} mL`;
}

export function mlPerDay(nlPerDay: number): string {
  return `${trim(nlPerDay / 1_000_000, 4)} mL/day`;
}

export function days(n: number): string {
  return `${n} day${Math.abs(n) === 1 ? '' : 's'}`;
}

// A date or time in the clinic's time zone (the API says which).
let clinicZone = 'UTC';
export function setClinicZone(zone: string): void {
  clinicZone = zone || 'UTC';
}
export function zone(): string {
  return clinicZone;
}

export function date(ms: number | null | undefined): string {
  if (ms == null) return '—';
  return new Intl.DateTimeFormat('en-CA', { timeZone: clinicZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

export function dateTime(ms: number | null | undefined): string {
  if (ms == null) return '—';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: clinicZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const p = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}`;
}

// A decimal typed by a person, exactly: digits with at most one point. Returns null (and the
// form shows why) for anything else, rather than guessing with parseFloat.
export function parseDecimal(text: string): number | null {
  const t = text.trim();
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  return Number(t);
}
