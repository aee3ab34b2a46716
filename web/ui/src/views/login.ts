// Log in: the clinic database's accounts (`itdd clinic user add`). A wrong password and the
// server's back-off after repeated failures are said beside the form.
import { ApiError, post } from '../api';
import { field, h, notice } from '../dom';
import type { Me } from '../main';

export async function loginView(main: HTMLElement, done: (me: Me) => void): Promise<void> {
  const user = field('User name', 'user', h('input', { type: 'text', autocomplete: 'username', required: true }));
  const password = field(
    'Password',
    'password',
    h('input', { type: 'password', autocomplete: 'current-password', required: true }),
  );
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Log in');
  const form = h('form', { class: 'login', 'aria-labelledby': 'login-title', novalidate: true },
    h('h1', { id: 'login-title' }, 'Log in to the clinic'),
    user.wrap, password.wrap, submit, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    user.setError(null);
    password.setError(null);
    status.textContent = '';
    const u = user.input.value.trim();
    const p = password.input.value;
    if (!u) return user.setError('Type your user name.');
    if (!p) return password.setError('Type your password.');
    submit.disabled = true;
    try {
      done(await post<Me>('/api/login', { user: u, password: p }));
    } catch (err) {
      const ae = err as ApiError;
      if (ae.field === 'user') user.setError(ae.message);
      else if (ae.field === 'password') password.setError(ae.message);
      else status.append(notice('error', ae.message));
    } finally {
      submit.disabled = false;
    }
  });
  main.append(form);
  user.input.focus();
}
