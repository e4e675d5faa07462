// A Backend for tests: every call stays pending unless the test overrides it.
import type { Backend } from './bridge';

const never = <T>(): Promise<T> => new Promise<T>(() => {});

export function fakeBackend(overrides: Partial<Backend> = {}): Backend {
  return {
    appInfo: never,
    portalStatus: never,
    restoreSession: never,
    startSignIn: never,
    startEmailSignIn: never,
    cancelSignIn: never,
    chooseAccount: never,
    linkAccount: never,
    useDifferentAccount: never,
    switchAccount: never,
    addAccount: never,
    signOut: never,
    signOutAll: never,
    signInWithPassword: never,
    submitMfaCode: never,
    openSecurity: never,
    closeSecurity: never,
    startAuthenticatorSetup: never,
    confirmAuthenticator: never,
    disableAuthenticator: never,
    regenerateRecoveryCodes: never,
    saveRecoveryCodes: never,
    addLinkedProvider: never,
    removeLinkedProvider: never,
    addNotificationEmail: never,
    removeNotificationEmail: never,
    signOutSession: never,
    changePassword: never,
    confirmNotificationEmail: never,
    confirmIdentity: never,
    lines: () => Promise.resolve([]),
    onAppView: () => Promise.resolve(() => {}),
    onLines: () => Promise.resolve(() => {}),
    ...overrides,
  };
}
