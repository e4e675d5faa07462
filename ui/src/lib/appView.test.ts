import { describe, expect, it, vi } from 'vitest';
import type { AppView } from '../bindings/AppView';
import {
  AppController,
  INITIAL_STATE,
  errorNotice,
  failureView,
  noticeModel,
  shouldMoveFocus,
  type AppState,
} from './appView';
import type { Backend } from './bridge';
import { fakeBackend } from './fakeBackend';

const signIn: AppView = { screen: 'sign_in', notice: null };
const waiting: AppView = {
  screen: 'waiting_for_browser',
  provider_name: 'Google',
  authorize_url: 'https://portal.example.com/v1/authorize?provider=google',
};
const ready: Extract<AppView, { screen: 'ready' }> = {
  screen: 'ready',
  account: {
    account_id: 'a1',
    username: 'ann',
    display_name: 'Ann Example',
    extension: '201',
    organization_name: 'Acme',
  },
  phone: {
    extension: '201',
    display_name: 'Ann Example',
    sip_domain: 'sip.example.com',
    registrar: 'sip:sip.example.com',
    transport: 'tls',
  },
  notice: null,
};
const denied = { code: 'sign_in.denied', message: 'You cancelled the sign-in at Google.' };

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A controller over a fake backend that records every state and lets tests push `app-view` events. */
function setup(overrides: Partial<Backend> = {}) {
  const states: AppState[] = [];
  let push: ((view: AppView) => void) | undefined;
  const unlisten = vi.fn();
  const backend = fakeBackend({
    onAppView: (handler) => {
      push = handler;
      return Promise.resolve(unlisten);
    },
    ...overrides,
  });
  const controller = new AppController(backend, (state) => states.push(state));
  const emit = (view: AppView) => {
    if (!push) throw new Error('not subscribed');
    push(view);
  };
  return { controller, states, emit, unlisten, backend };
}

describe('errorNotice and failureView', () => {
  it('keeps the message for people and the code for support', () => {
    expect(errorNotice(denied)).toEqual({ kind: 'error', message: denied.message, code: 'sign_in.denied' });
    expect(errorNotice('command start_sign_in not found')).toEqual({
      kind: 'error',
      message: 'command start_sign_in not found',
      code: null,
    });
  });

  it('lands on the sign-in screen when restore, start or cancel fails', () => {
    for (const action of ['restore', 'start_sign_in', 'cancel_sign_in'] as const) {
      expect(failureView(waiting, action, denied)).toEqual({ screen: 'sign_in', notice: errorNotice(denied) });
    }
  });

  it('stays signed in with the error when sign-out fails', () => {
    expect(failureView(ready, 'sign_out', denied)).toEqual({ ...ready, notice: errorNotice(denied) });
  });
});

describe('noticeModel', () => {
  it('renders errors as alerts and information as status', () => {
    expect(noticeModel({ kind: 'error', message: 'Nope.', code: 'x.y' })).toEqual({
      kind: 'error',
      message: 'Nope.',
      role: 'alert',
      code: 'x.y',
    });
    expect(noticeModel({ kind: 'info', message: 'You are signed out.', code: null })).toEqual({
      kind: 'info',
      message: 'You are signed out.',
      role: 'status',
      code: null,
    });
  });

  it('shows nothing without a notice or with a blank message', () => {
    expect(noticeModel(null)).toBeNull();
    expect(noticeModel(undefined)).toBeNull();
    expect(noticeModel({ kind: 'info', message: '  ', code: null })).toBeNull();
  });
});

describe('shouldMoveFocus', () => {
  it('moves focus only when the screen changes', () => {
    expect(shouldMoveFocus(INITIAL_STATE.view, signIn)).toBe(true);
    expect(shouldMoveFocus(signIn, waiting)).toBe(true);
    expect(shouldMoveFocus(signIn, { screen: 'sign_in', notice: errorNotice(denied) })).toBe(false);
    expect(shouldMoveFocus(ready, { ...ready, notice: errorNotice(denied) })).toBe(false);
  });
});

