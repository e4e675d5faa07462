import { describe, expect, it, vi } from 'vitest';
import type { AppView } from '../bindings/AppView';
import {
  AppController,
  INITIAL_STATE,
  answeredAgain,
  errorNotice,
  failureView,
  noticeModel,
  shouldMoveFocus,
  type AppState,
} from './appView';
import type { Backend } from './bridge';
import { fakeBackend } from './fakeBackend';
import { mfaView, securityView, withRecoveryCodes } from './securityFixtures';

const signIn: AppView = { screen: 'sign_in', notice: null, back_to: null };
const waiting: AppView = {
  screen: 'waiting_for_browser',
  provider_name: 'Google',
  authorize_url: 'https://portal.example.com/v1/authorize?provider=google',
  browser_opened: true,
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
  signed_in: [
    {
      account_id: 'a1',
      username: 'ann',
      display_name: 'Ann Example',
      extension: '201',
      organization_name: 'Acme',
    },
  ],
  reaches_accounts: 1,
};
const maria = {
  account_id: 'a2',
  username: 'maria',
  display_name: 'Maria Manager',
  extension: '210',
  organization_name: 'Acme',
};
/** Two accounts signed in, Ann current. */
const readyTwo: Extract<AppView, { screen: 'ready' }> = { ...ready, signed_in: [...ready.signed_in, maria] };
/** Maria's ready view: what switching to her, or signing Ann out, answers. */
const readyMaria: Extract<AppView, { screen: 'ready' }> = {
  ...readyTwo,
  account: maria,
  phone: { ...ready.phone, extension: '210', display_name: 'Maria Manager' },
};
const chooser: Extract<AppView, { screen: 'choose_account' }> = {
  screen: 'choose_account',
  accounts: [
    {
      account_id: 'a1',
      display_name: 'Ann Example',
      extension: '201',
      organization_name: 'Acme',
      reached_through_shared_email: false,
    },
    {
      account_id: 'a2',
      display_name: 'Maria Manager',
      extension: '210',
      organization_name: 'Acme',
      reached_through_shared_email: false,
    },
  ],
  remembered_account_id: null,
  shared_email: false,
  in_place_of: null,
  notice: null,
};
const linkForm: Extract<AppView, { screen: 'link_account' }> = {
  screen: 'link_account',
  provider_name: 'Google',
  email: 'ann@example.com',
  reason: 'no_account_for_email',
  reason_text: 'No phone account signs in with ann@example.com through Google yet.',
  notice: null,
};
const wrongPassword = { kind: 'error' as const, message: 'The username or password is wrong.', code: 'invalid_credentials' as const };
const denied = { code: 'access_denied', message: 'You cancelled the sign-in at Google.' };
const broken = { code: 'internal', message: 'Something broke.' };

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
    expect(errorNotice(denied)).toEqual({ kind: 'error', message: denied.message, code: 'access_denied' });
    expect(errorNotice('command start_sign_in not found')).toEqual({
      kind: 'error',
      message: 'command start_sign_in not found',
      code: null,
    });
  });

  it('lands on the sign-in screen when restore, start or cancel fails', () => {
    for (const action of ['restore', 'start_sign_in', 'cancel_sign_in'] as const) {
      expect(failureView(waiting, action, denied)).toEqual({
        screen: 'sign_in',
        notice: errorNotice(denied),
        back_to: null,
      });
    }
  });

  it('stays signed in with the error when sign-out fails', () => {
    expect(failureView(ready, 'sign_out', denied)).toEqual({ ...ready, notice: errorNotice(denied) });
  });

  it('keeps the chooser or the link form with the error when choosing or linking fails', () => {
    for (const current of [chooser, linkForm]) {
      for (const action of ['choose_account', 'link_account'] as const) {
        expect(failureView(current, action, broken)).toEqual({ ...current, notice: errorNotice(broken) });
      }
    }
  });

  it('keeps the ready screen with the error when an account action fails there', () => {
    for (const action of ['switch_account', 'use_different_account', 'add_account', 'sign_out', 'sign_out_all'] as const) {
      expect(failureView(readyTwo, action, broken)).toEqual({ ...readyTwo, notice: errorNotice(broken) });
    }
  });

  it('lands on the sign-in screen, with no way back, when the screen does not match the action', () => {
    const signInWithError = { screen: 'sign_in', notice: errorNotice(broken), back_to: null };
    // Account actions away from the ready screen, chooser actions away from the chooser and link form.
    for (const action of ['switch_account', 'use_different_account', 'add_account', 'sign_out', 'sign_out_all'] as const) {
      expect(failureView(chooser, action, broken)).toEqual(signInWithError);
    }
    for (const action of ['choose_account', 'link_account'] as const) {
      expect(failureView(readyTwo, action, broken)).toEqual(signInWithError);
    }
    // Cancelling the chooser or link form: the sign-in screen, not the form again.
    expect(failureView(chooser, 'cancel_sign_in', broken)).toEqual(signInWithError);
    expect(failureView(linkForm, 'cancel_sign_in', broken)).toEqual(signInWithError);
    // A sign-in screen that had a way back loses it (nothing says that account is still there).
    const addingAccount: AppView = { screen: 'sign_in', notice: null, back_to: ready.account };
    expect(failureView(addingAccount, 'start_sign_in', broken)).toEqual(signInWithError);
  });
});

