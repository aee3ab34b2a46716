// The two-step shape every therapy change takes on the dashboard, as on the command line:
// fill the form -> review (the server checks it against the implant and the drug library and
// shows old and new) -> an explicit confirmation -> send -> the read-back or the outcome. An
// uncertain outcome is said as such, with "Interrogate", never guessed.
import { ApiError, post } from './api';
import { button, clear, field, h, notice, type Field } from './dom';

export interface Outcome {
  outcome: 'done' | 'refused' | 'uncertain' | string;
  message?: string;
  text?: string;
  read_back?: { label: string; text: string }[];
  session_id?: number;
  error?: { field?: string; message: string };
  [key: string]: unknown;
}

export interface StepOptions<R> {
  title: string;
  name: string; // program, refill, prime, bolus: the endpoints /api/implant/NAME/review|confirm
  fields: Field[];
  target: () => { serial: string; implant: string } | null;
  body: () => Record<string, unknown> | null; // null: a field is wrong (its error is shown)
  // Shows the review; returns the extra confirmation fields (acknowledgement, bridge, override
  // reason), or null when they are not filled in as needed (their errors are shown).
  showReview: (review: R, into: HTMLElement) => () => Record<string, unknown> | null;
  confirmLabel: string;
  showOutcome?: (outcome: Outcome, into: HTMLElement) => void;
  interrogate: () => void;
  allowed: boolean;
}

export function busy(text: string): HTMLElement {
  return h('p', { role: 'status', class: 'busy' }, h('progress', { 'aria-label': text }), ` ${text}`);
}

// Shows an API error beside its field when the form has it, else above the form.
export function showError(e: unknown, fields: Field[], into: HTMLElement): void {
  const err = e instanceof ApiError ? e : new ApiError(0, '', (e as Error).message);
  const f = fields.find((x) => x.input.name === err.field);
  if (f) {
    f.setError(err.message);
    f.input.focus();
  } else {
    into.append(notice('error', err.field ? `${err.field}: ${err.message}` : err.message));
  }
}

export function outcomeView(o: Outcome, interrogate: () => void, custom?: (o: Outcome, into: HTMLElement) => void): HTMLElement {
  const box = h('div', { class: 'outcome', 'data-outcome': o.outcome });
  if (o.outcome === 'uncertain') {
    box.append(
      notice('uncertain',
        h('strong', {}, 'Uncertain: '),
        o.message ?? 'the command was sent but its answer was lost; the implant may or may not have applied it.',
        ' Interrogate the implant before anything else.',
        ' ', button('Interrogate', interrogate)),
    );
    return box;
  }
  if (o.outcome === 'refused') {
    box.append(notice('error', h('strong', {}, 'Refused, nothing changed: '), o.error?.message ?? o.message ?? ''));
    return box;
  }
  box.append(notice('ok', h('strong', {}, 'Done: '), o.message ?? 'applied and read back.', o.session_id ? ` Recorded as session #${o.session_id}.` : ''));
  if (o.read_back?.length) {
    box.append(h('table', {}, h('caption', {}, 'Read back from the implant'), h('tbody', {}, o.read_back.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.label), h('td', {}, r.text))))));
  }
  custom?.(o, box);
  if (o.text) box.append(h('pre', {}, o.text));
  return box;
}

export function twoStep<R extends { review_token: string }>(opts: StepOptions<R>): HTMLElement {
  const reviewArea = h('div', { class: 'review', 'aria-live': 'polite' });
  const reviewBtn = h('button', { type: 'submit' }, 'Review');
  const form = h('form', { class: 'step', novalidate: true, 'data-action': opts.name },
    opts.fields.map((f) => f.wrap), h('div', { class: 'actions' }, reviewBtn));
  const section = h('section', { 'aria-labelledby': `${opts.name}-title`, id: `action-${opts.name}` },
    h('h2', { id: `${opts.name}-title` }, opts.title), form, reviewArea);
  if (!opts.allowed) {
    for (const f of opts.fields) f.input.disabled = true;
    reviewBtn.disabled = true;
  }
  for (const f of opts.fields) f.input.addEventListener('input', () => { f.setError(null); clear(reviewArea); });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(reviewArea);
    for (const f of opts.fields) f.setError(null);
    const target = opts.target();
    const body = opts.body();
    if (!target || !body) return;
    reviewBtn.disabled = true;
    const wait = busy('Asking the implant and the drug library…');
    reviewArea.append(wait);
    let review: R;
    try {
      review = await post<R>(`/api/implant/${opts.name}/review`, { ...target, ...body });
    } catch (err) {
      wait.remove();
      showError(err, opts.fields, reviewArea);
      return;
    } finally {
      reviewBtn.disabled = false;
    }
    wait.remove();
    // The latest review's token, for the browser tests that replay a confirmation by hand.
    ((window as unknown as { __itddLastReview?: Record<string, string> }).__itddLastReview ??= {})[opts.name] = review.review_token;
    const details = h('div', { class: 'review-details' });
    reviewArea.append(h('h3', {}, 'Review'), details);
    const extra = opts.showReview(review, details);
    const confirmBox = h('input', { type: 'checkbox', id: `${opts.name}-confirm`, name: 'confirm' });
    const send = h('button', { type: 'button', class: 'danger', disabled: true }, opts.confirmLabel);
    confirmBox.addEventListener('change', () => (send.disabled = !confirmBox.checked));
    const result = h('div', { class: 'result', 'aria-live': 'polite' });
    send.addEventListener('click', async () => {
      clear(result);
      const more = extra();
      if (!more) return;
      send.disabled = true;
      const waiting = busy('Sending to the implant and reading back…');
      result.append(waiting);
      try {
        const o = await post<Outcome>(`/api/implant/${opts.name}/confirm`, { review_token: review.review_token, confirm: true, ...more });
        waiting.remove();
        result.append(outcomeView(o, opts.interrogate, opts.showOutcome));
        confirmBox.disabled = true;
      } catch (err) {
        waiting.remove();
        const ae = err as ApiError;
        const fieldsNow = [...reviewArea.querySelectorAll<HTMLElement>('.field')];
        const where = fieldsNow.find((w) => w.dataset.field === ae.field);
        if (where) {
          const errEl = where.querySelector('.field-error')!;
          errEl.textContent = ae.message;
          where.querySelector('input,select,textarea')?.setAttribute('aria-invalid', 'true');
        } else if (ae.field === 'review_token') {
          result.append(notice('warn', ae.message, ' Review again.'));
        } else {
          showError(err, [], result);
        }
        send.disabled = !confirmBox.checked;
      }
    });
    reviewArea.append(
      h('div', { class: 'field' }, h('label', { for: `${opts.name}-confirm` }, confirmBox, ' I have checked the review above and want to send it to the implant')),
      h('div', { class: 'actions' }, send, button('Cancel', () => clear(reviewArea), { class: 'secondary' })),
      result,
    );
  });
  return section;
}

// A required text field for the confirmation step (a reason).
export function reasonField(label: string, name: string, hint: string): Field {
  return field(label, name, h('textarea', { rows: 2, cols: 60 }), undefined, hint);
}
