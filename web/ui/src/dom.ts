// A few helpers to build accessible HTML without a framework. Text is always set as text
// (never as HTML), so a name or a server message cannot inject markup.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(name.replace(/^on/, ''), value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

let uniqueCounter = 0;
export function uid(prefix: string): string {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

// A labelled form field with a place for its error beside it (aria-describedby), so a screen
// reader reads the error with the field.
export interface Field {
  wrap: HTMLElement;
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  error: HTMLElement;
  setError(message: string | null): void;
}

export function field(
  label: string,
  name: string,
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  unit?: string,
  hint?: string,
): Field {
  const id = uid(name);
  input.id = id;
  input.name = name;
  const error = h('span', { class: 'field-error', id: `${id}-error`, role: 'alert' });
  const hintEl = hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null;
  input.setAttribute('aria-describedby', [hintEl ? `${id}-hint` : '', `${id}-error`].join(' ').trim());
  const wrap = h(
    'div',
    { class: 'field', 'data-field': name },
    h('label', { for: id }, label),
    h('span', { class: 'input-with-unit' }, input, unit ? h('span', { class: 'unit' }, unit) : null),
    hintEl,
    error,
  );
  return {
    wrap,
    input,
    error,
    setError(message) {
      error.textContent = message ?? '';
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
  };
}

export function button(text: string, onClick: (ev: Event) => void, attrs: Attrs = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...attrs, onclick: onClick as EventListener }, text);
}

// A table whose header cells are real <th scope="col">.
export function table(caption: string, headers: string[], rows: Node[]): HTMLTableElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows),
  );
}

export function notice(kind: 'error' | 'ok' | 'warn' | 'uncertain' | 'info', ...children: Child[]): HTMLElement {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}