describe('noticeModel', () => {
  it('renders errors as alerts and information as status', () => {
    expect(noticeModel({ kind: 'error', message: 'Nope.', code: 'not_found' })).toEqual({
      kind: 'error',
      message: 'Nope.',
      role: 'alert',
      code: 'not_found',
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
    expect(shouldMoveFocus(signIn, { screen: 'sign_in', notice: errorNotice(denied), back_to: null })).toBe(false);
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
    expect(controller.state).toEqual({ view: { screen: 'sign_in', notice: errorNotice(denied), back_to: null }, pending: null });
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
    expect(startSignIn).toHaveBeenCalledWith('workspace', null);
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
    expect(controller.state).toEqual({ view: { screen: 'sign_in', notice: errorNotice(denied), back_to: null }, pending: null });
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

  describe('continue with work email', () => {
    const choice = {
      next: 'choose_provider' as const,
      email: 'tom@acme.example',
      domain: 'acme.example',
      providers: [
        { id: 'google', kind: 'google' as const, display_name: 'Google' },
        { id: 'acme-sso', kind: 'oidc' as const, display_name: 'Acme SSO' },
      ],
      message: 'acme.example signs in with more than one provider. Choose the one your organization uses.',
    };

    it("opens the domain's only provider at once: the view changes, nothing is left to show", async () => {
      const startEmailSignIn = vi.fn(() => Promise.resolve({ next: 'started' as const, view: waiting }));
      const { controller, states } = setup({ restoreSession: () => Promise.resolve(signIn), startEmailSignIn });
      await controller.start();
      states.length = 0;
      const answer = await controller.startEmailSignIn('tom@acme.example');
      expect(startEmailSignIn).toHaveBeenCalledWith('tom@acme.example');
      expect(answer).toBeNull();
      expect(states).toEqual([
        { view: signIn, pending: { action: 'start_email_sign_in' } },
        { view: waiting, pending: null },
      ]);
    });

    it('keeps the sign-in screen and hands it the choice, then starts the chosen one with the email', async () => {
      const startSignIn = vi.fn(() => Promise.resolve(waiting));
      const { controller } = setup({
        restoreSession: () => Promise.resolve(signIn),
        startEmailSignIn: () => Promise.resolve(choice),
        startSignIn,
      });
      await controller.start();
      expect(await controller.startEmailSignIn('tom@acme.example')).toEqual(choice);
      expect(controller.state).toEqual({ view: signIn, pending: null });
      await controller.startSignIn({ id: 'acme-sso', name: 'Acme SSO' }, choice.email);
      expect(startSignIn).toHaveBeenCalledWith('acme-sso', 'tom@acme.example');
      expect(controller.state.view).toEqual(waiting);
    });

    it('turns a refused address into an answer for the field, on the same screen', async () => {
      const refused = { code: 'invalid_request', message: 'Enter your work email address, such as name@company.com.' };
      const { controller } = setup({
        restoreSession: () => Promise.resolve(signIn),
        startEmailSignIn: () => Promise.reject(refused),
      });
      await controller.start();
      expect(await controller.startEmailSignIn('tom')).toEqual({ next: 'error', ...refused });
      expect(controller.state).toEqual({ view: signIn, pending: null });
    });

    it('is ignored while another command is in flight, and a late answer is dropped', async () => {
      const start = deferred<AppView>();
      const answer = deferred<typeof choice>();
      const startEmailSignIn = vi.fn(() => answer.promise);
      const { controller } = setup({
        restoreSession: () => Promise.resolve(signIn),
        startSignIn: () => start.promise,
        startEmailSignIn,
      });
      await controller.start();
      const first = controller.startSignIn({ id: 'google', name: 'Google' });
      expect(await controller.startEmailSignIn('tom@acme.example')).toBeNull();
      expect(startEmailSignIn).not.toHaveBeenCalled();
      start.resolve(signIn);
      await first;
      const late = controller.startEmailSignIn('tom@acme.example');
      controller.show(waiting);
      answer.resolve(choice);
      expect(await late).toBeNull();
      expect(controller.state).toEqual({ view: waiting, pending: null });
    });
  });

  it('cancels back to the sign-in screen, even when cancelling fails', async () => {
    const { controller } = setup({
      restoreSession: () => Promise.resolve(waiting),
      cancelSignIn: () => Promise.reject(denied),
    });
    await controller.start();
    await controller.cancelSignIn();
    expect(controller.state.view).toEqual({ screen: 'sign_in', notice: errorNotice(denied), back_to: null });
  });

  it('signs out, or stays signed in with the error', async () => {
    const signedOut: AppView = {
      screen: 'sign_in',
      notice: { kind: 'info', message: 'You are signed out.', code: null },
      back_to: null,
    };
    const ok = setup({ restoreSession: () => Promise.resolve(ready), signOut: () => Promise.resolve(signedOut) });
    await ok.controller.start();
    await ok.controller.signOut();
    expect(ok.controller.state.view).toEqual(signedOut);

    const failing = setup({ restoreSession: () => Promise.resolve(ready), signOut: () => Promise.reject(denied) });
    await failing.controller.start();
    await failing.controller.signOut();
    expect(failing.controller.state.view).toEqual({ ...ready, notice: errorNotice(denied) });
  });

  it('chooses an account with its id and the remember flag, and shows the answer', async () => {
    const chooseAccount = vi.fn((accountId: string, remember: boolean) => {
      void accountId;
      void remember;
      return Promise.resolve(readyMaria);
    });
    const { controller, states } = setup({ restoreSession: () => Promise.resolve(chooser), chooseAccount });
    await controller.start();
    states.length = 0;
    await controller.chooseAccount('a2', true);
    expect(chooseAccount).toHaveBeenCalledExactlyOnceWith('a2', true);
    expect(states).toEqual([
      { view: chooser, pending: { action: 'choose_account', accountId: 'a2' } },
      { view: readyMaria, pending: null },
    ]);
  });

  it('keeps the chooser with the error when choosing rejects', async () => {
    const { controller } = setup({
      restoreSession: () => Promise.resolve(chooser),
      chooseAccount: () => Promise.reject(broken),
    });
    await controller.start();
    await controller.chooseAccount('a1', false);
    expect(controller.state).toEqual({ view: { ...chooser, notice: errorNotice(broken) }, pending: null });
  });

  it('links with username, password and code, keeping no credentials in the state', async () => {
    const linkAccount = vi.fn((username: string, password: string, totpCode: string | null) => {
      void [username, password, totpCode];
      return Promise.resolve(ready);
    });
    const { controller, states } = setup({ restoreSession: () => Promise.resolve(linkForm), linkAccount });
    await controller.start();
    states.length = 0;
    await controller.linkAccount('ann', 's3cret', '123456');
    expect(linkAccount).toHaveBeenCalledExactlyOnceWith('ann', 's3cret', '123456');
    expect(states).toEqual([
      { view: linkForm, pending: { action: 'link_account' } },
      { view: ready, pending: null },
    ]);
    expect(JSON.stringify(states)).not.toContain('s3cret');
  });

  it('shows the link form the backend answers with its notice (a wrong password), or keeps it on rejection', async () => {
    const retry = { ...linkForm, notice: wrongPassword };
    const answered = setup({ restoreSession: () => Promise.resolve(linkForm), linkAccount: () => Promise.resolve(retry) });
    await answered.controller.start();
    await answered.controller.linkAccount('ann', 'wrong', null);
    expect(answered.controller.state).toEqual({ view: retry, pending: null });

    const rejected = setup({ restoreSession: () => Promise.resolve(linkForm), linkAccount: () => Promise.reject(broken) });
    await rejected.controller.start();
    await rejected.controller.linkAccount('ann', 'pw', null);
    expect(rejected.controller.state).toEqual({ view: { ...linkForm, notice: errorNotice(broken) }, pending: null });
  });

  it('switches to another signed-in account by id', async () => {
    const switchAccount = vi.fn((accountId: string) => {
      void accountId;
      return Promise.resolve(readyMaria);
    });
    const { controller, states } = setup({ restoreSession: () => Promise.resolve(readyTwo), switchAccount });
    await controller.start();
    states.length = 0;
    await controller.switchAccount('a2');
    expect(switchAccount).toHaveBeenCalledExactlyOnceWith('a2');
    expect(states).toEqual([
      { view: readyTwo, pending: { action: 'switch_account', accountId: 'a2' } },
      { view: readyMaria, pending: null },
    ]);
  });

  it('runs "use a different account", "add another account" and "sign out of all" through their commands', async () => {
    const addingAccount: AppView = { screen: 'sign_in', notice: null, back_to: ready.account };
    const useDifferentAccount = vi.fn(() => Promise.resolve<AppView>(chooser));
    const addAccount = vi.fn(() => Promise.resolve(addingAccount));
    const signOutAll = vi.fn(() => Promise.resolve(signIn));
    const { controller, states } = setup({
      restoreSession: () => Promise.resolve(readyTwo),
      useDifferentAccount,
      addAccount,
      signOutAll,
    });
    await controller.start();

    states.length = 0;
    await controller.useDifferentAccount();
    expect(useDifferentAccount).toHaveBeenCalledTimes(1);
    expect(states).toEqual([
      { view: readyTwo, pending: { action: 'use_different_account' } },
      { view: chooser, pending: null },
    ]);

    controller.show(readyTwo);
    states.length = 0;
    await controller.addAccount();
    expect(addAccount).toHaveBeenCalledTimes(1);
    expect(states).toEqual([
      { view: readyTwo, pending: { action: 'add_account' } },
      { view: addingAccount, pending: null },
    ]);

    controller.show(readyTwo);
    states.length = 0;
    await controller.signOutAll();
    expect(signOutAll).toHaveBeenCalledTimes(1);
    expect(states).toEqual([
      { view: readyTwo, pending: { action: 'sign_out_all' } },
      { view: signIn, pending: null },
    ]);
  });

  it('keeps the ready screen with the error when an account command rejects', async () => {
    const rejecting = () => Promise.reject(broken);
    const { controller } = setup({
      restoreSession: () => Promise.resolve(readyTwo),
      switchAccount: rejecting,
      useDifferentAccount: rejecting,
      addAccount: rejecting,
      signOutAll: rejecting,
      signOut: rejecting,
    });
    await controller.start();
    const failed = { view: { ...readyTwo, notice: errorNotice(broken) }, pending: null };
    for (const run of [
      () => controller.switchAccount('a2'),
      () => controller.useDifferentAccount(),
      () => controller.addAccount(),
      () => controller.signOutAll(),
      () => controller.signOut(),
    ]) {
      controller.show(readyTwo);
      await run();
      expect(controller.state).toEqual(failed);
    }
  });

  it("shows the next account's ready screen when signing out answers with it", async () => {
    const { controller } = setup({
      restoreSession: () => Promise.resolve(readyTwo),
      signOut: () => Promise.resolve(readyMaria),
    });
    await controller.start();
    await controller.signOut();
    expect(controller.state).toEqual({ view: readyMaria, pending: null });
  });

  it('goes back to the signed-in account when cancelling answers with its ready screen', async () => {
    const { controller } = setup({
      restoreSession: () => Promise.resolve<AppView>({ screen: 'sign_in', notice: null, back_to: ready.account }),
      cancelSignIn: () => Promise.resolve(ready),
    });
    await controller.start();
    await controller.cancelSignIn();
    expect(controller.state).toEqual({ view: ready, pending: null });
  });

  it('ignores account commands while one is in flight', async () => {
    const switching = deferred<AppView>();
    const switchAccount = vi.fn(() => switching.promise);
    const signOutAll = vi.fn(() => Promise.resolve(signIn));
    const addAccount = vi.fn(() => Promise.resolve(signIn));
    const { controller } = setup({ restoreSession: () => Promise.resolve(readyTwo), switchAccount, signOutAll, addAccount });
    await controller.start();
    const first = controller.switchAccount('a2');
    await controller.signOutAll();
    await controller.addAccount();
    await controller.switchAccount('a3');
    expect(switchAccount).toHaveBeenCalledExactlyOnceWith('a2');
    expect(signOutAll).not.toHaveBeenCalled();
    expect(addAccount).not.toHaveBeenCalled();
    switching.resolve(readyMaria);
    await first;
    expect(controller.state).toEqual({ view: readyMaria, pending: null });
  });

  it('lets an app-view event win over a link answer still in flight', async () => {
    const linking = deferred<AppView>();
    const { controller, emit } = setup({
      restoreSession: () => Promise.resolve(linkForm),
      linkAccount: () => linking.promise,
    });
    await controller.start();
    const linked = controller.linkAccount('ann', 'pw', null);
    emit(ready);
    linking.resolve({ ...linkForm, notice: wrongPassword });
    await linked;
    expect(controller.state).toEqual({ view: ready, pending: null });
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
    cancel.resolve({ screen: 'sign_in', notice: null, back_to: null });
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

describe('failureView for password sign-in, the authenticator step and the settings', () => {
  const securityActions = [
    'close_security',
    'start_authenticator_setup',
    'confirm_authenticator',
    'disable_authenticator',
    'regenerate_recovery_codes',
    'add_linked_provider',
    'remove_linked_provider',
    'add_notification_email',
    'remove_notification_email',
    'sign_out_session',
    'change_password',
  ] as const;
  const signInWithError = { screen: 'sign_in', notice: errorNotice(broken), back_to: null };

  it('keeps the screen that issued the command, with the error', () => {
    for (const action of securityActions) {
      expect(failureView(securityView, action, broken)).toEqual({ ...securityView, notice: errorNotice(broken) });
    }
    // The recovery codes shown once stay on screen.
    expect(failureView(withRecoveryCodes, 'sign_out_session', broken)).toEqual({
      ...withRecoveryCodes,
      notice: errorNotice(broken),
    });
    expect(failureView(mfaView, 'submit_mfa_code', broken)).toEqual({ ...mfaView, notice: errorNotice(broken) });
    const addingAccount: AppView = { screen: 'sign_in', notice: null, back_to: ready.account };
    expect(failureView(addingAccount, 'sign_in_with_password', broken)).toEqual({
      ...addingAccount,
      notice: errorNotice(broken),
    });
    expect(failureView(ready, 'open_security', broken)).toEqual({ ...ready, notice: errorNotice(broken) });
  });

  it('lands on the sign-in screen when the screen does not match', () => {
    for (const action of securityActions) {
      expect(failureView(ready, action, broken)).toEqual(signInWithError);
      expect(failureView(waiting, action, broken)).toEqual(signInWithError);
    }
    expect(failureView(securityView, 'submit_mfa_code', broken)).toEqual(signInWithError);
    expect(failureView(securityView, 'open_security', broken)).toEqual(signInWithError);
    expect(failureView(mfaView, 'sign_in_with_password', broken)).toEqual(signInWithError);
    // Cancelling the authenticator step: the sign-in screen.
    expect(failureView(mfaView, 'cancel_sign_in', broken)).toEqual(signInWithError);
  });
});

describe('answeredAgain', () => {
  it('is true only for the same screen answered with a notice', () => {
    const retry = { ...mfaView, notice: wrongPassword };
    expect(answeredAgain(mfaView, retry, 'mfa_required')).toBe(true);
    expect(answeredAgain(mfaView, mfaView, 'mfa_required')).toBe(false);
    expect(answeredAgain(mfaView, { ...mfaView }, 'mfa_required')).toBe(false);
    expect(answeredAgain(mfaView, ready, 'mfa_required')).toBe(false);
    expect(answeredAgain(signIn, { ...signIn, notice: wrongPassword }, 'sign_in')).toBe(true);
    expect(answeredAgain(signIn, { ...signIn, notice: wrongPassword }, 'mfa_required')).toBe(false);
  });
});

describe('AppController: password sign-in, the authenticator step and the settings', () => {
  const secrets = ['s3cret-pw', 'n3w-passw0rd!', '246810', 'abcde-fghjk'];
  const invalidCredentials = {
    kind: 'error' as const,
    message: 'The username or password is wrong.',
    code: 'invalid_credentials' as const,
  };

  it('signs in with a password, then the authenticator code, keeping neither in the state', async () => {
    const signInWithPassword = vi.fn((username: string, password: string) => {
      void [username, password];
      return Promise.resolve<AppView>(mfaView);
    });
    const submitMfaCode = vi.fn((code: string) => {
      void code;
      return Promise.resolve<AppView>(ready);
    });
    const { controller, states } = setup({
      restoreSession: () => Promise.resolve(signIn),
      signInWithPassword,
      submitMfaCode,
    });
    await controller.start();
    states.length = 0;
    await controller.signInWithPassword('ann', 's3cret-pw');
    expect(signInWithPassword).toHaveBeenCalledExactlyOnceWith('ann', 's3cret-pw');
    await controller.submitMfaCode('246810');
    expect(submitMfaCode).toHaveBeenCalledExactlyOnceWith('246810');
    expect(states).toEqual([
      { view: signIn, pending: { action: 'sign_in_with_password' } },
      { view: mfaView, pending: null },
      { view: mfaView, pending: { action: 'submit_mfa_code' } },
      { view: ready, pending: null },
    ]);
    for (const secret of secrets) expect(JSON.stringify(states)).not.toContain(secret);
  });

  it('shows a wrong password or code as the answered view with its notice', async () => {
    const wrong = { ...signIn, notice: invalidCredentials };
    const wrongCode: AppView = {
      ...mfaView,
      notice: { kind: 'error', message: 'That code is wrong.', code: 'invalid_code' },
    };
    const { controller } = setup({
      restoreSession: () => Promise.resolve(signIn),
      signInWithPassword: () => Promise.resolve(wrong),
      submitMfaCode: () => Promise.resolve(wrongCode),
    });
    await controller.start();
    await controller.signInWithPassword('ann', 'nope');
    expect(controller.state).toEqual({ view: wrong, pending: null });
    controller.show(mfaView);
    await controller.submitMfaCode('000000');
    expect(controller.state).toEqual({ view: wrongCode, pending: null });
  });

  it('keeps the authenticator step with the error when submitting rejects', async () => {
    const { controller } = setup({
      restoreSession: () => Promise.resolve(mfaView),
      submitMfaCode: () => Promise.reject(broken),
    });
    await controller.start();
    await controller.submitMfaCode('123456');
    expect(controller.state).toEqual({ view: { ...mfaView, notice: errorNotice(broken) }, pending: null });
  });

  it('opens and closes the settings', async () => {
    const openSecurity = vi.fn(() => Promise.resolve<AppView>(securityView));
    const closeSecurity = vi.fn(() => Promise.resolve<AppView>(ready));
    const { controller, states } = setup({ restoreSession: () => Promise.resolve(ready), openSecurity, closeSecurity });
    await controller.start();
    states.length = 0;
    await controller.openSecurity();
    await controller.closeSecurity();
    expect(states).toEqual([
      { view: ready, pending: { action: 'open_security' } },
      { view: securityView, pending: null },
      { view: securityView, pending: { action: 'close_security' } },
      { view: ready, pending: null },
    ]);
  });

  it('passes each settings action its arguments and shows the answer, keeping no secrets', async () => {
    const answered = { ...securityView, notice: { kind: 'info' as const, message: 'Done.', code: null } };
    const calls: Array<[string, unknown[]]> = [];
    const record =
      (name: string) =>
      (...args: unknown[]) => {
        calls.push([name, args]);
        return Promise.resolve<AppView>(answered);
      };
    const { controller, states } = setup({
      restoreSession: () => Promise.resolve(securityView),
      startAuthenticatorSetup: record('startAuthenticatorSetup'),
      confirmAuthenticator: record('confirmAuthenticator'),
      disableAuthenticator: record('disableAuthenticator'),
      regenerateRecoveryCodes: record('regenerateRecoveryCodes'),
      addLinkedProvider: record('addLinkedProvider'),
      removeLinkedProvider: record('removeLinkedProvider'),
      addNotificationEmail: record('addNotificationEmail'),
      removeNotificationEmail: record('removeNotificationEmail'),
      signOutSession: record('signOutSession'),
      changePassword: record('changePassword'),
      confirmIdentity: record('confirmIdentity'),
      confirmNotificationEmail: record('confirmNotificationEmail'),
    });
    await controller.start();
    states.length = 0;
    await controller.startAuthenticatorSetup();
    await controller.confirmAuthenticator('s3cret-pw', '246810');
    await controller.disableAuthenticator('s3cret-pw', 'abcde-fghjk');
    await controller.regenerateRecoveryCodes('s3cret-pw', '246810');
    await controller.addLinkedProvider('microsoft', 's3cret-pw', 'abcde-fghjk');
    await controller.addLinkedProvider('google', 's3cret-pw', null);
    await controller.removeLinkedProvider('l2', 'Google');
    await controller.addNotificationEmail('vm@example.com');
    await controller.removeNotificationEmail('voicemail@example.com');
    await controller.signOutSession('s3', 'Phone');
    await controller.changePassword('s3cret-pw', 'n3w-passw0rd!', '135790');
    await controller.confirmIdentity('s3cret-pw', null);
    await controller.confirmNotificationEmail('vm@example.com', '123456');
    expect(calls).toEqual([
      ['startAuthenticatorSetup', []],
      ['confirmAuthenticator', ['s3cret-pw', '246810']],
      ['disableAuthenticator', ['s3cret-pw', 'abcde-fghjk']],
      ['regenerateRecoveryCodes', ['s3cret-pw', '246810']],
      ['addLinkedProvider', ['microsoft', 's3cret-pw', 'abcde-fghjk']],
      ['addLinkedProvider', ['google', 's3cret-pw', null]],
      ['removeLinkedProvider', ['l2', 'Google']],
      ['addNotificationEmail', ['vm@example.com']],
      ['removeNotificationEmail', ['voicemail@example.com']],
      ['signOutSession', ['s3', 'Phone']],
      ['changePassword', ['s3cret-pw', 'n3w-passw0rd!', '135790']],
      ['confirmIdentity', ['s3cret-pw', null]],
      ['confirmNotificationEmail', ['vm@example.com', '123456']],
    ]);
    expect(states.filter((_, index) => index % 2 === 0).map((state) => state.pending)).toEqual([
      { action: 'start_authenticator_setup' },
      { action: 'confirm_authenticator' },
      { action: 'disable_authenticator' },
      { action: 'regenerate_recovery_codes' },
      { action: 'add_linked_provider', providerId: 'microsoft' },
      { action: 'add_linked_provider', providerId: 'google' },
      { action: 'remove_linked_provider', linkId: 'l2' },
      { action: 'add_notification_email' },
      { action: 'remove_notification_email', email: 'voicemail@example.com' },
      { action: 'sign_out_session', sessionId: 's3' },
      { action: 'change_password' },
      { action: 'confirm_identity' },
      { action: 'confirm_notification_email', email: 'vm@example.com' },
    ]);
    expect(controller.state).toEqual({ view: answered, pending: null });
    for (const secret of secrets) expect(JSON.stringify(states)).not.toContain(secret);
  });

  it('keeps the settings with the error when an action rejects', async () => {
    const { controller } = setup({
      restoreSession: () => Promise.resolve(withRecoveryCodes),
      changePassword: () => Promise.reject(broken),
    });
    await controller.start();
    await controller.changePassword('old', 'correct horse', null);
    expect(controller.state).toEqual({ view: { ...withRecoveryCodes, notice: errorNotice(broken) }, pending: null });
  });

  it('brings the settings back through the app-view event after adding a provider in the browser', async () => {
    const linked = { ...securityView, notice: { kind: 'info' as const, message: 'Microsoft is linked.', code: null } };
    const { controller, emit } = setup({
      restoreSession: () => Promise.resolve(securityView),
      addLinkedProvider: () => Promise.resolve(waiting),
    });
    await controller.start();
    await controller.addLinkedProvider('microsoft', 's3cret-pw', null);
    expect(controller.state).toEqual({ view: waiting, pending: null });
    emit(linked);
    expect(controller.state).toEqual({ view: linked, pending: null });
  });

  it('saves the recovery codes without changing the view', async () => {
    const saveRecoveryCodes = vi.fn((username: string, codes: string[]) => {
      void [username, codes];
      return Promise.resolve('/home/ann/Documents/Switchboard recovery codes (ann).txt');
    });
    const { controller, states } = setup({ restoreSession: () => Promise.resolve(withRecoveryCodes), saveRecoveryCodes });
    await controller.start();
    states.length = 0;
    await expect(controller.saveRecoveryCodes('ann', ['abcde-fghjk'])).resolves.toBe(
      '/home/ann/Documents/Switchboard recovery codes (ann).txt',
    );
    expect(saveRecoveryCodes).toHaveBeenCalledExactlyOnceWith('ann', ['abcde-fghjk']);
    expect(states).toEqual([]);
  });

  it('ignores settings actions while one is in flight', async () => {
    const removing = deferred<AppView>();
    const removeNotificationEmail = vi.fn(() => removing.promise);
    const signOutSession = vi.fn(() => Promise.resolve<AppView>(securityView));
    const { controller } = setup({
      restoreSession: () => Promise.resolve(securityView),
      removeNotificationEmail,
      signOutSession,
    });
    await controller.start();
    const first = controller.removeNotificationEmail('voicemail@example.com');
    await controller.signOutSession('s1', 'Work laptop');
    expect(signOutSession).not.toHaveBeenCalled();
    removing.resolve(securityView);
    await first;
    expect(removeNotificationEmail).toHaveBeenCalledTimes(1);
  });
});
