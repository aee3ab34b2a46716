// The shapes of the JSON API's answers (docs/web-api.md). Quantities are exact base integers:
// nL, ng, ng/mL, ng/day; times are ms since the epoch (UTC), shown in the clinic's zone.

export interface OverviewRow {
  mrn: string;
  name: string;
  indication: string;
  serial: string;
  model: string;
  drug: string | null;
  drug_unit: string | null;
  concentration_ng_per_ml: number | null;
  dose_ng_per_day: number | null;
  reservoir_estimate_nl: number | null;
  reservoir_capacity_nl: number | null;
  status: 'overdue' | 'unknown' | 'due' | 'later' | string;
  days_left: number | null;
  next_refill_date: string | null;
  risk: 'high' | 'moderate' | 'low' | string;
  risk_reasons: string[];
  open_alarms: number;
  last_session_ms: number | null;
}
