/** The admin app: sign-in, the signed-in shell, and hash routing between its pages. */

import { api, ApiError } from './api.js';
import { announce } from './components/announce.js';
import { errorBox, field } from './components/form.js';
import { h } from './dom.js';
import { icon } from './icons.js';
import * as campaigns from './pages/campaigns.js';
import * as integrations from './pages/integrations.js';
import * as settings from './pages/settings.js';
import * as syncLog from './pages/sync-log.js';
import { session } from './session.js';

const PAGES = [
  { path: 'integrations', title: 'Integrations', page: integrations },
  { path: 'settings', title: 'Settings', page: settings },
  { path: 'campaigns', title: 'Campaigns', page: campaigns },
  { path: 'sync-log', title: 'Sync log', page: syncLog },
];
const HOME = '#/integrations';
const ICON_URL = new URL('../img/icon.svg', import.meta.url).href;

const root = document.getElementById('app');
let vocabulary = null;
let shell = null; // {main, links}
let cleanups = [];
let firstRender = true;

function routeOf(hash) {
  const match = /^#\/([a-z-]+)/.exec(hash);
  return PAGES.find((page) => page.path === match?.[1]) || null;
}

// --- Sign-in ---------------------------------------------------------------------------------
function showSignIn(message) {
  shell = null;
  runCleanups();
  const email = field({
    label: 'Email',
    type: 'email',
    name: 'email',
    autocomplete: 'username',
    required: true,
    testid: 'sign-in-email',
  });
  const password = field({
    label: 'Password',
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
    testid: 'sign-in-password',
  });
  const alert = h('div', { class: 'form-alert', role: 'alert', 'data-testid': 'sign-in-error' });
  const submit = h(
    'button',
    { type: 'submit', class: 'button primary wide', 'data-testid': 'sign-in-submit' },
    'Sign in',
  );
  const form = h(
    'form',
    { class: 'sign-in-form', novalidate: true, 'aria-labelledby': 'sign-in-title' },
    email.element,
    password.element,
    alert,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.replaceChildren();
    email.setError(null);
    password.setError(null);
    if (!email.input.value.trim()) {
      email.setError('Enter your email address.');
      email.input.focus();
      return;
    }
    if (!password.input.value) {
      password.setError('Enter your password.');
      password.input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const answer = await api.post('/api/auth/login', {
        email: email.input.value.trim(),
        password: password.input.value,
      });
      session.save(answer.token, answer.user);
      if (!routeOf(location.hash)) history.replaceState(null, '', HOME);
      showShell();
    } catch (error) {
      submit.disabled = false;
      submit.textContent = 'Sign in';
      alert.replaceChildren(icon('alert'), h('p', {}, error.message));
      alert.className = 'form-alert alert alert-error';
      password.input.value = '';
      password.input.focus();
    }
  });

  root.replaceChildren(
    h(
      'main',
      { class: 'sign-in', id: 'main', tabIndex: -1 },
      h(
        'div',
        { class: 'sign-in-card card' },
        h(
          'div',
          { class: 'brand brand-large' },
          h('img', { src: ICON_URL, alt: '', width: 36, height: 36 }),
          h('span', {}, 'itris-sync'),
        ),
        h('h1', { id: 'sign-in-title' }, 'Sign in'),
        h('p', { class: 'muted' }, 'Manage your team’s itris connection, settings, campaigns and sync log.'),
        message && h('p', { class: 'alert alert-info', role: 'status' }, message),
        form,
      ),
    ),
  );
  document.title = 'Sign in · itris-sync';
  email.input.focus();
}

// --- The signed-in shell -----------------------------------------------------------------------
function showShell() {
  const user = session.user();
  const links = PAGES.map((page) =>
    h('a', { href: `#/${page.path}`, class: 'nav-link', 'data-path': page.path }, page.title),
  );
  const signOut = h(
    'button',
    { type: 'button', class: 'button ghost small', 'data-testid': 'sign-out' },
    icon('signout'),
    'Sign out',
  );
  signOut.addEventListener('click', async () => {
    try {
      await api.post('/api/auth/logout');
    } catch {
      // Signing out locally is what matters; a dead token is harmless.
    }
    session.clear();
    showSignIn('You are signed out.');
  });
  const main = h('main', { id: 'main', class: 'page', tabIndex: -1 });
  root.replaceChildren(
    h(
      'header',
      { class: 'topbar' },
      h(
        'div',
        { class: 'topbar-inner' },
        h(
          'a',
          { class: 'brand', href: HOME },
          h('img', { src: ICON_URL, alt: '', width: 26, height: 26 }),
          h('span', {}, 'itris-sync'),
        ),
        h('nav', { 'aria-label': 'Main' }, h('ul', { class: 'nav' }, links.map((a) => h('li', {}, a)))),
        h(
          'div',
          { class: 'user-menu' },
          h(
            'span',
            { class: 'user-name', 'data-testid': 'signed-in-user' },
            icon('user'),
            user?.name || user?.email || '',
          ),
          h('span', { class: ['role-badge', user?.role === 'admin' && 'role-admin'] }, user?.role === 'admin' ? 'Admin' : 'Recruiter'),
          signOut,
        ),
      ),
    ),
    main,
  );
  shell = { main, links };
  firstRender = true;
  renderRoute();
}

function runCleanups() {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch (error) {
      console.error(error);
    }
  }
  cleanups = [];
}

async function renderRoute() {
  if (!shell) return;
  const route = routeOf(location.hash);
  if (!route) {
    history.replaceState(null, '', HOME);
    return renderRoute();
  }
  runCleanups();
  for (const link of shell.links) {
    if (link.dataset.path === route.path) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${route.title} · itris-sync`;
  // Each render gets its own container; a slow, superseded render writes into a detached one.
  const container = h('div', { class: 'page-content', 'data-page': route.path });
  shell.main.replaceChildren(container);
  const ctx = {
    vocabulary,
    user: session.user(),
    isAdmin: session.isAdmin(),
    active: () => container.isConnected,
    onCleanup: (fn) => cleanups.push(fn),
  };
  const focusHeading = !firstRender;
  firstRender = false;
  try {
    const pending = route.page.render(container, ctx);
    if (focusHeading) container.querySelector('h1')?.focus();
    await pending;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    console.error(error);
    if (container.isConnected) container.append(errorBox(error, { title: 'This page could not be shown' }));
  }
}

// --- Boot ------------------------------------------------------------------------------------------
async function boot() {
  document.querySelector('.skip-link')?.addEventListener('click', (event) => {
    // The hash is the router's: move focus without touching it.
    event.preventDefault();
    document.getElementById('main')?.focus();
  });
  window.addEventListener('hashchange', () => {
    if (location.hash.startsWith('#/')) renderRoute();
  });
  window.addEventListener('itris-sync:signed-out', () => {
    showSignIn('Your session has ended. Sign in again.');
  });

  try {
    const response = await fetch(root.dataset.vocabularyUrl, { cache: 'no-store' });
    vocabulary = await response.json();
  } catch {
    root.replaceChildren(
      errorBox(new Error('Could not reach the itris-sync server. Reload the page to try again.')),
    );
    return;
  }

  if (!session.token()) {
    showSignIn();
    return;
  }
  try {
    session.updateUser(await api.get('/api/me'));
    showShell();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // the event shows sign-in
    root.replaceChildren(errorBox(error, { title: 'itris-sync could not start' }));
  }
}

announce('');
boot();
