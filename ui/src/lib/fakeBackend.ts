// A Backend for tests: every call stays pending unless the test overrides it.
import type { Backend } from './bridge';

const never = <T>(): Promise<T> => new Promise<T>(() => {});

export function fakeBackend(overrides: Partial<Backend> = {}): Backend {
  return {
    appInfo: never,
    portalStatus: never,
    restoreSession: never,
    startSignIn: never,
    cancelSignIn: never,
    chooseAccount: never,
    linkAccount: never,
    useDifferentAccount: never,
    switchAccount: never,
    addAccount: never,
    signOut: never,
    signOutAll: never,
    onAppView: () => Promise.resolve(() => {}),
    ...overrides,
  };
}