describe('AppController', () => {
  it('starts on the restoring screen, subscribes, then restores', async () => {
    const order: string[] = [];
    const { controller, states } = setup({
      onAppView: () => {
        order.push('subscribe');
        return Promise.resolve(() => {});
      },
      restoreSession: () => {
        order.push('restore');
        return Promise.resolve(ready);
      },
    });
    expect(controller.state).toEqual({ view: { screen: 'restoring' }, pending: null });
    await controller.start();
    expect(order).toEqual(['subscribe', 'restore']);
    expect(states).toEqual([
      { view: { screen: 'restoring' }, pending: { action: 'restore' } },
      { view: ready, pending: null },
    ]);
  });

  it('shows the sign-in screen with the error when restoring fails', async () => {
    const { controller } = setup({ restoreSession: () => Promise.reject(denied) });
    await controller.start();
    expect(controller.state).toEqual({ view: { screen: 'sign_in', notice: errorNotice(denied) }, pending: null });
  });

  it('still restores when the event channel is unavailable', async () => {
    const { controller } = setup({
      onAppView: () => Promise.reject(new Error('no Tauri')),
      restoreSession: () => Promise.resolve(signIn),
    });
    await controller.start();
    expect(controller.state.view).toEqual(signIn);
  });

  it('starts a sign-in with the provider id and shows the answer', async () => {
    const startSignIn = vi.fn((provider: string) => {
      void provider;
      return Promise.resolve(waiting);
    });
    const { controller, states } = setup({ restoreSession: () => Promise.resolve(signIn), startSignIn });
    await controller.start();
    states.length = 0;
    await controller.startSignIn({ id: 'workspace', name: 'Google' });
    expect(startSignIn).toHaveBeenCalledWith('workspace');
    expect(states).toEqual([
      { view: signIn, pending: { action: 'start_sign_in', provider: { id: 'workspace', name: 'Google' } } },
      { view: waiting, pending: null },
    ]);
  });

  it('shows a rejected start as an error notice on the sign-in screen', async () => {
    const { controller } = setup({
      restoreSession: () => Promise.resolve(signIn),
      startSignIn: () => Promise.reject(denied),
    });
    await controller.start();
    await controller.startSignIn({ id: 'google', name: 'Google' });
    expect(controller.state).toEqual({ view: { screen: 'sign_in', notice: errorNotice(denied) }, pending: null });
  });

  it('ignores a second command while one is in flight', async () => {
    const start = deferred<AppView>();
    const startSignIn = vi.fn(() => start.promise);
    const { controller } = setup({ restoreSession: () => Promise.resolve(signIn), startSignIn });
    await controller.start();
    const first = controller.startSignIn({ id: 'google', name: 'Google' });
    await controller.startSignIn({ id: 'apple', name: 'Apple' });
    expect(startSignIn).toHaveBeenCalledTimes(1);
    start.resolve(waiting);
    await first;
    expect(controller.state).toEqual({ view: waiting, pending: null });
  });

  it('cancels back to the sign-in screen, even when cancelling fails', async () => {
    const { controller } = setup({
      restoreSession: () => Promise.resolve(waiting),
      cancelSignIn: () => Promise.reject(denied),
    });
    await controller.start();
    await controller.cancelSignIn();
    expect(controller.state.view).toEqual({ screen: 'sign_in', notice: errorNotice(denied) });
  });

  it('signs out, or stays signed in with the error', async () => {
    const signedOut: AppView = { screen: 'sign_in', notice: { kind: 'info', message: 'You are signed out.', code: null } };
    const ok = setup({ restoreSession: () => Promise.resolve(ready), signOut: () => Promise.resolve(signedOut) });
    await ok.controller.start();
    await ok.controller.signOut();
    expect(ok.controller.state.view).toEqual(signedOut);

    const failing = setup({ restoreSession: () => Promise.resolve(ready), signOut: () => Promise.reject(denied) });
    await failing.controller.start();
    await failing.controller.signOut();
    expect(failing.controller.state.view).toEqual({ ...ready, notice: errorNotice(denied) });
  });

  it('shows views pushed by the app-view event', async () => {
    const { controller, emit } = setup({ restoreSession: () => Promise.resolve(waiting) });
    await controller.start();
    emit(ready);
    expect(controller.state).toEqual({ view: ready, pending: null });
  });

  it('lets an event win over the answer of a command still in flight', async () => {
    const restore = deferred<AppView>();
    const { controller, emit } = setup({ restoreSession: () => restore.promise });
    const started = controller.start();
    await vi.waitFor(() => expect(controller.state.pending).toEqual({ action: 'restore' }));
    emit(ready);
    restore.resolve(signIn);
    await started;
    expect(controller.state).toEqual({ view: ready, pending: null });
  });

  it('accepts a new command after an event made the old one stale', async () => {
    const cancel = deferred<AppView>();
    const signOut = vi.fn(() => Promise.resolve(signIn));
    const { controller, emit } = setup({
      restoreSession: () => Promise.resolve(waiting),
      cancelSignIn: () => cancel.promise,
      signOut,
    });
    await controller.start();
    const cancelling = controller.cancelSignIn();
    emit(ready);
    await controller.signOut();
    expect(signOut).toHaveBeenCalledTimes(1);
    cancel.resolve({ screen: 'sign_in', notice: null });
    await cancelling;
    expect(controller.state.view).toEqual(signIn);
  });

  it('unsubscribes on stop and ignores later answers and events', async () => {
    const restore = deferred<AppView>();
    const { controller, emit, unlisten, states } = setup({ restoreSession: () => restore.promise });
    const started = controller.start();
    await vi.waitFor(() => expect(states).toHaveLength(1));
    controller.stop();
    expect(unlisten).toHaveBeenCalledTimes(1);
    emit(ready);
    restore.resolve(signIn);
    await started;
    expect(states).toHaveLength(1);
  });

  it('unsubscribes when stopped before the subscription resolved, and does not restore', async () => {
    const subscribed = deferred<() => void>();
    const unlisten = vi.fn();
    const restoreSession = vi.fn(() => Promise.resolve(ready));
    const controller = new AppController(
      fakeBackend({ onAppView: () => subscribed.promise, restoreSession }),
      () => {},
    );
    const started = controller.start();
    controller.stop();
    subscribed.resolve(unlisten);
    await started;
    expect(unlisten).toHaveBeenCalledTimes(1);
    expect(restoreSession).not.toHaveBeenCalled();
  });
});
