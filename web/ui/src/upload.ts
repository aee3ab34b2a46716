// Upload what `itdd programmer log|history --out FILE` downloaded from an implant: the file's own
// "format" says which kind it is; a large history shows its progress (XMLHttpRequest reports
// the upload's bytes, fetch does not).
import { csrf } from './api';
import { field, h, notice } from './dom';

function postWithProgress(path: string, body: string, progress: HTMLProgressElement): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.setRequestHeader('X-CSRF-Token', csrf());
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        progress.max = e.total;
        progress.value = e.loaded;
      }
    };
    xhr.onload = () => {
      let json: unknown = null;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        json = { error: { message: `the server answered ${xhr.status} with something that is not JSON` } };
      }
      resolve({ status: xhr.status, json });
    };
    xhr.onerror = () => reject(new Error('the upload did not reach the server: is `itdd clinic serve` running?'));
    xhr.send(body);
  });
}

export function uploadForm(serial: string): HTMLElement {
  const file = field('Event log or delivery history files', 'document',
    h('input', { type: 'file', accept: '.json,application/json', multiple: true }), undefined,
    'As written by `itdd programmer log --out` or `itdd programmer history --out`; a record already stored is not stored twice.');
  const out = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'secondary' }, 'Upload');
  const form = h('form', { class: 'upload', 'aria-label': `Upload to pump ${serial}` }, file.wrap, submit, out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    file.setError(null);
    out.textContent = '';
    const files = [...((file.input as HTMLInputElement).files ?? [])];
    if (!files.length) return file.setError('Choose one or more files to upload.');
    submit.disabled = true;
    try {
      for (const f of files) {
        let doc: { format?: string };
        try {
          doc = JSON.parse(await f.text());
        } catch {
          file.setError(`${f.name} is not JSON: choose a file written by \`itdd programmer log|history --out\`.`);
          return;
        }
        const kind = doc.format === 'itdd-event-log' ? 'log' : doc.format === 'itdd-delivery-history' ? 'history' : null;
        if (!kind) {
          file.setError(`${f.name} is neither an event log nor a delivery history (its "format" is ${JSON.stringify(doc.format ?? null)}; expected itdd-event-log or itdd-delivery-history).`);
          return;
        }
        const progress = h('progress', { 'aria-label': `Uploading ${f.name}` });
        const line = h('p', {}, progress, ` ${f.name}…`);
        out.append(line);
        const r = await postWithProgress(`/api/pumps/${encodeURIComponent(serial)}/uploads`, JSON.stringify({ kind, document: doc }), progress);
        const body = r.json as { stored?: number; already_stored?: number; error?: { field?: string; message: string } };
        line.replaceWith(r.status === 200
          ? notice('ok', `${f.name}: ${body.stored ?? 0} record(s) stored, ${body.already_stored ?? 0} already stored.`)
          : notice('error', `${f.name}: ${body.error?.field ? `${body.error.field}: ` : ''}${body.error?.message ?? `refused (${r.status})`}`));
      }
    } catch (err) {
      out.append(notice('error', (err as Error).message));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
