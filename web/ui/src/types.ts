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
  alarms?: { code: string }[];
  withdrawal_risk?: string | null;
  low_reservoir_date?: string | null;
  next_refill_reason?: string | null;
  battery_eri_date?: string | null;
  battery_days_left?: number | null;
  // The battery's replacement planning (programmer/documents): what to say, the date to book
  // the surgery by, and whether that is now or within 90 days.
  replacement?: string | null;
  replace_by_date?: string | null;
  replace_soon?: boolean;
  last_session_ms: number | null;
  last_session_id?: number | null;
  kind?: 'programmable' | 'gas-fixed-rate';
  programmable?: boolean;
  // A fixed-rate (gas-driven) pump's own figures (kind 'gas-fixed-rate').
  kind_label?: string;
  nominal_flow_nl_per_day?: number;
  flow_tolerance_permille?: number;
  dose_at_worst_ng_per_day?: number | null;
  empty_at_worst_date?: string | null;
}

export interface Columns {
  t_ms: number[];
  volume_nl: number[];
  dose_ng: (number | null)[];
}

// GET /api/pumps/{serial}/series
export interface PumpSeries {
  serial: string;
  drug_unit: string | null; // null: no drug known for this pump
  from_ms: number;
  to_ms: number;
  delivered_hourly: Columns;
  delivered_daily: Columns;
  reservoir_predicted: { t_ms: number[]; volume_nl: number[] };
  reservoir_measured: {
    at_ms: number;
    expected_nl: number;
    withdrawn_nl: number;
    difference_nl: number;
    finding: string;
    filled_nl: number;
    band_nl: number;
  }[];
  prescriptions: { t_ms: number[]; max_daily_dose_ng_per_day: number[]; mode: string[]; drug: string[] };
  // Boluses and alarms from the uploaded event log, at the clinic's time (`t_ms`, the implant's
  // clock corrected by the offset read with the upload).
  boluses: { t_ms: number; granted: boolean; volume_nl?: number; dose_ng: number | null; text?: string }[];
  alarms: { t_ms: number; code: string; text: string }[];
  implant_clock_known?: boolean;
  sessions: { id: number; started_at_ms: number; summary: string }[];
}

export interface SessionRow {
  id: number;
  mrn?: string;
  name?: string;
  serial: string;
  operator: string;
  device?: string;
  started_at_ms: number;
  ended_at_ms: number | null;
  summary: string;
}

export interface PumpCard {
  id: number;
  kind?: 'programmable' | 'gas-fixed-rate';
  programmable?: boolean;
  kind_label?: string;
  nominal_flow_nl_per_day?: number;
  flow_tolerance_permille?: number;
  dose_ng_per_day?: number | null;
  dose_at_worst_ng_per_day?: number | null;
  empty_at_worst_date?: string | null;
  next_refill_reason?: string | null;
  last_fill?: { at_ms: number; volume_nl: number; withdrawn_nl: number; clinician: string; concentration_ng_per_ml: number } | null;
  serial: string;
  model: string;
  active: boolean;
  implant_date: string;
  catheter_length_mm: number;
  catheter_volume_nl: number;
  reservoir_capacity_nl: number;
  paired: boolean;
  drug: string | null;
  drug_unit: string | null;
  concentration_ng_per_ml: number | null;
  prescription: { at_ms: number; session_id: number; mode: string; max_daily_dose_ng_per_day: number; text: string } | null;
  reservoir_estimate_nl: number | null;
  last_refill: { at_ms: number; volume_nl: number; finding: string; next_refill_date: string; next_refill_rule: string } | null;
  status: string;
  days_left: number | null;
  next_refill_date: string | null;
  open_alarms: number;
  battery_eri_date: string | null;
  replacement?: string | null;
}

export interface PatientPage {
  patient: { id: number; mrn: string; name: string; birth_date: string; indication: string };
  pumps: PumpCard[];
  sessions: SessionRow[];
  trials: { at_ms: number; drug: string; dose_ng: number; route: string; score_kind: string; score_before: number; score_after: number; effect_ms: number; effective: boolean; notes: string }[];
}
